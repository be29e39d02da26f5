/**
 * The MD supercell from the cut-off, and the block-average errors of MD averages (no LAMMPS).
 */
import { describe, it, expect } from 'vitest';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import type { ForceField } from '../src/potentials/forcefield.js';
import { supercellForCutoff } from '../src/workflows/md-supercell.js';
import { blockAverage } from '../src/math/statistics.js';
import { resolveMdOptions } from '../src/engines/lammps/md.js';

const cell = (a: number, b: number, c: number, alpha: number, beta: number, gamma: number): Structure =>
  Structure.fromCartesian(Lattice.fromParameters({ a, b, c, alpha, beta, gamma }), ['X'], [[0, 0, 0]]);
/** Only the pair cut-offs matter to the rule. */
const cutoffs = (...rc: number[]): ForceField => ({ charges: { X: 0 }, pairs: rc.map((cutoff) => ({ type: 'buckingham', species: ['X', 'X'], params: { A: 1, rho: 0.3, C: 0 }, cutoff })) }) as unknown as ForceField;

describe('supercell from the cut-off', () => {
  const cases: [string, Structure, number, [number, number, number]][] = [
    // rutile TiO2 (a 4.594, c 2.959 Å), 10 Å: widths 4.594, 4.594, 2.959 -> 5, 5, 7
    ['rutile TiO2, 10 Å', cell(4.594, 4.594, 2.959, 90, 90, 90), 10, [5, 5, 7]],
    // fluorite CaF2 conventional (5.463 Å), 8 Å -> 3
    ['fluorite CaF2, 8 Å', cell(5.463, 5.463, 5.463, 90, 90, 90), 8, [3, 3, 3]],
    // hexagonal: the in-plane widths are a sin 120° = 0.866 a, not a: wurtzite CdSe at 12 Å -> 7 × 7 × 4 (784 atoms)
    ['hexagonal (wurtzite CdSe), 12 Å', cell(4.318, 4.318, 6.939, 90, 90, 120), 12, [7, 7, 4]],
    // monoclinic, β = 100°
    ['monoclinic, 9 Å', cell(5.1, 5.2, 5.3, 90, 100, 90), 9, [4, 4, 4]],
  ];
  for (const [label, s, rc, expected] of cases)
    it(`${label}: every perpendicular width at least twice the largest cut-off, and the smallest such`, () => {
      const n = supercellForCutoff(s, cutoffs(rc / 2, rc)); // the largest of several pairs
      expect(n).toEqual(expected);
      const w = s.lattice.perpendicularWidths;
      for (let k = 0; k < 3; k++) {
        expect(n[k]! * w[k]!).toBeGreaterThanOrEqual(2 * rc);
        expect((n[k]! - 1) * w[k]!).toBeLessThan(2 * rc); // one fewer is too thin
      }
    });
});

describe('block-average errors', () => {
  // AR(1): x_t = φ x_{t−1} + ε_t, unit-variance ε: the mean of n samples has variance (1 / (1 − φ)²) / n
  function ar1(n: number, phi: number, seed: number): Float64Array {
    let s = seed >>> 0;
    const uniform = (): number => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const x = new Float64Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const g = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      prev = phi * prev + g;
      x[i] = prev;
    }
    return x;
  }

  it('a correlated series (correlation time ~10 samples): the block error matches the true error of the mean, the naive one is 4x too small', () => {
    const n = 200_000, phi = 0.9;
    const x = ar1(n, phi, 7);
    const exact = Math.sqrt(1 / (1 - phi) ** 2 / n);
    const e = blockAverage(x, 20);
    // 20 blocks: the error estimate itself is uncertain by 1/√(2·19) ≈ 16 %; three of those
    expect(Math.abs(e.error / exact - 1)).toBeLessThan(0.5);
    expect(Math.abs(e.value)).toBeLessThan(4 * exact);
    const sd = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / n - (x.reduce((a, v) => a + v, 0) / n) ** 2);
    expect(e.error / (sd / Math.sqrt(n))).toBeGreaterThan(2.5); // √((1+φ)/(1−φ)) = 4.4
  });

  it('an MD run needs at least 2 blocks of at least 2 samples', () => {
    expect(() => resolveMdOptions({ blocks: 1 })).toThrow(expect.objectContaining({ path: '/md/blocks' }));
    expect(() => resolveMdOptions({ productionSteps: 100, sampleEvery: 20, blocks: 5 })).toThrow(expect.objectContaining({ path: '/md/productionSteps' }));
  });
});
