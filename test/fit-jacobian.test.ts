/**
 * The analytic Jacobian of relaxed observables (implicit differentiation through the relaxed
 * structure, tangent differences for elastic constants) against central differences of fully
 * relaxed observables.
 */
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { buildObservables } from '../src/fitting/observables.js';
import { FitEvaluator } from '../src/fitting/evaluator.js';
import { getParameter } from '../src/potentials/forcefield.js';
import { publishedSubset } from './helpers/jobs.js';
import { TOL } from './helpers/tolerances.js';

describe('analytic Jacobian of relaxed observables', () => {
  const doc = publishedSubset(['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS']);
  for (const p of doc.potentials) p.vary = p.type === 'buckingham' ? ['A', 'rho', 'C'] : [];
  const job = parseJob(doc);
  const observables = buildObservables(job);
  // add a volume and u observable on wurtzite so every kind is checked
  observables.push({ structureId: 'CdSe-WZ', property: 'u', target: 0.376, source: 'exp', weight: 1, weightClass: 'internal' });
  observables.push({ structureId: 'CdSe-WZ', property: 'volume', target: 56, source: 'exp', weight: 1, weightClass: 'volume' });
  const ev = new FitEvaluator(job, job.vary, observables, { pressure: 0 });
  const p0 = job.vary.map((n) => getParameter(job.forceField, n)!);
  const states = ev.evaluate(p0, ev.involved);
  ev.commit(states);
  const analytic = ev.analyticJacobian(p0, states);

  it('every structure is relaxed at the point of the check', () => {
    for (const st of states.values()) expect(st.failure).toBeUndefined();
  });

  it('equals central differences of relaxed observables for every observable and parameter', () => {
    const bad: string[] = [];
    job.vary.forEach((name, k) => {
      // Se-Se parameters do not act on these cells at all except through Se-Se contacts: still checked
      const h = 1e-3 * Math.abs(p0[k]!);
      const plus = [...p0];
      plus[k] = plus[k]! + h;
      const minus = [...p0];
      minus[k] = minus[k]! - h;
      const vp = ev.values(ev.evaluate(plus, ev.involved));
      const vm = ev.values(ev.evaluate(minus, ev.involved));
      observables.forEach((o, i) => {
        const fd = (vp[i]! - vm[i]!) / (2 * h);
        const an = analytic[i]![k]!;
        // scale: the derivative times the parameter, against the size of the observable
        const scale = Math.abs(o.target) + 1e-3;
        if (Math.abs(fd - an) * Math.abs(p0[k]!) > TOL.jacobianRel * scale + 1e-7)
          bad.push(`${o.structureId}.${o.property} / ${name}: analytic ${an} vs central difference ${fd}`);
      });
    });
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
  const ev = new FitEvaluator(job, job.vary, observables, { pressure: 0 });
  const p0 = job.vary.map((n) => getParameter(job.forceField, n)!);
  const states = ev.evaluate(p0, ev.involved);
  ev.commit(states);
  const analytic = ev.analyticJacobian(p0, states);

  it('equals central differences with an absolute step for every observable', () => {
    for (const st of states.values()) expect(st.failure).toBeUndefined();
    const bad: string[] = [];
    const zero = job.vary.map((n, k) => [n, k] as const).filter(([, k]) => p0[k] === 0);
    expect(zero.length).toBeGreaterThan(0);
    for (const [name, k] of zero) {
      // B of NaCl's pairs is of order 1-100 eV·Å⁶ in published sets: a step of 1e-2 is small on that scale
      const h = 1e-2;
      const plus = [...p0];
      plus[k] = h;
      const minus = [...p0];
      minus[k] = -h;
      const vp = ev.values(ev.evaluate(plus, ev.involved));
      const vm = ev.values(ev.evaluate(minus, ev.involved));
      observables.forEach((o, i) => {
        const fd = (vp[i]! - vm[i]!) / (2 * h);
        const an = analytic[i]![k]!;
        expect(Math.abs(fd)).toBeGreaterThan(0);
        if (Math.abs(fd - an) > TOL.jacobianRel * Math.abs(fd)) bad.push(`${o.structureId}.${o.property} / ${name}: analytic ${an} vs central difference ${fd}`);
      });
    }
    expect(bad).toEqual([]);
  });
});
