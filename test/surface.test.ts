/**
 * Surface energies (src/surface): the slab Coulomb sum by two routes, its independence of the
 * Ewald splitting and of the vacuum, derivatives of the dipole correction against finite
 * differences, terminations and Tasker types, thickness convergence, settings and equivalent faces,
 * the polar-face refusal, and the four faces of the reference model against the published values.
 */
import { describe, it, expect } from 'vitest';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import type { ForceField } from '../src/potentials/forcefield.js';
import { EwaldModel } from '../src/potentials/ewald/index.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { conventionalStructure, prepareCrystal, relaxCrystal } from '../src/properties/crystal.js';
import { relaxInP1 } from '../src/relaxation/index.js';
import { DomainError } from '../src/errors.js';
import { DipoleCorrection, buildSlab, ewald2dEnergy, orientedUnit, parseFace, slabEnergyModel, surfaceEnergy, terminations } from '../src/surface/index.js';
import { runContractSuite } from './helpers/contract.js';
import { TOL } from './helpers/tolerances.js';
import { published, crystal } from './helpers/properties.js';
import { gpaToEvPerA3 } from '../src/units/index.js';

/** MgO, rigid-ion Buckingham (Lewis & Catlow, J. Phys. C 18, 1149 (1985), the cores only, as a second chemistry). */
const MGO: ForceField = {
  charges: { Mg: 2, O: -2 },
  pairs: [
    { type: 'buckingham', species: ['Mg', 'O'], params: { A: 1284.38, rho: 0.2997, C: 0 }, cutoff: 10 },
    { type: 'buckingham', species: ['O', 'O'], params: { A: 22764, rho: 0.149, C: 27.88 }, cutoff: 10 },
  ],
};

/** Rock salt, conventional cubic cell. */
function rockSalt(a: number, cation: string, anion: string): Structure {
  const f: [number, number, number][] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
  return Structure.fromFractional(
    Lattice.fromParameters({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 }),
    [...f.map(() => cation), ...f.map(() => anion)],
    [...f, ...f.map((p) => p.map((x) => (x + 0.5) % 1) as [number, number, number])],
  );
}

/** Rock salt relaxed in P1 (cell and ions free) under a force field. */
function relaxedRockSalt(ff: ForceField, a0: number, cation: string, anion: string): Structure {
  return relaxInP1(buildEnergyModel(ff), rockSalt(a0, cation, anion), { forceTolerance: 1e-8, stressTolerance: gpaToEvPerA3(1e-7) }).structure;
}

function rattled(s: Structure, amp: number, seed = 7): Structure {
  let x = seed;
  const rnd = (): number => ((x = (x * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return s.withPositions(Array.from(s.positions, (p) => p + amp * rnd()));
}

/** A small MgO {100} slab: 3 repeat units (6 atoms), vacuum `vac`. */
function mgoSlab(vac: number, repeats = 3): Structure {
  const unit = orientedUnit(rockSalt(4.2, 'Mg', 'O'), parseFace([1, 0, 0])).unit;
  return buildSlab(unit, terminations(unit, MGO.charges)[0]!, repeats, vac).structure;
}

describe('slab Coulomb: 3-D Ewald + dipole correction against the 2-D Ewald sum', () => {
  const coulomb3d = (s: Structure, alpha?: number): number =>
    new EwaldModel(MGO.charges, { accuracy: 1e-10, ...(alpha ? { alpha } : {}) }).compute(s).energy + new DipoleCorrection(MGO.charges).compute(s).energy;

  it('the 2-D sum does not depend on the splitting α', () => {
    const s = rattled(mgoSlab(10), 0.1);
    const e = [0.3, 0.45, 0.7].map((a) => ewald2dEnergy(s, MGO.charges, a));
    expect(Math.abs(e[1]! - e[0]!)).toBeLessThan(TOL.slabCoulombEv);
    expect(Math.abs(e[2]! - e[0]!)).toBeLessThan(TOL.slabCoulombEv);
  });

  it('the 3-D route does not depend on α once the vacuum is wide', () => {
    const s = rattled(mgoSlab(20), 0.1);
    const e = [0.2, 0.3, 0.4].map((a) => coulomb3d(s, a));
    expect(Math.abs(e[1]! - e[0]!)).toBeLessThan(TOL.slabCoulombEv);
    expect(Math.abs(e[2]! - e[0]!)).toBeLessThan(TOL.slabCoulombEv);
  });

  it('the two routes agree, closer as the vacuum grows, and the 3-D energy stops depending on the vacuum', () => {
    // a rattled slab has a dipole: the correction matters (without it the routes differ by eV)
    const base = rattled(mgoSlab(4), 0.1);
    const ref = ewald2dEnergy(base, MGO.charges, 0.5);
    const withVacuum = (vac: number): Structure => {
      const m = base.lattice.matrix;
      return Structure.fromCartesian(Lattice.fromVectors([m[0], m[1], [0, 0, m[2][2] + vac]]), base.species, base.positions);
    };
    const diffs = [0, 4, 8, 16].map((v) => Math.abs(coulomb3d(withVacuum(v)) - ref));
    for (let k = 1; k < diffs.length; k++) expect(diffs[k]!).toBeLessThan(Math.max(diffs[k - 1]!, TOL.slabCoulombEv));
    expect(diffs[3]!).toBeLessThan(TOL.slabCoulombEv);
    expect(Math.abs(coulomb3d(withVacuum(16)) - coulomb3d(withVacuum(24)))).toBeLessThan(TOL.slabCoulombEv);
    const noCorrection = new EwaldModel(MGO.charges, { accuracy: 1e-10 }).compute(withVacuum(16)).energy;
    expect(Math.abs(noCorrection - ref)).toBeGreaterThan(1e3 * TOL.slabCoulombEv);
  });
});

runContractSuite('dipole correction', () => new DipoleCorrection(MGO.charges), {
  'rattled MgO slab': () => rattled(mgoSlab(6, 2), 0.15),
}, { supercell: [2, 2, 1] });

runContractSuite('slab model (Ewald + dipole correction + pairs)', () => slabEnergyModel(MGO), {
  'rattled MgO slab': () => rattled(mgoSlab(12, 2), 0.1),
}, { supercell: [2, 1, 1], skipHessian: true });

describe('faces and terminations', () => {
  it('rejects a Miller-Bravais face whose third index is not −(h + k)', () => {
    expect(() => parseFace([1, 0, 1, 0], '/structures/0/surfaces/0/face')).toThrow(/i = −\(h \+ k\) = -1/);
  });

  it('classifies rock-salt {100} as type I and {111} as type III', () => {
    const b = rockSalt(4.2, 'Mg', 'O');
    expect(terminations(orientedUnit(b, parseFace([1, 0, 0])).unit, MGO.charges).map((t) => t.tasker)).toEqual(['I']);
    expect(terminations(orientedUnit(b, parseFace([1, 1, 1])).unit, MGO.charges).map((t) => t.tasker)).toEqual(['III', 'III']);
  });

  it('classifies fluorite {111} cut between anion layers as type II', () => {
    const f: [number, number, number][] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
    const an = f.flatMap((p) => [p.map((x) => x + 0.25), p.map((x) => x + 0.75)] as [number, number, number][]);
    const caf2 = Structure.fromFractional(Lattice.fromParameters({ a: 5.46, b: 5.46, c: 5.46, alpha: 90, beta: 90, gamma: 90 }), [...f.map(() => 'Ca'), ...an.map(() => 'F')], [...f, ...an]);
    const ts = terminations(orientedUnit(caf2, parseFace([1, 1, 1])).unit, { Ca: 2, F: -1 });
    expect(ts.map((t) => t.tasker).sort()).toEqual(['II', 'III', 'III']);
    expect(ts.find((t) => t.tasker === 'II')!.layers).toEqual(['F', 'Ca', 'F']);
  });

  it('refuses a polar face with POLAR_SURFACE naming the face, and computes it when the dipole is accepted', () => {
    const b = rockSalt(4.2, 'Mg', 'O');
    let err: unknown;
    try {
      surfaceEnergy(MGO, b, parseFace([1, 1, 1]), { structureId: 'MgO', path: '/structures/0/surfaces/0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('POLAR_SURFACE');
    expect((err as DomainError).message).toMatch(/face \{111\} of MgO is polar/);
    expect((err as DomainError).path).toBe('/structures/0/surfaces/0');
    expect(() => surfaceEnergy(MGO, b, parseFace([1, 1, 1]), { termination: 0 })).toThrow(/acceptDipole/);
    const r = surfaceEnergy(MGO, b, parseFace([1, 1, 1]), { termination: 0, acceptDipole: true, relax: false, maxThickness: 12 });
    expect(r.tasker).toBe('III');
    // the dipole energy grows with the thickness: no convergence
    expect(r.converged).toBe(false);
    expect(r.history.at(-1)!.unrelaxedEnergy).toBeGreaterThan(r.history[0]!.unrelaxedEnergy);
  });
});

describe('surface energies', () => {
  const mgo = relaxedRockSalt(MGO, 4.2, 'Mg', 'O');

  it('converges with thickness: the last step changes E_surf by less than the tolerance, and the changes shrink', () => {
    const r = surfaceEnergy(MGO, mgo, parseFace([1, 1, 0]), { tolerance: 1e-4 });
    expect(r.converged).toBe(true);
    expect(r.lastChange).toBeLessThan(1e-4);
    const ch = r.history.slice(1).map((h, k) => Math.abs(h.unrelaxedEnergy - r.history[k]!.unrelaxedEnergy));
    expect(ch.at(-1)!).toBeLessThanOrEqual(ch[0]! + 1e-12);
    expect(r.energy).toBeLessThan(r.unrelaxedEnergy);
  });

  it('gives rock-salt {100}, {010} and {001} the same E_surf', () => {
    const e = [[1, 0, 0], [0, 1, 0], [0, 0, 1]].map((f) => surfaceEnergy(MGO, mgo, parseFace(f)));
    expect(Math.abs(e[1]!.energy - e[0]!.energy)).toBeLessThan(TOL.surfaceSettingJm2);
    expect(Math.abs(e[2]!.energy - e[0]!.energy)).toBeLessThan(TOL.surfaceSettingJm2);
    expect(Math.abs(e[1]!.unrelaxedEnergy - e[0]!.unrelaxedEnergy)).toBeLessThan(TOL.surfaceSettingJm2);
  });

  it('gives the same E_surf from the conventional cubic cell and a primitive fcc setting of the same crystal', () => {
    const a = mgo.lattice.parameters.a;
    const prim = Structure.fromCartesian(Lattice.fromVectors([[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]]), ['Mg', 'O'], [0.3, 0.1, 0.2, 0.3 + a / 2, 0.1 + a / 2, 0.2 + a / 2]);
    const conv = surfaceEnergy(MGO, mgo, parseFace([1, 0, 0]));
    // (100) of the cube is (011) of these primitive vectors
    const p = surfaceEnergy(MGO, prim, parseFace([0, 1, 1]));
    expect(Math.abs(p.energy - conv.energy)).toBeLessThan(TOL.surfaceSettingJm2);
    expect(p.area).toBeCloseTo(conv.area, 9);
  });

  it('gives wurtzite {10-10} and its equivalent {01-10} the same E_surf', () => {
    const { job } = published();
    const r = relaxCrystal(published().model, prepareCrystal(crystal('CdSe-WZ')), { forceTolerance: 1e-8 });
    const bulk = conventionalStructure(r);
    const a = surfaceEnergy(job.forceField, bulk, parseFace([1, 0, -1, 0]));
    const b = surfaceEnergy(job.forceField, bulk, parseFace([0, 1, -1, 0]));
    expect(Math.abs(a.energy - b.energy)).toBeLessThan(TOL.surfaceSettingJm2);
  });
});

describe('the four faces of the published Pb-Se-Cd model against the published force-field values', () => {
  const cases = [
    { id: 'CdSe-WZ', face: [1, 1, -2, 0], published: 0.26 },
    { id: 'CdSe-WZ', face: [1, 0, -1, 0], published: 0.25 },
    { id: 'PbSe-RS', face: [1, 0, 0], published: 0.29 },
    { id: 'PbSe-RS', face: [1, 1, 0], published: 0.49 },
  ];
  for (const c of cases) {
    it(`${c.id} ${c.face.join(',')}: relaxed, converged E_surf within half the printed digit of ${c.published} J/m²`, () => {
      const { job, model } = published();
      const bulk = conventionalStructure(relaxCrystal(model, prepareCrystal(crystal(c.id)), { forceTolerance: 1e-8 }));
      const r = surfaceEnergy(job.forceField, bulk, parseFace(c.face), { structureId: c.id });
      expect(r.converged).toBe(true);
      expect(r.tasker).not.toBe('III');
      expect(Math.abs(r.energy - c.published)).toBeLessThan(TOL.publishedSurfaceJm2);
    });
  }
});

describe('surfaceEnergy as a fit observable', () => {
  it('its parameter derivative equals a difference of relaxed E_surf at a smaller step', async () => {
    const { surfaceEnergyObservable } = await import('../src/surface/observable.js');
    const { withParameters } = await import('../src/potentials/index.js');
    const relax = (ff: ForceField): Structure => relaxedRockSalt(ff, 4.2, 'Mg', 'O');
    const face = parseFace([1, 0, 0]);
    const obs = surfaceEnergyObservable(MGO, relax, face, ['Mg-O.rho'], { relativeStep: 1e-3 });
    // forward difference at a quarter of the step, the thickness held at the converged one
    const h = 0.25e-3 * 0.2997;
    const fixed = { termination: 0, minRepeats: obs.layers, maxThickness: 1e-3 };
    const e0 = surfaceEnergy(MGO, relax(MGO), face, fixed).energy;
    const ff1 = withParameters(MGO, { 'Mg-O.rho': 0.2997 + h });
    const e1 = surfaceEnergy(ff1, relax(ff1), face, fixed).energy;
    expect(e0).toBeCloseTo(obs.value, 9);
    expect(Math.abs((e1 - e0) / h - obs.derivatives['Mg-O.rho']!)).toBeLessThan(1e-2 * Math.abs(obs.derivatives['Mg-O.rho']!));
  });
});
