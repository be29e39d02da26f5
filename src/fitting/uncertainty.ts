/**
 * Parameter uncertainty from the weighted Jacobian at the solution.
 *
 * With J_ik = ∂r_i/∂p_k (r = √w (calc − target), physical parameters p), the linearised
 * covariance is Cov = s² (JᵀJ)⁻¹ with s² = F / (m − n), the residual variance per degree of
 * freedom (when m > n; with m ≤ n the fit is exact or under-determined and s² is taken as 1, said
 * in `note`). Standard errors are √Cov_kk, correlations Cov_kl / (σ_k σ_l). (JᵀJ)⁻¹ is taken as an
 * SVD pseudo-inverse so a direction the data do not determine shows up as a huge error instead of
 * a crash. See e.g. Press et al., Numerical Recipes, §15.5.
 */
import { Matrix, SVD } from 'ml-matrix';

export interface Uncertainty {
  names: string[];
  standardErrors: number[];
  correlation: number[][];
  /** s² = F/(m − n) */
  residualVariance: number;
  degreesOfFreedom: number;
  /** Plain-language warnings (strong correlations, undetermined parameters). */
  warnings: string[];
  note?: string;
}

export function parameterUncertainty(names: readonly string[], jacobian: readonly ArrayLike<number>[], objective: number, strongCorrelation = 0.95): Uncertainty {
  const m = jacobian.length;
  const n = names.length;
  const dof = m - n;
  const s2 = dof > 0 ? objective / dof : 1;
  const J = new Matrix(jacobian.map((row) => Array.from(row)));
  const JtJ = J.transpose().mmul(J);
  // scale to unit diagonal before the pseudo-inverse (parameters of very different size)
  const d = Array.from({ length: n }, (_, k) => Math.sqrt(JtJ.get(k, k)) || 1);
  const scaled = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled.set(i, j, JtJ.get(i, j) / (d[i]! * d[j]!));
  const svd = new SVD(scaled, { autoTranspose: true });
  const sv = svd.diagonal;
  const tol = Math.max(...sv) * n * 1e-13;
  const V = svd.rightSingularVectors;
  const inv = new Matrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) if (sv[k]! > tol) acc += (V.get(i, k) * V.get(j, k)) / sv[k]!;
      inv.set(i, j, acc / (d[i]! * d[j]!));
    }
  const warnings: string[] = [];
  const undetermined = sv.filter((x) => x <= tol).length;
  if (undetermined > 0) warnings.push(`${undetermined} combination(s) of parameters are not determined by the fitted data: add observables or fix parameters.`);
  const se = Array.from({ length: n }, (_, k) => Math.sqrt(Math.max(0, s2 * inv.get(k, k))));
  const corr = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      const den = Math.sqrt(inv.get(i, i) * inv.get(j, j));
      return den > 0 ? inv.get(i, j) / den : i === j ? 1 : 0;
    }),
  );
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (Math.abs(corr[i]![j]!) >= strongCorrelation)
        warnings.push(
          `${names[i]} and ${names[j]} are strongly correlated (r = ${corr[i]![j]!.toFixed(3)}): the data fix a combination of them better than each alone, so their individual errors are large and a change in one can be compensated by the other.`,
        );
  return {
    names: [...names],
    standardErrors: se,
    correlation: corr,
    residualVariance: s2,
    degreesOfFreedom: dof,
    warnings,
    ...(dof <= 0 ? { note: `as many or more parameters (${n}) as fitted observables (${m}): errors use s² = 1` } : {}),
  };
}
