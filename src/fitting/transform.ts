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
 * Bounds: the document's `bounds` when given; otherwise physical ones: A > 0 (implied by ln A),
 * ρ ∈ [0.01, 2] Å, C ≥ 0 and B ≥ 0 (attractive dispersion), and a fitted charge (`Cd.charge`,
 * scaled by its start like any other parameter) keeps its sign: a cation stays a cation.
 */
import { parseChargeName, parseParameterName } from '../potentials/forcefield.js';

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
 */
export function makeTransform(names: readonly string[], start: readonly number[], bounds: Record<string, [number, number]>, contacts: Record<string, number> = {}): ParameterTransform {
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
    if (partner.has(i)) {
      lower.push(Number.NEGATIVE_INFINITY);
      upper.push(Number.POSITIVE_INFINITY);
      return;
    }
    const b = bounds[name] ?? defaultBounds(ids[i]!.param, start[i]!);
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

/** The default bounds of a parameter kind; a charge keeps the sign of its start `p0`. */
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
