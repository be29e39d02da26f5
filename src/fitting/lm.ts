/**
 * Levenberg-Marquardt on weighted residuals, with the convergence tests a fit needs.
 *
 * Minimises F(z) = Σ_i r_i(z)², r_i = √w_i (calculated_i − target_i). Each iteration is one
 * call of ml-levenberg-marquardt with `maxIterations: 1`: it solves (JᵀJ + λI) δ = −Jᵀr with our
 * analytic/finite-difference Jacobian and evaluates the trial point, keeping it only if F
 * decreased. Around that single step this loop adds what the library lacks:
 * - weights: residuals are scaled by √w here (the library's `weights` option stalls fits);
 * - the damping schedule across iterations (Nielsen's gain-ratio rule: after a step with gain ratio
 *   ρ = actual / predicted decrease, λ ← λ·max(1/3, 1 − (2ρ − 1)³) and ν ← 2; after a rejected
 *   step λ ← λ·ν, ν ← 2ν; H. B. Nielsen, IMM-REP-1999-05, DTU);
 * - stopping rules: relative decrease of F below `ftol` on two successive accepted steps, step
 *   ‖δ‖∞ ≤ xtol (xtol + ‖z‖∞), gradient ‖Jᵀr‖∞ ≤ gtol, F = 0, or no decrease at maximal damping;
 * - rejected trials (a structure failed to relax or transformed): the residual function returns
 *   `null`, the step is rejected and the damping raised; the reason is recorded;
 * - progress per iteration and cancellation through an AbortSignal.
 * Damping is λI in the internal variables (already of order one, `transform.ts`). Marquardt's
 * scaling by the Jacobian's column norms was tried on the reference Pb-Se-Cd fit: it took larger
 * early steps into regions where polymorphs transform and stopped at a worse minimum.
 * References: K. Levenberg, Q. Appl. Math. 2, 164 (1944); D. W. Marquardt,
 * J. SIAM 11, 431 (1963), doi:10.1137/0111030; stopping rules after MINPACK (Moré 1978,
 * doi:10.1007/BFb0067700).
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { throwIfAborted } from '../errors.js';

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
}

const FAILED = 1e100;

/** The defaults of `LMOptions`. */
export const LM_DEFAULTS = { damping: 1e-3, ftol: 1e-8, xtol: 1e-8, gtol: 1e-10 } as const;

/** `LMOptions` with every default filled in (mljs `checkOptions`). */
export type ResolvedLMOptions = Required<Omit<LMOptions, 'signal' | 'onIteration'>> & Pick<LMOptions, 'signal' | 'onIteration'>;

export function resolveLMOptions(opts: LMOptions): ResolvedLMOptions {
  return { ...opts, damping: opts.damping ?? LM_DEFAULTS.damping, ftol: opts.ftol ?? LM_DEFAULTS.ftol, xtol: opts.xtol ?? LM_DEFAULTS.xtol, gtol: opts.gtol ?? LM_DEFAULTS.gtol };
}

export function levenbergMarquardtFit(problem: LeastSquaresProblem, z0: readonly number[], options: LMOptions): LMResult {
  const opts = resolveLMOptions(options);
  const { ftol, xtol, gtol } = opts;
  let damping = opts.damping;
  const n = z0.length;

  // memoised evaluations: the library asks for the same points several times
  const cache = new Map<string, Float64Array | null>();
  const keyOf = (z: readonly number[]): string => z.map((v) => v.toString()).join(',');
  const evalAt = (z: readonly number[]): Float64Array | null => {
    const k = keyOf(z);
    if (!cache.has(k)) {
      if (cache.size > 64) cache.clear();
      cache.set(k, problem.residuals(z));
    }
    return cache.get(k)!;
  };
  const sumSq = (r: Float64Array): number => r.reduce((s, x) => s + x * x, 0);

  let z = [...z0];
  const r0 = evalAt(z);
  if (!r0) {
    return { z, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, reason: 'evaluation-failed', rejectedSteps: 0, history: [] };
  }
  const m = r0.length;
  let f = sumSq(r0);
  const initialObjective = f;
  const history: LMIteration[] = [];
  let rejected = 0;
  let nu = 2;
  let smallDecreases = 0;
  let reason = 'max-iterations' as StopReason;
  let iteration = 0;

  // the library needs at least three points: pad with residuals that are identically zero
  const mPadded = Math.max(m, 3);
  const data = { x: Array.from({ length: mPadded }, (_, i) => i), y: new Array<number>(mPadded).fill(0) };
  const zeroRow = new Array<number>(n).fill(0);
  let jacAt: { key: string; rows: Float64Array[] } | undefined;
  const jacobianRows = (zz: readonly number[]): Float64Array[] => {
    const k = keyOf(zz);
    if (jacAt?.key !== k) jacAt = { key: k, rows: problem.jacobian(zz) };
    return jacAt.rows;
  };

  if (f === 0) reason = 'zero-objective';
  else
    for (; iteration < opts.maxIterations; ) {
      throwIfAborted(opts.signal);
      // gradient test at the current point
      const J = jacobianRows(z);
      const r = evalAt(z)!;
      let gmax = 0;
      for (let k = 0; k < n; k++) {
        let g = 0;
        for (let i = 0; i < m; i++) g += J[i]![k]! * r[i]!;
        gmax = Math.max(gmax, Math.abs(g));
      }
      if (gmax <= gtol) {
        reason = 'gradient';
        break;
      }
      iteration++;
      const res = levenbergMarquardt(
        data,
        (p: number[]) => {
          const rr = evalAt(p);
          return (i: number) => (i >= m ? 0 : rr ? rr[i]! : FAILED);
        },
        {
          initialValues: z,
          damping,
          maxIterations: 1,
          errorTolerance: 0,
          minValues: opts.lower as number[],
          maxValues: opts.upper as number[],
          jacobianFunction: (p: number[]) => {
            const rows = jacobianRows(p);
            return (i: number) => (i >= m ? zeroRow : Array.from(rows[i]!));
          },
        },
      );
      const zNew = res.parameterValues;
      const accepted = zNew.some((v, k) => v !== z[k]);
      let rejectedReason: string | undefined;
      if (accepted) {
        const rNew = evalAt(zNew)!;
        const fNew = sumSq(rNew);
        const stepMax = Math.max(...zNew.map((v, k) => Math.abs(v - z[k]!)));
        const zMax = Math.max(...zNew.map(Math.abs));
        const decrease = (f - fNew) / f;
        // gain ratio: actual decrease over the decrease the linear model predicts
        let predicted = 0;
        for (let i = 0; i < m; i++) {
          let jd = 0;
          for (let k = 0; k < n; k++) jd += J[i]![k]! * (zNew[k]! - z[k]!);
          predicted -= 2 * r[i]! * jd + jd * jd;
        }
        const rho = predicted > 0 ? (f - fNew) / predicted : 0;
        z = zNew;
        f = fNew;
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
        // the library keeps the point when the trial is worse or cannot be evaluated (FAILED)
        rejectedReason = 'objective did not decrease';
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
  return { z, objective: f, initialObjective, iterations: iteration, converged, reason, rejectedSteps: rejected, history };
}
