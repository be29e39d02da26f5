/**
 * Charge derivatives of the Ewald energy (src/potentials/ewald/charges.ts) against central
 * differences of what they differentiate (energy, gradient, strain derivatives, Hessian) at the
 * same fixed α and cut-offs, on the Pb-Se-Cd reference cells (tied: Se = −Cd, Pb follows Cd) and on
 * formal-charge oxides (MgO, SrTiO3 with two free cations and O tied), plus the tie bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import { EwaldModel } from '../src/potentials/ewald/index.js';
import { chargeDirections, checkNeutralDirections, ewaldChargeDerivatives, tiedCharges, type ChargeTies } from '../src/potentials/ewald/charges.js';
import { DomainError } from '../src/errors.js';
import type { Structure } from '../src/crystal/structure.js';
import { close } from './helpers/tolerances.js';
import { referenceStructure } from './helpers/cells.js';
import { build, rattle, rockSalt } from './helpers/relax.js';

function fdCheck(s: Structure, charges: Record<string, number>, ties: ChargeTies, order: 1 | 2): void {
  const dirs = chargeDirections(ties);
  checkNeutralDirections(s, dirs);
  const d = ewaldChargeDerivatives(s, charges, dirs, order);
  const p = new EwaldModel(charges).parameters(s);
  const values = ties.free.map((f) => charges[f]!);
  dirs.forEach((_, k) => {
    const h = 1e-4;
    const at = (dv: number) => { const v = [...values]; v[k]! += dv; return new EwaldModel(tiedCharges(charges, ties, v)).compute(s, order, p); };
    const plus = at(h), minus = at(-h);
    // E is quadratic in p: the central difference is exact up to rounding
    expect(close(d.dEnergy[k]!, (plus.energy - minus.energy) / (2 * h), 1e-8, 1e-8)).toBe(true);
    const n = s.numAtoms;
    for (let i = 0; i < 3 * n; i++) expect(close(d.dFirst[k]![i]!, (plus.gradient![i]! - minus.gradient![i]!) / (2 * h), 1e-7, 1e-8)).toBe(true);
    for (let j = 0; j < 6; j++) expect(close(d.dFirst[k]![3 * n + j]!, (plus.strain![j]! - minus.strain![j]!) / (2 * h), 1e-7, 1e-8)).toBe(true);
    if (order === 2) for (let i = 0; i < plus.hessian!.length; i++) expect(close(d.dHessian[k]![i]!, (plus.hessian![i]! - minus.hessian![i]!) / (2 * h), 1e-6, 1e-7)).toBe(true);
  });
}

describe('Ewald charge derivatives', () => {
  const pbcdse = { Cd: 0.8, Pb: 0.8, Se: -0.8 };
  const ties: ChargeTies = { free: ['Cd'], tied: { Se: { Cd: -1 }, Pb: { Cd: 1 } } };
  for (const id of ['CdSe-WZ-rattled', 'PbSe-RS-rattled'])
    it(`${id}: dE, d(gradient), d(strain), d(Hessian) / d(Cd.charge) against central differences (Se = −Cd, Pb = Cd)`, () => fdCheck(referenceStructure(id), pbcdse, ties, 2));

  it('MgO (formal charges, rattled and strained): one free cation charge, O following', () => {
    fdCheck(rattle(rockSalt(4.2, 'Mg', 'O').structure, 0.05, 0.01, 5), { Mg: 2, O: -2 }, { free: ['Mg'], tied: { O: { Mg: -1 } } }, 2);
  });

  it('SrTiO3: two free cation charges, O = −(Sr + Ti)/3', () => {
    const s = rattle(build('Pm-3m', { a: 3.95 }, [{ species: 'Sr', frac: [0, 0, 0] }, { species: 'Ti', frac: [0.5, 0.5, 0.5] }, { species: 'O', frac: [0.5, 0.5, 0] }]).structure, 0.04, 0.01, 6);
    fdCheck(s, { Sr: 2, Ti: 4, O: -2 }, { free: ['Sr', 'Ti'], tied: { O: { Sr: -1 / 3, Ti: -1 / 3 } } }, 1);
  });

  it('the derivative of E along the charges themselves is 2E (Euler: E is homogeneous of degree 2)', () => {
    const s = referenceStructure('CdSe-ZB-rattled');
    const d = ewaldChargeDerivatives(s, pbcdse, [{ Cd: 0.8, Se: -0.8 }], 0);
    const e = new EwaldModel(pbcdse).compute(s, 0).energy;
    expect(close(d.dEnergy[0]!, 2 * e, 1e-10, 1e-10)).toBe(true);
  });

  it('tied charges keep every structure neutral; a direction that does not is refused', () => {
    expect(tiedCharges(pbcdse, ties, [0.9])).toEqual({ Cd: 0.9, Pb: 0.9, Se: -0.9 });
    expect(chargeDirections(ties)).toEqual([{ Cd: 1, Se: -1, Pb: 1 }]);
    expect(() => checkNeutralDirections(referenceStructure('CdSe-ZB-rattled'), [{ Cd: 1 }], 'CdSe-ZB')).toThrow(DomainError);
  });
});
