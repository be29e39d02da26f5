import { describe, it, expect } from 'vitest';
import { makeTransform } from '../src/fitting/transform.js';

describe('internal fit variables', () => {
  const names = ['Cd-Se.A', 'Cd-Se.rho', 'Cd-Se.C', 'Se-Se.A'];
  const start = [2.64e9, 0.108, 64.4, 5200];
  const t = makeTransform(names, start, {}, { 'Cd-Se': 2.6 });

  it('maps physical parameters to internal variables and back', () => {
    const p = [1.1e9, 0.12, 70, 4000];
    const back = t.toPhysical(t.toInternal(p));
    back.forEach((v, i) => expect(Math.abs(v / p[i]! - 1)).toBeLessThan(1e-12));
  });

  it('uses the repulsion at the contact distance, ln A − r₀/ρ, for a pair whose A and ρ both vary', () => {
    const z = t.toInternal(start);
    expect(z[0]).toBeCloseTo(Math.log(2.64e9) - 2.6 / 0.108, 12);
    expect(z[3]).toBeCloseTo(Math.log(5200), 12);
  });

  it('has a Jacobian equal to central differences of the map', () => {
    const z = t.toInternal([1.5e9, 0.115, 60, 3000]);
    const J = t.jacobian(z);
    const h = 1e-6;
    for (let k = 0; k < names.length; k++) {
      const zp = [...z], zm = [...z];
      zp[k] = zp[k]! + h;
      zm[k] = zm[k]! - h;
      const pp = t.toPhysical(zp), pm = t.toPhysical(zm);
      for (let j = 0; j < names.length; j++) {
        const fd = (pp[j]! - pm[j]!) / (2 * h);
        expect(Math.abs(fd - J[j]![k]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it('keeps explicit bounds on A by fitting plain ln A', () => {
    const b = makeTransform(names, start, { 'Cd-Se.A': [1e8, 1e10] }, { 'Cd-Se': 2.6 });
    expect(b.toInternal(start)[0]).toBeCloseTo(Math.log(2.64e9), 12);
    expect(b.lower[0]).toBeCloseTo(Math.log(1e8), 12);
    expect(b.upper[0]).toBeCloseTo(Math.log(1e10), 12);
  });
});
