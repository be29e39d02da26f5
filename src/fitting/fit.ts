/**
 * The relaxed fit: GULP's `fit relax`, with Levenberg-Marquardt, analytic Jacobians through the
 * relaxed structures, uncertainties and a full report.
 *
 * F(p) = Σ_i w_i (target_i − calc_i(p))², calc_i taken at each structure's relaxed geometry at
 * the parameters p. The fit runs in the well-conditioned internal variables of `transform.ts`
 * (ln A, scaled ρ and C); a trial step at which a structure fails to relax or changes character
 * is rejected and recorded (the damping rises and the step shrinks). With `options.relax = false`
 * the fit is conventional: properties are taken at the input geometry without relaxation
 * (GULP's default fit), which is cheap and useful to get a starting point.
 */
import type { ParsedJob } from '../document/parse.js';
import { DomainError, isDomainError, throwIfAborted } from '../errors.js';
import { getParameter, pairKey, PAIR_PARAMETERS, type ForceField } from '../potentials/forcefield.js';
import { buildObservables, type Observable } from './observables.js';
import { normalizeDft, documentWithNormalization, type NormalizationFactor } from './normalize.js';
import { makeTransform } from './transform.js';
import { levenbergMarquardtFit } from './lm.js';
import { parameterUncertainty, type Uncertainty } from './uncertainty.js';
import { FitEvaluator, involvedStructures, observableValue, type StructureState } from './evaluator.js';
import { catastropheCheck, shortestContacts } from './catastrophe.js';
import type { FitResult, ParameterRow, ResidualRow, StructureReport } from './types.js';
import { computeProperties } from '../properties/index.js';
import { rng } from '../math/random.js';
import { buildEnergyModel } from '../potentials/index.js';

export interface FitProgress {
  iteration: number;
  objective: number;
  parameters: Record<string, number>;
  elapsedMs: number;
  stage: 'start' | 'fit' | 'final';
  accepted?: boolean;
}

export interface FitOptions {
  onProgress?: (p: FitProgress) => void;
  signal?: AbortSignal;
  /** 'analytic' (default): implicit derivatives through the relaxed structures; 'finite-difference': relax again per parameter */
  jacobian?: 'analytic' | 'finite-difference';
  /** relative central-difference step for the finite-difference Jacobian (default 1e-4) */
  fdStep?: number;
  /**
   * Properties of every structure at the final parameters (`latticefit properties`); injected so
   * the fitter does not depend on the property suite's extras (transition pressures, E-V curves).
   */
  finalProperties?: (job: ParsedJob, ff: ForceField, signal?: AbortSignal) => StructureReport[] | Promise<StructureReport[]>;
  /** Runs extra starts of a multi-start fit, e.g. in worker threads. Default: one after another here. */
  runStarts?: (job: ParsedJob, starts: number[][]) => Promise<StartOutcome[]>;
}

/** The outcome of one start of a multi-start fit (plain data: crosses threads). */
export interface StartOutcome {
  start: number[];
  parameters: number[];
  objective: number;
  /** objective at the start point itself */
  initialObjective: number;
  iterations: number;
  converged: boolean;
  error?: string;
}

interface LoopOutcome {
  values: number[];
  objective: number;
  initialObjective: number;
  iterations: number;
  converged: boolean;
  reason: string;
  history: FitResult['history'];
  evaluator: FitEvaluator;
  states: Map<string, StructureState>;
  observables: Observable[];
  excluded: string[];
}

/** Set up observables, normalisation and the starting point; shared by all starts. */
function setup(job: ParsedJob): { observables: Observable[]; normalization: NormalizationFactor[]; start: number[] } {
  const normalization = job.options.normalizeDft ? normalizeDft(job) : [];
  const observables = buildObservables(job);
  const start = job.vary.map((n) => getParameter(job.forceField, n)!);
  return { observables, normalization, start };
}

/**
 * One Levenberg-Marquardt run from `start` (physical parameter values in `job.vary` order).
 * Pure apart from the callbacks; used directly by multi-start workers.
 */
export function fitFromStart(job: ParsedJob, start: readonly number[], observablesIn: Observable[], options: FitOptions = {}): LoopOutcome {
  const t0 = Date.now();
  const names = job.vary;
  const pressureGPa = job.options.pressureGPa;
  const transform = makeTransform(names, job.vary.map((n) => getParameter(job.forceField, n)!), job.bounds, pairContacts(job));
  const conventional = !job.options.relax;
  const fullEvaluator = new FitEvaluator(job, names, observablesIn, { pressureGPa, signal: options.signal, conventional });
  const ids = fullEvaluator.involved;

  // starting point: structures that fail here cannot be fitted; their observables are dropped
  const states0 = fullEvaluator.evaluate(start, ids);
  const excluded: string[] = [];
  for (const [id, st] of states0) if (st.failure) excluded.push(st.failure.startsWith(`${id}:`) ? st.failure : `${id}: ${st.failure}`);
  const failedIds = new Set([...states0].filter(([, st]) => st.failure).map(([id]) => id));
  const observables = observablesIn.filter((o) => !failedIds.has(o.structureId) && !(o.other && failedIds.has(o.other)) && Number.isFinite(observableValue(o, states0)));
  if (observables.length === 0) throw new DomainError('RELAX_NOT_CONVERGED', `no fitted observable can be evaluated at the starting parameters: ${excluded.join('; ') || 'no observables'}`);
  fullEvaluator.commit(states0);
  const evaluator = observables.length === observablesIn.length ? fullEvaluator : fullEvaluator.restrict(observables);
  const idsFit = evaluator.involved;
  const sw = observables.map((o) => Math.sqrt(o.weight));
  const targets = observables.map((o) => o.target);

  const cache = new Map<string, Map<string, StructureState>>();
  const key = (z: readonly number[]): string => z.join(',');
  const statesAt = (z: readonly number[]): Map<string, StructureState> => {
    const k = key(z);
    let st = cache.get(k);
    if (!st) {
      if (cache.size > 32) cache.clear();
      st = evaluator.evaluate(transform.toPhysical(z), idsFit);
      cache.set(k, st);
    }
    return st;
  };
  const history: FitResult['history'] = [];
  let lastFailure = '';
  const residualsFrom = (states: Map<string, StructureState>): Float64Array | null => {
    for (const st of states.values())
      if (st.failure) {
        lastFailure = `${st.id}: ${st.failure}`;
        return null;
      }
    const v = evaluator.values(states);
    const r = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) {
        lastFailure = `${observables[i]!.structureId}.${observables[i]!.property} is not finite`;
        return null;
      }
      r[i] = sw[i]! * (v[i]! - targets[i]!);
    }
    return r;
  };

  const jacobianPhysical = (z: readonly number[]): Float64Array[] => {
    const states = statesAt(z);
    evaluator.commit(states);
    const p = transform.toPhysical(z);
    // the implicit derivatives hold at relaxed structures; a conventional fit differentiates numerically
    if ((options.jacobian ?? 'analytic') === 'analytic' && !conventional) return evaluator.analyticJacobian(p, states);
    return evaluator.finiteDifferenceJacobian(p, idsFit, options.fdStep ?? 1e-4);
  };

  const z0 = transform.toInternal(start);
  const problem = {
    residuals: (z: readonly number[]) => residualsFrom(statesAt(z)),
    jacobian: (z: readonly number[]) => {
      // chain rule through the parameter map: ∂r_i/∂z_k = √w_i Σ_j ∂calc_i/∂p_j ∂p_j/∂z_k
      const J = jacobianPhysical(z);
      const M = transform.jacobian(z);
      return J.map((row, i) =>
        Float64Array.from({ length: names.length }, (_, k) => {
          let acc = 0;
          for (let j = 0; j < names.length; j++) acc += row[j]! * M[j]![k]!;
          return acc * sw[i]!;
        }),
      );
    },
  };
  const r0 = problem.residuals(z0);
  const f0 = r0 ? r0.reduce((s, x) => s + x * x, 0) : Number.NaN;
  options.onProgress?.({ iteration: 0, objective: f0, parameters: Object.fromEntries(names.map((n, i) => [n, start[i]!])), elapsedMs: Date.now() - t0, stage: 'start' });
  history.push({ iteration: 0, objective: f0, accepted: true });

  const lm =
    names.length === 0 || job.options.maxIterations === 0
      ? { z: z0, objective: f0, initialObjective: f0, iterations: 0, converged: names.length === 0, reason: names.length === 0 ? 'no parameters to vary' : 'max-iterations', rejectedSteps: 0, history: [] }
      : levenbergMarquardtFit(problem, z0, {
          maxIterations: job.options.maxIterations,
          lower: transform.lower,
          upper: transform.upper,
          signal: options.signal,
          onIteration: (it) => {
            history.push({ iteration: it.iteration, objective: it.objective, accepted: it.accepted, ...(it.accepted ? {} : { note: lastFailure || it.rejectedReason }) });
            lastFailure = '';
            const p = transform.toPhysical(it.z);
            options.onProgress?.({ iteration: it.iteration, objective: it.objective, parameters: Object.fromEntries(names.map((n, i) => [n, p[i]!])), elapsedMs: Date.now() - t0, stage: 'fit', accepted: it.accepted });
          },
        });
  // unchanged internal variables give back the starting values exactly (exp(ln A) is not A)
  const values = lm.z.every((v, k) => v === z0[k]) ? [...start] : transform.toPhysical(lm.z);
  const states = statesAt(lm.z);
  evaluator.commit(states);
  return {
    values,
    objective: lm.objective,
    initialObjective: lm.initialObjective,
    iterations: lm.iterations,
    converged: lm.converged,
    reason: lm.reason,
    history,
    evaluator,
    states,
    observables,
    excluded,
  };
}


/** Shortest contact of every species pair over the input structures, Å (r₀ of the A-ρ decorrelation). */
export function pairContacts(job: ParsedJob): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of job.structures)
    for (const [pair, r] of shortestContacts(s.structure)) if (r < (out[pair] ?? Infinity)) out[pair] = r;
  return out;
}

/**
 * Starting points of a multi-start fit: the guess itself, then N − 1 points spread around it in the
 * internal variables (ln A ± 0.5, i.e. A within a factor 1.65; scaled ρ, C within ± 10%), clipped
 * to the bounds.
 */
export function multiStartPoints(job: ParsedJob, n: number): number[][] {
  const names = job.vary;
  const start = names.map((nm) => getParameter(job.forceField, nm)!);
  const t = makeTransform(names, start, job.bounds, pairContacts(job));
  const z0 = t.toInternal(start);
  const random = rng(job.options.seed);
  const out = [start];
  for (let s = 1; s < n; s++) {
    const z = z0.map((v, k) => {
      const spread = t.log[k] ? 0.5 : 0.1 * Math.abs(v || 1);
      return Math.min(t.upper[k]!, Math.max(t.lower[k]!, v + spread * (2 * random() - 1)));
    });
    out.push(t.toPhysical(z));
  }
  return out;
}

export async function runFit(job: ParsedJob, options: FitOptions = {}): Promise<FitResult> {
  const t0 = Date.now();
  throwIfAborted(options.signal);
  const { observables, normalization, start } = setup(job);
  if (observables.length === 0) throw new DomainError('INVALID_DOCUMENT', 'nothing to fit: no property has a "fit" source with a nonzero weight', { path: '/structures' });
  const warnings: string[] = [];

  // multi-start: extra starts first (possibly in parallel), then the best start runs here in full
  let chosen = start;
  let guessObjective: number | undefined;
  let multiStart: FitResult['multiStart'];
  if (job.options.starts > 1 && job.vary.length > 0) {
    const points = multiStartPoints(job, job.options.starts);
    const runner = options.runStarts ?? (async (j: ParsedJob, pts: number[][]) => pts.map((p) => runStart(j, p, { signal: options.signal })));
    const outcomes = await runner(job, points);
    const ok = outcomes.filter((o) => !o.error && Number.isFinite(o.objective));
    if (ok.length === 0) throw new DomainError('RELAX_NOT_CONVERGED', `every start of the multi-start fit failed: ${outcomes.map((o) => o.error).join('; ')}`);
    const best = ok.reduce((a, b) => (b.objective < a.objective ? b : a));
    chosen = best.parameters;
    if (Number.isFinite(outcomes[0]!.initialObjective)) guessObjective = outcomes[0]!.initialObjective;
    multiStart = { starts: points.length, best: outcomes.indexOf(best), objectives: outcomes.map((o) => o.objective), failed: outcomes.length - ok.length };
  }

  const run = fitFromStart(job, chosen, observables, options);
  for (const e of run.excluded) warnings.push(`excluded from the fit (fails at the starting parameters): ${e}`);
  const ff = run.evaluator.forceField(run.values);

  // uncertainty from the weighted Jacobian at the solution (physical parameters)
  let uncertainty: Uncertainty | null = null;
  if (job.vary.length > 0 && ![...run.states.values()].some((s) => s.failure)) {
    const J = job.options.relax ? run.evaluator.analyticJacobian(run.values, run.states) : run.evaluator.finiteDifferenceJacobian(run.values, run.evaluator.involved);
    const Jw = J.map((row, i) => Float64Array.from(row, (v) => v * Math.sqrt(run.observables[i]!.weight)));
    uncertainty = parameterUncertainty(job.vary, Jw, run.objective);
  }

  // residual table over every fitted observable (including ones excluded from the fit)
  // the fitted structures are relaxed at the final parameters already; only those left out are not
  const missing = involvedStructures(job, observables).filter((id) => !run.states.has(id));
  const finalStates = new Map([...run.states, ...run.evaluator.evaluate(run.values, missing)]);
  const residuals: ResidualRow[] = observables.map((o) => {
    const failed = finalStates.get(o.structureId)?.failure ?? (o.property === 'relativeEnergy' && o.other ? finalStates.get(o.other)?.failure : undefined);
    const v = observableValue(o, finalStates);
    const calc = !failed && Number.isFinite(v) ? v : null;
    const res = calc === null ? null : calc - o.target;
    return {
      structure: o.structureId,
      property: o.property,
      target: o.target,
      source: o.source,
      calculated: calc,
      residual: res,
      weight: o.weight,
      contribution: res === null ? null : o.weight * res * res,
      percentError: res === null || o.target === 0 ? null : (100 * res) / o.target,
      inFit: run.observables.includes(o),
    };
  });

  options.onProgress?.({ iteration: run.iterations, objective: run.objective, parameters: Object.fromEntries(job.vary.map((n, i) => [n, run.values[i]!])), elapsedMs: Date.now() - t0, stage: 'final' });
  const fittedJob: ParsedJob = { ...job, forceField: ff };
  const structures = options.finalProperties
    ? await options.finalProperties(fittedJob, ff, options.signal)
    : (await computeProperties(fittedJob, buildEnergyModel(ff), { signal: options.signal })).structures;

  const relaxed = [...finalStates.values()].map((s) => ({ id: s.id, structure: s.structure }));
  const catastrophe = catastropheCheck(ff, relaxed);
  for (const c of catastrophe)
    if (c.collapses) warnings.push(`${c.pair}: the fitted Buckingham form has no repulsive barrier (C/r⁶ wins at every distance): the pair collapses.`);
    else if (c.nearTurnover) warnings.push(`${c.pair}: the shortest relaxed contact (${c.shortestContact!.toFixed(3)} Å in ${c.structure}) is close to the Buckingham turnover at ${c.turnover!.toFixed(3)} Å; the potential may collapse at high temperature or pressure.`);

  return {
    kind: 'fit',
    name: job.name,
    document: documentWithNormalization(job),
    charges: job.forceField.charges,
    parameters: parameterRows(ff, job.vary),
    varied: job.vary.map((name, i) => ({ name, initial: start[i]!, final: run.values[i]!, ...(uncertainty ? { standardError: uncertainty.standardErrors[i]! } : {}) })),
    objective: { initial: guessObjective ?? run.initialObjective, final: run.objective, allObservables: residuals.reduce((s, r) => s + (r.contribution ?? 0), 0) },
    converged: run.converged,
    iterations: run.iterations,
    stopReason: run.reason,
    wallTimeMs: Date.now() - t0,
    residuals,
    uncertainty,
    structures,
    normalization,
    catastrophe,
    history: run.history,
    ...(multiStart ? { multiStart } : {}),
    warnings,
  };
}

/** One start of a multi-start fit, reduced to plain data. */
export function runStart(job: ParsedJob, start: number[], options: { signal?: AbortSignal } = {}): StartOutcome {
  try {
    const { observables } = setup(job);
    const r = fitFromStart(job, start, observables, { signal: options.signal });
    // objectives are only comparable over the same observables: a start at which a structure
    // fails (and would be left out) is a failed start
    if (r.excluded.length) return { start, parameters: start, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, error: `structures fail at this start: ${r.excluded.join('; ')}` };
    return { start, parameters: r.values, objective: r.objective, initialObjective: r.initialObjective, iterations: r.iterations, converged: r.converged };
  } catch (e) {
    if (isDomainError(e) && e.code === 'CANCELLED') throw e;
    return { start, parameters: start, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, error: (e as Error).message };
  }
}

export function parameterRows(ff: ForceField, vary: readonly string[]): ParameterRow[] {
  return ff.pairs.map((p) => {
    const key = pairKey(p.species[0], p.species[1]);
    const varied = PAIR_PARAMETERS[p.type].filter((k) => vary.includes(`${key}.${k}`));
    return {
      pair: key,
      species: [p.species[0], p.species[1]],
      type: p.type,
      A: p.params.A!,
      ...(p.type === 'buckingham' ? { rho: p.params.rho!, C: p.params.C! } : { B: p.params.B! }),
      cutoff: p.cutoff,
      varied,
    };
  });
}

