/**
 * The reciprocal-space Ewald term on its own: against a full-space sum written with complex
 * exponentials, the large-α limit, the background term of a charged cell, and the energy-model
 * contract (whose first check is the gradient against central differences of the energy).
 */
import { describe, it, expect } from 'vitest';
import { EwaldModel, EwaldReciprocal, EwaldSelf } from '../src/potentials/ewald/index.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { COULOMB_EV_ANGSTROM } from '../src/units/index.js';
import { runContractSuite } from './helpers/contract.js';
import { referenceStructure, triclinicCell, PUBLISHED } from './helpers/cells.js';
import { TOL } from './helpers/tolerances.js';

const K = COULOMB_EV_ANGSTROM;
const cubic = (a: number): Lattice => Lattice.fromParameters({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });

/** (2πk/V) Σ_{G ≠ 0, |G| < gmax} e^{−G²/4α²}/G² |S(G)|² over every (h, k, l) of a cube, G·r Cartesian. */
function fullSpaceSum(s: Structure, charges: Record<string, number>, alpha: number, gmax: number, m: number): number {
  const R = s.lattice.reciprocal;
  let e = 0;
  for (let h = -m; h <= m; h++)
    for (let k = -m; k <= m; k++)
      for (let l = -m; l <= m; l++) {
        if (h === 0 && k === 0 && l === 0) continue;
        const G = [0, 1, 2].map((c) => h * R[0][c] + k * R[1][c] + l * R[2][c]);
        const g2 = G[0]! ** 2 + G[1]! ** 2 + G[2]! ** 2;
        if (g2 >= gmax * gmax) continue;
        let re = 0, im = 0;
        for (let j = 0; j < s.numAtoms; j++) {
          const th = G[0]! * s.positions[3 * j]! + G[1]! * s.positions[3 * j + 1]! + G[2]! * s.positions[3 * j + 2]!;
          re += charges[s.species[j]!]! * Math.cos(th);
          im += charges[s.species[j]!]! * Math.sin(th);
        }
        e += ((2 * Math.PI * K) / s.lattice.volume) * (Math.exp(-g2 / (4 * alpha * alpha)) / g2) * (re * re + im * im);
      }
  return e;
}

describe('EwaldReciprocal', () => {
  it('equals the full-space sum over ±G when the cut-off lies where the Gaussian has vanished', () => {
    // G_c/2α = 7: the terms in the taper are below 1e-21 eV
    const s = triclinicCell();
    const alpha = 0.4;
    const e = new EwaldReciprocal(PUBLISHED.charges, { alpha, realCutoff: 1, reciprocalCutoff: 5.6 }).compute(s).energy;
    expect(Math.abs(e - fullSpaceSum(s, PUBLISHED.charges, alpha, 5.6, 8))).toBeLessThan(1e-12);
  });

  it('at large α the reciprocal and self terms alone give the lattice energy (the real-space term vanishes)', () => {
    // CsCl, d = 3 Å: at α = 2.5 Å⁻¹ erfc(α d) ≈ 1e−25
    const d = 3;
    const s = Structure.fromFractional(cubic((2 * d) / Math.sqrt(3)), ['A', 'B'], [0, 0, 0, 0.5, 0.5, 0.5]);
    const opts = { alpha: 2.5, accuracy: 1e-13 };
    const e = new EwaldReciprocal({ A: 1, B: -1 }, opts).compute(s).energy + new EwaldSelf({ A: 1, B: -1 }, opts).compute(s).energy;
    const madelung = (-e * d) / K;
    expect(Math.abs(madelung - 1.76267477307) / 1.76267477307).toBeLessThan(TOL.madelungRel);
  });

  it('a charged cell: one charge in a cube of side L in a neutralising background has k q² ξ/(2L), ξ = −2.837297479480619', () => {
    // ξ: the Wigner constant of the simple cubic lattice (Makov & Payne, doi:10.1103/PhysRevB.51.4014,
    // quote 2.8373); the total is only right with the background term −πkQ²/(2Vα²)
    const L = 5;
    const s = Structure.fromFractional(cubic(L), ['X'], [0.1, 0.2, 0.3]);
    const e = new EwaldModel({ X: 1.5 }, { accuracy: 1e-13 }).compute(s).energy;
    const expected = (K * 1.5 ** 2 * -2.837297479480619) / (2 * L);
    expect(Math.abs(e - expected) / Math.abs(expected)).toBeLessThan(TOL.madelungRel);
  });

  it('a charged cell: the total energy with the background term does not depend on α', () => {
    const s = referenceStructure('CdSe-WZ-rattled');
    const charges = { Cd: 0.9, Se: -0.8 }; // Q = +0.4 e per cell
    const energies = [0.25, 0.5, 1.0].map((alpha) => new EwaldModel(charges, { alpha, accuracy: 1e-10 }).compute(s).energy);
    expect(Math.max(...energies) - Math.min(...energies)).toBeLessThan(1e-10 * s.numAtoms);
  });
});

// Fixed α: the term alone depends on α, so the supercell check needs the same α for both cells.
// The charged cell exercises the strain derivatives of the background term.
runContractSuite('EwaldReciprocal alone', () => new EwaldReciprocal({ ...PUBLISHED.charges, Cd: 0.9 }, { alpha: 0.45 }), {
  'CdSe-WZ-rattled (charged)': () => referenceStructure('CdSe-WZ-rattled'),
  'PbSe-RS-rattled': () => referenceStructure('PbSe-RS-rattled'),
  triclinic: triclinicCell,
});
