/**
 * Guards in the fit (fitting/guards.ts, fitting/fit.ts `GuardConstraints`): every fit result
 * carries the guard warnings at its start and its end (`result.guards`, and report lines), the
 * default box is the physical one, and `options.guards` turns each guard into a constraint the fit
 * respects. Each constrained case is a fit that runs into its guard without the option and does
 * not with it (MgO and CaO rock salt, Lewis & Catlow 1985 start, not the Pb-Se-Cd reference).
 */
import { describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { runFit } from '../src/workflows/fit-job.js';
import { fitTransform } from '../src/fitting/fit.js';
import { DEFAULT_BOUNDS } from '../src/fitting/guards.js';
import { getParameter } from '../src/potentials/forcefield.js';
import { renderReport } from '../src/reports/index.js';
import type { FitResult } from '../src/workflows/results.js';
import { loadCase } from '../bench/fits.js';

type Doc = Record<string, any>;
const exp = (v: number) => ({ exp: v, fit: 'exp' });
/** MgO alone, Lewis & Catlow's set, with the given potentials' `vary`/`bounds`, properties and options */
const mgo = (mgoExtra: Doc, ooExtra: Doc, properties: Doc, options: Doc = {}): Doc => ({
  name: 'MgO guards',
  species: { Mg: { charge: 2 }, O: { charge: -2 } },
  potentials: [
    { type: 'buckingham', species: ['Mg', 'O'], A: 1428.5, rho: 0.2945, C: 0, cutoff: 12, ...mgoExtra },
    { type: 'buckingham', species: ['O', 'O'], A: 22764, rho: 0.149, C: 27.88, cutoff: 12, ...ooExtra },
  ],
  structures: [{ id: 'MgO', spaceGroup: 'Fm-3m', cell: { a: 4.212 }, sites: [{ species: 'Mg', frac: [0, 0, 0] }, { species: 'O', frac: [0.5, 0.5, 0.5] }], properties }],
  options: { equationOfState: false, maxIterations: 40, ...options },
});
const fit = (doc: Doc, guards?: string[]): Promise<FitResult> => runFit(parseJob(guards ? { ...doc, options: { ...doc.options, guards } } : doc));
const endKinds = (r: FitResult): string[] => r.guards!.end.map((g) => g.kind);

/** O-O A alone, fitted to a lattice constant it cannot reach (4.0 Å): A falls until the O-O repulsion has vanished */
const vanishing = (): Doc => mgo({}, { vary: ['A'] }, { a: exp(4.0) });
/** O-O C alone, fitted to 3.9 Å: C rises until the O-O pair has no barrier */
const collapsing = (): Doc => mgo({}, { vary: ['C'] }, { a: exp(3.9) });
/** elastic targets no rock salt can hold (C12 > C11): the fit drives MgO off its minimum */
const unstable = (): Doc => mgo({ vary: ['A', 'rho'] }, { vary: ['A', 'rho', 'C'] }, { a: exp(4.212), C11: exp(100), C12: exp(300), C44: exp(100) });
/** the case: MgO + CaO to experiment with the O-O ρ allowed down to 0.01 Å (the old default box) */
const walled = (): Doc => {
  const d = loadCase('mgo-cao');
  d.potentials[2].bounds = { rho: [0.01, 2] };
  d.options.equationOfState = false;
  return d;
};

describe('guard warnings in every fit result', () => {
  it('a fit that runs into a bound ends with an at-bound warning, in the result and in every report', async () => {
    const r = await fit(mgo({}, { vary: ['A'], bounds: { A: [1e4, 3e4] } }, { a: exp(4.0) }));
    expect(r.varied[0]!.final).toBeCloseTo(1e4, 3);
    const at = r.guards!.end.filter((g) => g.kind === 'at-bound');
    expect(at.map((g) => g.parameter)).toEqual(['O-O.A']);
    expect(r.guards!.start.filter((g) => g.kind === 'at-bound')).toEqual([]);
    for (const format of ['markdown', 'html', 'json'] as const) expect(renderReport(r, format).body).toContain('guard at-bound (end)');
    // the guard table: every format, CSV and LaTeX too
    for (const format of ['markdown', 'html', 'csv', 'json'] as const) expect(renderReport(r, format).body).toContain('⚠ at-bound');
    expect(renderReport(r, 'latex').body).toContain('\\textbf{!} at-bound');
  });

  it('a start at a hard wall is flagged at the start', async () => {
    // ρ = 0.025 Å at the 2.98 Å O-O contact: a tenfold rise within 1.9 % of it
    const r = await fit(mgo({ vary: ['A'] }, { A: 1e12, rho: 0.025 }, { a: exp(4.212) }, { maxIterations: 0 }));
    expect(r.guards!.start.map((g) => g.kind)).toContain('hard-wall');
    expect(r.warnings.some((w) => w.startsWith('guard hard-wall (start)'))).toBe(true);
  });

  it('the published set fitted to its own structure raises nothing at either end', async () => {
    const r = await fit(mgo({ vary: ['A'] }, {}, { a: exp(4.212) }));
    expect(r.guards).toEqual({ start: [], end: [], constraints: [] });
  });
});

describe('the physical default box', () => {
  it('is what the fit uses unless the document gives bounds: rho >= 0.05 Å, C in [0, 1e4]', () => {
    const job = parseJob(loadCase('mgo-cao'));
    const start = job.vary.map((n) => getParameter(job.forceField, n)!);
    const t = fitTransform(job, start);
    const k = job.vary.indexOf('O-O.rho');
    expect(t.toPhysical(t.lower)[k]).toBeCloseTo(DEFAULT_BOUNDS['buckingham.rho']![0], 12);
    expect(t.upper[job.vary.indexOf('O-O.C')]! * start[job.vary.indexOf('O-O.C')]!).toBeCloseTo(1e4, 8);
    // the decorrelated A is bounded through the repulsion at the shortest contact
    expect(Number.isFinite(t.lower[job.vary.indexOf('O-O.A')]!)).toBe(true);
  });
});

describe('options.guards: constraints the fit respects', () => {
  it('hard-wall: the issue\'s fit ends on a hard wall without it, not with it', async () => {
    const free = await fit(walled());
    expect(endKinds(free)).toContain('hard-wall');
    const held = await fit(walled(), ['hard-wall']);
    expect(endKinds(held)).not.toContain('hard-wall');
    expect(held.guards!.constraints).toEqual(['hard-wall']);
    expect(held.objective.final).toBeLessThan(held.objective.initial);
  }, 60_000);

  it('repulsion-vanished', async () => {
    expect(endKinds(await fit(vanishing()))).toContain('repulsion-vanished');
    expect(endKinds(await fit(vanishing(), ['repulsion-vanished']))).not.toContain('repulsion-vanished');
  }, 30_000);

  it('near-turnover (and the pair with no barrier at all)', async () => {
    expect(endKinds(await fit(collapsing()))).toContain('collapse');
    const held = endKinds(await fit(collapsing(), ['near-turnover']));
    expect(held).not.toContain('collapse');
    expect(held).not.toContain('near-turnover');
  }, 30_000);

  it('not-minimum', async () => {
    expect(endKinds(await fit(unstable()))).toContain('not-minimum');
    expect(endKinds(await fit(unstable(), ['not-minimum']))).not.toContain('not-minimum');
  }, 60_000);

  it('not-minimum: a structure that is no minimum at the start does not freeze the fit (it is exempt there)', async () => {
    // the end of the free fit of `unstable()`: MgO Born-unstable there (C11 − C12 < 0)
    const start = mgo({ A: 248.71, rho: 0.40739, vary: ['A', 'rho'] }, { A: 5.4055e8, rho: 0.1139, C: 0, vary: ['A', 'rho', 'C'] }, { a: exp(4.212), C11: exp(297), C12: exp(95.2), C44: exp(155.7) });
    const atStart = await fit({ ...start, options: { ...start.options, maxIterations: 0 } });
    expect(endKinds(atStart)).toContain('not-minimum');
    const r = await fit(start, ['not-minimum']);
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.objective.final).toBeLessThan(0.1 * r.objective.initial);
  }, 60_000);

  it('true means every guard', () => {
    expect(parseJob({ ...vanishing(), options: { guards: true } }).options.guards).toEqual(['hard-wall', 'repulsion-vanished', 'near-turnover', 'not-minimum']);
    expect(parseJob(vanishing()).options.guards).toEqual([]);
  });
});
