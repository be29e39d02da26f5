/**
 * Transition pressures (src/properties/transition.ts) on the published Pb-Se-Cd model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors.js';
import type { EnergyModel } from '../src/potentials/model.js';
import { prepareCrystal, relaxCrystal, type PreparedCrystal } from '../src/properties/crystal.js';
import { transitionPressure, type TransitionResult } from '../src/properties/transition.js';
import { TOL } from './helpers/tolerances.js';
import { evPerA3ToGPa, gpaToEvPerA3 } from '../src/units/index.js';
import { TIGHT, crystal, published } from './helpers/properties.js';

describe('wurtzite → rock-salt CdSe', () => {
  let wz: PreparedCrystal, rs: PreparedCrystal;
  let t: TransitionResult;
  beforeAll(() => {
    wz = prepareCrystal(crystal('CdSe-WZ'));
    rs = prepareCrystal(crystal('CdSe-RS'));
    t = transitionPressure(published().model, wz, rs, TIGHT);
  });

  it('finds a transition pressure', () => {
    expect(t.pressure).not.toBeNull();
    expect(t.message).toContain('GPa');
  });

  it('the enthalpies per formula unit are equal at the reported pressure (both relaxed afresh there)', () => {
    const p = evPerA3ToGPa(t.pressure!);
    const hA = relaxCrystal(published().model, wz, { ...TIGHT, pressure: gpaToEvPerA3(p) }).enthalpyPerFormulaUnit;
    const hB = relaxCrystal(published().model, rs, { ...TIGHT, pressure: gpaToEvPerA3(p) }).enthalpyPerFormulaUnit;
    expect(Math.abs(hA - hB)).toBeLessThan(TOL.transitionEnthalpyEv);
  });

  it('wurtzite is the lower-enthalpy phase 1 GPa below the transition and rock salt 1 GPa above', () => {
    const h = (c: PreparedCrystal, p: number): number => relaxCrystal(published().model, c, { ...TIGHT, pressure: gpaToEvPerA3(p) }).enthalpyPerFormulaUnit;
    const p = evPerA3ToGPa(t.pressure!);
    expect(h(wz, p - 1)).toBeLessThan(h(rs, p - 1));
    expect(h(rs, p + 1)).toBeLessThan(h(wz, p + 1));
  });

  it('the rock-salt phase is the denser one at the transition', () => {
    expect(t.volumeB!).toBeLessThan(t.volumeA!);
  });

  it('the curve gives both enthalpies per formula unit at every pressure tried, sorted by pressure', () => {
    const ps = t.curve.map((c) => c.pressure);
    expect(ps).toEqual([...ps].sort((a, b) => a - b));
    expect(t.curve.every((c) => Number.isFinite(c.enthalpyA) && Number.isFinite(c.enthalpyB))).toBe(true);
  });
});

describe('transition search limits and failures', () => {
  it('without a crossing in the range tried: no pressure and a message naming the range', () => {
    const t = transitionPressure(published().model, prepareCrystal(crystal('CdSe-WZ')), prepareCrystal(crystal('CdSe-RS')), { maxPressure: gpaToEvPerA3(3) });
    expect(t.pressure).toBeNull();
    expect(t.message).toBe('no crossing between 0 and 2 GPa');
  });

  it('a polymorph whose relaxation fails under pressure is reported, not thrown', () => {
    const { model } = published();
    // rock salt "collapses" below 21.5 Å³ per atom (it has 22.36 at 0 GPa): the model refuses it
    const collapsing: EnergyModel = {
      name: 'collapsing rock salt',
      compute(s, order) {
        if (s.numAtoms === 2 && s.lattice.volume / 2 < 21.5) throw new DomainError('NUMERICAL_FAILURE', 'collapsed');
        return model.compute(s, order);
      },
    };
    const t = transitionPressure(collapsing, prepareCrystal(crystal('CdSe-WZ')), prepareCrystal(crystal('CdSe-RS')));
    expect(t.pressure).toBeNull();
    expect(t.warnings.some((w) => w.includes('CdSe-RS cannot be relaxed') && w.includes('collapsed'))).toBe(true);
    expect(t.curve.some((c) => !c.intactB)).toBe(true);
    expect(t.message).toBe('no crossing between 0 and 0 GPa: CdSe-RS could not be followed to 2 GPa');
  });

  it('a cancelled search throws CANCELLED', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => transitionPressure(published().model, prepareCrystal(crystal('CdSe-WZ')), prepareCrystal(crystal('CdSe-RS')), { signal: ac.signal })).toThrow(
      expect.objectContaining({ code: 'CANCELLED' }),
    );
  });
});
