/**
 * math/dense.ts `gaussSolve`: Gaussian elimination with partial pivoting. Checked by the residual
 * A x − b of systems that need pivoting (a zero leading entry) and against a known solution.
 */
import { describe, expect, it } from 'vitest';
import { gaussSolve, gaussSolveColumns, matVecN } from '../src/math/dense.js';

describe('gaussSolve', () => {
  it('solves a 4 × 4 system with a zero leading pivot: A x = b to round-off, and the known x', () => {
    const A = [0, 2, 1, -1, 3, -1, 2, 0, 1, 1, 1, 1, 2, 0, -3, 4];
    const x0 = [1, -2, 0.5, 3];
    const b = matVecN(A, x0, 4);
    const x = gaussSolve(A, b, 4)!;
    for (let i = 0; i < 4; i++) expect(x[i]).toBeCloseTo(x0[i]!, 12);
    const r = matVecN(A, x, 4);
    for (let i = 0; i < 4; i++) expect(Math.abs(r[i]! - b[i]!)).toBeLessThan(1e-12);
  });

  it('a singular matrix (two equal rows) gives undefined', () => {
    expect(gaussSolve([1, 2, 3, 1, 2, 3, 0, 1, 5], [1, 1, 1], 3)).toBeUndefined();
  });
});

describe('gaussSolveColumns', () => {
  // a seeded pseudo-random, diagonally weighted matrix that needs pivoting (zero leading entry)
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const n = 7, k = 6;
  const A = Float64Array.from({ length: n * n }, (_, i) => rnd() + (i % (n + 1) === 0 ? 3 : 0));
  A[0] = 0;
  const B = Float64Array.from({ length: n * k }, rnd);

  it('solves every column: A X = B to rounding, and each column as gaussSolve does', () => {
    const X = gaussSolveColumns(A, B, n, k)!;
    for (let q = 0; q < k; q++) {
      const x = Float64Array.from({ length: n }, (_, i) => X[i * k + q]!);
      const ax = matVecN(A, x, n);
      for (let i = 0; i < n; i++) expect(Math.abs(ax[i]! - B[i * k + q]!)).toBeLessThan(1e-12);
      const single = gaussSolve(A, Float64Array.from({ length: n }, (_, i) => B[i * k + q]!), n)!;
      for (let i = 0; i < n; i++) expect(Math.abs(single[i]! - x[i]!)).toBeLessThan(1e-13);
    }
  });

  it('returns undefined for a singular matrix or a non-finite pivot', () => {
    expect(gaussSolveColumns([1, 2, 2, 4], [1, 0, 0, 1], 2, 2, Number.MIN_VALUE)).toBeUndefined();
    expect(gaussSolveColumns([Number.NaN, 0, 0, 1], [1, 0, 0, 1], 2, 2)).toBeUndefined();
  });
});
