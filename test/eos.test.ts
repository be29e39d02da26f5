/**
 * Equation of state (src/properties/eos.ts): the Birch-Murnaghan fit itself, and the E-V route to
 * the bulk modulus against the elastic-constant route on the published Pb-Se-Cd model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { birchMurnaghanEnergy, birchMurnaghanPressure, equationOfState, fitBirchMurnaghan, fitBirchMurnaghanPressure, type EquationOfState } from '../src/properties/eos.js';
import { elasticConstants, type ElasticResult } from '../src/properties/elastic.js';
import type { RelaxedCrystal } from '../src/properties/crystal.js';
import { TOL } from './helpers/tolerances.js';
import { TIGHT, published, relaxedCrystal } from './helpers/properties.js';
import { evPerA3ToGPa } from '../src/units/index.js';

describe('Birch-Murnaghan fit', () => {
  const truth = { E0: -6.1, V0: 56.4, B0: 54.3, B0prime: 4.7 };
  const points = Array.from({ length: 9 }, (_, i) => {
    const volume = truth.V0 * (0.94 + (0.12 * i) / 8);
    return { volume, energy: birchMurnaghanEnergy(truth, volume) };
  });

  it('recovers E0, V0, B0 and B0′ from points of a Birch-Murnaghan curve (the form is a cubic in V^(−2/3))', () => {
    const fit = fitBirchMurnaghan(points);
    expect(fit.E0).toBeCloseTo(truth.E0, 10);
    expect(fit.V0 / truth.V0 - 1).toBeCloseTo(0, 10);
    expect(fit.B0 / truth.B0 - 1).toBeCloseTo(0, 8);
    expect(fit.B0prime - truth.B0prime).toBeCloseTo(0, 7);
  });

  it('leaves no residual and no standard error on exact points', () => {
    const fit = fitBirchMurnaghan(points);
    expect(fit.rmsResidual).toBeLessThan(1e-12);
    expect(fit.standardErrors.B0).toBeLessThan(1e-6);
  });

  it('the form has its minimum E0 at V0', () => {
    const e = (v: number): number => birchMurnaghanEnergy(truth, v);
    expect(e(truth.V0)).toBeCloseTo(truth.E0, 12);
    expect(e(truth.V0 * 1.001)).toBeGreaterThan(truth.E0);
    expect(e(truth.V0 * 0.999)).toBeGreaterThan(truth.E0);
  });

  it('the pressure form is −dE/dV of the energy form', () => {
    const v = truth.V0 * 0.97, h = 1e-5;
    const dEdV = (birchMurnaghanEnergy(truth, v + h) - birchMurnaghanEnergy(truth, v - h)) / (2 * h);
    expect(birchMurnaghanPressure(truth, v)).toBeCloseTo(-dEdV * 160.2176634, 6);
  });

  it('the pressure fit recovers V0, B0, B0′ from pressures of the curve, and E0 from its energies', () => {
    const fit = fitBirchMurnaghanPressure(points.map((p) => ({ ...p, pressure: birchMurnaghanPressure(truth, p.volume) / 160.2176634 })));
    expect(fit.V0 / truth.V0 - 1).toBeCloseTo(0, 10);
    expect(fit.B0 / truth.B0 - 1).toBeCloseTo(0, 8);
    expect(fit.B0prime - truth.B0prime).toBeCloseTo(0, 7);
    expect(fit.E0).toBeCloseTo(truth.E0, 10);
  });

  it('points without a minimum are a NUMERICAL_FAILURE', () => {
    const line = Array.from({ length: 6 }, (_, i) => ({ volume: 50 + i, energy: -i }));
    expect(() => fitBirchMurnaghan(line)).toThrow(expect.objectContaining({ code: 'NUMERICAL_FAILURE' }));
  });
});

for (const id of ['PbSe-RS', 'CdSe-ZB']) {
  describe(`E-V curve of ${id} (cubic)`, () => {
    let r: RelaxedCrystal;
    let el: ElasticResult;
    let eos: EquationOfState;
    beforeAll(() => {
      r = relaxedCrystal(id).relaxed;
      el = elasticConstants(published().model, r.structure);
      eos = equationOfState(published().model, r, TIGHT);
    });

    it('starts from a minimum: forces and residual stress of the relaxed structure vanish', () => {
      expect(r.maxForce).toBeLessThan(TOL.propertiesForceEvA);
      expect(evPerA3ToGPa(r.maxStress)).toBeLessThan(TOL.propertiesStressGPa);
    });

    it('holds each volume fixed (the fixed-volume route is used) and converges at every volume', () => {
      expect(eos.route).toBe('volume');
      expect(eos.points.every((p) => p.converged)).toBe(true);
    });

    it('the fit has its minimum at the relaxed volume, within the fit’s bias bound', () => {
      expect(Math.abs(eos.fit.V0 - r.volumePerFormulaUnit)).toBeLessThan(TOL.eosStandardErrors * eos.fit.standardErrors.V0);
    });

    it('the fit has its minimum at the relaxed energy, within the scatter of the points', () => {
      expect(Math.abs(eos.fit.E0 - r.energyPerFormulaUnit)).toBeLessThan(TOL.eosStandardErrors * eos.fit.rmsResidual);
    });

    it('B = (C11 + 2 C12)/3 from the Hessian equals the Birch-Murnaghan B0 within the fit’s bias bound', () => {
      const bFromC = (el.relaxed[0]![0]! + 2 * el.relaxed[0]![1]!) / 3;
      expect(Math.abs(bFromC - eos.fit.B0), `B from C_ij ${bFromC} GPa, Birch-Murnaghan ${eos.fit.B0} ± ${eos.fit.standardErrors.B0} GPa`).toBeLessThan(TOL.eosStandardErrors * eos.fit.standardErrors.B0);
    });

    it('B = (C11 + 2 C12)/3 equals the B0 of the pressure fit within its bias bound', () => {
      const bFromC = (el.relaxed[0]![0]! + 2 * el.relaxed[0]![1]!) / 3;
      expect(Math.abs(bFromC - eos.pressureFit.B0), `B from C_ij ${bFromC} GPa, p-V ${eos.pressureFit.B0} ± ${eos.pressureFit.standardErrors.B0} GPa`).toBeLessThan(
        TOL.eosStandardErrors * eos.pressureFit.standardErrors.B0,
      );
    });
  });
}

describe('E-V curve of wurtzite CdSe (hexagonal)', () => {
  it('gives the Reuss bulk modulus (hydrostatic stress, cell shape relaxed), not (C11 + 2 C12)/3', () => {
    const r = relaxedCrystal('CdSe-WZ').relaxed;
    const el = elasticConstants(published().model, r.structure);
    // ±1 %: no neighbour shell crosses a cut-off in this range (at ±4 % several do)
    const eos = equationOfState(published().model, r, { ...TIGHT, range: 0.01 });
    expect(Math.abs(el.moduli.BReuss - eos.fit.B0)).toBeLessThan(TOL.eosStandardErrors * eos.fit.standardErrors.B0);
    expect(Math.abs(el.moduli.BVoigt - eos.fit.B0)).toBeGreaterThan(TOL.eosStandardErrors * eos.fit.standardErrors.B0);
  });
});

describe('E-V routes', () => {
  it('relaxing at a series of pressures traces the same curve as fixed-volume relaxations', () => {
    const r = relaxedCrystal('PbSe-RS').relaxed;
    const byVolume = equationOfState(published().model, r, { ...TIGHT, route: 'volume' });
    const byPressure = equationOfState(published().model, r, { ...TIGHT, route: 'pressure' }, 54);
    expect(byPressure.route).toBe('pressure');
    // both fits describe one smooth curve; their B0 differ by the layout-dependent bias only
    const tol = TOL.eosStandardErrors * Math.max(byVolume.fit.standardErrors.B0, byPressure.fit.standardErrors.B0);
    expect(Math.abs(byVolume.fit.B0 - byPressure.fit.B0)).toBeLessThan(tol);
  });

  it('a curve with cut-off jumps (rock-salt CdSe at ±4 %) is reported with a warning', () => {
    const r = relaxedCrystal('CdSe-RS').relaxed;
    const eos = equationOfState(published().model, r, TIGHT);
    expect(eos.warnings.some((w) => w.includes('not smooth'))).toBe(true);
  });

  it('across cut-off jumps (rock-salt CdSe at ±4 %) the pressure fit still gives (C11 + 2 C12)/3', () => {
    const r = relaxedCrystal('CdSe-RS').relaxed;
    const el = elasticConstants(published().model, r.structure);
    const eos = equationOfState(published().model, r, TIGHT);
    const bFromC = (el.relaxed[0]![0]! + 2 * el.relaxed[0]![1]!) / 3;
    expect(Math.abs(bFromC - eos.pressureFit.B0)).toBeLessThan(TOL.eosStandardErrors * eos.pressureFit.standardErrors.B0);
  });
});
