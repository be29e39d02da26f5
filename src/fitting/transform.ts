/**
 * Well-conditioned internal variables for the fit.
 *
 * Buckingham A spans orders of magnitude (1e3 … 1e10 eV), so the fit varies ln A: a unit step
 * means the same relative change for every pair. Every other parameter p is scaled by its
 * starting magnitude, z = p / s with s = |p₀| (or 1 if p₀ = 0), so all internal variables are of
 * order one and one finite-difference step suits them all.
 *
 * ln A and ρ are nearly degenerate: what the crystal feels is the repulsion near the contact
 * distance r₀, A e^(−r₀/ρ), and a fit moving along that valley crawls (their correlation is
 * −0.999 or closer). When both A and ρ of a pair vary and A has no explicit bounds, the internal
 * variable for A is therefore ln A − r₀/ρ, the logarithm of the repulsion at r₀ (r₀: the shortest
 * contact of that pair in the input structures), which decorrelates the two.
 *
 * Bounds: the document's `bounds` when given; otherwise the physical default box `DEFAULT_BOUNDS`
 * of the parameter's potential type (below, with where each number comes from), widened to take in
 * the start when the document's own value lies outside it. A decorrelated A (internal variable
 * ln of the repulsion at r₀) is bounded through that variable: the repulsion at the shortest
 * contact stays within `REPULSION_AT_CONTACT`. A fitted charge (`Cd.charge`, scaled by its start
 * like any other parameter) keeps its sign by default: a cation stays a cation.
 */
import { parseChargeName, parseParameterName, type PairType } from '../potentials/forcefield.js';

/**
 * The physical default box per potential type and parameter, used unless the document gives
 * `bounds`. Where the numbers come from (the fit suite's 26 published Buckingham pairs,
 * fixtures/fit-suite/, and the sets they cite; docs/fitsuite.md):
 * - Buckingham ρ in [0.05, 0.8] Å: published oxide, fluoride and chalcogenide sets span 0.111
 *   (Cd-Se, the reference case) … 0.149 (O-O, Lewis & Catlow 1985) … 0.36 (Zn-O, Ce-O, Sr-O;
 *   Ba-O 0.397); Tosi-Fumi alkali halides 0.29–0.35. The box leaves a factor 2 on either side
 *   (0.111/2, 0.397×2); below 0.05 Å the repulsion of a 2–3 Å contact rises tenfold within 4–6 %
 *   of the contact, a step (the hard wall of `guards.ts`). (An upper 0.6 Å was measured first:
 *   it held fits on it that reach the same objective inside 0.8, docs/fitsuite.md.)
 * - Buckingham A in [0, 1e10] eV (when A is not decorrelated from ρ): the largest published A
 *   we know of is 1.32e9 eV (Cd-Se, reference case); oxide and halide sets are 5e2–3e4 eV.
 * - Buckingham C in [0, 1e4] eV·Å⁶: O-O 27.88 (Lewis & Catlow), 175 (SrTiO3, Thomas et al.),
 *   Pb-Se 168.8, Se-Se 152.4 (reference case); negative C is not dispersion.
 * - Lennard-Jones A, B ≥ 0 (repulsive r⁻¹², attractive r⁻⁶).
 */
export const DEFAULT_BOUNDS: Readonly<Record<string, [number, number]>> = {
  'buckingham.A': [0, 1e10],
  'buckingham.rho': [0.05, 0.8],
  'buckingham.C': [0, 1e4],
  'lennard-jones.A': [0, Number.POSITIVE_INFINITY],
  'lennard-jones.B': [0, Number.POSITIVE_INFINITY],
};

/**
 * The default box of a decorrelated A: the Buckingham repulsion A e^(−r₀/ρ) at the pair's shortest
 * contact r₀ in the input structures, eV. The 26 published pairs of the fit suite have 1.0e-5 eV
 * (O-O in ZnO, 3.21 Å) … 3.1 eV (Al-O in corundum, 1.86 Å); the box leaves two decades on either
 * side (below 1e-7 eV the pair no longer acts at any contact, above 100 eV one contact would
 * hold more energy than the lattice energy per ion).
 */
export const REPULSION_AT_CONTACT: readonly [number, number] = [1e-7, 1e2];

/** The default box of a parameter (`Cd-Se.rho`) of a pair of the given type, or none (an unknown name). */
export function defaultBoundsOf(type: PairType | undefined, param: string, p0 = 0): [number, number] {
  const b = type ? DEFAULT_BOUNDS[`${type}.${param}`] : undefined;
  return b ? [b[0], b[1]] : defaultBounds(param, p0);
}

export interface ParameterTransform {
  names: string[];
  /** physical → internal */
  toInternal(p: readonly number[]): number[];
  /** internal → physical */
  toPhysical(z: readonly number[]): number[];
  /** ∂p_j/∂z_k at z (rows j = physical, columns k = internal). */
  jacobian(z: readonly number[]): number[][];
  /** internal bounds */
  lower: number[];
  upper: number[];
  /** which parameters are log-transformed */
  log: boolean[];
}

/**
 * @param contacts r₀ per pair key (`Cd-Se`), Å: the distance at which the repulsion of a pair whose
 *   A and ρ both vary is parametrised (omit to fit plain ln A)
 * @param types potential type per pair key: the default box of a parameter without document bounds
 *   is that type's `DEFAULT_BOUNDS` (omit: the type-blind `defaultBounds`, and a decorrelated A
 *   unbounded)
 */
export function makeTransform(names: readonly string[], start: readonly number[], bounds: Record<string, [number, number]>, contacts: Record<string, number> = {}, types?: Record<string, PairType>): ParameterTransform {
  const n = names.length;
  // a charge (`Cd.charge`) is scaled by its start, bounded by default to keep its sign
  const ids = names.map((nm) => parseParameterName(nm) ?? { pair: `charge:${parseChargeName(nm) ?? nm}`, param: 'charge' });
  const log: boolean[] = [];
  const scale: number[] = [];
  /** for an A index: the index of its pair's ρ and r₀, when decorrelated */
  const partner = new Map<number, { rho: number; r0: number }>();
  names.forEach((name, i) => {
    const { pair, param } = ids[i]!;
    const p0 = start[i]!;
    const isLog = param === 'A' && p0 > 0;
    log.push(isLog);
    scale.push(isLog ? 1 : Math.abs(p0) || 1);
    const rho = ids.findIndex((x) => x.pair === pair && x.param === 'rho');
    const r0 = contacts[pair];
    if (isLog && rho >= 0 && r0 !== undefined && r0 > 0 && !bounds[name]) partner.set(i, { rho, r0 });
  });
  const toPhysical = (z: readonly number[]): number[] => {
    const p = z.map((v, i) => (log[i] ? Math.exp(v) : v * scale[i]!));
    for (const [i, { rho, r0 }] of partner) p[i] = Math.exp(z[i]! + r0 / p[rho]!);
    return p;
  };
  const toInternal = (p: readonly number[]): number[] => {
    const z = p.map((v, i) => (log[i] ? Math.log(v) : v / scale[i]!));
    for (const [i, { rho, r0 }] of partner) z[i] = Math.log(p[i]!) - r0 / p[rho]!;
    return z;
  };
  const lower: number[] = [];
  const upper: number[] = [];
  names.forEach((name, i) => {
    const p0 = start[i]!;
    const part = partner.get(i);
    if (part) {
      if (!types) {
        lower.push(Number.NEGATIVE_INFINITY);
        upper.push(Number.POSITIVE_INFINITY);
        return;
      }
      // ln of the repulsion at r₀, widened to take in the start
      const u0 = Math.log(p0) - part.r0 / start[part.rho]!;
      lower.push(Math.min(Math.log(REPULSION_AT_CONTACT[0]), u0));
      upper.push(Math.max(Math.log(REPULSION_AT_CONTACT[1]), u0));
      return;
    }
    const d = types ? defaultBoundsOf(types[ids[i]!.pair], ids[i]!.param, p0) : defaultBounds(ids[i]!.param, p0);
    const b = bounds[name] ?? [Math.min(d[0], p0), Math.max(d[1], p0)];
    const toZ = (v: number): number => (log[i] ? (v > 0 ? Math.log(v) : -Infinity) : v / scale[i]!);
    lower.push(toZ(b[0]));
    upper.push(toZ(b[1]));
  });
  return {
    names: [...names],
    log,
    lower,
    upper,
    toInternal,
    toPhysical,
    jacobian: (z) => {
      const p = toPhysical(z);
      const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) m[i]![i] = log[i] ? p[i]! : scale[i]!;
      for (const [i, { rho, r0 }] of partner) m[i]![rho] = p[i]! * (-r0 / (p[rho]! * p[rho]!)) * scale[rho]!;
      return m;
    },
  };
}

/** The type-blind fallback box (a parameter whose potential type is not known); a charge keeps the sign of its start `p0`. */
export function defaultBounds(param: string, p0 = 0): [number, number] {
  switch (param) {
    case 'charge':
      return p0 > 0 ? [0, Number.POSITIVE_INFINITY] : p0 < 0 ? [Number.NEGATIVE_INFINITY, 0] : [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
    case 'rho':
      return [0.01, 2];
    case 'C':
    case 'B':
    case 'A':
      return [0, Number.POSITIVE_INFINITY];
    default:
      return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  }
}
