import { describe, it, expect } from 'vitest';
import { levenbergMarquardtFit, directionalSecondDerivative, type LeastSquaresProblem } from '../src/fitting/lm.js';

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

  describe('geodesic acceleration', () => {
    /** Three residuals with curvature in every direction. */
    const curved: LeastSquaresProblem = {
      residuals: (z) => Float64Array.from([10 * (z[1]! - z[0]! * z[0]!), 1 - z[0]!, Math.sin(z[0]! * z[1]!)]),
      jacobian: (z) => [Float64Array.from([-20 * z[0]!, 10]), Float64Array.from([-1, 0]), Float64Array.from([z[1]! * Math.cos(z[0]! * z[1]!), z[0]! * Math.cos(z[0]! * z[1]!)])],
    };

    it('takes the directional second derivative of the residuals as central differences of them do', () => {
      const z = [0.7, -0.4];
      const v = [0.3, 0.8];
      const r = curved.residuals(z)!;
      const J = curved.jacobian(z);
      // reference: central second difference of r along v, independent of J
      const e = 1e-4;
      const rp = curved.residuals([z[0]! + e * v[0]!, z[1]! + e * v[1]!])!;
      const rm = curved.residuals([z[0]! - e * v[0]!, z[1]! - e * v[1]!])!;
      const reference = Array.from(r, (ri, i) => (rp[i]! - 2 * ri + rm[i]!) / (e * e));
      // the one-sided formula of the loop is O(h) accurate: check its convergence with h
      for (const [h, tol] of [[1e-2, 2e-2], [1e-3, 2e-3]] as const) {
        const rvv = directionalSecondDerivative(curved, z, r, J, v, h)!;
        for (let i = 0; i < 3; i++) expect(Math.abs(rvv[i]! - reference[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(reference[i]!)));
      }
      // the first two are exact: r₀ is quadratic (r_vv = −20 v₀²), r₁ linear
      const rvv = directionalSecondDerivative(curved, z, r, J, v, 0.1)!;
      expect(rvv[0]).toBeCloseTo(-20 * v[0]! * v[0]!, 9);
      expect(rvv[1]).toBeCloseTo(0, 9);
    });

    it('is null when the point z + hv cannot be evaluated', () => {
      const fragile: LeastSquaresProblem = { residuals: (z) => (z[0]! > 1 ? null : Float64Array.from([z[0]! * z[0]!])), jacobian: (z) => [Float64Array.from([2 * z[0]!])] };
      expect(directionalSecondDerivative(fragile, [0.95], Float64Array.from([0.9025]), [Float64Array.from([1.9])], [1], 0.1)).toBeNull();
    });

    it('finds the Rosenbrock minimum with either fallback', () => {
      for (const fallback of ['reject', 'velocity'] as const) {
        const r = levenbergMarquardtFit(rosenbrock, [-1.2, 1], { maxIterations: 200, lower: [-10, -10], upper: [10, 10], geodesic: { fallback } });
        expect(r.converged).toBe(true);
        expect(r.z[0]).toBeCloseTo(1, 6);
        expect(r.z[1]).toBeCloseTo(1, 6);
      }
    });

    it('reaches the same minimum of a curved problem as the plain loop, within its bounds', () => {
      const plain = levenbergMarquardtFit(curved, [-1.2, 1], { maxIterations: 500, lower: [-10, -10], upper: [10, 10] });
      const geo = levenbergMarquardtFit(curved, [-1.2, 1], { maxIterations: 500, lower: [-10, -10], upper: [10, 10], geodesic: {} });
      expect(geo.converged).toBe(true);
      expect(geo.objective).toBeCloseTo(plain.objective, 8);
      const bounded = levenbergMarquardtFit(curved, [-1.2, 1], { maxIterations: 500, lower: [-10, -10], upper: [0.5, 10], geodesic: { fallback: 'velocity' } });
      expect(bounded.z[0]).toBeLessThanOrEqual(0.5);
    });
  });
});
