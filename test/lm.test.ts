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
    let failures = 0;
    const fragile: LeastSquaresProblem = {
      residuals: (z) => {
        if (z[0]! > 1.05) {
          failures++;
          return null;
        }
        return rosenbrock.residuals(z);
      },
      jacobian: rosenbrock.jacobian,
    };
    const r = levenbergMarquardtFit(fragile, [-1.2, 1], { maxIterations: 500, lower: [-10, -10], upper: [10, 10] });
    expect(r.z[0]).toBeCloseTo(1, 5);
    expect(failures).toBeGreaterThan(0);
    expect(r.rejectedSteps).toBeGreaterThan(0);
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
