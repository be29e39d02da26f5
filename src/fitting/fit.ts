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
import { DomainError, throwIfAborted, rethrowIfCancelled } from '../errors.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import { getParameter, type ForceField } from '../potentials/forcefield.js';
import type { EvaluationSettings } from '../properties/index.js';
import type { StructureTargets, WeightClass } from '../properties/vocabulary.js';
import type { Observable, SurfaceTarget } from './observables.js';
import { makeTransform, type ParameterTransform } from './transform.js';
import { levenbergMarquardtFit } from './lm.js';
import { parameterUncertainty, type Uncertainty } from './uncertainty.js';
import { FitEvaluator, observableValue, type StructureState } from './evaluator.js';
import { shortestContacts } from './catastrophe.js';
import { rng } from '../math/random.js';

/** How a fit runs, resolved at the door (`ResolvedJobOptions` of the job document is one). */
export interface FitSettings extends EvaluationSettings {
  weights: Readonly<Record<WeightClass, number>>;
  maxIterations: number;
  starts: number;
  seed: number;
  normalizeDft: boolean;
}

/** What a fit takes: the force field at the starting values, the names to vary, their bounds, the crystals and their targets. */
export interface FitInput {
  name: string;
  forceField: ForceField;
  vary: readonly string[];
  bounds: Readonly<Record<string, [number, number]>>;
  structures: readonly SymmetrizedCrystal[];
  targets: readonly StructureTargets[];
  /** Faces per structure (document order), some of them fit targets (`SurfaceTarget.fit`). */
  surfaces?: readonly (readonly SurfaceTarget[])[];
  options: FitSettings;
}

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
  /** Runs the extra starts of a multi-start fit (in worker threads, on other machines). Default: one after another here. */
  runStarts?: (starts: number[][]) => Promise<StartOutcome[]>;
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

/** The history of a fit: the objective at every iteration, and why a rejected step was rejected. */
export type FitHistory = { iteration: number; objective: number; accepted: boolean; note?: string }[];

/** One Levenberg-Marquardt run from a start. */
interface LoopOutcome {
  values: number[];
  objective: number;
  initialObjective: number;
  iterations: number;
  converged: boolean;
  reason: string;
  history: FitHistory;
  /** states at `values` of the structures the fitted observables touch */
  states: Map<string, StructureState>;
  /** the observables in the fit (those that can be evaluated at the start) */
  observables: Observable[];
  excluded: string[];
  /** the evaluator of this run (warm starts at `values`); stays inside this module */
  evaluator: FitEvaluator;
}

/** The outcome of a fit, as data: what `workflows/fit-job.ts` turns into a `FitResult`. */
export interface FitOutcome {
  /** starting values of `vary` (the document's guess) */
  start: number[];
  /** final values of `vary` */
  values: number[];
  /** the force field at the final values */
  forceField: ForceField;
  objective: number;
  /** objective at the guess (the multi-start's first start, or the start of the one run) */
  initialObjective: number;
  iterations: number;
  converged: boolean;
  stopReason: string;
  history: FitHistory;
  uncertainty: Uncertainty | null;
  /** every structure at the final values (relaxed as the fit relaxes them) */
  states: Map<string, StructureState>;
  /** the observables in the fit */
  fitted: Observable[];
  /** structures left out of the fit, with why */
  excluded: string[];
  multiStart?: { starts: number; best: number; objectives: number[]; failed: number };
}

/**
 * The least-squares problem of one start, in the internal variables z of the parameter transform:
 * weighted residuals r_i = √w_i (calc_i − target_i) of relaxed states (memoised per point) and
 * their Jacobian by the chain rule through the transform.
 */
class FitProblem {
  readonly sw: number[];
  private readonly targets: number[];
  private readonly cache = new Map<string, Map<string, StructureState>>();
  /** why the last point could not be evaluated */
  lastFailure = '';

  constructor(
    readonly evaluator: FitEvaluator,
    readonly transform: ParameterTransform,
    readonly observables: readonly Observable[],
    private readonly jacobianKind: 'analytic' | 'finite-difference',
    private readonly fdStep: number,
  ) {
    this.sw = observables.map((o) => Math.sqrt(o.weight));
    this.targets = observables.map((o) => o.target);
  }

  /** Relaxed states at z (remembered for the last few points). */
  statesAt(z: readonly number[]): Map<string, StructureState> {
    const k = z.join(',');
    let st = this.cache.get(k);
    if (!st) {
      if (this.cache.size > 32) this.cache.clear();
      st = this.evaluator.evaluate(this.transform.toPhysical(z), this.evaluator.involved);
      this.cache.set(k, st);
    }
    return st;
  }

  residuals(z: readonly number[]): Float64Array | null {
    const states = this.statesAt(z);
    for (const st of states.values())
      if (st.failure) {
        this.lastFailure = `${st.id}: ${st.failure}`;
        return null;
      }
    const v = this.evaluator.values(states);
    const r = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) {
        this.lastFailure = `${this.observables[i]!.structureId}.${this.observables[i]!.property} is not finite`;
        return null;
      }
      r[i] = this.sw[i]! * (v[i]! - this.targets[i]!);
    }
    return r;
  }

  /** ∂r_i/∂z_k = √w_i Σ_j ∂calc_i/∂p_j ∂p_j/∂z_k, at an evaluated z (whose states become the warm starts). */
  jacobian(z: readonly number[]): Float64Array[] {
    const states = this.statesAt(z);
    this.evaluator.commit(states);
    const p = this.transform.toPhysical(z);
    // the implicit derivatives hold at relaxed structures; a conventional fit differentiates numerically
    const J = this.jacobianKind === 'analytic' && !this.evaluator.conventional ? this.evaluator.analyticJacobian(p, states) : this.evaluator.finiteDifferenceJacobian(p, this.evaluator.involved, this.fdStep);
    const M = this.transform.jacobian(z);
    const n = p.length;
    return J.map((row, i) =>
      Float64Array.from({ length: n }, (_, k) => {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += row[j]! * M[j]![k]!;
        return acc * this.sw[i]!;
      }),
    );
  }
}

/**
 * One Levenberg-Marquardt run from `start` (physical values in `input.vary` order) over
 * `observablesIn`. Observables of structures that fail at the start are left out (`excluded`).
 */
export function fitFromStart(input: FitInput, start: readonly number[], observablesIn: Observable[], options: FitOptions = {}): LoopOutcome {
  const t0 = Date.now();
  const names = [...input.vary];
  const transform = makeTransform(names, names.map((n) => getParameter(input.forceField, n)!), input.bounds as Record<string, [number, number]>, pairContacts(input));
  const fullEvaluator = new FitEvaluator(input, names, observablesIn, { pressure: input.options.pressure, signal: options.signal, conventional: !input.options.relax });

  // starting point: structures that fail here cannot be fitted; their observables are dropped
  const states0 = fullEvaluator.evaluate(start, fullEvaluator.involved);
  const excluded: string[] = [];
  for (const [id, st] of states0) if (st.failure) excluded.push(st.failure.startsWith(`${id}:`) ? st.failure : `${id}: ${st.failure}`);
  const failedIds = new Set([...states0].filter(([, st]) => st.failure).map(([id]) => id));
  const observables = observablesIn.filter((o) => !failedIds.has(o.structureId) && !(o.other && failedIds.has(o.other)) && Number.isFinite(observableValue(o, states0)));
  if (observables.length === 0) throw new DomainError('RELAX_NOT_CONVERGED', `no fitted observable can be evaluated at the starting parameters: ${excluded.join('; ') || 'no observables'}`);
  fullEvaluator.commit(states0);
  const evaluator = observables.length === observablesIn.length ? fullEvaluator : fullEvaluator.restrict(observables);
  const problem = new FitProblem(evaluator, transform, observables, options.jacobian ?? 'analytic', options.fdStep ?? 1e-4);

  const history: FitHistory = [];
  const named = (p: readonly number[]): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, p[i]!]));
  const z0 = transform.toInternal(start);
  const r0 = problem.residuals(z0);
  const f0 = r0 ? r0.reduce((s, x) => s + x * x, 0) : Number.NaN;
  options.onProgress?.({ iteration: 0, objective: f0, parameters: named(start), elapsedMs: Date.now() - t0, stage: 'start' });
  history.push({ iteration: 0, objective: f0, accepted: true });

  const lm =
    names.length === 0 || input.options.maxIterations === 0
      ? { z: z0, objective: f0, initialObjective: f0, iterations: 0, converged: names.length === 0, reason: names.length === 0 ? 'no parameters to vary' : 'max-iterations', rejectedSteps: 0, history: [] }
      : levenbergMarquardtFit(problem, z0, {
          maxIterations: input.options.maxIterations,
          lower: transform.lower,
          upper: transform.upper,
          signal: options.signal,
          onIteration: (it) => {
            history.push({ iteration: it.iteration, objective: it.objective, accepted: it.accepted, ...(it.accepted ? {} : { note: problem.lastFailure || it.rejectedReason }) });
            problem.lastFailure = '';
            options.onProgress?.({ iteration: it.iteration, objective: it.objective, parameters: named(transform.toPhysical(it.z)), elapsedMs: Date.now() - t0, stage: 'fit', accepted: it.accepted });
          },
        });
  // unchanged internal variables give back the starting values exactly (exp(ln A) is not A)
  const values = lm.z.every((v, k) => v === z0[k]) ? [...start] : transform.toPhysical(lm.z);
  const states = problem.statesAt(lm.z);
  evaluator.commit(states);
  return { values, objective: lm.objective, initialObjective: lm.initialObjective, iterations: lm.iterations, converged: lm.converged, reason: lm.reason, history, states, observables, excluded, evaluator };
}

/** Shortest contact of every species pair over the input structures, Å (r₀ of the A-ρ decorrelation). */
export function pairContacts(input: Pick<FitInput, 'structures'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of input.structures)
    for (const [pair, r] of shortestContacts(s.structure)) if (r < (out[pair] ?? Infinity)) out[pair] = r;
  return out;
}

/**
 * Starting points of a multi-start fit: the guess itself, then N − 1 points spread around it in the
 * internal variables (ln A ± 0.5, i.e. A within a factor 1.65; scaled ρ, C within ± 10%), clipped
 * to the bounds.
 */
export function multiStartPoints(input: FitInput, n: number): number[][] {
  const names = [...input.vary];
  const start = names.map((nm) => getParameter(input.forceField, nm)!);
  const t = makeTransform(names, start, input.bounds as Record<string, [number, number]>, pairContacts(input));
  const z0 = t.toInternal(start);
  const random = rng(input.options.seed);
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

/**
 * Fit the varied parameters to the observables: the extra starts of a multi-start fit first
 * (`options.runStarts`, possibly elsewhere), then the best start in full here; the uncertainty at
 * the solution; and every structure at the final values, relaxed as the fit relaxes them (warm
 * starts, tight tolerances), so that what is reported of them is what was fitted.
 */
export async function fitParameters(input: FitInput, observablesIn: Observable[], options: FitOptions = {}): Promise<FitOutcome> {
  const t0 = Date.now();
  throwIfAborted(options.signal);
  if (observablesIn.length === 0) throw new DomainError('INVALID_DOCUMENT', 'nothing to fit: no property has a "fit" source with a nonzero weight', { path: '/structures' });
  const start = input.vary.map((n) => getParameter(input.forceField, n)!);

  let chosen = start;
  let guessObjective: number | undefined;
  let multiStart: FitOutcome['multiStart'];
  if (input.options.starts > 1 && input.vary.length > 0) {
    const points = multiStartPoints(input, input.options.starts);
    const outcomes = await (options.runStarts ?? (async (pts: number[][]) => pts.map((p) => runStart(input, observablesIn, p, { signal: options.signal }))))(points);
    const ok = outcomes.filter((o) => !o.error && Number.isFinite(o.objective));
    if (ok.length === 0) throw new DomainError('RELAX_NOT_CONVERGED', `every start of the multi-start fit failed: ${outcomes.map((o) => o.error).join('; ')}`);
    const best = ok.reduce((a, b) => (b.objective < a.objective ? b : a));
    chosen = best.parameters;
    if (Number.isFinite(outcomes[0]!.initialObjective)) guessObjective = outcomes[0]!.initialObjective;
    multiStart = { starts: points.length, best: outcomes.indexOf(best), objectives: outcomes.map((o) => o.objective), failed: outcomes.length - ok.length };
  }

  const run = fitFromStart(input, chosen, observablesIn, options);

  // uncertainty from the weighted Jacobian at the solution (physical parameters)
  let uncertainty: Uncertainty | null = null;
  if (input.vary.length > 0 && ![...run.states.values()].some((s) => s.failure)) {
    const J = input.options.relax ? run.evaluator.analyticJacobian(run.values, run.states) : run.evaluator.finiteDifferenceJacobian(run.values, run.evaluator.involved);
    const Jw = J.map((row, i) => Float64Array.from(row, (v) => v * Math.sqrt(run.observables[i]!.weight)));
    uncertainty = parameterUncertainty([...input.vary], Jw, run.objective);
  }

  // the fitted structures are relaxed at the final values already; the others (left out, or
  // with no observable) are relaxed here the same way
  const missing = input.structures.map((s) => s.id).filter((id) => !run.states.has(id));
  const rest = run.evaluator.evaluate(run.values, missing);
  const states = new Map(input.structures.map((s) => [s.id, run.states.get(s.id) ?? rest.get(s.id)!]));
  options.onProgress?.({ iteration: run.iterations, objective: run.objective, parameters: Object.fromEntries(input.vary.map((n, i) => [n, run.values[i]!])), elapsedMs: Date.now() - t0, stage: 'final' });

  return {
    start,
    values: run.values,
    forceField: run.evaluator.forceField(run.values),
    objective: run.objective,
    initialObjective: guessObjective ?? run.initialObjective,
    iterations: run.iterations,
    converged: run.converged,
    stopReason: run.reason,
    history: run.history,
    uncertainty,
    states,
    fitted: run.observables,
    excluded: run.excluded,
    ...(multiStart ? { multiStart } : {}),
  };
}

/** One start of a multi-start fit, reduced to plain data. */
export function runStart(input: FitInput, observables: Observable[], start: number[], options: { signal?: AbortSignal } = {}): StartOutcome {
  try {
    const r = fitFromStart(input, start, observables, { ...(options.signal ? { signal: options.signal } : {}) });
    // objectives are only comparable over the same observables: a start at which a structure
    // fails (and would be left out) is a failed start
    if (r.excluded.length) return { start, parameters: start, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, error: `structures fail at this start: ${r.excluded.join('; ')}` };
    return { start, parameters: r.values, objective: r.objective, initialObjective: r.initialObjective, iterations: r.iterations, converged: r.converged };
  } catch (e) {
    rethrowIfCancelled(e);
    return { start, parameters: start, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, error: (e as Error).message };
  }
}
