import { describe, it, expect } from 'vitest';
import { levenbergMarquardtFit, type LeastSquaresProblem } from '../src/fitting/lm.js';

/** Rosenbrock as least squares: r = (10 (z1 − z0²), 1 − z0); minimum at (1, 1). */
const rosenbrock: LeastSquaresProblem = {
  residuals: (z) => Float64Array.from([10 * (z[1]! - z[0]! * z[0]!), 1 - z[0]!]),
  jacobian: (z) => [Float64Array.from([-20 * z[0]!, 10]), Float64Array.from([-1, 0])],
};

describe('Levenberg-Marquardt loop', () => {
  it('finds the minimum of the Rosenbrock function from (-1.2, 1)', () => {
    const r = levenbergMarquardtFit(rosenbrock, [-1.2, 1], { maxIterations: 200, lower: [-10, -10], upper: [10, 10] });
    expect(r.converged).toBe(true);
    expect(r.z[0]).toBeCloseTo(1, 6);
    expect(r.z[1]).toBeCloseTo(1, 6);
    expect(r.objective).toBeLessThan(1e-12);
  });

  it('honours bounds', () => {
    const r = levenbergMarquardtFit(rosenbrock, [-1.2, 1], { maxIterations: 200, lower: [-10, -10], upper: [0.5, 10] });
    expect(r.z[0]).toBeLessThanOrEqual(0.5);
  });

  it('rejects trial points that cannot be evaluated and still converges', () => {
    // r = z² − 9 from z = 0.5: the Gauss-Newton step overshoots to z ≈ 9.25, where evaluation fails
    let failures = 0;
    const fragile: LeastSquaresProblem = {
      residuals: (z) => {
        if (z[0]! > 3.5) {
          failures++;
          return null;
        }
        return Float64Array.from([z[0]! * z[0]! - 9]);
      },
      jacobian: (z) => [Float64Array.from([2 * z[0]!])],
    };
    const r = levenbergMarquardtFit(fragile, [0.5], { maxIterations: 200, lower: [0], upper: [100], damping: 1e-6 });
    expect(failures).toBeGreaterThan(0);
    expect(r.rejectedSteps).toBeGreaterThan(0);
    expect(r.z[0]).toBeCloseTo(3, 8);
  });

  it('stops at the iteration limit and says so', () => {
    const r = levenbergMarquardtFit(rosenbrock, [-1.2, 1], { maxIterations: 2, lower: [-10, -10], upper: [10, 10] });
    expect(r.iterations).toBe(2);
    expect(r.reason).toBe('max-iterations');
    expect(r.converged).toBe(false);
  });

  it('throws CANCELLED when the signal is aborted', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => levenbergMarquardtFit(rosenbrock, [-1.2, 1], { maxIterations: 10, lower: [-10, -10], upper: [10, 10], signal: ac.signal })).toThrow(/cancelled/);
  });
});
