/**
 * The Ewald model as a whole: the energy-model contract, Madelung constants, independence of α,
 * the independent engine's Coulomb energies, and the choice of parameters.
 */
import { describe, it, expect } from 'vitest';
import { EwaldModel, resolveEwaldParameters, EWALD_COST_RATIO } from '../src/potentials/ewald/index.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { deformation } from '../src/math/voigt.js';
import { COULOMB_EV_ANGSTROM } from '../src/units/index.js';
import { DomainError } from '../src/errors.js';
import { runContractSuite } from './helpers/contract.js';
import { referenceCells, referenceStructure, triclinicCell, PUBLISHED } from './helpers/cells.js';
import { TOL } from './helpers/tolerances.js';

const K = COULOMB_EV_ANGSTROM;
const cubic = (a: number): Lattice => Lattice.fromParameters({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const FCC = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
const shifted = (t: number[]): number[][] => FCC.map((p) => p.map((x, k) => x + t[k]!));

/** Conventional cells of unit charges A⁺ B⁻ with nearest-neighbour distance d (4 or 1 ion pairs). */
const rockSalt = (d: number): Structure =>
  Structure.fromFractional(cubic(2 * d), [...'AAAABBBB'], [...FCC, ...shifted([0.5, 0.5, 0.5])].flat());
const cesiumChloride = (d: number): Structure =>
  Structure.fromFractional(cubic((2 * d) / Math.sqrt(3)), ['A', 'B'], [0, 0, 0, 0.5, 0.5, 0.5]);
const zincBlende = (d: number): Structure =>
  Structure.fromFractional(cubic((4 * d) / Math.sqrt(3)), [...'AAAABBBB'], [...FCC, ...shifted([0.25, 0.25, 0.25])].flat());
const UNIT = { A: 1, B: -1 };

/** The reference CdSe-WZ cell under a general strain that breaks its symmetry. */
const strainedWurtzite = (): Structure =>
  referenceStructure('CdSe-WZ').deformed(deformation([0.012, -0.008, 0.015, 0.01, -0.006, 0.009]));

// The shared contract with the default floors: the tapered cut-offs (parameters.ts) make the
// energy twice differentiable, so no looser tolerance is needed for the Ewald sum.
runContractSuite('EwaldModel (Cd +0.8, Pb +0.8, Se −0.8)', () => new EwaldModel(PUBLISHED.charges), {
  'CdSe-WZ-rattled': () => referenceStructure('CdSe-WZ-rattled'),
  'PbSe-RS-rattled': () => referenceStructure('PbSe-RS-rattled'),
  triclinic: triclinicCell,
  'CdSe-WZ strained': strainedWurtzite,
});

describe('Madelung constants (unit charges, referred to the nearest-neighbour distance d)', () => {
  // E per ion pair = −M k/d; the 12-digit values are the ones the issue pins.
  const cases: [string, (d: number) => Structure, number][] = [
    ['rock salt', rockSalt, 1.747564594633],
    ['CsCl', cesiumChloride, 1.762674773070],
    ['zinc blende', zincBlende, 1.638055053388],
  ];
  for (const [name, make, M] of cases) {
    it(`${name}: M = ${M} to 1e-9`, () => {
      const d = 2.7;
      const s = make(d);
      const e = new EwaldModel(UNIT, { accuracy: 1e-13 }).compute(s).energy;
      const m = (-e / (s.numAtoms / 2)) * (d / K);
      expect(Math.abs(m - M) / M).toBeLessThan(TOL.madelungRel);
    });
  }
});

describe('independence of α', () => {
  const alphas = [0.22, 0.5, 1.1];
  const acc = TOL.ewaldAlphaAccuracy;
  const cells: Record<string, () => Structure> = {
    'CdSe-WZ-rattled': () => referenceStructure('CdSe-WZ-rattled'),
    triclinic: triclinicCell,
  };
  for (const [label, make] of Object.entries(cells)) {
    const s = make();
    const n = s.numAtoms;
    const results = alphas.map((alpha) => new EwaldModel(PUBLISHED.charges, { alpha, accuracy: acc }).compute(s, 2));
    const worst = (f: (i: number) => ArrayLike<number>): number => {
      let w = 0;
      for (let i = 1; i < results.length; i++) {
        const a = f(i), b = f(0);
        for (let k = 0; k < a.length; k++) w = Math.max(w, Math.abs(a[k]! - b[k]!));
      }
      return w;
    };
    it(`${label}: energies at α = ${alphas.join(', ')} Å⁻¹ agree to the accuracy`, () => {
      expect(worst((i) => [results[i]!.energy])).toBeLessThan(acc * n);
    });
    it(`${label}: gradients at the three α agree to the accuracy`, () => {
      expect(worst((i) => results[i]!.gradient!)).toBeLessThan(acc * n);
    });
    it(`${label}: strain derivatives at the three α agree`, () => {
      expect(worst((i) => results[i]!.strain!)).toBeLessThan(acc * n * TOL.ewaldAlphaDerivativeFactor);
    });
    it(`${label}: every Hessian entry (position, position-strain, strain) at the three α agrees`, () => {
      expect(worst((i) => results[i]!.hessian!)).toBeLessThan(TOL.ewaldAlphaHessian);
    });
  }
});

describe('Coulomb energies of the independent engine (fixtures/reference/independent-energies.json)', () => {
  for (const [id, cell] of Object.entries(referenceCells())) {
    it(`${id}: ${cell.coulombEnergy.toFixed(6)} eV to 1e-6 eV per cell`, () => {
      const e = new EwaldModel(PUBLISHED.charges).compute(referenceStructure(id));
      expect(Math.abs(e.energy - cell.coulombEnergy)).toBeLessThan(TOL.referenceEnergyEv);
      expect(e.parts.coulomb).toBe(e.energy);
    });
  }
});

describe('choice of parameters', () => {
  it('α is the cost-balanced (π³ w N/V²)^(1/6) rounded to a power of 2^(1/8)', () => {
    for (const id of ['CdSe-WZ', 'PbSe-CsCl', 'PbSe-ZB']) {
      const s = referenceStructure(id);
      const { alpha } = resolveEwaldParameters(s, PUBLISHED.charges);
      const raw = Math.pow((Math.PI ** 3 * EWALD_COST_RATIO * s.numAtoms) / s.lattice.volume ** 2, 1 / 6);
      expect(Math.abs(Math.log2(alpha) - Math.log2(raw))).toBeLessThanOrEqual(1 / 16 + 1e-12);
      expect(Math.abs(8 * Math.log2(alpha) - Math.round(8 * Math.log2(alpha)))).toBeLessThan(1e-9);
    }
  });

  it('the default cut-offs converge every reference cell and its 2×2×1 supercell to the accuracy per atom', () => {
    for (const accuracy of [1e-6, 1e-8, 1e-10]) {
      for (const id of Object.keys(referenceCells())) {
        for (const s of [referenceStructure(id), referenceStructure(id).supercell([2, 2, 1])]) {
          const e = new EwaldModel(PUBLISHED.charges, { accuracy }).compute(s).energy;
          const p = resolveEwaldParameters(s, PUBLISHED.charges, { accuracy });
          const converged = new EwaldModel(PUBLISHED.charges, { alpha: p.alpha, realCutoff: 1.5 * p.realCutoff, reciprocalCutoff: 1.5 * p.reciprocalCutoff }).compute(s).energy;
          expect(Math.abs(e - converged) / s.numAtoms, `${id}, N = ${s.numAtoms}, accuracy ${accuracy}`).toBeLessThan(accuracy);
        }
      }
    }
  });

  it('α and the cut-offs given as options are used as given', () => {
    const p = resolveEwaldParameters(triclinicCell(), PUBLISHED.charges, { alpha: 0.7, realCutoff: 9, reciprocalCutoff: 5 });
    expect(p).toEqual({ alpha: 0.7, realCutoff: 9, reciprocalCutoff: 5 });
  });

  it('a tighter accuracy gives larger cut-offs at the same α', () => {
    const s = triclinicCell();
    const loose = resolveEwaldParameters(s, PUBLISHED.charges, { accuracy: 1e-6 });
    const tight = resolveEwaldParameters(s, PUBLISHED.charges, { accuracy: 1e-12 });
    expect(tight.alpha).toBe(loose.alpha);
    expect(tight.realCutoff).toBeGreaterThan(loose.realCutoff);
    expect(tight.reciprocalCutoff).toBeGreaterThan(loose.reciprocalCutoff);
  });

  it('a species without a charge is rejected with UNKNOWN_SPECIES', () => {
    const s = referenceStructure('PbSe-RS');
    const model = new EwaldModel({ Pb: 0.8 });
    expect(() => model.compute(s)).toThrowError(DomainError);
    try {
      model.compute(s);
    } catch (e) {
      expect((e as DomainError).code).toBe('UNKNOWN_SPECIES');
      expect((e as DomainError).detail.species).toBe('Se');
    }
    expect(() => resolveEwaldParameters(s, { Se: -0.8 })).toThrow(/Pb/);
  });

  it('options that are not positive numbers are rejected with INVALID_POTENTIAL', () => {
    for (const bad of [{ accuracy: 0 }, { alpha: -1 }, { realCutoff: Number.NaN }, { reciprocalCutoff: Infinity }]) {
      expect(() => new EwaldModel(PUBLISHED.charges, bad)).toThrowError(expect.objectContaining({ code: 'INVALID_POTENTIAL' }));
    }
  });

  it('a cell without charges has zero Coulomb energy and derivatives', () => {
    const r = new EwaldModel({ Cd: 0, Se: 0 }).compute(triclinicCell(), 2);
    expect(r.energy).toBe(0);
    expect(Math.max(...r.gradient!.map(Math.abs), ...r.strain!.map(Math.abs), ...r.hessian!.map(Math.abs))).toBe(0);
  });
});
