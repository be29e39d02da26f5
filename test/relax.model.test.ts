/**
 * The smooth ionic test model used by the relaxation tests satisfies the energy-model contract
 * (so a relaxation failure is the optimiser's, not the model's).
 */
import { describe, it, expect } from 'vitest';
import { runContractSuite } from './helpers/contract.js';
import { triclinicCell } from './helpers/cells.js';
import { erfc, smoothPublishedModel, wurtzite, rattle } from './relax.helpers.js';

describe('erfc of the test model', () => {
  it('matches tabulated values to 1e-14', () => {
    // Abramowitz & Stegun table 7.1 / high-precision values
    const cases: [number, number][] = [
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [2.5, 0.0004069520174449590],
      [3, 2.209049699858544e-5],
      [4, 1.541725790028002e-8],
    ];
    for (const [x, v] of cases) expect(Math.abs(erfc(x) - v) / v).toBeLessThan(1e-13);
  });
});

runContractSuite('smooth ionic test model', smoothPublishedModel, {
  triclinic: triclinicCell,
  'rattled wurtzite': () => rattle(wurtzite(4.3, 7.01, 0.375), 0.05, 0.02, 7),
}, { supercell: [2, 1, 1] });
