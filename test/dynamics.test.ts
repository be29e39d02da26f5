/**
 * Harmonic lattice dynamics: the dynamical matrix from the supercell Hessian against finite
 * differences of forces, the acoustic sum rule at Γ, imaginary modes of structures that are saddle
 * points, and the harmonic rms displacements against an independent route (the pseudo-inverse of
 * the supercell's force-constant matrix) and in the limit of a growing mesh.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel, type ForceField } from '../src/potentials/index.js';
import { prepareCrystal, relaxCrystal } from '../src/properties/crystal.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { atomicMass } from '../src/crystal/masses.js';
import { symmetricEigen } from '../src/math/dense.js';
import { BOLTZMANN_EV_PER_K } from '../src/units/index.js';
import {
  forceConstants,
  dynamicalMatrix,
  modes,
  phononReport,
  phononsAt,
  harmonicDisplacementsFrom,
  harmonicDisplacements,
  meshForLength,
  type QPoint,
} from '../src/dynamics/index.js';
import { FIXTURES, MGO_LEWIS_CATLOW } from './helpers/cells.js';
import { TOL } from './helpers/tolerances.js';
import { DomainError } from '../src/errors.js';

const job = parseJob(JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8')));
const model = buildEnergyModel(job.forceField);
const relaxed = (id: string): Structure => relaxCrystal(model, prepareCrystal(job.structures.find((s) => s.id === id)!)).structure;

/**
 * A second chemistry: rigid-ion MgO, formal charges, Mg-O and O-O Buckingham terms of Lewis and
 * Catlow (J. Phys. C 18 (1985) 1149, doi:10.1088/0022-3719/18/6/010), without the oxygen shell.
 */
const MGO: ForceField = MGO_LEWIS_CATLOW;
const mgoModel = buildEnergyModel(MGO);
/** Rock-salt MgO, primitive fcc cell, at a = 4.21 Å and rattled: a general point, not a minimum. */
function mgoRattled(): Structure {
  const a = 4.21;
  const lat = Lattice.fromVectors([
    [0, a / 2, a / 2],
    [a / 2, 0, a / 2],
    [a / 2, a / 2, 0],
  ]);
  return Structure.fromFractional(lat, ['Mg', 'O'], [
    [0.01, -0.02, 0.005],
    [0.5, 0.49, 0.515],
  ]);
}

/** D(q) by central differences of the analytic forces in the mesh supercell. */
function finiteDifferenceEigenvalues(m: typeof model, cell: Structure, mesh: [number, number, number], q: QPoint, h = 1e-4): Float64Array {
  const sc = cell.supercell(mesh);
  const n = cell.numAtoms, N = sc.numAtoms, dim = 3 * n;
  const re = new Float64Array(dim * dim), im = new Float64Array(dim * dim);
  const mass = cell.species.map((s) => atomicMass(s));
  for (let col = 0; col < dim; col++) {
    const grad = (sign: number): Float64Array => {
      const p = Float64Array.from(sc.positions);
      p[col]! += sign * h; // atom col/3 of image 0
      return m.compute(sc.withPositions(p), 1).gradient!;
    };
    const gp = grad(1), gm = grad(-1);
    // Φ(lκ'; 0κ) = ∂g_{lκ'}/∂u_{0κ}; D_{κ'β,κα}(q) = Σ_l Φ(0κ'; lκ) e^{iq·l} = Σ_l Φ(lκ'... ) by symmetry:
    // Φ(0κ'; lκ) = Φ(−l κ'; 0κ), so sum row atom (image l, κ') with phase e^{−iq·l}
    for (let i = 0; i < mesh[0]; i++)
      for (let j = 0; j < mesh[1]; j++)
        for (let k = 0; k < mesh[2]; k++) {
          const l = (i * mesh[1] + j) * mesh[2] + k;
          const arg = -2 * Math.PI * (q[0] * i + q[1] * j + q[2] * k);
          for (let row = 0; row < dim; row++) {
            const phi = (gp[3 * n * l + row]! - gm[3 * n * l + row]!) / (2 * h);
            const w = 1 / Math.sqrt(mass[Math.floor(row / 3)]! * mass[Math.floor(col / 3)]!);
            re[row * dim + col]! += phi * Math.cos(arg) * w;
            im[row * dim + col]! += phi * Math.sin(arg) * w;
          }
        }
  }
  void N;
  return modes({ q, size: dim, re, im }).eigenvalues;
}

describe('dynamical matrix', () => {
  it('the three acoustic frequencies vanish at Γ (PbSe rock salt, CdSe wurtzite, MgO): |ω²| below 1e-7 of the largest', () => {
    for (const [m, cell] of [
      [model, relaxed('PbSe-RS')],
      [model, relaxed('CdSe-WZ')],
      [mgoModel, mgoRattled()],
    ] as const) {
      const ev = modes(dynamicalMatrix(forceConstants(m, cell, [2, 2, 2]), [0, 0, 0])).eigenvalues;
      const largest = Math.max(...ev.map(Math.abs));
      const small = [...ev].map(Math.abs).sort((a, b) => a - b);
      expect(small[2]! / largest).toBeLessThan(TOL.acousticGammaRel);
      expect(small[3]! / largest).toBeGreaterThan(1e-3); // and only three
    }
  });

  for (const [name, m, cell, mesh, q] of [
    ['wurtzite CdSe at Γ', model, () => relaxed('CdSe-WZ'), [2, 2, 2], [0, 0, 0]],
    ['wurtzite CdSe at (½, 0, ½)', model, () => relaxed('CdSe-WZ'), [2, 2, 2], [0.5, 0, 0.5]],
    ['rattled MgO at (⅓, ⅓, 0)', mgoModel, mgoRattled, [3, 3, 1], [1 / 3, 1 / 3, 0]],
    ['rattled MgO at (⅓, −⅓, ½), complex D', mgoModel, mgoRattled, [3, 3, 2], [1 / 3, -1 / 3, 0.5]],
  ] as const) {
    it(`eigenvalues equal those of D from finite differences of the forces: ${name}`, () => {
      const c = cell();
      const analytic = modes(dynamicalMatrix(forceConstants(m, c, mesh), q)).eigenvalues;
      const fd = finiteDifferenceEigenvalues(m, c, [...mesh], q);
      const scale = Math.max(...analytic.map(Math.abs));
      analytic.forEach((x, k) => expect(Math.abs(x - fd[k]!) / scale).toBeLessThan(TOL.phononFiniteDifferenceRel));
    });
  }

  it('phononsAt builds the commensurate supercell: the same modes as on the mesh', () => {
    const c = mgoRattled();
    const onMesh = modes(dynamicalMatrix(forceConstants(mgoModel, c, [4, 2, 1]), [0.25, 0.5, 0])).eigenvalues;
    const direct = phononsAt(mgoModel, c, [0.25, 0.5, 0]).eigenvalues;
    onMesh.forEach((x, k) => expect(direct[k]).toBeCloseTo(x, 10));
    expect(() => dynamicalMatrix(forceConstants(mgoModel, c, [2, 2, 2]), [1 / 3, 0, 0])).toThrow(/not on the 2x2x2 mesh/);
  });
});

describe('dynamical stability', () => {
  it('rock-salt PbSe and wurtzite CdSe at their minima are stable on a 3x3x3 mesh', () => {
    expect(phononReport(forceConstants(model, relaxed('PbSe-RS'), [3, 3, 3])).stable).toBe(true);
    expect(phononReport(forceConstants(model, relaxed('CdSe-WZ'), [2, 2, 2])).stable).toBe(true);
  });

  it('honeycomb CdSe (P6_3/mmc, a stationary point by symmetry) has an imaginary Γ mode, and the energy falls along it with curvature ω²', () => {
    const hc = relaxed('CdSe-HC');
    const fc = forceConstants(model, hc, [1, 1, 1]);
    const rep = phononReport(fc);
    expect(rep.stable).toBe(false);
    const first = rep.imaginary[0]!;
    expect(first.q).toEqual([0, 0, 0]);
    expect(first.branch).toBe(0);
    expect(first.frequencyTHz).toBeLessThan(-1);
    // independent check: E along the Cartesian displacement x = δ e/√m has d²E/dδ² = ω² < 0
    const md = modes(dynamicalMatrix(fc, [0, 0, 0]));
    const e = md.eigenvector(0).re;
    const masses = hc.species.map((s) => atomicMass(s));
    const energyAt = (d: number): number => {
      const p = Float64Array.from(hc.positions, (x, r) => x + (d * e[r]!) / Math.sqrt(masses[Math.floor(r / 3)]!));
      return model.compute(hc.withPositions(p)).energy;
    };
    const d = 1e-3;
    const curvature = (energyAt(d) - 2 * energyAt(0) + energyAt(-d)) / (d * d);
    expect(energyAt(0.05)).toBeLessThan(energyAt(0));
    expect(Math.abs(curvature - md.eigenvalues[0]!) / Math.abs(md.eigenvalues[0]!)).toBeLessThan(TOL.phononCurvatureRel);
  });

  it('caesium-chloride PbSe at 0 GPa is unstable at the zone-boundary M points, not at Γ', () => {
    const rep = phononReport(forceConstants(model, relaxed('PbSe-CsCl'), [2, 2, 2]));
    expect(rep.stable).toBe(false);
    expect(rep.imaginary.some((m) => m.q.every((x) => x === 0))).toBe(false);
    const qs = rep.imaginary.map((m) => m.q.map(Math.abs).sort().join(','));
    expect(qs).toContain('0,0.5,0.5');
  });

  it('harmonic displacements of an unstable structure are refused with DYNAMICALLY_UNSTABLE', () => {
    expect(() => harmonicDisplacements(model, relaxed('CdSe-HC'), [1, 1, 1], 300)).toThrow(DomainError);
    expect(() => harmonicDisplacements(model, relaxed('CdSe-HC'), [1, 1, 1], 300)).toThrow(/imaginary mode \(branch 0 at q = \(0, 0, 0\)\)/);
  });
});

/** ⟨u²⟩ per atom and axis from the pseudo-inverse of the supercell's mass-weighted Hessian (3 translations left out). */
function pseudoInverseMeanSquare(m: typeof model, cell: Structure, mesh: [number, number, number], T: number): Float64Array {
  const sc = cell.supercell(mesh);
  const N = sc.numAtoms, dim = 3 * N, stride = dim + 6;
  const h = m.compute(sc, 2).hessian!;
  const mass = sc.species.map((s) => atomicMass(s));
  const d = new Float64Array(dim * dim);
  for (let r = 0; r < dim; r++) for (let c = 0; c < dim; c++) d[r * dim + c] = h[r * stride + c]! / Math.sqrt(mass[Math.floor(r / 3)]! * mass[Math.floor(c / 3)]!);
  const { values, vectors } = symmetricEigen(d, dim);
  const order = [...values.keys()].sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!));
  const skip = new Set(order.slice(0, 3));
  const out = new Float64Array(3 * cell.numAtoms);
  const kT = BOLTZMANN_EV_PER_K * T;
  for (let r = 0; r < dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) if (!skip.has(k)) s += vectors[r * dim + k]! ** 2 / values[k]!;
    out[r % (3 * cell.numAtoms)]! += (kT * s) / mass[Math.floor(r / 3)]! / (N / cell.numAtoms);
  }
  return out;
}

describe('harmonic rms displacements', () => {
  it('the q-mesh sum equals the pseudo-inverse of the supercell force constants (wurtzite CdSe 2x2x2, PbSe 3x3x3, MgO 2x2x3)', () => {
    for (const [m, cell, mesh] of [
      [model, relaxed('CdSe-WZ'), [2, 2, 2]],
      [model, relaxed('PbSe-RS'), [3, 3, 3]],
      [mgoModel, mgoRattled(), [2, 2, 3]],
    ] as const) {
      // the rattled MgO is not at a minimum, but its Hessian is positive definite: the identity is algebra
      const viaMesh = harmonicDisplacementsFrom(forceConstants(m, cell, mesh), 300).meanSquare;
      const viaInverse = pseudoInverseMeanSquare(m, cell, [...mesh], 300);
      viaMesh.forEach((x, r) => expect(Math.abs(x - viaInverse[r]!) / x).toBeLessThan(TOL.harmonicRoutesRel));
    }
  });

  it('ξ is 3-D (ξ² = Σ of the per-axis squares), isotropic in rock salt and scales as √T', () => {
    const x300 = harmonicDisplacements(model, relaxed('PbSe-RS'), [3, 3, 3], 300);
    const x75 = harmonicDisplacements(model, relaxed('PbSe-RS'), [3, 3, 3], 75);
    for (const s of ['Pb', 'Se']) {
      const [ux, uy, uz] = x300.perAxis[s]!;
      expect(x300.xi[s]!).toBeCloseTo(Math.hypot(ux, uy, uz), 12);
      expect(uy).toBeCloseTo(ux, 9);
      expect(uz).toBeCloseTo(ux, 9);
      expect(x300.xi[s]! / x75.xi[s]!).toBeCloseTo(2, 10);
    }
    expect(x300.xi.Pb!).toBeGreaterThan(x300.xi.Se!); // heavier, but softer bonds: Pb moves more in this model
  });

  it('ξ converges as the mesh grows: successive changes shrink, and 4x4x4 → 5x5x5 moves it by under 2 %', () => {
    const cell = relaxed('PbSe-RS');
    const xs = [2, 3, 4, 5].map((n) => harmonicDisplacements(model, cell, [n, n, n], 300).xi.Pb!);
    const steps = xs.slice(1).map((x, k) => x - xs[k]!);
    for (let k = 1; k < steps.length; k++) expect(Math.abs(steps[k]!)).toBeLessThan(Math.abs(steps[k - 1]!));
    expect(Math.abs(steps[2]!) / xs[3]!).toBeLessThan(0.02);
  });

  it('meshForLength gives a supercell at least that wide in every direction', () => {
    const wz = relaxed('CdSe-WZ');
    const mesh = meshForLength(wz, 20);
    const w = wz.supercell(mesh).lattice.perpendicularWidths;
    for (const x of w) expect(x).toBeGreaterThanOrEqual(20);
    expect(meshForLength(wz, 20).map((n, k) => (n - 1) * wz.lattice.perpendicularWidths[k]!).every((x) => x < 20)).toBe(true);
  });
});
