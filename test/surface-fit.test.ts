/**
 * Surface energies as fit targets: the document's `structures[].surfaces[].fit` and `weight`, the
 * analytic derivative of the relaxed surface energy with respect to the potential parameters
 * (src/surface/derivatives.ts) against central differences of fully relaxed surface energies
 * (bulk and slab relaxed again at p ± h), on rock salt (MgO, cubic: the in-plane strain is
 * isotropic) and on wurtzite CdSe {10-10} (an anisotropic in-plane cell: the frame rotation of the
 * bulk strain matters), and a residual row in the fit report.
 */
import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { DomainError } from '../src/errors.js';
import { buildObservables } from '../src/fitting/observables.js';
import type { JobDocument } from '../src/document/schema.js';
import { fitDocument } from '../src/workflows/fit-job.js';
import { propertiesResult } from '../src/workflows/properties-job.js';
import { exportSurfaceText, type SurfaceReport } from '../src/workflows/surfaces.js';
import { reportTables } from '../src/reports/index.js';
import { validateTask } from '../src/workflows/tasks.js';
import { publishedSubset } from './helpers/jobs.js';
import { buildTestApp } from './helpers/http-harness.js';
import { TOL } from './helpers/tolerances.js';
import { jacobianAgainstDifferences } from './helpers/fit-jacobian.js';

/** MgO rock salt (Lewis & Catlow, J. Phys. C 18, 1149 (1985), rigid-ion cores) with surfaces. */
function mgoDocument(surfaces: JobDocument['structures'][number]['surfaces']): JobDocument {
  return {
    name: 'MgO surfaces',
    species: { Mg: { charge: 2 }, O: { charge: -2 } },
    potentials: [
      { type: 'buckingham', species: ['Mg', 'O'], A: 1284.38, rho: 0.2997, C: 0, cutoff: 10, vary: ['A', 'rho'] },
      { type: 'buckingham', species: ['O', 'O'], A: 22764, rho: 0.149, C: 27.88, cutoff: 10 },
    ],
    structures: [
      {
        id: 'MgO',
        spaceGroup: 'Fm-3m',
        cell: { a: 4.212 },
        sites: [
          { species: 'Mg', frac: [0, 0, 0] },
          { species: 'O', frac: [0.5, 0.5, 0.5] },
        ],
        properties: { a: { exp: 4.212, fit: 'exp' } },
        ...(surfaces ? { surfaces } : {}),
      },
    ],
    options: { relax: true },
  } as JobDocument;
}

/** Analytic rows of the surface observables against central differences of the relaxed ones. */
function checkDerivatives(doc: JobDocument, relStep: number): { bad: string[]; checked: number } {
  const job = parseJob(doc);
  const observables = buildObservables(job).filter((o) => o.surface);
  // relative to the derivative, with a floor at 1e-6 of the surface energy per unit of ln p
  const { bad } = jacobianAgainstDifferences(job, observables, relStep, (e) => Math.abs(e.difference - e.analytic) <= TOL.surfaceDerivativeRel * Math.max(Math.abs(e.difference), (1e-2 * Math.abs(e.observable.target)) / Math.abs(e.p0)));
  return { bad, checked: observables.length * job.vary.length };
}

describe('surface energies in the job document', () => {
  it('a face with fit is an observable of class energy, with its weight; without fit it is not', () => {
    const job = parseJob(mgoDocument([{ face: [1, 0, 0], dft: 1.2, fit: 'dft', weight: 3 }, { face: [1, 1, 0], fit: 2.5 }, { face: [1, 1, 1], termination: 0, acceptDipole: true }]));
    const obs = buildObservables(job).filter((o) => o.surface);
    expect(obs.map((o) => [o.target, o.source, o.weight, o.weightClass])).toEqual([
      [1.2, 'dft', 3, 'energy'],
      [2.5, 'fit', 1, 'energy'],
    ]);
    expect(obs[0]!.surface!.path).toBe('/structures/0/surfaces/0');
  });

  it('refuses fit naming a value the entry does not have, and a weight without fit, with the pointer', () => {
    const err = (doc: JobDocument): DomainError => {
      try {
        parseJob(doc);
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('accepted');
    };
    expect(err(mgoDocument([{ face: [1, 0, 0], fit: 'exp' }])).path).toBe('/structures/0/surfaces/0/fit');
    expect(err(mgoDocument([{ face: [1, 0, 0], weight: 2 }])).path).toBe('/structures/0/surfaces/0/weight');
    expect(err(mgoDocument([{ face: [1, 0, 0], fit: -1 } as never])).code).toBe('INVALID_DOCUMENT');
  });
});

describe('slabs from the relaxed bulk', () => {
  it('latticefit properties cuts every face from the bulk its properties report (one relaxation): in-plane areas a²/2 and a²/√2', async () => {
    const doc = mgoDocument([{ face: [1, 0, 0] }, { face: [1, 1, 0] }]);
    doc.structures[0]!.cell = { a: 4.4 }; // far from the relaxed 4.2 Å
    doc.options = { relax: true, equationOfState: false };
    const res = await propertiesResult(doc);
    const s = res.structures[0]!;
    const a = s.cell!.a;
    expect(Math.abs(a - 4.4)).toBeGreaterThan(0.05);
    const [f100, f110] = s.surfaces as SurfaceReport[];
    expect(f100!.area!).toBeCloseTo((a * a) / 2, 9);
    expect(f110!.area!).toBeCloseTo((a * a) / Math.SQRT2, 9);
  });

  it('the properties report has a γ row per face with the DFT value beside it, and the slab exports as CIF and LAMMPS data', async () => {
    const doc = mgoDocument([{ face: [1, 0, 0], dft: 1.23 }]);
    doc.options = { relax: true, equationOfState: false };
    const res = await propertiesResult(doc);
    const f = (res.structures[0]!.surfaces as SurfaceReport[])[0]!;
    const row = reportTables(res).flatMap((t) => t.sections.flatMap((s) => s.rows)).find((r) => r.label === 'γ {100}')!;
    expect(row.unit).toBe('J/m²');
    expect(row.cells.map((c) => c.value)).toEqual([undefined, f.energy!.toFixed(2), '1.23']);
    const job = parseJob(doc);
    const cif = exportSurfaceText('cif', job, 'MgO', '1,0,0');
    expect(cif.split('\n').filter((l) => /^(Mg|O)\d+ (Mg|O) /.test(l)).length).toBe(f.atoms);
    expect(cif).toMatch(/_space_group_name_H-M_alt 'P1'/);
    const lammps = exportSurfaceText('lammps', job, 'MgO', '1,0,0');
    expect(lammps).toMatch(new RegExp(`^${f.atoms} atoms$`, 'm'));
    expect(lammps).toMatch(/kspace_modify slab 3\.0/);
  });
});

describe('polar faces are refused at the door', () => {
  for (const kind of ['properties', 'fit'] as const)
    it(`${kind}: validateTask refuses rock-salt {111} with POLAR_SURFACE, the face and the entry's pointer`, () => {
      let e: DomainError | undefined;
      try {
        validateTask(kind, mgoDocument([{ face: [1, 0, 0] }, { face: [1, 1, 1], dft: 1 }]));
      } catch (x) {
        e = x as DomainError;
      }
      expect(e).toBeInstanceOf(DomainError);
      expect(e!.code).toBe('POLAR_SURFACE');
      expect(e!.message).toMatch(/face \{111\} of MgO is polar/);
      expect(e!.message).toMatch(/dipole/);
      expect(e!.path).toBe('/structures/0/surfaces/1');
    });

  it('POST /v1/properties answers 422 POLAR_SURFACE with the pointer of the entry and stores no job', async () => {
    const t = await buildTestApp({ validate: validateTask });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/properties', payload: mgoDocument([{ face: [1, 1, 1] }]) });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'POLAR_SURFACE', path: '/structures/0/surfaces/0' });
      expect(res.json().detail).toMatch(/face \{111\} of MgO is polar/);
      expect((await t.store.list({ owner: null, limit: 10 })).jobs).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('accepts the polar face when a termination is named and the dipole accepted', () => {
    expect(() => validateTask('properties', mgoDocument([{ face: [1, 1, 1], termination: 0, acceptDipole: true }]))).not.toThrow();
  });

  it('refuses a named polar termination without acceptDipole, pointing at the entry', () => {
    expect(() => validateTask('properties', mgoDocument([{ face: [1, 1, 1], termination: 0 }]))).toThrow(/acceptDipole/);
  });
});

describe('analytic derivative of the relaxed surface energy', () => {
  it('MgO {100} and {110}: equals central differences of relaxed E_surf for A and ρ of Mg-O', () => {
    const r = checkDerivatives(mgoDocument([{ face: [1, 0, 0], fit: 1.2 }, { face: [1, 1, 0], fit: 2.5 }]), 1e-4);
    expect(r.checked).toBe(4);
    expect(r.bad).toEqual([]);
  });

  it('CdSe wurtzite {10-10} (anisotropic in-plane cell): equals central differences for every Cd-Se and Se-Se parameter', () => {
    const doc = publishedSubset(['CdSe-WZ']);
    doc.potentials = doc.potentials.filter((p) => p.species.includes('Cd') || p.species.every((s) => s === 'Se'));
    for (const p of doc.potentials) p.vary = ['A', 'rho', 'C'];
    doc.structures[0]!.surfaces = [{ face: [1, 0, -1, 0], fit: 0.25 }];
    // a step of 1e-5 |p|: the plainly truncated 12 Å pair energy of the 16-atom slab has jumps
    // (a pair crossing the cut-off, ~2e-5 J/m²) that a step of 1e-4 in ρ(Cd-Se) reaches
    const r = checkDerivatives(doc, 1e-5);
    expect(r.checked).toBe(6);
    expect(r.bad).toEqual([]);
  });
});

describe('a fit with a surface-energy target', () => {
  it('moves E_surf towards the target and reports it in the residual rows with its face', async () => {
    const doc = mgoDocument([{ face: [1, 0, 0], fit: 1.0, weight: 10 }]);
    doc.options = { relax: true, maxIterations: 4 };
    const res = await fitDocument(doc);
    const row = res.residuals.find((r) => r.property === 'surfaceEnergy')!;
    expect(row.face).toEqual([1, 0, 0]);
    expect(row.source).toBe('fit');
    expect(row.target).toBe(1.0);
    expect(row.calculated).not.toBeNull();
    const start = res.history[0]!.objective;
    expect(res.objective.final).toBeLessThan(start);
    // Tables S8/S9 read structures[].surfaces[]: computed at the fitted parameters from the fit's bulk
    const f = (res.structures[0]!.surfaces as SurfaceReport[])[0]!;
    expect(Math.abs(f.energy! - row.calculated!)).toBeLessThan(1e-3);
  });
});
