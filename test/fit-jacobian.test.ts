/**
 * The analytic Jacobian of relaxed observables (implicit differentiation through the relaxed
 * structure, tangent differences for elastic constants) against central differences of fully
 * relaxed observables.
 */
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { buildObservables } from '../src/fitting/observables.js';
import { getParameter } from '../src/potentials/forcefield.js';
import { publishedSubset } from './helpers/jobs.js';
import { TOL } from './helpers/tolerances.js';
import { jacobianAgainstDifferences } from './helpers/fit-jacobian.js';

describe('analytic Jacobian of relaxed observables', () => {
  const doc = publishedSubset(['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS']);
  for (const p of doc.potentials) p.vary = p.type === 'buckingham' ? ['A', 'rho', 'C'] : [];
  const job = parseJob(doc);
  const observables = buildObservables(job);
  // add a volume and u observable on wurtzite so every kind is checked
  observables.push({ structureId: 'CdSe-WZ', property: 'u', target: 0.376, source: 'exp', weight: 1, weightClass: 'internal' });
  observables.push({ structureId: 'CdSe-WZ', property: 'volume', target: 56, source: 'exp', weight: 1, weightClass: 'volume' });

  it('equals central differences of relaxed observables for every observable and parameter (every structure relaxed at the point)', () => {
    // Se-Se parameters do not act on these cells at all except through Se-Se contacts: still checked.
    // Scale: the derivative times the parameter, against the size of the observable.
    const { bad } = jacobianAgainstDifferences(job, observables, 1e-3, (e) => Math.abs(e.difference - e.analytic) * Math.abs(e.p0) <= TOL.jacobianRel * (Math.abs(e.observable.target) + 1e-3) + 1e-7);
    expect(bad).toEqual([]);
  });
});

describe('analytic Jacobian at a parameter that is zero', () => {
  // a dispersion coefficient on its lower bound 0 (the Lennard-Jones B of the fit suite's NaCl case,
  // where the default fit ends): the elastic constants depend on it, and their slope must say so
  const doc = JSON.parse(readFileSync(new URL('../fixtures/fit-suite/nacl-lj.json', import.meta.url), 'utf8'));
  for (const p of doc.potentials) if (p.type === 'lennard-jones') p.B = 0;
  const job = parseJob(doc);
  const observables = buildObservables(job);

  it('equals central differences with an absolute step for every observable', () => {
    const zero = job.vary.filter((n) => getParameter(job.forceField, n) === 0);
    expect(zero.length).toBeGreaterThan(0);
    // B of NaCl's pairs is of order 1-100 eV·Å⁶ in published sets: a step of 1e-2 is small on that scale;
    // every slope is non-zero and the analytic one equals it
    const { bad } = jacobianAgainstDifferences(job, observables, () => 1e-2, (e) => Math.abs(e.difference) > 0 && Math.abs(e.difference - e.analytic) <= TOL.jacobianRel * Math.abs(e.difference), zero);
    expect(bad).toEqual([]);
  });
});
