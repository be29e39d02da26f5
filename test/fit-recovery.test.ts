/**
 * Recovery fits: targets generated from known parameters are fitted back from a perturbed start.
 * If the fit (objective, Jacobian, transforms, relaxations) is right, it must find the parameters
 * it was generated from.
 */
import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { runFit } from '../src/workflows/fit-job.js';
import { publishedSubset } from './helpers/jobs.js';
import { selfConsistentTargets } from './helpers/fit-jacobian.js';


describe('recovery fits', () => {
  it('recovers the Pb-Se parameters of rock salt and CsCl PbSe from a start 30% off in A', async () => {
    const doc = publishedSubset(['PbSe-RS', 'PbSe-CsCl']);
    doc.potentials = doc.potentials.filter((p) => p.species.includes('Pb') || p.species.every((s) => s === 'Se'));
    for (const p of doc.potentials) p.vary = p.species.includes('Pb') ? ['A', 'rho', 'C'] : [];
    const target = selfConsistentTargets(doc);
    const known = target.potentials.find((p) => p.species.includes('Pb'))!;
    const start = structuredClone(target);
    const pb = start.potentials.find((p) => p.species.includes('Pb'))!;
    pb.A = known.A! * 1.3;
    pb.rho = known.rho! * 0.97;
    pb.C = known.C! * 1.1;
    const result = await runFit(parseJob(start));
    expect(result.converged).toBe(true);
    expect(result.objective.final).toBeLessThan(1e-12);
    const fitted = Object.fromEntries(result.varied.map((v) => [v.name, v.final]));
    expect(Math.abs(fitted['Pb-Se.A']! / known.A! - 1)).toBeLessThan(1e-5);
    expect(Math.abs(fitted['Pb-Se.rho']! / known.rho! - 1)).toBeLessThan(1e-6);
    expect(Math.abs(fitted['Pb-Se.C']! / known.C! - 1)).toBeLessThan(1e-5);
  });

  it('recovers Cd-Se and Se-Se parameters from wurtzite, zinc blende and rock-salt CdSe', async () => {
    const doc = publishedSubset(['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS']);
    doc.potentials = doc.potentials.filter((p) => !p.species.includes('Pb'));
    for (const p of doc.potentials) p.vary = p.species.includes('Cd') ? ['A', 'rho', 'C'] : ['A'];
    const target = selfConsistentTargets(doc);
    const start = structuredClone(target);
    for (const p of start.potentials) {
      p.A = p.A! * 0.8;
      if (p.species.includes('Cd')) p.rho = p.rho! * 1.02;
    }
    const result = await runFit(parseJob(start));
    expect(result.objective.final).toBeLessThan(1e-10);
    for (const v of result.varied) {
      const [pair, param] = v.name.split('.') as [string, string];
      const known = target.potentials.find((p) => [...p.species].sort().join('-') === pair)! as unknown as Record<string, number>;
      expect(Math.abs(v.final / known[param]! - 1), v.name).toBeLessThan(1e-4);
    }
  });
});

describe('multi-start', () => {
  it('runs the starts in worker threads and reports the best with the spread of the others', async () => {
    const { threadStarts } = await import('../src/workflows/starts.js');
    const doc = publishedSubset(['PbSe-RS', 'PbSe-CsCl']);
    doc.potentials = doc.potentials.filter((p) => p.species.includes('Pb'));
    for (const p of doc.potentials) p.vary = ['A', 'rho'];
    const target = selfConsistentTargets(doc);
    target.options = { ...target.options, starts: 3, seed: 7 };
    const result = await runFit(parseJob(target), { runStarts: threadStarts({ threads: 2 }) });
    expect(result.multiStart?.starts).toBe(3);
    expect(result.multiStart?.objectives).toHaveLength(3);
    expect(result.objective.final).toBeLessThanOrEqual(Math.min(...result.multiStart!.objectives.filter(Number.isFinite)) + 1e-12);
    expect(result.objective.final).toBeLessThan(1e-12);
  });
});

describe('fit options', () => {
  it('a conventional fit (no relaxation) recovers parameters whose structures are at their minima', async () => {
    // targets = the relaxed geometry and properties at known parameters; structures given at that geometry
    const doc = publishedSubset(['PbSe-RS']);
    doc.potentials = doc.potentials.filter((p) => p.species.includes('Pb'));
    doc.potentials[0]!.vary = ['A', 'rho'];
    const relaxedTargets = selfConsistentTargets(doc);
    const a = (relaxedTargets.structures[0]!.properties!.a as { exp: number }).exp;
    relaxedTargets.structures[0]!.cell = { a };
    relaxedTargets.options = { ...relaxedTargets.options, relax: false };
    const known = relaxedTargets.potentials[0]!;
    const start = structuredClone(relaxedTargets);
    start.potentials[0]!.A = known.A! * 1.2;
    const result = await runFit(parseJob(start));
    expect(result.objective.final).toBeLessThan(1e-10);
    expect(Math.abs(result.varied[0]!.final / known.A! - 1)).toBeLessThan(1e-4);
  });

  it('the finite-difference Jacobian reaches the same minimum as the analytic one', async () => {
    const doc = publishedSubset(['PbSe-RS', 'PbSe-CsCl']);
    doc.potentials = doc.potentials.filter((p) => p.species.includes('Pb'));
    doc.potentials[0]!.vary = ['A', 'rho'];
    const start = structuredClone(doc);
    start.potentials[0]!.A = start.potentials[0]!.A! * 1.1;
    const analytic = await runFit(parseJob(structuredClone(start)));
    const fd = await runFit(parseJob(structuredClone(start)), { jacobian: 'finite-difference' });
    expect(Math.abs(fd.objective.final - analytic.objective.final)).toBeLessThan(1e-6 * analytic.objective.final);
    expect(Math.abs(fd.varied[1]!.final / analytic.varied[1]!.final - 1)).toBeLessThan(1e-5);
  });
});
