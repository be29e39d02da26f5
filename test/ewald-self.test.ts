/** The Ewald self term on its own. */
import { describe, it, expect } from 'vitest';
import { EwaldSelf, resolveEwaldParameters } from '../src/potentials/ewald/index.js';
import { COULOMB_EV_ANGSTROM } from '../src/units/index.js';
import { referenceStructure, triclinicCell, PUBLISHED } from './helpers/cells.js';

describe('EwaldSelf', () => {
  it('equals −k α/√π Σq²', () => {
    const s = referenceStructure('PbSe-RS-rattled'); // 4 Pb (+0.8), 4 Se (−0.8)
    const e = new EwaldSelf(PUBLISHED.charges, { alpha: 0.6 }).compute(s).energy;
    expect(e).toBeCloseTo((-COULOMB_EV_ANGSTROM * 0.6 * 8 * 0.64) / Math.sqrt(Math.PI), 13);
  });

  it('uses the α resolved for the structure when none is given', () => {
    const s = triclinicCell();
    const { alpha } = resolveEwaldParameters(s, PUBLISHED.charges);
    const e = new EwaldSelf(PUBLISHED.charges).compute(s).energy;
    expect(e).toBeCloseTo((-COULOMB_EV_ANGSTROM * alpha * 4 * 0.64) / Math.sqrt(Math.PI), 13);
  });

  it('has zero gradient, strain derivatives and second derivatives', () => {
    const r = new EwaldSelf(PUBLISHED.charges).compute(triclinicCell(), 2);
    expect([...r.gradient!, ...r.strain!, ...r.hessian!].every((x) => x === 0)).toBe(true);
  });

  it('reports its energy as the coulomb part', () => {
    const r = new EwaldSelf(PUBLISHED.charges).compute(triclinicCell());
    expect(r.parts).toEqual({ coulomb: r.energy });
  });
});
