/**
 * The reference case: from the rough guess of fixtures/pbcdse-fit.json the relaxed fit must end
 * with an objective no worse than the published Pb-Se-Cd parameter set under the same weights.
 */
import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { runFit } from '../src/workflows/fit-job.js';
import { fixture } from './helpers/jobs.js';

describe('the reference Pb-Se-Cd fit', () => {
  it('ends at or below the objective of the published parameter set', async () => {
    const published = parseJob(fixture('pbcdse-published.json'));
    published.options.maxIterations = 0;
    const pub = await runFit(published);
    const fit = await runFit(parseJob(fixture('pbcdse-fit.json')));
    // the same observables enter both objectives
    expect(fit.residuals.length).toBe(pub.residuals.length);
    expect(fit.residuals.every((r) => r.inFit)).toBe(true);
    expect(fit.objective.final).toBeLessThanOrEqual(pub.objective.final);
    expect(fit.objective.final).toBeLessThan(fit.objective.initial);
  }, 120_000);
});
