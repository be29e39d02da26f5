/**
 * Constant-pressure relaxation keeping the space group, with the published Pb-Se-Cd model
 * (Ewald + Buckingham, test/helpers/cells.ts PUBLISHED).
 */
import { describe, it, expect } from 'vitest';
import { relax, relaxFrom, resolveRelaxOptions, symmetryAdaptedBasis, mapAtoms, type RelaxResult } from '../src/relaxation/index.js';
import type { EnergyModel } from '../src/potentials/model.js';

/** Relaxation with the symmetry of no operation at all (every coordinate and strain free). */
const relaxInP1 = (m: EnergyModel, st: Structure): RelaxResult => relax(m, st, { operations: [] });
import { DomainError } from '../src/errors.js';
import { maxAbs, matVec } from '../src/math/linalg.js';
import { GPA_PER_EV_PER_A3, gpaToEvPerA3 } from '../src/units/index.js';
import { Structure } from '../src/crystal/structure.js';
import { Lattice } from '../src/crystal/lattice.js';
import { referenceStructure } from './helpers/cells.js';
import { TOL } from './helpers/tolerances.js';
import { build, hexagonalOperations, publishedModel, publishedPolymorphs, rattle, rockSalt, wurtzite, wurtziteU, zincBlende } from './helpers/relax.js';

const model = publishedModel();
const WZ = wurtzite(4.3, 7.01, 0.375);
const wzResult = relax(model, WZ.structure, { operations: WZ.operations });

/** (1/V) ∂E/∂e + p δ, GPa, and the largest force, recomputed from the model at a structure. */
function residuals(s: Structure, pressureGPa = 0): { maxForce: number; stressPlusP: number[] } {
  const r = model.compute(s, 1);
  const v = s.lattice.volume;
  return {
    maxForce: maxAbs(r.gradient!),
    stressPlusP: Array.from(r.strain!, (x, k) => (x / v) * GPA_PER_EV_PER_A3 + (k < 3 ? pressureGPa : 0)),
  };
}

const latticeOf = (r: RelaxResult): [number, number, number] => {
  const p = r.structure.lattice.parameters;
  return [p.a, p.c, wurtziteU(r.structure)];
};

describe('symmetry-adapted basis', () => {
  it('wurtzite (P6_3mc) keeps one internal coordinate, Se moving against Cd along z', () => {
    const b = symmetryAdaptedBasis(WZ.structure, WZ.operations);
    expect(b.positions).toHaveLength(1);
    const v = b.positions[0]!;
    // atoms Cd, Cd, Se, Se: no x or y component; equal z within a species, opposite between them
    for (let i = 0; i < 4; i++) expect(Math.abs(v[3 * i]!) + Math.abs(v[3 * i + 1]!)).toBeLessThan(1e-12);
    expect(v[2]).toBeCloseTo(v[5]!, 12);
    expect(v[8]).toBeCloseTo(v[11]!, 12);
    expect(v[2]).toBeCloseTo(-v[8]!, 12);
  });

  it('wurtzite keeps two strains, a (e_xx = e_yy) and c (e_zz), and no shear', () => {
    const b = symmetryAdaptedBasis(WZ.structure, WZ.operations);
    expect(b.strains).toHaveLength(2);
    for (const e of b.strains) {
      expect(e[0]).toBeCloseTo(e[1]!, 12);
      expect(maxAbs(e.slice(3))).toBeLessThan(1e-12);
    }
  });

  it('zinc blende and rock salt (conventional cells, centrings included) keep no internal coordinate and one isotropic strain', () => {
    for (const c of [zincBlende(6.08), rockSalt(6.12)]) {
      const b = symmetryAdaptedBasis(c.structure, c.operations);
      expect(b.positions).toHaveLength(0);
      expect(b.strains).toHaveLength(1);
      const e = b.strains[0]!;
      expect([e[1]! - e[0]!, e[2]! - e[0]!, ...e.slice(3)].map(Math.abs).every((x) => x < 1e-12)).toBe(true);
    }
  });

  it('the orthohexagonal 8-atom wurtzite cell with the hexagonal operations (6-fold axis not a cell symmetry) keeps u, a and c only', () => {
    const s = referenceStructure('CdSe-WZ');
    const b = symmetryAdaptedBasis(s, hexagonalOperations('P6_3mc', 4.3, 7.01));
    expect([b.positions.length, b.strains.length, b.group.numTranslations]).toEqual([1, 2, 2]);
  });

  it('P1 (no operations) frees 3N − 3 positions and the 6 strains', () => {
    const b = symmetryAdaptedBasis(WZ.structure, []);
    expect([b.positions.length, b.strains.length]).toEqual([9, 6]);
  });

  it('fixCell drops the strains and fixVolume keeps only traceless ones', () => {
    expect(symmetryAdaptedBasis(WZ.structure, WZ.operations, { fixCell: true }).strains).toHaveLength(0);
    const fv = symmetryAdaptedBasis(WZ.structure, WZ.operations, { fixVolume: true }).strains;
    expect(fv).toHaveLength(1);
    expect(Math.abs(fv[0]![0]! + fv[0]![1]! + fv[0]![2]!)).toBeLessThan(1e-12);
  });

  it('an operation the structure does not have throws INVALID_STRUCTURE', () => {
    // the mirror z → −z of P6_3/mmc is not a symmetry of wurtzite with u = 0.375
    const ops = hexagonalOperations('P6_3/mmc', 4.3, 7.01);
    expect(() => relax(model, WZ.structure, { operations: ops })).toThrow(
      expect.objectContaining({ code: 'INVALID_STRUCTURE', message: 'structure does not have the symmetry of its space group' }),
    );
  });
});

describe('relaxed wurtzite CdSe (published model)', () => {
  it('converges', () => {
    expect(wzResult.converged).toBe(true);
  });

  it('has zero forces and σ + p to tolerance when the model is evaluated again at the result', () => {
    const r = residuals(wzResult.structure);
    expect(r.maxForce).toBeLessThan(TOL.relaxForceEvA);
    expect(maxAbs(r.stressPlusP)).toBeLessThan(TOL.relaxStressGPa);
  });

  it('keeps symmetry-equivalent atoms equivalent (every operation, carried by the deformation, maps the result onto itself)', () => {
    const D = wzResult.deformation;
    for (const op of WZ.operations) {
      const before = mapAtoms(WZ.structure, op, 1e-6);
      const after = mapAtoms(wzResult.structure, { R: op.R, t: matVec(D, op.t) }, TOL.relaxSymmetryAngstrom);
      expect(after).toEqual(before);
    }
  });

  it('keeps the fixed coordinates (x, y = 1/3, 2/3 of the 2b sites) and the hexagonal metric', () => {
    const f = wzResult.structure.fractional;
    const p = wzResult.structure.lattice.parameters;
    const xy = [f[0]!, f[1]!, f[6]!, f[7]!, f[3]!, f[4]!, f[9]!, f[10]!];
    expect(xy.map((x, k) => Math.abs(x - [1 / 3, 2 / 3, 1 / 3, 2 / 3, 2 / 3, 1 / 3, 2 / 3, 1 / 3][k]!)).every((d) => d < 1e-12)).toBe(true);
    expect([p.b - p.a, p.alpha - 90, p.beta - 90, p.gamma - 120].map(Math.abs).every((d) => d < 1e-9)).toBe(true);
  });

  it('moves u and changes c/a', () => {
    const [a, c, u] = latticeOf(wzResult);
    expect(Math.abs(u - 0.375)).toBeGreaterThan(1e-3);
    expect(Math.abs(c / a - 7.01 / 4.3)).toBeGreaterThan(1e-3);
  });

  it('Newton converges from the experimental cell in at most 4 iterations (3 measured)', () => {
    expect(wzResult.iterations).toBeLessThanOrEqual(4);
  });

  it('reaches the same a, c and u from two different starting cells (converged to 1e-7 eV/Å and 1e-6 GPa)', () => {
    const tight = { forceTolerance: 1e-7, stressTolerance: gpaToEvPerA3(1e-6) };
    const r1 = relax(model, wurtzite(4.15, 7.25, 0.36).structure, { operations: wurtzite(4.15, 7.25, 0.36).operations, ...tight });
    const r2 = relax(model, wurtzite(4.5, 6.8, 0.39).structure, { operations: wurtzite(4.5, 6.8, 0.39).operations, ...tight });
    expect(r1.converged && r2.converged).toBe(true);
    const d = latticeOf(r1).map((x, k) => Math.abs(x - latticeOf(r2)[k]!));
    expect(Math.max(...d)).toBeLessThan(TOL.relaxGeometry);
  });

  it('the orthohexagonal 8-atom cell relaxes to the same a, c and u as the primitive cell', () => {
    const s = referenceStructure('CdSe-WZ');
    const r = relax(model, s, { operations: hexagonalOperations('P6_3mc', 4.3, 7.01) });
    const p = r.structure.lattice.parameters;
    // atoms Cd, Cd, Se, Se, ...: Cd₀ at z = 0, Se₀ above it
    const f = r.structure.fractional;
    const [a, c, u] = latticeOf(wzResult);
    expect(Math.max(Math.abs(p.a - a), Math.abs(p.b - Math.sqrt(3) * a), Math.abs(p.c - c), Math.abs(f[8]! - f[2]! - u))).toBeLessThan(TOL.relaxGeometry);
  });

  it('Newton and BFGS reach the same geometry', () => {
    const b = relax(model, WZ.structure, { operations: WZ.operations, method: 'bfgs' });
    expect(b.converged).toBe(true);
    const d = latticeOf(b).map((x, k) => Math.abs(x - latticeOf(wzResult)[k]!));
    expect(Math.max(...d)).toBeLessThan(TOL.relaxMethodGeometry);
  });

  it('at 2 GPa, −(1/V) ∂E/∂e equals p on the diagonal and 0 off it', () => {
    const r = relax(model, WZ.structure, { operations: WZ.operations, pressure: 2 / GPA_PER_EV_PER_A3 });
    expect(r.converged).toBe(true);
    const s = residuals(r.structure, 2).stressPlusP;
    expect(maxAbs(s)).toBeLessThan(TOL.relaxStressGPa);
  });

  it('fixCell keeps the cell and zeroes the forces', () => {
    const r = relax(model, WZ.structure, { operations: WZ.operations, fixCell: true });
    expect(r.structure.lattice.matrix).toEqual(WZ.structure.lattice.matrix);
    expect(residuals(r.structure).maxForce).toBeLessThan(TOL.relaxForceEvA);
  });

  it('fixVolume keeps the volume and zeroes the deviatoric stress', () => {
    const r = relax(model, WZ.structure, { operations: WZ.operations, fixVolume: true });
    expect(Math.abs(r.structure.lattice.volume / WZ.structure.lattice.volume - 1)).toBeLessThan(1e-12);
    const s = residuals(r.structure).stressPlusP;
    const mean = (s[0]! + s[1]! + s[2]!) / 3;
    expect(maxAbs(s.map((x, k) => (k < 3 ? x - mean : x)))).toBeLessThan(TOL.relaxStressGPa);
  });
});

describe('relaxed rock salt PbSe', () => {
  const RS = rockSalt(6.12);
  const sym = relax(model, RS.structure, { operations: RS.operations });

  it('reaches the same a from two different starting cells (converged to 1e-7 eV/Å and 1e-6 GPa)', () => {
    const tight = { forceTolerance: 1e-7, stressTolerance: gpaToEvPerA3(1e-6) };
    const r1 = relax(model, rockSalt(5.8).structure, { operations: rockSalt(5.8).operations, ...tight });
    const r2 = relax(model, rockSalt(6.5).structure, { operations: rockSalt(6.5).operations, ...tight });
    expect(Math.abs(r1.structure.lattice.parameters.a - r2.structure.lattice.parameters.a)).toBeLessThan(TOL.relaxGeometry);
  });

  it('a P1 relaxation from a small rattle returns to the symmetric minimum (cell and energy)', () => {
    const r = relaxInP1(model, rattle(RS.structure, 0.02, 0.005, 3));
    expect(r.converged).toBe(true);
    const p = r.structure.lattice.parameters;
    const a = sym.structure.lattice.parameters.a;
    expect(Math.max(Math.abs(p.a - a), Math.abs(p.b - a), Math.abs(p.c - a))).toBeLessThan(TOL.relaxGeometry);
    // angles to 1e-6 rad
    expect(Math.max(...[p.alpha, p.beta, p.gamma].map((x) => Math.abs(x - 90)))).toBeLessThan((TOL.relaxGeometry * 180) / Math.PI);
    expect(Math.abs(r.energy - sym.energy)).toBeLessThan(TOL.relaxEnergyEv);
  });

  it('a P1 relaxation returns a symmetric deformation (no rigid rotation) that maps the input cell onto the result', () => {
    const start = rattle(RS.structure, 0.02, 0.005, 3);
    const r = relaxInP1(model, start);
    const F = r.deformation;
    expect(Math.max(Math.abs(F[0][1] - F[1][0]), Math.abs(F[0][2] - F[2][0]), Math.abs(F[1][2] - F[2][1]))).toBeLessThan(1e-14);
    const L0 = start.lattice.matrix, L1 = r.structure.lattice.matrix;
    for (let i = 0; i < 3; i++) expect(maxAbs(matVec(F, L0[i]!).map((x, k) => x - L1[i]![k]!))).toBeLessThan(1e-12);
  });

  it('a P1 relaxation from a small rattle reports that it restored a symmetry (special-position warning)', () => {
    const r = relaxInP1(model, rattle(RS.structure, 0.02, 0.005, 3));
    expect(r.warnings.map((w) => w.kind)).toContain('special-position');
  });

  it('a stable symmetric minimum gives no warning', () => {
    expect(sym.warnings).toEqual([]);
  });
});

describe('warnings', () => {
  it('a volume change above the threshold is reported', () => {
    const r = relax(model, WZ.structure, { operations: WZ.operations, volumeChangeWarning: 1e-3 });
    expect(r.warnings.map((w) => w.kind)).toEqual(['volume-change']);
  });

  it('wurtzite at 10 GPa reaches u = 1/2 and reports the raised symmetry and the Cd–Se 4 → 5 coordination change', () => {
    const r = relax(model, WZ.structure, { operations: WZ.operations, pressure: 10 / GPA_PER_EV_PER_A3 });
    expect(r.converged).toBe(true);
    expect(Math.abs(wurtziteU(r.structure) - 0.5)).toBeLessThan(TOL.relaxGeometry);
    const kinds = r.warnings.map((w) => w.kind);
    expect(kinds).toContain('special-position');
    expect(r.warnings.find((w) => w.kind === 'coordination-change')?.message).toContain('Cd-Se 4 → 5');
  });

  it('the five-fold hexagonal structure started off u = 1/2 in P6_3mc relaxes to wurtzite and reports Cd–Se 5 → 4', () => {
    const start = wurtzite(4.56, 5.94, 0.47);
    const r = relax(model, start.structure, { operations: start.operations });
    expect(r.converged).toBe(true);
    expect(Math.abs(wurtziteU(r.structure) - wurtziteU(wzResult.structure))).toBeLessThan(TOL.relaxGeometry);
    expect(r.warnings.find((w) => w.kind === 'coordination-change')?.message).toContain('Cd-Se 5 → 4');
  });

  it('the five-fold hexagonal CdSe relaxed in P6_3/mmc is reported unstable to a symmetry-breaking distortion', () => {
    const hc = build('P6_3/mmc', { a: 4.56, c: 5.94 }, [{ species: 'Cd', frac: [1 / 3, 2 / 3, 0.25] }, { species: 'Se', frac: [1 / 3, 2 / 3, 0.75] }]);
    const r = relax(model, hc.structure, { operations: hc.operations });
    expect(r.converged).toBe(true);
    expect(r.warnings.map((w) => w.kind)).toEqual(['unstable']);
  });
});

describe('not converging and cancelling', () => {
  it('maxIterations 1 returns converged false with a not-converged warning instead of throwing', () => {
    const r = relax(model, WZ.structure, { operations: WZ.operations, maxIterations: 1 });
    expect([r.converged, r.iterations, r.warnings[0]?.kind]).toEqual([false, 1, 'not-converged']);
  });

  it('an aborted signal throws CANCELLED', () => {
    const c = new AbortController();
    c.abort();
    expect(() => relax(model, WZ.structure, { operations: WZ.operations, signal: c.signal })).toThrow(expect.objectContaining({ code: 'CANCELLED' }));
  });

  it('aborting during the relaxation (from onStep) throws CANCELLED at the next iteration', () => {
    const c = new AbortController();
    let steps = 0;
    const run = (): RelaxResult => relax(model, WZ.structure, { operations: WZ.operations, signal: c.signal, onStep: () => { steps++; c.abort(); } });
    expect(run).toThrow(DomainError);
    expect(steps).toBe(1);
  });

  it('bad options are a setup error (INVALID_DOCUMENT) before any work', () => {
    expect(() => relax(model, WZ.structure, { forceTolerance: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_DOCUMENT' }));
  });
});

describe('warm starts (relaxFrom a previous result, as the fitter does)', () => {
  it('the second relaxation of a structure starts from the first result and needs fewer iterations for the same minimum', () => {
    const first = relax(model, WZ.structure, { operations: WZ.operations });
    const changed = publishedModel({ 'Cd-Se.A': 1.01 });
    const warm = relaxFrom(changed, WZ.structure, first.structure, resolveRelaxOptions({ operations: WZ.operations }));
    const cold = relax(changed, WZ.structure, { operations: WZ.operations });
    expect(warm.converged).toBe(true);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    const d = latticeOf(warm).map((x, k) => Math.abs(x - latticeOf(cold)[k]!));
    expect(Math.max(...d)).toBeLessThan(TOL.relaxGeometry);
  });

  it('reports the deformation from the input, not from the warm-start geometry', () => {
    const first = relax(model, WZ.structure, { operations: WZ.operations });
    const again = relaxFrom(model, WZ.structure, first.structure, resolveRelaxOptions({ operations: WZ.operations }));
    expect(again.deformation.flat().map((x, k) => Math.abs(x - first.deformation.flat()[k]!)).every((d) => d < 1e-9)).toBe(true);
  });
});

describe('the eight polymorphs of the published job document', () => {
  const results = publishedPolymorphs().map((p) => ({ ...p, result: relax(model, p.structure, { operations: p.operations, structureId: p.id }) }));
  // printed for the report, not asserted
  for (const { id, spaceGroup, result: r } of results) {
    const p = r.structure.lattice.parameters;
    const u = id.endsWith('-WZ') ? ` u=${wurtziteU(r.structure).toFixed(6)}` : '';
    console.log(`${id} (${spaceGroup}): converged=${r.converged} iterations=${r.iterations} a=${p.a.toFixed(6)} c=${p.c.toFixed(6)}${u} E=${r.energy.toFixed(6)} eV [${r.warnings.map((w) => w.kind).join(', ')}]`);
  }

  for (const { id, result: r } of results) {
    it(`${id} relaxes to a converged minimum, or stops at an energy discontinuity and says so`, () => {
      if (r.converged) {
        const res = residuals(r.structure);
        expect(res.maxForce).toBeLessThan(TOL.relaxForceEvA);
        expect(maxAbs(res.stressPlusP)).toBeLessThan(TOL.relaxStressGPa);
      } else {
        expect(r.warnings.find((w) => w.kind === 'not-converged')?.message).toContain('discontinuous');
      }
    });
  }

  it('all but PbSe-HC converge (its Se–Se shell sits on the 12 Å cut-off at the Newton path’s lowest point)', () => {
    expect(results.filter((r) => !r.result.converged).map((r) => r.id)).toEqual(['PbSe-HC']);
  });
});

describe('structures given by hand', () => {
  it('a cubic cell with no operations is relaxed in P1 (operations: [])', () => {
    const s = Structure.fromFractional(Lattice.fromParameters({ a: 3.72, b: 3.72, c: 3.72, alpha: 90, beta: 90, gamma: 90 }), ['Pb', 'Se'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    expect(relaxInP1(model, s).degreesOfFreedom).toBe(3 + 6);
  });
});
