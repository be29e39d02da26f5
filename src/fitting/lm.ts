/**
 * Levenberg-Marquardt on weighted residuals, bounded, with the convergence tests a fit needs.
 *
 * Minimises F(z) = Σ_i r_i(z)², r_i = √w_i (calculated_i − target_i). Each iteration solves
 * (J_FᵀJ_F + λI) δ_F = −J_Fᵀr over the free variables F (Cholesky) with the caller's analytic or
 * finite-difference Jacobian, projects z + δ onto the bounds and keeps the trial point only if F
 * decreased. A variable is held (not free) while it sits on a bound and the gradient pushes it
 * outwards, so the step is not wasted on a direction the projection would cut off (projected
 * Levenberg-Marquardt; C. Kanzow, N. Yamashita, M. Fukushima, J. Comput. Appl. Math. 172, 375
 * (2004), doi:10.1016/j.cam.2004.02.013). Around that step:
 * - weights: residuals arrive scaled by √w;
 * - the damping schedule (Nielsen's gain-ratio rule: after a step with gain ratio
 *   ρ = actual / predicted decrease, λ ← λ·max(1/3, 1 − (2ρ − 1)³) and ν ← 2; after a rejected
 *   step λ ← λ·ν, ν ← 2ν; H. B. Nielsen, IMM-REP-1999-05, DTU);
 * - stopping rules: relative decrease of F below `ftol` on two successive accepted steps, step
 *   ‖δ‖∞ ≤ xtol (xtol + ‖z‖∞), projected gradient ‖Jᵀr‖∞ ≤ gtol (components held at a bound do
 *   not count), F = 0, or no decrease at maximal damping (λ > 1e10);
 * - rejected trials (a structure failed to relax or transformed): the residual function returns
 *   `null`, the step is rejected and the damping raised; the reason is recorded;
 * - `atBound`: the variables that end on a bound, so that the caller can say so;
 * - progress per iteration and cancellation through an AbortSignal;
 * - optionally (`geodesic`), geodesic acceleration: the step v + a/2 with the second-order
 *   correction (JᵀJ + λI) a = −Jᵀ r_vv from the directional second derivative r_vv of the residuals
 *   along v (one extra residual evaluation), kept while 2‖a‖/‖v‖ ≤ α; the gain ratio is then v's
 *   (M. K. Transtrum, J. P. Sethna, arXiv:1201.5885 (2012)).
 * Damping is λI in the internal variables (already of order one, `transform.ts`). Marquardt's
 * scaling by the Jacobian's column norms was tried on the reference Pb-Se-Cd fit: it took larger
 * early steps into regions where polymorphs transform and stopped at a worse minimum.
 * References: K. Levenberg, Q. Appl. Math. 2, 164 (1944); D. W. Marquardt,
 * J. SIAM 11, 431 (1963), doi:10.1137/0111030; stopping rules after MINPACK (Moré 1978,
 * doi:10.1007/BFb0067700).
 */
import { throwIfAborted } from '../errors.js';
import { choleskySolve } from '../math/dense.js';

export interface LeastSquaresProblem {
  /** Weighted residuals at z, or null when the point cannot be evaluated (trial rejected). */
  residuals(z: readonly number[]): Float64Array | null;
  /** Jacobian ∂r_i/∂z_k at z (rows = residuals), z having been evaluated successfully. */
  jacobian(z: readonly number[]): Float64Array[];
}

export interface LMOptions {
  maxIterations: number;
  lower: readonly number[];
  upper: readonly number[];
  /** initial damping λ (default 1e-3) */
  damping?: number;
  /** relative decrease of F (default 1e-8) */
  ftol?: number;
  /** relative step (default 1e-8) */
  xtol?: number;
  /** gradient ‖Jᵀr‖∞ (default 1e-10) */
  gtol?: number;
  /**
   * Geodesic acceleration (Transtrum & Sethna): off when absent. `alpha` bounds the acceptance
   * ratio 2‖a‖/‖v‖ (default 0.75), `h` is the finite-difference step of the directional second
   * derivative along v (default 0.1); beyond α the step is rejected (`fallback: 'reject'`,
   * Transtrum's rule, default) or the plain step v is tried (`'velocity'`).
   */
  geodesic?: { alpha?: number; h?: number; fallback?: 'reject' | 'velocity' };
  signal?: AbortSignal;
  onIteration?: (it: LMIteration) => void;
}

export interface LMIteration {
  iteration: number;
  objective: number;
  z: number[];
  damping: number;
  accepted: boolean;
  rejectedReason?: string;
}

export type StopReason = 'relative-decrease' | 'step-size' | 'gradient' | 'zero-objective' | 'max-iterations' | 'no-decrease' | 'evaluation-failed';

export interface LMResult {
  z: number[];
  objective: number;
  initialObjective: number;
  iterations: number;
  converged: boolean;
  reason: StopReason;
  rejectedSteps: number;
  history: LMIteration[];
  /** indices of the variables that end on a bound */
  atBound: number[];
  /** the damping at the end */
  damping: number;
}

/** The defaults of `LMOptions`. */
export const LM_DEFAULTS = { damping: 1e-3, ftol: 1e-8, xtol: 1e-8, gtol: 1e-10 } as const;

/** `LMOptions` with every default filled in (mljs `checkOptions`). */
export type ResolvedLMOptions = Required<Omit<LMOptions, 'signal' | 'onIteration' | 'geodesic'>> & Pick<LMOptions, 'signal' | 'onIteration'> & { geodesic?: { alpha: number; h: number; fallback: 'reject' | 'velocity' } };

export function resolveLMOptions(opts: LMOptions): ResolvedLMOptions {
  const { geodesic, ...rest } = opts;
  return {
    ...rest,
    damping: opts.damping ?? LM_DEFAULTS.damping,
    ftol: opts.ftol ?? LM_DEFAULTS.ftol,
    xtol: opts.xtol ?? LM_DEFAULTS.xtol,
    gtol: opts.gtol ?? LM_DEFAULTS.gtol,
    ...(geodesic ? { geodesic: { alpha: geodesic.alpha ?? 0.75, h: geodesic.h ?? 0.1, fallback: geodesic.fallback ?? 'reject' } } : {}),
  };
}

/**
 * The directional second derivative of the residuals along v, r_vv ≈ (2/h)[(r(z + hv) − r(z))/h − Jv]
 * (Transtrum & Sethna, arXiv:1201.5885, eq. 15): one residual evaluation at z + hv. Null when that
 * point cannot be evaluated.
 */
export function directionalSecondDerivative(problem: Pick<LeastSquaresProblem, 'residuals'>, z: readonly number[], r: Float64Array, J: readonly Float64Array[], v: readonly number[], h: number): Float64Array | null {
  const rp = problem.residuals(z.map((x, k) => x + h * v[k]!));
  if (!rp) return null;
  const out = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) {
    let jv = 0;
    for (let k = 0; k < v.length; k++) jv += J[i]![k]! * v[k]!;
    out[i] = (2 / h) * ((rp[i]! - r[i]!) / h - jv);
  }
  return out;
}

/** Indices k with z_k on a bound (within a relative 1e-12). */
export function variablesAtBound(z: readonly number[], lower: readonly number[], upper: readonly number[]): number[] {
  const on = (v: number, b: number): boolean => Number.isFinite(b) && Math.abs(v - b) <= 1e-12 * Math.max(1, Math.abs(b));
  return z.flatMap((v, k) => (on(v, lower[k]!) || on(v, upper[k]!) ? [k] : []));
}

export function levenbergMarquardtFit(problem: LeastSquaresProblem, z0: readonly number[], options: LMOptions): LMResult {
  const opts = resolveLMOptions(options);
  const { ftol, xtol, gtol, lower, upper } = opts;
  let damping = opts.damping;
  const n = z0.length;
  const sumSq = (r: Float64Array): number => r.reduce((s, x) => s + x * x, 0);
  const clip = (v: number, k: number): number => Math.min(upper[k]!, Math.max(lower[k]!, v));

  let z = z0.map(clip);
  let r = problem.residuals(z);
  if (!r) {
    return { z, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, reason: 'evaluation-failed', rejectedSteps: 0, history: [], atBound: variablesAtBound(z, lower, upper), damping };
  }
  const m = r.length;
  let f = sumSq(r);
  const initialObjective = f;
  const history: LMIteration[] = [];
  let rejected = 0;
  let nu = 2;
  let smallDecreases = 0;
  let reason = 'max-iterations' as StopReason;
  let iteration = 0;
  let J: Float64Array[] | undefined;

  if (f === 0) reason = 'zero-objective';
  else
    for (; iteration < opts.maxIterations; ) {
      throwIfAborted(opts.signal);
      J ??= problem.jacobian(z);
      // gradient g = Jᵀr and Gauss-Newton matrix JᵀJ
      const g = new Float64Array(n);
      const A = new Float64Array(n * n);
      for (let i = 0; i < m; i++) {
        const row = J[i]!;
        const ri = r[i]!;
        for (let k = 0; k < n; k++) {
          g[k] += row[k]! * ri;
          for (let l = 0; l <= k; l++) A[k * n + l] += row[k]! * row[l]!;
        }
      }
      // held: on a bound with the descent direction −g pointing outwards
      const free: number[] = [];
      let gmax = 0;
      for (let k = 0; k < n; k++) {
        const held = (z[k]! <= lower[k]! && g[k]! > 0) || (z[k]! >= upper[k]! && g[k]! < 0);
        if (!held) {
          free.push(k);
          gmax = Math.max(gmax, Math.abs(g[k]!));
        }
      }
      if (gmax <= gtol) {
        reason = 'gradient';
        break;
      }
      iteration++;
      const nf = free.length;
      const Af = new Float64Array(nf * nf);
      const bf = new Float64Array(nf);
      free.forEach((k, a) => {
        bf[a] = -g[k]!;
        free.forEach((l, b) => (Af[a * nf + b] = k >= l ? A[k * n + l]! : A[l * n + k]!));
        Af[a * nf + a] += damping;
      });
      const delta = choleskySolve(Af, bf, nf);
      // geodesic acceleration: δ = v + a/2 with (JᵀJ + λI) a = −Jᵀ r_vv, kept only while 2‖a‖/‖v‖ ≤ α
      let tooCurved = false;
      // the velocity v (the plain LM step, full length n): the gain ratio's predicted decrease is v's
      const v = new Array<number>(n).fill(0);
      if (delta) free.forEach((k, a) => (v[k] = delta[a]!));
      if (delta && opts.geodesic) {
        // the probe z + hv must lie inside the bounds (outside them the residuals may not exist)
        const h = opts.geodesic.h;
        const inside = z.every((x, k) => x + h * v[k]! >= lower[k]! && x + h * v[k]! <= upper[k]!);
        const rvv = inside ? directionalSecondDerivative(problem, z, r, J, v, h) : null;
        if (rvv) {
          const ba = new Float64Array(nf);
          free.forEach((k, a) => {
            let s = 0;
            for (let i = 0; i < m; i++) s += J![i]![k]! * rvv[i]!;
            ba[a] = -s;
          });
          const acc = choleskySolve(Af, ba, nf);
          if (acc) {
            const norm = (x: Float64Array): number => Math.sqrt(x.reduce((acc2, y) => acc2 + y * y, 0));
            if (2 * norm(acc) <= opts.geodesic.alpha * norm(delta)) for (let a = 0; a < nf; a++) delta[a] = delta[a]! + 0.5 * acc[a]!;
            else if (opts.geodesic.fallback === 'reject') tooCurved = true;
          }
        }
      }
      const zNew = [...z];
      if (delta && !tooCurved) free.forEach((k, a) => (zNew[k] = clip(z[k]! + delta[a]!, k)));
      const moved = zNew.some((v, k) => v !== z[k]);
      const rNew = moved ? problem.residuals(zNew) : null;
      const fNew = rNew ? sumSq(rNew) : Number.NaN;
      if (rNew && fNew < f) {
        const stepMax = Math.max(...zNew.map((v, k) => Math.abs(v - z[k]!)));
        const zMax = Math.max(...zNew.map(Math.abs));
        const decrease = (f - fNew) / f;
        // gain ratio: actual decrease over the decrease the linear model predicts
        let predicted = 0;
        for (let i = 0; i < m; i++) {
          let jd = 0;
          for (let k = 0; k < n; k++) jd += J[i]![k]! * (opts.geodesic ? v[k]! : zNew[k]! - z[k]!);
          predicted -= 2 * r[i]! * jd + jd * jd;
        }
        const rho = predicted > 0 ? (f - fNew) / predicted : 0;
        z = zNew;
        f = fNew;
        r = rNew;
        J = undefined;
        damping = Math.max(damping * Math.max(1 / 3, 1 - (2 * rho - 1) ** 3), 1e-12);
        nu = 2;
        history.push({ iteration, objective: f, z: [...z], damping, accepted: true });
        opts.onIteration?.(history[history.length - 1]!);
        if (f === 0) {
          reason = 'zero-objective';
          break;
        }
        // a tiny step alone may only mean heavy damping: it must also have stopped lowering F
        if (stepMax <= xtol * (xtol + zMax) && decrease <= Math.sqrt(ftol)) {
          reason = 'step-size';
          break;
        }
        smallDecreases = decrease <= ftol ? smallDecreases + 1 : 0;
        if (smallDecreases >= 2) {
          reason = 'relative-decrease';
          break;
        }
      } else {
        rejected++;
        const rejectedReason = !delta ? 'damped system not positive definite' : tooCurved ? 'geodesic acceleration too large (2‖a‖/‖v‖ > α)' : !moved ? 'the step vanished at the bounds' : rNew ? 'objective did not decrease' : 'the trial point could not be evaluated';
        damping *= nu;
        nu *= 2;
        history.push({ iteration, objective: f, z: [...z], damping, accepted: false, rejectedReason });
        opts.onIteration?.(history[history.length - 1]!);
        if (damping > 1e10) {
          reason = 'no-decrease';
          break;
        }
      }
    }
  const converged = reason !== 'max-iterations' && reason !== 'evaluation-failed';
  return { z, objective: f, initialObjective, iterations: iteration, converged, reason, rejectedSteps: rejected, history, atBound: variablesAtBound(z, lower, upper), damping };
}
