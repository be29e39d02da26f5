/**
 * The real-space Ewald term on its own: against a direct sum over lattice images, the small-α
 * limit, and the energy-model contract.
 */
import { describe, it, expect } from 'vitest';
import { EwaldReal, EwaldSelf, erfc } from '../src/potentials/ewald/index.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { COULOMB_EV_ANGSTROM } from '../src/units/index.js';
import { runContractSuite } from './helpers/contract.js';
import { referenceStructure, triclinicCell, PUBLISHED } from './helpers/cells.js';
import { TOL } from './helpers/tolerances.js';

const K = COULOMB_EV_ANGSTROM;

/** ½ Σ_{i,j,n} k qᵢqⱼ erfc(α|rⱼ + nL − rᵢ|)/|...| over all images n in a cube, (i, n) ≠ (j, 0). */
function directImageSum(s: Structure, charges: Record<string, number>, alpha: number, images: number): number {
  const L = s.lattice.matrix;
  let e = 0;
  for (let i = 0; i < s.numAtoms; i++)
    for (let j = 0; j < s.numAtoms; j++)
      for (let a = -images; a <= images; a++)
        for (let b = -images; b <= images; b++)
          for (let c = -images; c <= images; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const d = [0, 1, 2].map((k) => s.positions[3 * j + k]! - s.positions[3 * i + k]! + a * L[0][k] + b * L[1][k] + c * L[2][k]);
            const r = Math.hypot(...d);
            e += 0.5 * K * charges[s.species[i]!]! * charges[s.species[j]!]! * (erfc(alpha * r) / r);
          }
  return e;
}

describe('EwaldReal', () => {
  it('equals the direct image sum when the cut-off lies where erfc has vanished', () => {
    // α r_c = 7: the terms in the taper are below 1e-22 eV, so tapering changes nothing
    const s = triclinicCell();
    const alpha = 0.7;
    const e = new EwaldReal(PUBLISHED.charges, { alpha, realCutoff: 10, reciprocalCutoff: 1 }).compute(s).energy;
    expect(Math.abs(e - directImageSum(s, PUBLISHED.charges, alpha, 4))).toBeLessThan(1e-12);
  });

  it('at small α the real-space and self terms alone give the lattice energy (the reciprocal term vanishes)', () => {
    // rock salt, d = 1 Å: the smallest G with S(G) ≠ 0 is (111), |G|² = 3π²; at α = 0.45 the
    // reciprocal term is below e^{−3π²/(4·0.45²)} ≈ 1e−16 of the energy
    const a = 2;
    const fcc = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
    const s = Structure.fromFractional(Lattice.fromParameters({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 }), [...'AAAABBBB'], [
      ...fcc,
      ...fcc.map((p) => p.map((x) => x + 0.5)),
    ].flat());
    const opts = { alpha: 0.45, accuracy: 1e-13 };
    const e = new EwaldReal({ A: 1, B: -1 }, opts).compute(s).energy + new EwaldSelf({ A: 1, B: -1 }, opts).compute(s).energy;
    const madelung = -e / 4 / K; // d = 1
    expect(Math.abs(madelung - 1.747564594633) / 1.747564594633).toBeLessThan(TOL.madelungRel);
  });
});

// Fixed α: the term alone depends on α, so the supercell check needs the same α for both cells.
runContractSuite('EwaldReal alone', () => new EwaldReal(PUBLISHED.charges, { alpha: 0.45 }), {
  'CdSe-WZ-rattled': () => referenceStructure('CdSe-WZ-rattled'),
  triclinic: triclinicCell,
});
