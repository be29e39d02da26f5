/**
 * Charges as fit parameters (`species.X.vary: ["charge"]`): the document (ties, neutrality at the
 * door), the parametrised energy model (`Mg.charge` beside `Mg-O.A`) against central differences
 * of energy, gradient and strain derivatives, the relaxed-observable Jacobian column of a charge
 * against central differences of relaxed observables, and recovery fits of a perturbed charge
 * (alone, and with Buckingham parameters) on formal-charge rock-salt oxides.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { buildObservables } from '../src/fitting/observables.js';
import { runFit } from '../src/workflows/fit-job.js';
import { buildEnergyModel, withParameters } from '../src/potentials/index.js';
import type { JobDocument } from '../src/document/schema.js';
import { DomainError } from '../src/errors.js';
import { renderReport } from '../src/reports/index.js';
import { exportText } from '../src/workflows/export.js';
import { readGulp } from '../src/io/gulp-read.js';
import { writeGulpInput } from '../src/io/gulp-write.js';
import { close, TOL } from './helpers/tolerances.js';
import { rattle } from './helpers/relax.js';
import { publishedSubset } from './helpers/jobs.js';
import { jacobianAgainstDifferences, selfConsistentTargets } from './helpers/fit-jacobian.js';

const suite = (name: string): JobDocument => JSON.parse(readFileSync(new URL(`../fixtures/fit-suite/${name}.json`, import.meta.url), 'utf8')) as JobDocument;

/** MgO + CaO with Mg's charge varied (Ca and O follow in proportion) and no pair varied. */
function mgoCao(): JobDocument {
  const doc = suite('mgo-cao');
  for (const p of doc.potentials) delete p.vary;
  doc.species.Mg!.vary = ['charge'];
  return doc;
}

function refusal(doc: unknown): DomainError {
  try {
    parseJob(doc);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('the document was accepted');
}


describe('charge parameters in the document', () => {
  it('one varied charge and no tiedTo: every other charge follows in proportion', () => {
    const job = parseJob(mgoCao());
    expect(job.vary).toEqual(['Mg.charge']);
    expect(job.forceField.chargeTies).toEqual({ free: ['Mg'], tied: { Ca: { Mg: 1 }, O: { Mg: -1 } } });
    expect(withParameters(job.forceField, { 'Mg.charge': 1.8 }).charges).toEqual({ Mg: 1.8, Ca: 1.8, O: -1.8 });
  });

  it('an explicit tie that leaves a structure charged is refused at the varied charge, naming the structure', () => {
    const doc = mgoCao();
    doc.species.O!.tiedTo = { Mg: -1 }; // Ca keeps +2: CaO would charge
    const e = refusal(doc);
    expect(e.code).toBe('NOT_CHARGE_NEUTRAL');
    expect(e.detail?.path).toBe('/species/Mg/vary');
    expect(e.detail?.structure).toBe('CaO');
  });

  it('explicit ties that keep every structure neutral are accepted (Ca and O both tied)', () => {
    const doc = mgoCao();
    doc.species.O!.tiedTo = { Mg: -1 };
    doc.species.Ca!.tiedTo = { Mg: 1 };
    expect(parseJob(doc).forceField.chargeTies).toEqual({ free: ['Mg'], tied: { O: { Mg: -1 }, Ca: { Mg: 1 } } });
  });

  it('a tie that disagrees with the given charge, a tie to a fixed charge and bounds that exclude the start are refused with their pointers', () => {
    const a = mgoCao();
    a.species.O!.tiedTo = { Mg: -0.5 };
    a.species.Ca!.tiedTo = { Mg: 1 };
    expect(refusal(a).detail?.path).toBe('/species/O/charge');
    const b = mgoCao();
    b.species.O!.tiedTo = { Ca: -1 };
    expect(refusal(b).detail?.path).toBe('/species/O/tiedTo/Ca');
    const c = mgoCao();
    c.species.Mg!.bounds = { charge: [0.5, 1.5] };
    expect(refusal(c).detail?.path).toBe('/species/Mg/bounds/charge');
    const d = mgoCao();
    d.species.Mg!.bounds = { charge: [0.5, 99] };
    expect(refusal(d).detail?.path).toBe('/species/Mg/bounds/charge/1'); // outside the documented range
  });
});

describe('charge parameters in the GULP round trip', () => {
  it('vary, bounds and tiedTo of the species come back from the GULP input written for the job', () => {
    const doc = mgoCao();
    doc.species.Mg!.bounds = { charge: [1, 3] };
    doc.species.O!.tiedTo = { Mg: -1 };
    doc.species.Ca!.tiedTo = { Mg: 1 };
    const gin = writeGulpInput(doc);
    expect(gin).toMatch(/# NOTE: latticefit fits the charge of Mg/);
    expect(readGulp(gin).document.species).toEqual(doc.species);
  });
});

describe('charge parameters in the energy model', () => {
  it('dE, d(gradient), d(strain)/d(Mg.charge) equal central differences (rattled, strained MgO; Ca and O follow)', () => {
    const job = parseJob(mgoCao());
    const model = buildEnergyModel(job.forceField);
    expect(model.parameterNames).toEqual(['Mg.charge', 'Mg-O.A', 'Mg-O.rho', 'Mg-O.C', 'Ca-O.A', 'Ca-O.rho', 'Ca-O.C', 'O-O.A', 'O-O.rho', 'O-O.C']);
    const s = rattle(job.structures[0]!.structure, 0.05, 0.01, 3);
    const pd = model.parameterDerivatives(s, ['Mg.charge', 'Mg-O.rho']);
    const v0 = model.parameterValues();
    const h = 1e-5;
    const at = (dq: number) => { const v = v0.slice(); v[0]! += dq; return model.withParameterValues(v).compute(s, 1); };
    const plus = at(h), minus = at(-h);
    expect(close(pd.dEnergy[0]!, (plus.energy - minus.energy) / (2 * h), 1e-8, 1e-7)).toBe(true);
    const n = s.numAtoms;
    for (let i = 0; i < 3 * n; i++) expect(close(pd.dFirst[0]![i]!, (plus.gradient![i]! - minus.gradient![i]!) / (2 * h), 1e-6, 1e-6)).toBe(true);
    for (let k = 0; k < 6; k++) expect(close(pd.dFirst[0]![3 * n + k]!, (plus.strain![k]! - minus.strain![k]!) / (2 * h), 1e-6, 1e-6)).toBe(true);
  });

  it('two free cation charges with O tied (SrTiO3: O = −(Sr + Ti)/3): both columns equal central differences', () => {
    const doc = suite('srtio3-perovskite');
    for (const p of doc.potentials) delete p.vary;
    doc.species.Sr!.vary = ['charge'];
    doc.species.Ti!.vary = ['charge'];
    doc.species.O!.tiedTo = { Sr: -1 / 3, Ti: -1 / 3 };
    const job = parseJob(doc);
    const model = buildEnergyModel(job.forceField);
    const s = rattle(job.structures[0]!.structure, 0.04, 0.01, 9);
    const pd = model.parameterDerivatives(s, ['Sr.charge', 'Ti.charge']);
    const v0 = model.parameterValues();
    const n = s.numAtoms;
    [0, 1].forEach((k) => {
      const h = 1e-5;
      const at = (dq: number) => { const v = v0.slice(); v[k]! += dq; return model.withParameterValues(v).compute(s, 1); };
      const plus = at(h), minus = at(-h);
      expect(close(pd.dEnergy[k]!, (plus.energy - minus.energy) / (2 * h), 1e-8, 1e-7)).toBe(true);
      for (let i = 0; i < 3 * n; i++) expect(close(pd.dFirst[k]![i]!, (plus.gradient![i]! - minus.gradient![i]!) / (2 * h), 1e-6, 1e-6)).toBe(true);
      for (let j = 0; j < 6; j++) expect(close(pd.dFirst[k]![3 * n + j]!, (plus.strain![j]! - minus.strain![j]!) / (2 * h), 1e-6, 1e-6)).toBe(true);
    });
  });
});

describe('charge parameters in the relaxed Jacobian', () => {
  it('the analytic column of Mg.charge (and of Mg-O.A, rho beside it) equals central differences of relaxed observables', () => {
    const doc = mgoCao();
    doc.potentials.find((p) => p.species.includes('Mg'))!.vary = ['A', 'rho'];
    const job = parseJob(doc);
    const observables = buildObservables(job);
    observables.push({ structureId: 'MgO', property: 'latticeEnergy', target: -40, source: 'exp', weight: 1, weightClass: 'energy' });
    observables.push({ structureId: 'CaO', property: 'volume', target: 111, source: 'exp', weight: 1, weightClass: 'volume' });
    const { bad, analytic } = jacobianAgainstDifferences(job, observables, 1e-3, (e) => Math.abs(e.difference - e.analytic) * Math.abs(e.p0) <= TOL.jacobianRel * (Math.abs(e.observable.target) + 1e-3) + 1e-7);
    expect(bad).toEqual([]);
    // the charge column is not trivially zero: a depends on the charge
    expect(Math.abs(analytic[observables.findIndex((o) => o.structureId === 'MgO' && o.property === 'a')]![0]!)).toBeGreaterThan(1e-3);
  });
});

describe('charge parameters in the relaxed Jacobian of partially charged polymorphs', () => {
  it('CdSe wurtzite, zinc blende, rock salt (Se = −Cd, Pb = Cd): the Cd.charge column, u and relative energies included, equals central differences', () => {
    const doc = publishedSubset(['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS']);
    for (const p of doc.potentials) p.vary = p.species.includes('Cd') && p.species.includes('Se') ? ['A'] : [];
    doc.species.Cd!.vary = ['charge'];
    const job = parseJob(doc);
    expect(job.forceField.chargeTies?.tied).toEqual({ Pb: { Cd: 1 }, Se: { Cd: -1 } });
    const observables = buildObservables(job);
    observables.push({ structureId: 'CdSe-WZ', property: 'u', target: 0.376, source: 'exp', weight: 1, weightClass: 'internal' });
    const { bad } = jacobianAgainstDifferences(job, observables, 1e-3, (e) => Math.abs(e.difference - e.analytic) * Math.abs(e.p0) <= TOL.jacobianRel * (Math.abs(e.observable.target) + 1e-3) + 1e-7, ['Cd.charge']);
    expect(bad).toEqual([]);
    expect(observables.some((o) => o.property === 'relativeEnergy')).toBe(true);
    expect(observables.some((o) => o.property.startsWith('C'))).toBe(true);
  });
});

describe('charge parameters in surface-energy targets', () => {
  it('dγ/d(Mg.charge) of relaxed MgO {100} and {110} (O following) equals central differences of fully relaxed surface energies', () => {
    const doc: JobDocument = {
      name: 'MgO surfaces, charge varied',
      species: { Mg: { charge: 2, vary: ['charge'] }, O: { charge: -2 } },
      potentials: [
        { type: 'buckingham', species: ['Mg', 'O'], A: 1284.38, rho: 0.2997, C: 0, cutoff: 10, vary: ['A'] },
        { type: 'buckingham', species: ['O', 'O'], A: 22764, rho: 0.149, C: 27.88, cutoff: 10 },
      ],
      structures: [{ id: 'MgO', spaceGroup: 'Fm-3m', cell: { a: 4.212 }, sites: [{ species: 'Mg', frac: [0, 0, 0] }, { species: 'O', frac: [0.5, 0.5, 0.5] }], properties: { a: { exp: 4.212, fit: 'exp' } }, surfaces: [{ face: [1, 0, 0], fit: 1.2 }, { face: [1, 1, 0], fit: 2.5 }] }],
      options: { relax: true },
    };
    const job = parseJob(doc);
    const observables = buildObservables(job).filter((o) => o.surface);
    const { bad, analytic } = jacobianAgainstDifferences(job, observables, 1e-4, (e) => Math.abs(e.difference - e.analytic) <= TOL.surfaceDerivativeRel * Math.max(Math.abs(e.difference), (1e-2 * Math.abs(e.observable.target)) / Math.abs(e.p0)));
    expect(bad).toEqual([]);
    expect(Math.abs(analytic[0]![0]!)).toBeGreaterThan(1e-2); // γ does depend on the charge
  });
});

describe('charge fits', () => {
  it('recovers the charge of MgO + CaO from a start 10 % off (Ca and O following)', async () => {
    const target = selfConsistentTargets(mgoCao());
    const start = structuredClone(target);
    start.species.Mg!.charge = 2.2;
    start.species.Ca!.charge = 2.2;
    start.species.O!.charge = -2.2;
    const result = await runFit(parseJob(start));
    expect(result.converged).toBe(true);
    expect(result.objective.final).toBeLessThan(1e-8 * result.objective.initial);
    expect(Math.abs(result.varied[0]!.final - 2)).toBeLessThan(1e-5);
    expect(result.charges.O).toBeCloseTo(-result.varied[0]!.final, 12);
  });

  it('fits the charge and the Mg-O, Ca-O Buckingham A and ρ together back to the generating model, and reports and exports the fitted charges', async () => {
    const doc = mgoCao();
    for (const p of doc.potentials) if (!p.species.every((s) => s === 'O')) p.vary = ['A', 'rho'];
    const target = selfConsistentTargets(doc);
    const start = structuredClone(target);
    start.species.Mg!.charge = 1.8;
    start.species.Ca!.charge = 1.8;
    start.species.O!.charge = -1.8;
    for (const p of start.potentials) if (p.vary) { p.A = p.A! * 1.3; p.rho = p.rho! * 0.95; }
    const result = await runFit(parseJob(start));
    expect(result.objective.final).toBeLessThan(1e-8 * result.objective.initial);
    const fitted = Object.fromEntries(result.varied.map((v) => [v.name, v.final]));
    expect(Math.abs(fitted['Mg.charge']! - 2)).toBeLessThan(1e-4);
    for (const p of target.potentials.filter((q) => q.vary)) {
      const key = [...p.species].sort().join('-');
      expect(Math.abs(fitted[`${key}.A`]! / p.A! - 1), key).toBeLessThan(1e-3);
      expect(Math.abs(fitted[`${key}.rho`]! / p.rho! - 1), key).toBeLessThan(1e-4);
    }
    expect(result.charges).toEqual({ Mg: fitted['Mg.charge'], Ca: fitted['Mg.charge'], O: -fitted['Mg.charge']! });
    const q = fitted['Mg.charge']!;
    const md = renderReport(result, 'markdown').body;
    expect(md).toContain(`Mg +${q}`);
    expect(md).toMatch(/fitted/i);
    const json = JSON.parse(JSON.stringify(result));
    const gulp = exportText('gulp', json);
    expect(gulp).toContain(`Mg core ${q}`);
    const lammps = exportText('lammps', json);
    expect(lammps).toContain(`charge ${q}`);
  });
});
