/**
 * Ewald parameters: the splitting parameter α and the two cut-offs, chosen for a structure from a
 * requested accuracy; the charges of a structure's atoms; and small helpers shared by the real- and
 * reciprocal-space terms (a strain contraction, the taper, a 3×3 block update).
 *
 * ## Truncation errors (per atom)
 *
 * Let N atoms with mean square charge Q₂ = Σq²/N fill a volume V (density ρ = N/V), k the
 * Coulomb constant.
 *
 * Real space. The terms left out are ½ Σᵢ Σ_{j, r>r_c} k qᵢqⱼ erfc(αr)/r. Dropping every sign
 * (no cancellation between shells) and replacing the sum over neighbours by an integral over a uniform density ρ, the error per atom is
 *   δ_real = ½ k Q₂ ρ ∫_{r_c}^∞ 4πr² erfc(αr)/r dr = 2π k Q₂ ρ I(αr_c)/α²,
 *   I(x) = ∫ₓ^∞ t erfc(t) dt = ¼ erfc(x)(1 − 2x²) + x e^{−x²}/(2√π)
 * (integrate by parts and use ∫ₓ^∞ t² e^{−t²} dt = x e^{−x²}/2 + (√π/4) erfc(x)).
 *
 * Reciprocal space. The terms left out are (2πk/V) Σ_{|G|>G_c} e^{−G²/4α²}/G² |S(G)|². With the
 * structure factor at its mean square over phases, ⟨|S|²⟩ = Σq² = N Q₂, and the sum over the
 * reciprocal lattice replaced by V/(2π)³ ∫ d³G, the error per atom is
 *   δ_recip = (k Q₂/π) ∫_{G_c}^∞ e^{−G²/4α²} dG = k Q₂ (α/√π) erfc(G_c/2α),
 * i.e. the self energy per atom times erfc(G_c/2α) (Kolafa & Perram give the same exponential
 * factors, doi:10.1080/08927029208049126).
 *
 * Neither estimate is a bound for a real crystal: the terms just beyond a cut-off come in discrete
 * shells (of neighbours, or of reciprocal-lattice vectors), and in a crystal |S(G)|² is large on a
 * sublattice of G and zero elsewhere (in rock salt it is (Σ|q|)², N times its mean, at all-odd
 * hkl). Over the reference cells, supercells of them and a few other binary and ternary crystals
 * (rock salt, CsCl, fluorite, zinc blende, wurtzite, a triclinic cell, a long hexagonal cell), at
 * α from 0.25 to 1 Å⁻¹ and x = αr₁ = G₁/2α from 2.5 to 4.5 (r₁, G₁: where the taper below
 * begins), the true truncation error was at most 5 times δ_real(r₁) and 10 times δ_recip(G₁)
 * (19 times with hard cut-offs). So each cut-off is the smallest with its estimate at most
 * accuracy/40 (ERROR_SHARE): the energy is then converged to about 0.4 × accuracy per atom in the
 * worst case seen, and typically to a tenth of it. This costs about 20% more work than
 * accuracy/4 would.
 *
 * ## Choice of α
 *
 * With r_c = x/α and G_c = 2αy (x ≈ y ≈ 4 for 1e−8 eV), the real-space work is the number of
 * pairs, N·(2π/3) r_c³ ρ, times the cost t_r of one pair, and the reciprocal-space work is the
 * number of G vectors in the half space, V G_c³/(12π²), times N times the cost t_G of one
 * (G, atom) term:
 *   cost(α) ≈ N² (2π/3) x³ t_r / (V α³) + N V (2/(3π²)) y³ α³ t_G,
 * which is least at α⁶ = π³ (t_r/t_G) N / V² (Fincham, doi:10.1080/08927029408022180):
 *   α = (π³ w N / V²)^{1/6}, w = t_r/t_G = EWALD_COST_RATIO, measured for this implementation.
 *
 * ## Smooth cut-offs
 *
 * A hard cut-off makes the energy jump whenever a pair distance or a |G| crosses it, and the
 * lattice moves under strain: a G vector at the reciprocal cut-off carries about 1e−9 eV, which a
 * central difference with step 1e−5 turns into 1e−4 eV, and with 8 atoms a G vector or a pair
 * lies within 1e−4 (relative) of the cut-offs often enough to matter. So both sums are tapered
 * over the last EWALD_TAPER = 3% of their cut-offs by the quintic smooth step
 *   s(t) = t³(10 − 15t + 6t²),   s(0) = 0, s(1) = 1, s', s'' = 0 at both ends,
 * in t = (r_c − r)/(r_c − r₁) for a pair at distance r (r₁ = (1 − EWALD_TAPER) r_c), and in
 * t = (G_c² − u)/(G_c² − G₁²) for a G vector with u = |G|² (G₁ = (1 − EWALD_TAPER) G_c). The terms are
 * whole inside r₁ and G₁ and vanish, with two derivatives, at r_c and G_c: the energy is twice
 * continuously differentiable in positions and strain, and the derivatives (real.ts,
 * reciprocal.ts) are those of the tapered terms, so they are exact. The taper only removes terms
 * beyond r₁ and G₁, so the error estimates above are applied at r₁ and G₁.
 *
 * ## Why α and r_c are rounded
 *
 * The truncated sum depends on α and on the cut-offs by amounts of the order of the accuracy. A
 * rule that moved α and r_c continuously with the cell would add to each strain derivative a term
 * ∂E/∂α · ∂α/∂e that the analytic derivatives leave out. So α is rounded to the nearest power of
 * 2^{1/8} and r_c up to the next 0.1 Å: the parameters are then the same over a neighbourhood of
 * almost every cell, and the analytic derivatives are exact derivatives of the energy that is
 * actually computed there. G_c depends on α and the charges only.
 */
import type { Structure } from '../../crystal/structure.js';
import { DomainError } from '../../errors.js';
import { COULOMB_EV_ANGSTROM } from '../../units/index.js';
import { voigtIndex, VOIGT_PAIRS } from '../../math/voigt.js';
import { erfc, erfcx } from './erfc.js';

export interface EwaldOptions {
  /** Convergence of the Coulomb energy, eV per atom (default 1e-8). */
  accuracy?: number;
  /** Splitting parameter α, Å⁻¹ (default: balanced for the cell, see above). */
  alpha?: number;
  /** Real-space cut-off, Å, where the taper ends (default: from α and the accuracy). */
  realCutoff?: number;
  /** Reciprocal-space cut-off |G|, Å⁻¹, where the taper ends (default: from α and the accuracy). */
  reciprocalCutoff?: number;
}

export interface ResolvedEwaldOptions {
  accuracy: number;
  alpha: number | undefined;
  realCutoff: number | undefined;
  reciprocalCutoff: number | undefined;
}

/** The parameters one evaluation uses. */
export interface EwaldParameters {
  /** Å⁻¹ */
  alpha: number;
  /** Å; pair terms are tapered to zero over [(1 − EWALD_TAPER) r_c, r_c] */
  realCutoff: number;
  /** Å⁻¹; G terms are tapered to zero over [(1 − EWALD_TAPER) G_c, G_c] */
  reciprocalCutoff: number;
}

export const EWALD_DEFAULTS = { accuracy: 1e-8 } as const;

/**
 * Cost of one real-space pair over the cost of one (G, atom) term in reciprocal space, for this
 * implementation. Measured by timing the eight 2- and 8-atom reference cells (to second order), a
 * 32-atom cell (second order) and a 512-atom cell (first order) with α from w = 1 to 12: in all
 * three the time is within about 10% of its least for w from 3 to 8, and rises outside
 * (`node --import tsx bench/ewald.ts --scan`).
 */
export const EWALD_COST_RATIO = 4;

/**
 * The cost ratio for cells of LARGE_CELL_ATOMS atoms or more. There the second derivatives (whose
 * reciprocal part is O(N²) per G vector) are not what is computed over and over; relaxations of
 * large cells (L-BFGS, relaxation/lbfgs.ts) evaluate energy and gradient only, where one real-space
 * pair (neighbour search, erfc, taper) costs more against one (G, atom) term than at second order.
 * Timed on rock-salt PbSe and zinc-blende CdSe supercells (216 and 1000 atoms, energy + gradient,
 * accuracy 1e-8 and 1e-6 eV/atom, w = 2..32): w = 12 is within the noise of the least at 216 atoms
 * and 1.9× faster than w = 4 at 1000 atoms (144 against 276 ms on the 2-core development machine).
 * Energy and gradient (orders 0 and 1) use the same α; second derivatives of large cells use
 * EWALD_HESSIAN_COST_RATIO (below).
 */
export const EWALD_COST_RATIO_LARGE = 12;
/** Cells with at least this many atoms use EWALD_COST_RATIO_LARGE (and, at second order, EWALD_HESSIAN_COST_RATIO). */
export const LARGE_CELL_ATOMS = 128;

/**
 * w·N at second order for cells of LARGE_CELL_ATOMS atoms or more: w = EWALD_HESSIAN_COST_RATIO / N.
 * The second derivatives make each G vector cost O(N²) (the pair table of the position block),
 * against O(N) for energy and gradient, while a real-space pair costs about the same at either
 * order; with t_G ∝ N in the cost above, N cancels from α⁶ = π³ (t_r/t_G) N / V², so the balanced
 * α depends on the volume alone: α = (π³ W / V²)^{1/6} with W = w N. Timed on rock-salt PbSe
 * (128, 512 and 1024 atoms), zinc-blende (216) and wurtzite CdSe (256) supercells to second order,
 * W = 64..1536 (docs/performance.md): W = 256 is within about 25% of the least
 * in all five (the least moves to lower W as the O(N²) pair table outgrows the caches), and 1.2-2×
 * faster than the first-order choice w = 12 (512 atoms: 1.3 against 2.6 s of CPU).
 * So a large cell's energy and gradient use one α and its Hessian another: each is converged to
 * the accuracy, and within one evaluation every quantity is of one energy (a Newton relaxation,
 * which evaluates every point to second order, sees one energy surface; so does L-BFGS at first order).
 */
export const EWALD_HESSIAN_COST_RATIO = 256;

/** Fraction of each cut-off over which the terms are tapered to zero (see above). */
export const EWALD_TAPER = 0.03;

/** Each truncation-error estimate is held to this fraction of the accuracy (see above). */
const ERROR_SHARE = 1 / 40;
/** α is rounded to a power of 2^{1/ALPHA_STEPS}. */
const ALPHA_STEPS = 8;
/** r_c is rounded up to a multiple of 1/CUTOFF_STEPS_PER_ANGSTROM, Å. */
const CUTOFF_STEPS_PER_ANGSTROM = 10;

const SQRT_PI = Math.sqrt(Math.PI);

/** Check the options at the door and fill in the defaults. */
export function checkEwaldOptions(options: EwaldOptions = {}): ResolvedEwaldOptions {
  const positive = (name: keyof EwaldOptions): number | undefined => {
    const v = options[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0))
      throw new DomainError('INVALID_POTENTIAL', `Ewald option ${name} must be a positive number (got ${String(v)})`, { option: name });
    return v;
  };
  return {
    accuracy: positive('accuracy') ?? EWALD_DEFAULTS.accuracy,
    alpha: positive('alpha'),
    realCutoff: positive('realCutoff'),
    reciprocalCutoff: positive('reciprocalCutoff'),
  };
}

/** Check a charge table: every value a finite number. */
export function checkCharges(charges: Record<string, number>): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [s, q] of Object.entries(charges)) {
    if (typeof q !== 'number' || !Number.isFinite(q))
      throw new DomainError('INVALID_POTENTIAL', `the charge of ${s} must be a finite number (got ${String(q)})`, { species: s });
    out[s] = q;
  }
  return Object.freeze(out);
}

/** Charge of every atom, e. Throws UNKNOWN_SPECIES for a species without a charge. */
export function atomCharges(structure: Structure, charges: Readonly<Record<string, number>>): Float64Array {
  const q = new Float64Array(structure.numAtoms);
  for (let i = 0; i < q.length; i++) {
    const s = structure.species[i]!;
    if (!Object.hasOwn(charges, s)) throw new DomainError('UNKNOWN_SPECIES', `species ${s} has no charge`, { species: s });
    q[i] = charges[s]!;
  }
  return q;
}

/** I(x) = ∫ₓ^∞ t erfc(t) dt, written with erfcx so that it does not underflow early. */
function tailIntegral(x: number): number {
  return Math.exp(-x * x) * (0.25 * erfcx(x) * (1 - 2 * x * x) + x / (2 * SQRT_PI));
}

/** Real-space truncation error per atom (estimate, see above), eV. */
export function realSpaceError(alpha: number, realCutoff: number, meanSquareCharge: number, density: number): number {
  return (2 * Math.PI * COULOMB_EV_ANGSTROM * meanSquareCharge * density * tailIntegral(alpha * realCutoff)) / (alpha * alpha);
}

/** Reciprocal-space truncation error per atom (estimate, see above), eV. */
export function reciprocalSpaceError(alpha: number, reciprocalCutoff: number, meanSquareCharge: number): number {
  return ((COULOMB_EV_ANGSTROM * meanSquareCharge * alpha) / SQRT_PI) * erfc(reciprocalCutoff / (2 * alpha));
}

/** Smallest x in [lo, hi] with f(x) ≤ target, f decreasing (bisection to 1e-12). */
function solveDecreasing(f: (x: number) => number, target: number, lo: number, hi: number): number {
  if (f(lo) <= target) return lo;
  for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) <= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The balanced α of the cell for derivatives up to `order` (default 1; the choice depends on the
 * order only for cells of LARGE_CELL_ATOMS or more), rounded to a power of 2^{1/8}.
 */
export function balancedAlpha(numAtoms: number, volume: number, order = 1): number {
  const w = numAtoms < LARGE_CELL_ATOMS ? EWALD_COST_RATIO : order >= 2 ? EWALD_HESSIAN_COST_RATIO / numAtoms : EWALD_COST_RATIO_LARGE;
  const raw = Math.pow((Math.PI ** 3 * w * numAtoms) / (volume * volume), 1 / 6);
  return Math.pow(2, Math.round(Math.log2(raw) * ALPHA_STEPS) / ALPHA_STEPS);
}

/** Resolve the parameters for a structure whose atom charges are known, for derivatives up to `order` (default 1). */
export function resolveForCharges(structure: Structure, q: Float64Array, options: ResolvedEwaldOptions, order = 1): EwaldParameters {
  const n = structure.numAtoms;
  const volume = structure.lattice.volume;
  const alpha = options.alpha ?? balancedAlpha(n, volume, order);
  let sumQ2 = 0;
  for (let i = 0; i < n; i++) sumQ2 += q[i]! * q[i]!;
  if (sumQ2 === 0) return { alpha, realCutoff: options.realCutoff ?? 0, reciprocalCutoff: options.reciprocalCutoff ?? 0 };
  const q2 = sumQ2 / n;
  const target = ERROR_SHARE * options.accuracy;
  let realCutoff = options.realCutoff;
  if (realCutoff === undefined) {
    const x = solveDecreasing((t) => realSpaceError(alpha, t / alpha, q2, n / volume), target, 0.5, 40);
    realCutoff = Math.ceil((x / alpha / (1 - EWALD_TAPER)) * CUTOFF_STEPS_PER_ANGSTROM - 1e-9) / CUTOFF_STEPS_PER_ANGSTROM;
  }
  let reciprocalCutoff = options.reciprocalCutoff;
  if (reciprocalCutoff === undefined) {
    const y = solveDecreasing((t) => reciprocalSpaceError(alpha, 2 * alpha * t, q2), target, 0.5, 40);
    reciprocalCutoff = (2 * alpha * y) / (1 - EWALD_TAPER);
  }
  return { alpha, realCutoff, reciprocalCutoff };
}

/**
 * The Ewald parameters this library uses for `structure` with the given charges and options:
 * α balanced for the cell (or as given) and the cut-offs from the accuracy (or as given).
 * Throws UNKNOWN_SPECIES for a species without a charge.
 */
export function resolveEwaldParameters(structure: Structure, charges: Record<string, number>, options: EwaldOptions = {}, order = 1): EwaldParameters {
  return resolveForCharges(structure, atomCharges(structure, checkCharges(charges)), checkEwaldOptions(options), order);
}

/** Trace of the Voigt strain basis: tr D_k = 1 for k = 0..2, else 0. */
export const STRAIN_TRACE: readonly number[] = [1, 1, 1, 0, 0, 0];

/**
 * The contraction a·D_k D_l·a of a vector with two strain basis matrices, given the six Voigt
 * components m = (a_x a_x, a_y a_y, a_z a_z, a_y a_z, a_x a_z, a_x a_y) of a ⊗ a (or of any sum
 * Σ w a ⊗ a). With D_k = (e_p e_qᵀ + e_q e_pᵀ)/2 for k = (p, q) and l = (r, s):
 *   a·D_k D_l·a = ¼ (δ_qr a_p a_s + δ_qs a_p a_r + δ_pr a_q a_s + δ_ps a_q a_r).
 * With m = (1, 1, 1, 0, 0, 0) it is tr(D_k D_l).
 */
export function strainContraction(m: ArrayLike<number>, k: number, l: number): number {
  const [p, q] = VOIGT_PAIRS[k]!;
  const [r, s] = VOIGT_PAIRS[l]!;
  let t = 0;
  if (q === r) t += m[voigtIndex(p, s)]!;
  if (q === s) t += m[voigtIndex(p, r)]!;
  if (p === r) t += m[voigtIndex(q, s)]!;
  if (p === s) t += m[voigtIndex(q, r)]!;
  return 0.25 * t;
}

/** Add the symmetric 3×3 block (xx, yy, zz, yz, xz, xy) at offset o of a row-major matrix. */
export function addBlock(h: Float64Array, o: number, dim: number, xx: number, yy: number, zz: number, yz: number, xz: number, xy: number): void {
  h[o]! += xx; h[o + 1]! += xy; h[o + 2]! += xz;
  h[o + dim]! += xy; h[o + dim + 1]! += yy; h[o + dim + 2]! += yz;
  h[o + 2 * dim]! += xz; h[o + 2 * dim + 1]! += yz; h[o + 2 * dim + 2]! += zz;
}

/**
 * The quintic smooth step s(t) = t³(10 − 15t + 6t²) and its first two derivatives, written into
 * out[0..2] (t is clamped to [0, 1]).
 */
export function smoothStep(t: number, out: Float64Array): void {
  if (t <= 0) {
    out[0] = 0; out[1] = 0; out[2] = 0;
  } else if (t >= 1) {
    out[0] = 1; out[1] = 0; out[2] = 0;
  } else {
    const u = 1 - t;
    out[0] = t * t * t * (10 - 15 * t + 6 * t * t);
    out[1] = 30 * t * t * u * u;
    out[2] = 60 * t * u * (1 - 2 * t);
  }
}
