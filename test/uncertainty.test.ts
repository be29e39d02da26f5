import { describe, it, expect } from 'vitest';
import { parameterUncertainty } from '../src/fitting/uncertainty.js';

describe('parameter uncertainty', () => {
  it('reproduces the textbook errors of a straight-line fit', () => {
    // y = a + b x at x = 0..4 with unit weights: Var(b) = s²/Σ(x − x̄)², Var(a) = s² Σx²/(n Σ(x − x̄)²)
    const x = [0, 1, 2, 3, 4];
    const J = x.map((xi) => [1, xi]);
    const F = 2.0; // any objective
    const u = parameterUncertainty(['a', 'b'], J, F);
    const s2 = F / 3;
    const sxx = 10;
    expect(u.standardErrors[1]).toBeCloseTo(Math.sqrt(s2 / sxx), 12);
    expect(u.standardErrors[0]).toBeCloseTo(Math.sqrt((s2 * 30) / (5 * sxx)), 12);
    expect(u.correlation[0]![1]).toBeCloseTo(-2 / Math.sqrt(6), 12);
  });

  it('warns in plain language when two parameters are strongly correlated', () => {
    const J = [[1, 1.001], [2, 2.001], [3, 3.0005], [1, 0.999]];
    const u = parameterUncertainty(['Cd-Se.A', 'Cd-Se.rho'], J, 1);
    expect(u.warnings.some((w) => w.includes('Cd-Se.A and Cd-Se.rho are strongly correlated'))).toBe(true);
  });

  it('reports an undetermined combination instead of failing', () => {
    const J = [[1, 2], [2, 4], [3, 6]];
    const u = parameterUncertainty(['p', 'q'], J, 1);
    expect(u.warnings.some((w) => w.includes('not determined'))).toBe(true);
    expect(u.standardErrors.every(Number.isFinite)).toBe(true);
  });
});
