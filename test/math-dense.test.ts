/**
 * math/dense.ts `gaussSolve`: Gaussian elimination with partial pivoting. Checked by the residual
 * A x − b of systems that need pivoting (a zero leading entry) and against a known solution.
 */
import { describe, expect, it } from 'vitest';
import { gaussSolve, matVecN } from '../src/math/dense.js';

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
