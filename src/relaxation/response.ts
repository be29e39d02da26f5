/**
 * The enthalpy Hessian and the response of a relaxed geometry to a perturbation, written once for
 * the optimiser (`relax.ts`) and the fit's implicit derivatives (`fitting/evaluator.ts`).
 *
 * ## Enthalpy Hessian
 *
 * H(x, e) = E(x, e) + p V(e) with V(e) = V₀ det(I + ε(e)). To second order (engineering strains,
 * ε_ab = e/2 off the diagonal) ∂²V/∂e_k∂e_l = V₀ for k ≠ l < 3, −V₀/2 for k = l ≥ 3, 0
 * otherwise (derivation in `relax.ts`), so the enthalpy Hessian is the model's (3N + 6)² matrix
 * plus p times that block.
 *
 * ## Symmetry-reduced Hessian and the implicit geometry response
 *
 * Steps of a relaxation keeping a space group lie in the range of the symmetry-adapted basis T
 * (`symmetry.ts`), so the Hessian that matters is Tᵀ H T (symmetrised against round-off). At a
 * relaxed geometry θ(p) the reduced gradient vanishes, Tᵀ G(θ(p), p) = 0; differentiating,
 *     Tᵀ H T dz/dp = −Tᵀ ∂G/∂p,      dθ/dp = T dz/dp,
 * the implicit-function theorem. `geometryResponse` solves this for any right-hand side ∂G/∂p
 * (full 3N + 6 vectors): by Cholesky when Tᵀ H T is positive definite (a minimum), else in its
 * eigenbasis without the (near-)zero modes (a saddle point kept by symmetry).
 */
import { choleskySolve, dotN, matVecN, symmetricEigen } from '../math/dense.js';
import type { SymmetryBasis } from './symmetry.js';

/** Add p ∂²V/∂e∂e (p in eV/Å³, V in Å³) to the strain block of a (3N + 6)² Hessian, in place. */
export function addPressureHessian(hessian: Float64Array, n: number, volume: number, p: number): void {
  if (p === 0) return;
  const dim = 3 * n + 6;
  const off = 3 * n;
  for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) if (k !== l) hessian[(off + k) * dim + off + l]! += p * volume;
  for (let k = 3; k < 6; k++) hessian[(off + k) * dim + off + k]! -= 0.5 * p * volume;
}

/** The columns of T as full (3N + 6) vectors: positions first, then strains. */
export function basisColumns(basis: SymmetryBasis, n: number): Float64Array[] {
  const dim = 3 * n + 6;
  return [
    ...basis.positions.map((c) => {
      const v = new Float64Array(dim);
      v.set(c, 0);
      return v;
    }),
    ...basis.strains.map((c) => {
      const v = new Float64Array(dim);
      v.set(c, 3 * n);
      return v;
    }),
  ];
}

/** Tᵀ H T (m × m, row-major, symmetrised) for the block-diagonal T of `basis`. */
export function reducedHessian(h: Float64Array, basis: SymmetryBasis, n: number, columns = basisColumns(basis, n)): Float64Array {
  const dim = 3 * n + 6;
  const m = columns.length;
  const hc = columns.map((c) => matVecN(h, c, dim));
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) out[a * m + b] = dotN(columns[a]!, hc[b]!);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < a; b++) {
      const v = 0.5 * (out[a * m + b]! + out[b * m + a]!);
      out[a * m + b] = v;
      out[b * m + a] = v;
    }
  return out;
}

/**
 * dθ = −T (Tᵀ H T)⁻¹ Tᵀ b for every right-hand side b (full 3N + 6 vectors, e.g. ∂G/∂p_k): the
 * first-order change of a relaxed geometry, as full (dx, de) vectors.
 */
export function geometryResponse(hessian: Float64Array, basis: SymmetryBasis, n: number, rhs: readonly Float64Array[]): Float64Array[] {
  const dim = 3 * n + 6;
  const T = basisColumns(basis, n);
  const m = T.length;
  const Hr = reducedHessian(hessian, basis, n, T);
  let eig: ReturnType<typeof symmetricEigen> | undefined;
  return rhs.map((b) => {
    const g = Float64Array.from(T, (t) => -dotN(t, b));
    let dz = choleskySolve(Hr, g, m);
    if (!dz) {
      // not positive definite (a saddle kept by symmetry): solve in the eigenbasis
      eig ??= symmetricEigen(Hr, m);
      dz = new Float64Array(m);
      for (let q = 0; q < m; q++) {
        const lam = eig.values[q]!;
        if (Math.abs(lam) < 1e-10) continue;
        let c = 0;
        for (let a = 0; a < m; a++) c += eig.vectors[a * m + q]! * g[a]!;
        c /= lam;
        for (let a = 0; a < m; a++) dz[a]! += c * eig.vectors[a * m + q]!;
      }
    }
    const d = new Float64Array(dim);
    for (let a = 0; a < m; a++) for (let i = 0; i < dim; i++) d[i]! += dz[a]! * T[a]![i]!;
    return d;
  });
}
