/**
 * Dense symmetric-matrix helpers (optimiser, implicit derivatives, fit) (row-major `Float64Array`s of size n²), thin
 * wrappers over ml-matrix's eigen-decomposition (JAMA tred2/tql2) so the rest of the module reads
 * as plain arrays.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns: `vectors[i * n + k]` is component i of eigenvector k. */
  vectors: Float64Array;
}

/** Eigen-decomposition of a symmetric n×n matrix (symmetrised first: (A + Aᵀ)/2). */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, 0.5 * (a[i * n + j]! + a[j * n + i]!));
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const raw = evd.realEigenvalues;
  const order = raw.map((_, k) => k).sort((p, q) => raw[p]! - raw[q]!);
  const vm = evd.eigenvectorMatrix;
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((k, col) => {
    values[col] = raw[k]!;
    for (let i = 0; i < n; i++) vectors[i * n + col] = vm.get(i, k);
  });
  return { values, vectors };
}

/**
 * Orthonormal basis of the range of a symmetric projector-like matrix: the eigenvectors whose
 * eigenvalue exceeds `threshold` (1/2 for a projector, whose eigenvalues are 0 or 1).
 */
export function rangeBasis(p: ArrayLike<number>, n: number, threshold = 0.5): Float64Array[] {
  const { values, vectors } = symmetricEigen(p, n);
  const out: Float64Array[] = [];
  for (let k = n - 1; k >= 0; k--) {
    if (!(values[k]! > threshold)) break;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = vectors[i * n + k]!;
    out.push(canonicalSign(v));
  }
  return out;
}

/** Flip a vector so that its largest-magnitude component is positive (reproducible bases). */
function canonicalSign(v: Float64Array): Float64Array {
  let big = 0;
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(big) + 1e-12) big = v[i]!;
  if (big < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
  return v;
}

/** y = A x for a row-major n×n A. */
export function matVecN(a: ArrayLike<number>, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

export function dotN(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Solve A x = b for symmetric positive-definite A by Cholesky; undefined if A is not (numerically)
 * positive definite.
 */
export function choleskySolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * Solve A x = b (A n × n, row-major, any non-singular matrix) by Gaussian elimination with partial
 * pivoting; undefined when a pivot falls below `pivotTolerance` (singular to working precision).
 */
export function gaussSolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number, pivotTolerance = 1e-10): Float64Array | undefined {
  return gaussSolveColumns(a, b, n, 1, pivotTolerance);
}

/**
 * Solve A X = B for k right-hand sides at once (B and X n × k, row-major), by the elimination of
 * `gaussSolve`; undefined when a pivot falls below `pivotTolerance`.
 */
export function gaussSolveColumns(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, pivotTolerance = 1e-10): Float64Array | undefined {
  const m = Float64Array.from(a), x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[n * r + c]!) > Math.abs(m[n * p + c]!)) p = r;
    if (!(Math.abs(m[n * p + c]!) >= pivotTolerance)) return undefined;
    if (p !== c) {
      for (let q = 0; q < n; q++) [m[n * c + q], m[n * p + q]] = [m[n * p + q]!, m[n * c + q]!];
      for (let q = 0; q < k; q++) [x[k * c + q], x[k * p + q]] = [x[k * p + q]!, x[k * c + q]!];
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[n * r + c]! / m[n * c + c]!;
      if (f === 0) continue;
      for (let q = 0; q < n; q++) m[n * r + q]! -= f * m[n * c + q]!;
      for (let q = 0; q < k; q++) x[k * r + q]! -= f * x[k * c + q]!;
    }
  }
  for (let c = 0; c < n; c++) for (let q = 0; q < k; q++) x[k * c + q]! /= m[n * c + c]!;
  return x;
}
