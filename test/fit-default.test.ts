/**
 * The default fit (src/fitting/fit.ts, FIT_STRATEGY): the bounded Levenberg-Marquardt step, the
 * staged start (forces and stresses at the input geometry first), honest stop reasons, parameters
 * that end on a bound, and the document's cut-off options. Cases from the fit suite
 * (fixtures/fit-suite/), not the Pb-Se-Cd reference the loop was first tuned on.
 */
import { describe, it, expect } from 'vitest';
import { levenbergMarquardtFit, type LeastSquaresProblem } from '../src/fitting/lm.js';
import { stageOneFit } from '../src/fitting/fit.js';
import { FitEvaluator } from '../src/fitting/evaluator.js';
import { parseJob } from '../src/document/parse.js';
import { DomainError } from '../src/errors.js';
import { prepareFit, runFit } from '../src/workflows/fit-job.js';
import { getParameter, withParameters as withValues } from '../src/potentials/forcefield.js';
import { elasticConstants } from '../src/properties/elastic.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { loadCase, loadStarts, withParameters } from '../bench/fits.js';

/** mgo-cao at its recorded start 1: MgO expands by 42 % and CaO shrinks by 30 % on relaxation there. */
const farStart = (): Record<string, unknown> => withParameters(loadCase('mgo-cao'), loadStarts('mgo-cao')[1]!);

describe('bounded Levenberg-Marquardt step', () => {
  // r = (z0 − 2, z1 − 3 + z0/2): free minimum (2, 2); with z0 ≤ 1 the constrained one is (1, 2.5)
  const tilted: LeastSquaresProblem = {
    residuals: (z) => Float64Array.from([z[0]! - 2, z[1]! - 3 + 0.5 * z[0]!]),
    jacobian: () => [Float64Array.from([1, 0]), Float64Array.from([0.5, 1])],
  };

  it('holds a variable on its bound and minimises over the others: the constrained minimum, said in atBound', () => {
    const r = levenbergMarquardtFit(tilted, [0, 0], { maxIterations: 100, lower: [-10, -10], upper: [1, 10] });
    expect(r.z[0]).toBe(1);
    expect(r.z[1]).toBeCloseTo(2.5, 8);
    expect(r.atBound).toEqual([0]);
    expect(r.converged).toBe(true);
  });

  it('ends off the bounds with atBound empty when the minimum is inside', () => {
    const r = levenbergMarquardtFit(tilted, [0, 0], { maxIterations: 100, lower: [-10, -10], upper: [10, 10] });
    expect(r.z[0]).toBeCloseTo(2, 8);
    expect(r.atBound).toEqual([]);
  });
});

describe('staged start', () => {
  it('stage one (forces and stresses at the input geometry) lowers its own objective a hundredfold from a far start', () => {
    const { input, observables } = prepareFit(parseJob(farStart()));
    const start = input.vary.map((n) => getParameter(input.forceField, n)!);
    const s1 = stageOneFit(input, start, observables);
    expect(s1.iterations).toBeGreaterThan(0);
    expect(s1.objective).toBeLessThan(1e-2 * s1.initialObjective);
  });

  it('at stage one\'s parameters every structure relaxes without changing character; at the start they do not', () => {
    const { input, observables } = prepareFit(parseJob(farStart()));
    const start = input.vary.map((n) => getParameter(input.forceField, n)!);
    const ev = new FitEvaluator(input, input.vary, observables, { pressure: 0 });
    const failures = (v: number[]): string[] => [...ev.evaluate(v, ev.involved).values()].filter((s) => s.failure).map((s) => s.id);
    expect(failures(start)).toEqual(['MgO', 'CaO']);
    expect(failures(stageOneFit(input, start, observables).values)).toEqual([]);
  });

  it('the plain default fit from that start runs over every observable and lowers the objective', async () => {
    const r = await runFit(parseJob(farStart()));
    expect(r.residuals.every((x) => x.inFit && x.calculated !== null)).toBe(true);
    expect(r.objective.final).toBeLessThan(r.objective.initial);
  }, 60_000);
});

describe('honest stops', () => {
  it('an iteration limit that cuts the fit short gives converged: false and says max-iterations', async () => {
    const doc = loadCase('mgo-cao') as { options: Record<string, unknown> };
    doc.options = { ...doc.options, maxIterations: 2 };
    const r = await runFit(parseJob(withParameters(doc, loadStarts('mgo-cao')[0]!)));
    expect(r.iterations).toBeLessThanOrEqual(2);
    expect(r.converged).toBe(false);
    expect(r.stopReason).toMatch(/^max-iterations/);
  }, 60_000);

  it('a fit that ends with a parameter on a bound says so in the stop reason and in a warning', async () => {
    // the LJ halide: the fit drives the Lennard-Jones B (dispersion) of Na-Cl to its lower bound 0
    const r = await runFit(parseJob(withParameters(loadCase('nacl-lj'), loadStarts('nacl-lj')[0]!)));
    const onBound = r.varied.filter((v) => v.final === 0).map((v) => v.name);
    expect(onBound.length).toBeGreaterThan(0);
    expect(r.stopReason).toContain(`on a bound: ${onBound.join(', ')}`);
    for (const name of onBound) expect(r.warnings.some((w) => w.startsWith(`${name} ends on a bound`))).toBe(true);
  }, 60_000);
});

describe('cut-off treatment in the job document', () => {
  const doc = (): Record<string, any> => structuredClone(loadCase('nacl-lj'));

  it('options.cutoffMode and taperWidth reach every pair; a potential\'s own cutoffMode wins', () => {
    const d = doc();
    d.options = { ...d.options, cutoffMode: 'taper', taperWidth: 1.5 };
    d.potentials[0].cutoffMode = 'shifted-force';
    const pairs = parseJob(d).forceField.pairs;
    expect(pairs[0]!.cutoffMode).toBe('shifted-force');
    for (const p of pairs.slice(1)) expect([p.cutoffMode, p.taperWidth]).toEqual(['taper', 1.5]);
  });

  it('a taper changes the lattice energy (it is applied, not only parsed)', () => {
    const plain = parseJob(doc());
    const d = doc();
    d.options = { ...d.options, cutoffMode: 'taper', taperWidth: 3 };
    const tapered = parseJob(d);
    const s = plain.structures[0]!.structure;
    const e0 = buildEnergyModel(plain.forceField).compute(s).energy;
    const e1 = buildEnergyModel(tapered.forceField).compute(s).energy;
    expect(Math.abs(e1 - e0)).toBeGreaterThan(1e-6);
  });

  it('a taper as wide as the cut-off is INVALID_POTENTIAL at /options/taperWidth', () => {
    const d = doc();
    d.options = { ...d.options, cutoffMode: 'taper', taperWidth: 20 };
    let err: unknown;
    try {
      parseJob(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('INVALID_POTENTIAL');
    expect((err as DomainError).path).toBe('/options/taperWidth');
  });
});

describe('far-out trial parameters', () => {
  it('elastic constants of a model whose second derivatives overflow are NUMERICAL_FAILURE (a rejected trial), not a TypeError', () => {
    // stage one can propose such points; the fit must be able to reject them
    const job = parseJob(loadCase('mgo-cao'));
    const ff = withValues(job.forceField, { 'Mg-O.A': 1e306, 'Mg-O.rho': 2 });
    let err: unknown;
    try {
      elasticConstants(buildEnergyModel(ff), job.structures[0]!.structure);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('NUMERICAL_FAILURE');
  });
});
