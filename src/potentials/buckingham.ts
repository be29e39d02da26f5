/**
 * The Buckingham pair form (R. A. Buckingham, Proc. R. Soc. Lond. A 168, 264 (1938),
 * doi:10.1098/rspa.1938.0173), as used for ionic solids by GULP (J. D. Gale, J. Chem. Soc.
 * Faraday Trans. 93, 629 (1997), doi:10.1039/A606455H):
 *
 *   φ(r)   = A e^{−r/ρ} − C r⁻⁶                      A in eV, ρ in Å, C in eV·Å⁶
 *   φ'(r)  = −(A/ρ) e^{−r/ρ} + 6 C r⁻⁷
 *   φ''(r) =  (A/ρ²) e^{−r/ρ} − 42 C r⁻⁸
 *
 * For a pair with d = r_j + T − r_i and r = |d| (derivation for every pair form in `pair.ts`):
 *   force on j        F_j = −φ'(r) d/r = [(A/ρ) e^{−r/ρ} − 6C r⁻⁷] d/r = −F_i
 *   strain derivative ∂E/∂e_k = Σ (φ'(r)/r) d_a d_b   ((a,b) the Cartesian pair of Voigt index k)
 *   second derivatives from g = φ'/r and h = (φ'' − g)/r² through K = g I + h d dᵀ.
 *
 * Parameter derivatives (for the fit's analytic Jacobian), with x = e^{−r/ρ}:
 *
 *   ∂φ/∂A = x                        ∂φ'/∂A = −x/ρ
 *   ∂φ/∂ρ = A x r/ρ²                 ∂φ'/∂ρ = (A x/ρ²)(1 − r/ρ)
 *   ∂φ/∂C = −r⁻⁶                     ∂φ'/∂C = 6 r⁻⁷
 *
 * The "Buckingham catastrophe": for C > 0 the dispersion term wins as r → 0, so φ rises from −∞
 * to a local maximum at the turnover distance r_t, falls to the well, and returns to 0⁻. Writing
 * φ'(r) = 0 as q(r) = ln(A/ρ) − r/ρ − ln(6C) + 7 ln r = 0, q' = 7/r − 1/ρ vanishes only at 7ρ,
 * so q rises on (0, 7ρ) and falls after: the turnover (the maximum) is the root of q below 7ρ,
 * and the well minimum the root above. If q(7ρ) ≤ 0 there is no barrier at all and the pair
 * collapses from any distance. Pairs closer than r_t (e.g. in a badly started relaxation) fall
 * into the singularity; a fit should keep r_t well below the shortest distance it samples.
 */
import { DomainError } from '../errors.js';
import type { PairForm } from './pair-form.js';

export class BuckinghamForm implements PairForm {
  readonly type = 'buckingham' as const;
  readonly parameterNames = ['A', 'rho', 'C'] as const;
  readonly A: number;
  readonly rho: number;
  readonly C: number;
  private readonly invRho: number;

  constructor(A: number, rho: number, C: number) {
    this.A = A;
    this.rho = rho;
    this.C = C;
    this.invRho = 1 / rho;
  }

  phi(r: number): number {
    const r2 = r * r;
    return this.A * Math.exp(-r * this.invRho) - this.C / (r2 * r2 * r2);
  }

  dphi(r: number): number {
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    return -this.A * this.invRho * Math.exp(-r * this.invRho) + 6 * this.C * ir6 * ir;
  }

  d2phi(r: number): number {
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    return this.A * this.invRho * this.invRho * Math.exp(-r * this.invRho) - 42 * this.C * ir6 * ir2;
  }

  evaluate(r: number, out: Float64Array): void {
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    const rep = this.A * Math.exp(-r * this.invRho);
    const disp = this.C * ir6;
    out[0] = rep - disp;
    out[1] = -rep * this.invRho + 6 * disp * ir;
    out[2] = rep * this.invRho * this.invRho - 42 * disp * ir2;
  }

  parameterDerivative(k: number, r: number, out: Float64Array): void {
    const x = Math.exp(-r * this.invRho);
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    if (k === 0) {
      out[0] = x;
      out[1] = -x * this.invRho;
    } else if (k === 1) {
      const a = this.A * x * this.invRho * this.invRho;
      out[0] = a * r;
      out[1] = a * (1 - r * this.invRho);
    } else {
      out[0] = -ir6;
      out[1] = 6 * ir6 * ir;
    }
  }
}

/**
 * The short-range distance (Å) where the Buckingham form turns over: the local maximum of φ, the
 * smaller root of φ'(r) = 0 (see the derivation above). Returns `undefined` when C ≤ 0 and A ≥ 0
 * (no dispersion singularity, nothing to collapse into) and `Infinity` when the form has no
 * barrier at all (A ≤ 0, or q(7ρ) ≤ 0 above): the pair then collapses from any distance.
 * Throws INVALID_POTENTIAL for non-finite parameters or ρ ≤ 0.
 */
export function buckinghamTurnover(A: number, rho: number, C: number): number | undefined {
  if (!Number.isFinite(A) || !Number.isFinite(rho) || !Number.isFinite(C) || !(rho > 0)) {
    throw new DomainError('INVALID_POTENTIAL', `Buckingham parameters must be finite with rho > 0 (A=${A}, rho=${rho}, C=${C})`);
  }
  if (C <= 0) return A >= 0 ? undefined : Infinity;
  if (A <= 0) return Infinity;
  // q(r) = ln(A/ρ) − r/ρ − ln(6C) + 7 ln r, increasing on (0, 7ρ)
  const base = Math.log(A / rho) - Math.log(6 * C);
  const q = (r: number): number => base - r / rho + 7 * Math.log(r);
  const rPeak = 7 * rho;
  if (!(q(rPeak) > 0)) return Infinity;
  // bracket the root below 7ρ: q → −∞ as r → 0, so shrink until negative
  let lo = rPeak, hi = rPeak;
  do lo /= 2; while (q(lo) > 0);
  // bisection in ln r: q is monotonic on the bracket; 200 halvings reach machine precision
  for (let it = 0; it < 200 && hi - lo > 4 * Number.EPSILON * hi; it++) {
    const mid = Math.sqrt(lo * hi);
    if (q(mid) > 0) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}
