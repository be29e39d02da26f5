/**
 * Elastic constants from the analytic Hessian (src/properties/elastic.ts), on the published
 * Pb-Se-Cd model. Each crystal: first the structure is at a minimum, then the tensor is symmetric,
 * has its crystal class's zeros and equalities, and the relaxed-ion constants agree with central
 * differences of the stress with the ions relaxed at each strain.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Matrix } from 'ml-matrix';
import { elasticConstants, elasticFromHessian, moduli, compliance, symmetricEigenvalues, type ElasticResult } from '../src/properties/elastic.js';
import type { RelaxedCrystal } from '../src/properties/crystal.js';
import { relax } from '../src/relaxation/index.js';
import { deformation } from '../src/math/voigt.js';
import { GPA_PER_EV_PER_A3 } from '../src/units/index.js';
import { TOL } from './helpers/tolerances.js';
import { published, relaxedCrystal, maxDiff } from './helpers/properties.js';

const C = (el: ElasticResult, i: number, j: number): number => el.relaxed[i - 1]![j - 1]!;

function forcesAndStress(r: RelaxedCrystal): { maxForce: number; maxStressGPa: number } {
  const e = published().model.compute(r.structure, 1);
  const V = r.structure.lattice.volume;
  return {
    maxForce: Math.max(...Array.from(e.gradient!, Math.abs)),
    maxStressGPa: Math.max(...Array.from(e.strain!, (s) => Math.abs((s / V) * GPA_PER_EV_PER_A3))),
  };
}

/** C_kl = [σ_k(+h e_l) − σ_k(−h e_l)] / 2h with the ions relaxed (P1, fixed cell) at each strain. */
function finiteStrainConstants(r: RelaxedCrystal, h = 1e-4): number[][] {
  const { model } = published();
  const cols: number[][] = [];
  for (let l = 0; l < 6; l++) {
    const [plus, minus] = [h, -h].map((s) => {
      const e = [0, 0, 0, 0, 0, 0];
      e[l] = s;
      const strained = r.structure.deformed(deformation(e));
      const relaxed = relax(model, strained, { fixCell: true, forceTolerance: 1e-10, checkStability: false });
      const d = model.compute(relaxed.structure, 1).strain!;
      const V = relaxed.structure.lattice.volume;
      return Array.from(d, (x) => (x / V) * GPA_PER_EV_PER_A3);
    });
    cols.push(plus!.map((x, k) => (x - minus![k]!) / (2 * h)));
  }
  return cols[0]!.map((_, k) => cols.map((col) => col[k]!));
}

/** Off-diagonal-block and other entries a class requires to vanish, as [i, j] (1-based, i < j). */
const HEXAGONAL_ZEROS: [number, number][] = [[1, 4], [1, 5], [1, 6], [2, 4], [2, 5], [2, 6], [3, 4], [3, 5], [3, 6], [4, 5], [4, 6], [5, 6]];
const CUBIC_ZEROS = HEXAGONAL_ZEROS;

function maxAsymmetry(m: number[][]): number {
  let a = 0;
  for (let i = 0; i < 6; i++) for (let j = 0; j < i; j++) a = Math.max(a, Math.abs(m[i]![j]! - m[j]![i]!));
  return a;
}

describe('elastic constants of wurtzite CdSe (hexagonal, 6mm)', () => {
  let r: RelaxedCrystal;
  let el: ElasticResult;
  beforeAll(() => {
    r = relaxedCrystal('CdSe-WZ').relaxed;
    el = elasticConstants(published().model, r.structure);
  });

  it('is evaluated at a minimum: every force component vanishes', () => {
    expect(forcesAndStress(r).maxForce).toBeLessThan(TOL.propertiesForceEvA);
  });

  it('is evaluated at a minimum: every stress component vanishes', () => {
    expect(forcesAndStress(r).maxStressGPa).toBeLessThan(TOL.propertiesStressGPa);
  });

  it('the relaxed- and clamped-ion tensors are symmetric', () => {
    expect(maxAsymmetry(el.relaxed)).toBeLessThan(TOL.elasticPatternGPa);
    expect(maxAsymmetry(el.clamped)).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('has the hexagonal zero pattern (no coupling of normal and shear strains, no shear-shear coupling)', () => {
    for (const [i, j] of HEXAGONAL_ZEROS) expect(Math.abs(C(el, i, j)), `C${i}${j}`).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('has C11 = C22, C13 = C23 and C44 = C55', () => {
    expect(Math.abs(C(el, 1, 1) - C(el, 2, 2))).toBeLessThan(TOL.elasticPatternGPa);
    expect(Math.abs(C(el, 1, 3) - C(el, 2, 3))).toBeLessThan(TOL.elasticPatternGPa);
    expect(Math.abs(C(el, 4, 4) - C(el, 5, 5))).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('has C66 = (C11 − C12)/2 (isotropy in the basal plane)', () => {
    expect(Math.abs(C(el, 6, 6) - (C(el, 1, 1) - C(el, 1, 2)) / 2)).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('relaxed-ion C equals central differences of the stress with the ions relaxed at strains ±1e-4', () => {
    expect(maxDiff(finiteStrainConstants(r), el.relaxed)).toBeLessThan(TOL.elasticFiniteStrainGPa);
  });

  it('clamped − relaxed is positive semidefinite (relaxing the ions never stiffens the crystal)', () => {
    const diff = el.clamped.map((row, i) => row.map((x, j) => x - el.relaxed[i]![j]!));
    expect(symmetricEigenvalues(diff)[0]!).toBeGreaterThan(-TOL.elasticPsdGPa);
  });

  it('the internal-strain correction is not zero: u relaxes under a strain along c', () => {
    expect(el.clamped[2]![2]! - el.relaxed[2]![2]!).toBeGreaterThan(1);
  });

  it('is Born-stable: every eigenvalue of C is positive and `stable` says so', () => {
    expect(el.eigenvalues[0]!).toBeGreaterThan(0);
    expect(el.stable).toBe(true);
  });

  it('the compliance is the inverse of C', () => {
    const prod = new Matrix(el.compliance).mmul(new Matrix(el.relaxed)).to2DArray();
    expect(maxDiff(prod, Matrix.eye(6, 6).to2DArray())).toBeLessThan(1e-10);
  });
});

for (const id of ['CdSe-ZB', 'PbSe-RS']) {
  describe(`elastic constants of ${id} (cubic)`, () => {
    let r: RelaxedCrystal;
    let el: ElasticResult;
    beforeAll(() => {
      r = relaxedCrystal(id).relaxed;
      el = elasticConstants(published().model, r.structure);
    });

    it('is evaluated at a minimum: forces and stress vanish', () => {
      const fs = forcesAndStress(r);
      expect(fs.maxForce).toBeLessThan(TOL.propertiesForceEvA);
      expect(fs.maxStressGPa).toBeLessThan(TOL.propertiesStressGPa);
    });

    it('the tensor is symmetric', () => {
      expect(maxAsymmetry(el.relaxed)).toBeLessThan(TOL.elasticPatternGPa);
    });

    it('has the cubic zero pattern', () => {
      for (const [i, j] of CUBIC_ZEROS) expect(Math.abs(C(el, i, j)), `C${i}${j}`).toBeLessThan(TOL.elasticPatternGPa);
    });

    it('has C11 = C22 = C33, C12 = C13 = C23 and C44 = C55 = C66', () => {
      for (const [a, b] of [[[1, 1], [2, 2]], [[1, 1], [3, 3]], [[1, 2], [1, 3]], [[1, 2], [2, 3]], [[4, 4], [5, 5]], [[4, 4], [6, 6]]] as const)
        expect(Math.abs(C(el, a[0], a[1]) - C(el, b[0], b[1]))).toBeLessThan(TOL.elasticPatternGPa);
    });

    it('Voigt and Reuss bulk moduli both equal (C11 + 2 C12)/3', () => {
      const b = (C(el, 1, 1) + 2 * C(el, 1, 2)) / 3;
      expect(Math.abs(el.moduli.BVoigt - b)).toBeLessThan(TOL.elasticPatternGPa);
      expect(Math.abs(el.moduli.BReuss - b)).toBeLessThan(TOL.elasticPatternGPa);
    });

    it('relaxed-ion C equals central differences of the stress with the ions relaxed at strains ±1e-4', () => {
      expect(maxDiff(finiteStrainConstants(r), el.relaxed)).toBeLessThan(TOL.elasticFiniteStrainGPa);
    });

    it('clamped − relaxed is positive semidefinite', () => {
      const diff = el.clamped.map((row, i) => row.map((x, j) => x - el.relaxed[i]![j]!));
      expect(symmetricEigenvalues(diff)[0]!).toBeGreaterThan(-TOL.elasticPsdGPa);
    });
  });
}

describe('internal strain', () => {
  it('vanishes in rock salt, where every ion is a centre of inversion: relaxed = clamped', () => {
    const r = relaxedCrystal('PbSe-RS').relaxed;
    const el = elasticConstants(published().model, r.structure);
    expect(maxDiff(el.relaxed, el.clamped)).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('lowers only C44 in zinc blende (the anion sublattice shifts along [111] under shear)', () => {
    const r = relaxedCrystal('CdSe-ZB').relaxed;
    const el = elasticConstants(published().model, r.structure);
    expect(el.clamped[3]![3]! - el.relaxed[3]![3]!).toBeGreaterThan(1);
    expect(Math.abs(el.clamped[0]![0]! - el.relaxed[0]![0]!)).toBeLessThan(TOL.elasticPatternGPa);
    expect(Math.abs(el.clamped[0]![1]! - el.relaxed[0]![1]!)).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('the three translations are projected out: a translation added to the force constants changes nothing', () => {
    const { model } = published();
    const r = relaxedCrystal('CdSe-WZ').relaxed;
    const h = model.compute(r.structure, 2).hessian!;
    const n = r.structure.numAtoms, dim = 3 * n + 6;
    const shifted = Float64Array.from(h);
    // add 7 (t tᵀ) for the x translation: D_ii + 7 t tᵀ has the same pseudo-inverse on the complement
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) shifted[3 * a * dim + 3 * b]! += 7 / n;
    const V = r.structure.lattice.volume;
    expect(maxDiff(elasticFromHessian(shifted, n, V).relaxed, elasticFromHessian(h, n, V).relaxed)).toBeLessThan(TOL.elasticPatternGPa);
  });

  it('an internal mode without restoring force is a NUMERICAL_FAILURE', () => {
    // two atoms, no force constants at all: the relative displacement costs nothing
    const dim = 3 * 2 + 6;
    const h = new Float64Array(dim * dim);
    for (let k = 0; k < 6; k++) h[(6 + k) * dim + 6 + k] = 1;
    expect(() => elasticFromHessian(h, 2, 10)).toThrow(expect.objectContaining({ code: 'NUMERICAL_FAILURE' }));
  });
});

describe('moduli', () => {
  it('of an isotropic tensor: Voigt = Reuss, B = λ + 2μ/3 and G = μ', () => {
    const lambda = 30, mu = 20;
    const c = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i < 3 && j < 3 ? lambda + (i === j ? 2 * mu : 0) : i === j ? mu : 0)));
    const m = moduli(c, compliance(c));
    for (const b of [m.BVoigt, m.BReuss, m.BHill]) expect(b).toBeCloseTo(lambda + (2 * mu) / 3, 10);
    for (const g of [m.GVoigt, m.GReuss, m.GHill]) expect(g).toBeCloseTo(mu, 10);
  });

  it('a singular tensor has no compliance: NUMERICAL_FAILURE', () => {
    const c = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i < 3 && j < 3 ? 1 : i === j ? 1 : 0)));
    expect(() => compliance(c)).toThrow(expect.objectContaining({ code: 'NUMERICAL_FAILURE' }));
  });
});
