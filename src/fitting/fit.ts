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
import { FitEvaluator, type StructureState } from './evaluator.js';
import { shortestContacts } from './catastrophe.js';
import { GUARD_DEFAULTS, type ConstraintGuard } from './guards.js';
import { buckinghamTurnover } from '../potentials/buckingham.js';
import { elasticConstants } from '../properties/elastic.js';
import { pairKey, parseParameterName, type PairType } from '../potentials/forcefield.js';
import { rng } from '../math/random.js';
import { GPA_PER_EV_PER_A3 } from '../units/index.js';

/** How a fit runs, resolved at the door (`ResolvedJobOptions` of the job document is one). */
export interface FitSettings extends EvaluationSettings {
  weights: Readonly<Record<WeightClass, number>>;
  maxIterations: number;
  starts: number;
  seed: number;
  normalizeDft: boolean;
  /** guards the fit respects as constraints (`options.guards`, fitting/guards.ts); none by default */
  guards?: readonly ConstraintGuard[];
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
  observables: Observable[];
  /** varied parameters that end on a bound */
  atBound: string[];
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
  /** varied parameters that end on a bound */
  atBound: string[];
  /** the start of the relaxed fit: stage one's result or the guess (`FIT_STRATEGY`) */
  stageOne?: { objective: number; initialObjective: number; iterations: number; used: boolean };
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
  /** the start of the run (`not-minimum` does not reject it) */
  startKey = '';

  constructor(
    readonly evaluator: FitEvaluator,
    readonly transform: ParameterTransform,
    readonly observables: readonly Observable[],
    private readonly jacobianKind: 'analytic' | 'finite-difference',
    private readonly fdStep: number,
    private readonly guards?: GuardConstraints,
  ) {
    this.sw = observables.map((o) => Math.sqrt(o.weight));
    this.targets = observables.map((o) => o.target);
  }

  /** The objective of the observables alone (the penalties of the guards left out). */
  objectiveOf(r: Float64Array): number {
    let acc = 0;
    for (let i = 0; i < this.observables.length; i++) acc += r[i]! * r[i]!;
    return acc;
  }

  /** Remember `states` as the relaxed states at z (a re-evaluation from other warm starts). */
  replaceStates(z: readonly number[], states: Map<string, StructureState>): void {
    if (this.cache.size > 32) this.cache.clear();
    this.cache.set(z.join(','), states);
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
    if (!this.transform.toPhysical(z).every((v) => Number.isFinite(v))) {
      this.lastFailure = 'a parameter overflowed';
      return null;
    }
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
    if (!this.guards) return r;
    const p = this.transform.toPhysical(z);
    // the start is where the fit is: a structure that is no minimum there is exempt (reported at the end)
    const unstable = this.guards.unstable(p, states, z.join(',') === this.startKey);
    if (unstable) {
      this.lastFailure = unstable;
      return null;
    }
    const pen = this.guards.penalties(p, states);
    if (!pen.length) return r;
    const out = new Float64Array(r.length + pen.length);
    out.set(r);
    out.set(pen, r.length);
    return out;
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
    const rows = J.map((row, i) =>
      Float64Array.from({ length: n }, (_, k) => {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += row[j]! * M[j]![k]!;
        return acc * this.sw[i]!;
      }),
    );
    if (!this.guards) return rows;
    const Jp = this.guards.penaltyJacobian(p, states);
    for (const row of Jp)
      rows.push(Float64Array.from({ length: n }, (_, k) => {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += row[j]! * M[j]![k]!;
        return acc;
      }));
    return rows;
  }
}

/**
 * The guards of `options.guards` as constraints of the fit (fitting/guards.ts has the checks):
 * - `hard-wall`, `repulsion-vanished`, `near-turnover`: penalty residuals, zero inside the
 *   physical region and rising as `GUARD_PENALTY` × the violation outside it, one per Buckingham
 *   pair whose A, ρ or C varies. Contacts r₀ are the shortest of the pair in the structures
 *   relaxed at the current point (held fixed in the penalty's Jacobian, which is by central
 *   differences in the physical parameters: no relaxation):
 *   hard wall: ln A − ln maxA and (f r₀ − ρ ln 10)/(f r₀), f = `hardWallFraction`;
 *   vanished: ln E_v − ln(A e^(−r₀/ρ)); turnover: (m r_t − r₀)/r₀, m = `turnoverMargin`, and for a
 *   pair with no barrier 1 + the depth of its missing barrier.
 * - `not-minimum`: a trial point at which a relaxed structure's elastic matrix C or its internal
 *   force constants have a negative eigenvalue is rejected, as a structure that fails to relax is
 *   (the damping rises and the step shrinks); a structure that is no minimum at the start of the
 *   run already is exempt (the fit keeps minima minima; the end's warning still reports it). C is the one the fit computes for its elastic
 *   observables, else computed here at the relaxed structure (one Hessian per structure and point).
 * The penalties are residuals of the least-squares problem, so an active one counts in the
 * objective the loop minimises; the objective reported is the observables' alone.
 */
export const GUARD_PENALTY = 1e3;
/**
 * The constraints act this far inside the warning thresholds (relative; in ln for A and the
 * repulsion energy), so that a fit held at a constraint (where penalty and objective balance a
 * little outside it) does not end with the warning it guards against.
 */
export const GUARD_SAFETY = 0.02;

class GuardConstraints {
  private readonly pairs: { key: string; type: PairType; idx: Partial<Record<'A' | 'rho' | 'C', number>>; fixed: Record<string, number> }[] = [];
  constructor(
    private readonly input: FitInput,
    private readonly evaluator: FitEvaluator,
    readonly kinds: readonly ConstraintGuard[],
  ) {
    const names = input.vary;
    for (const pot of input.forceField.pairs) {
      if (pot.type !== 'buckingham') continue;
      const key = pairKey(pot.species[0], pot.species[1]);
      const idx: Partial<Record<'A' | 'rho' | 'C', number>> = {};
      names.forEach((nm, i) => {
        const id = parseParameterName(nm);
        if (id?.pair === key && (id.param === 'A' || id.param === 'rho' || id.param === 'C')) idx[id.param] = i;
      });
      if (Object.keys(idx).length) this.pairs.push({ key, type: pot.type, idx, fixed: { ...pot.params } });
    }
  }

  private contacts(states: Map<string, StructureState>): Map<string, number> {
    const out = new Map<string, number>();
    for (const st of states.values()) for (const [k, r] of shortestContacts(st.structure)) if (r < (out.get(k) ?? Infinity)) out.set(k, r);
    return out;
  }

  private values(p: readonly number[], contacts: Map<string, number>): number[] {
    const out: number[] = [];
    const sf = GUARD_SAFETY;
    const wall = GUARD_DEFAULTS.hardWallFraction * (1 + sf);
    for (const { key, idx, fixed } of this.pairs) {
      const r0 = contacts.get(key);
      if (r0 === undefined) continue;
      const A = idx.A !== undefined ? p[idx.A]! : fixed.A!;
      const rho = idx.rho !== undefined ? p[idx.rho]! : fixed.rho!;
      const C = idx.C !== undefined ? p[idx.C]! : fixed.C!;
      if (!(A > 0 && rho > 0)) continue;
      if (this.kinds.includes('hard-wall')) {
        out.push(GUARD_PENALTY * Math.max(0, Math.log(A) - (Math.log(GUARD_DEFAULTS.maxA) - sf)));
        out.push(GUARD_PENALTY * Math.max(0, (wall * r0 - rho * Math.LN10) / (wall * r0)));
      }
      if (this.kinds.includes('repulsion-vanished')) out.push(GUARD_PENALTY * Math.max(0, Math.log(GUARD_DEFAULTS.vanishedEnergy) + sf - (Math.log(A) - r0 / rho)));
      if (this.kinds.includes('near-turnover')) {
        const rt = buckinghamTurnover(A, rho, C);
        if (rt === Infinity) {
          // depth of the missing barrier: max over r of q(r) = ln(A/ρ) − r/ρ + 7 ln r − ln 6C, at r = 7ρ
          const q = Math.log(A / rho) - 7 + 7 * Math.log(7 * rho) - Math.log(6 * C);
          out.push(GUARD_PENALTY * (1 + Math.max(0, -q)));
        } else out.push(GUARD_PENALTY * (rt === undefined ? 0 : Math.max(0, (GUARD_DEFAULTS.turnoverMargin * (1 + sf) * rt - r0) / r0)));
      }
    }
    return out;
  }

  penalties(p: readonly number[], states: Map<string, StructureState>): number[] {
    return this.values(p, this.contacts(states));
  }

  /** ∂penalty/∂p (rows: penalties, columns: physical parameters), central differences at fixed contacts. */
  penaltyJacobian(p: readonly number[], states: Map<string, StructureState>): number[][] {
    const c = this.contacts(states);
    const m = this.values(p, c).length;
    const rows = Array.from({ length: m }, () => new Array<number>(p.length).fill(0));
    for (let j = 0; j < p.length; j++) {
      const h = 1e-6 * Math.max(Math.abs(p[j]!), 1e-8);
      const up = [...p], dn = [...p];
      up[j]! += h;
      dn[j]! -= h;
      const fu = this.values(up, c), fd = this.values(dn, c);
      if (fu.length !== m || fd.length !== m) continue;
      for (let i = 0; i < m; i++) rows[i]![j] = (fu[i]! - fd[i]!) / (2 * h);
    }
    return rows;
  }

  /** structures that are no minimum at the start of the run: `not-minimum` keeps the others minima */
  private readonly exempt = new Set<string>();

  /**
   * Why the point is not a minimum of some structure (one that is a minimum at the start), or
   * undefined. At the start (`atStart`) it records the structures that are not, and passes.
   */
  unstable(p: readonly number[], states: Map<string, StructureState>, atStart = false): string | undefined {
    if (!this.kinds.includes('not-minimum')) return undefined;
    let model: ReturnType<FitEvaluator['modelAt']> | undefined;
    for (const st of states.values()) {
      if (this.exempt.has(st.id)) continue;
      let el = st.elastic;
      if (!el) {
        model ??= this.evaluator.modelAt(p);
        const pressure = this.input.structures.find((s) => s.id === st.id)?.pressure ?? this.input.options.pressure;
        try {
          el = elasticConstants(model, st.structure, { pressure, definition: 'energy' });
        } catch (e) {
          return `${st.id}: ${(e as Error).message}`;
        }
      }
      const why = !el.stable ? `the elastic matrix has a negative eigenvalue (${el.eigenvalues[0]!.toPrecision(3)} GPa)` : !el.internalStable ? `an internal force constant is negative (${el.internalEigenvalues[0]!.toPrecision(3)} eV/Å²)` : undefined;
      if (!why) continue;
      if (atStart) this.exempt.add(st.id);
      else return `${st.id}: guard not-minimum: ${why}`;
    }
    return undefined;
  }
}

/** The parameter transform of a fit: the document's bounds, else the physical default box of each parameter's potential type. */
export function fitTransform(input: Pick<FitInput, 'vary' | 'bounds' | 'structures' | 'forceField'>, start: readonly number[]): ParameterTransform {
  const types: Record<string, PairType> = {};
  for (const p of input.forceField.pairs) types[pairKey(p.species[0], p.species[1])] = p.type;
  return makeTransform([...input.vary], start, input.bounds as Record<string, [number, number]>, pairContacts(input), types);
}

/**
 * How the default fit proceeds from a start (measured on the fit suite, docs/fitsuite.md):
 * - stage one (`stageOneFit`): forces and stresses fitted to zero at the input geometry (no
 *   relaxation), which brings a far start to parameters at which the structures relax near the
 *   given geometry;
 * - stage two: the relaxed fit from the better (lower relaxed objective) of stage one's result
 *   and the start itself, in legs: each leg is one Levenberg-Marquardt run until its own stop;
 *   the next starts again from the best point with fresh damping, alternating small (near
 *   Gauss-Newton) and large (near steepest descent) initial damping, which steps off the stalls
 *   of flat, curved valleys; the legs end when one lowers F by less than `legImprovement`
 *   (relative) or the iteration budget is spent;
 * - extra starts when a parameter ends on a bound: the bound parameters moved back to their
 *   start values and the legs run again from there; the best point wins.
 */
export const FIT_STRATEGY = {
  legDampings: [1e-3, 1] as readonly number[],
  legImprovement: 1e-6,
  maxLegs: 8,
  boundStarts: 2,
  stageOneIterations: 100,
  stageOnePrior: 1e-2,
  inputRestarts: 2,
  /** geodesic acceleration in the legs (`LMOptions.geodesic`); off: measured on the suite it changes which branch a fit follows, and lost rutile (docs/fitsuite.md) */
  geodesic: undefined as { alpha: number; h: number; fallback: 'reject' | 'velocity' } | undefined,
  /** warm starts moved along the geometry response (`EvaluatorOptions.predictWarmStarts`); off: fewer relaxation steps, but it lost the reference case's synthetic recoveries (docs/fitsuite.md) */
  predictWarmStarts: false as boolean,
} as const;

/**
 * Stage one: residuals of forces and stresses at the input geometry (GULP's conventional fit of
 * the gradients), in units that make them comparable with the lattice observables they stand for:
 * a stress σ strains a cell of bulk modulus B by about σ/(3B), moving a length ℓ = V^(1/3) by
 * ℓ σ/(3B); a force F displaces an ion by about F/k. Both are weighted as lengths
 * (`weights.length`), with B = 100 GPa and k = 10 eV/Å² (typical of ionic crystals). The
 * Jacobian is analytic (`parameterDerivatives`: ∂/∂p of the gradient and strain derivatives).
 * Forces and stresses at a few geometries seldom determine every parameter: a prior
 * √μ (z − z₀) in the internal variables (μ = `FIT_STRATEGY.stageOnePrior`) keeps the
 * undetermined directions at the start instead of letting them wander.
 */
class StageOneProblem {
  private static readonly B_REF = 100 / GPA_PER_EV_PER_A3;
  private static readonly K_REF = 10;
  private readonly prior: number;
  constructor(
    private readonly evaluator: FitEvaluator,
    private readonly transform: ParameterTransform,
    private readonly ids: readonly string[],
    private readonly pressureOf: (id: string) => number,
    private readonly lengthWeight: number,
    private readonly z0: readonly number[],
    private readonly curvature?: FitProblem,
  ) {
    this.prior = Math.sqrt(FIT_STRATEGY.stageOnePrior);
  }

  private scales(id: string): { force: number; strain: number; n: number; volume: number } {
    const s = this.evaluator.prepared.get(id)!.structure;
    const volume = s.lattice.volume;
    const sw = Math.sqrt(this.lengthWeight);
    return { force: sw / StageOneProblem.K_REF, strain: (sw * Math.cbrt(volume)) / (3 * StageOneProblem.B_REF * volume), n: s.numAtoms, volume };
  }

  residuals(z: readonly number[]): Float64Array | null {
    const p = this.transform.toPhysical(z);
    if (!p.every(Number.isFinite)) return null;
    const model = this.evaluator.modelAt(p);
    const out: number[] = [];
    for (const id of this.ids) {
      const s = this.evaluator.prepared.get(id)!.structure;
      const { force, strain, n, volume } = this.scales(id);
      const e = model.compute(s, 1);
      for (let i = 0; i < 3 * n; i++) out.push(force * e.gradient![i]!);
      const pV = this.pressureOf(id) * volume;
      for (let k = 0; k < 6; k++) out.push(strain * (e.strain![k]! + (k < 3 ? pV : 0)));
    }
    z.forEach((v, k) => out.push(this.prior * (v - this.z0[k]!)));
    if (this.curvature) {
      const rc = this.curvature.residuals(z);
      if (!rc) return null;
      out.push(...rc);
    }
    return out.every(Number.isFinite) ? Float64Array.from(out) : null;
  }

  jacobian(z: readonly number[]): Float64Array[] {
    const p = this.transform.toPhysical(z);
    const model = this.evaluator.modelAt(p);
    const M = this.transform.jacobian(z);
    const np = p.length;
    const rows: Float64Array[] = [];
    for (const id of this.ids) {
      const s = this.evaluator.prepared.get(id)!.structure;
      const { force, strain, n } = this.scales(id);
      const d = model.parameterDerivatives(s, this.evaluator.names);
      for (let i = 0; i < 3 * n + 6; i++) {
        const scale = i < 3 * n ? force : strain;
        rows.push(Float64Array.from({ length: np }, (_, k) => {
          let acc = 0;
          for (let j = 0; j < np; j++) acc += d.dFirst[j]![i]! * M[j]![k]!;
          return scale * acc;
        }));
      }
    }
    for (let k = 0; k < np; k++) rows.push(Float64Array.from({ length: np }, (_, j) => (j === k ? this.prior : 0)));
    if (this.curvature) rows.push(...this.curvature.jacobian(z));
    return rows;
  }
}

/** Stage one from `start` (physical values in `input.vary` order): the parameters at which the input geometries are closest to stationary. */
export function stageOneFit(input: FitInput, start: readonly number[], observables: readonly Observable[], options: { signal?: AbortSignal; curvature?: boolean } = {}): { values: number[]; objective: number; initialObjective: number; iterations: number } {
  const names = [...input.vary];
  const transform = fitTransform(input, start);
  const evaluator = new FitEvaluator(input, names, observables, { pressure: input.options.pressure, conventional: true, ...(options.signal ? { signal: options.signal } : {}) });
  const pressureOf = (id: string): number => input.structures.find((s) => s.id === id)?.pressure ?? input.options.pressure;
  const z0 = transform.toInternal(start);
  // the curvature the fit asks for (elastic constants, moduli) at the input geometry, as GULP's conventional fit takes it
  const curved = observables.filter((o) => o.weightClass === 'elastic' || o.weightClass === 'bulkModulus' || o.weightClass === 'shearModulus');
  const curvature = curved.length && options.curvature !== false ? new FitProblem(evaluator.restrict(curved), transform, curved, 'finite-difference', 1e-4) : undefined;
  const problem = new StageOneProblem(evaluator, transform, evaluator.involved, pressureOf, input.options.weights.length, z0, curvature);
  const lm = levenbergMarquardtFit(problem, z0, { maxIterations: FIT_STRATEGY.stageOneIterations, ftol: 1e-6, lower: transform.lower, upper: transform.upper, ...(options.signal ? { signal: options.signal } : {}) });
  return { values: Number.isFinite(lm.objective) ? transform.toPhysical(lm.z) : [...start], objective: lm.objective, initialObjective: lm.initialObjective, iterations: lm.iterations };
}

/** The structures the observables touch that fail at `values`, as [index in the input, id, why]. */
function failingStructures(input: FitInput, states: Map<string, StructureState>): { index: number; id: string; failure: string }[] {
  return [...states].filter(([, st]) => st.failure).map(([id, st]) => ({ index: input.structures.findIndex((s) => s.id === id), id, failure: st.failure! }));
}

/** RELAX_NOT_CONVERGED for the first structure that fails at the starting parameters. */
function refusal(failing: { index: number; id: string; failure: string }[]): DomainError {
  const f = failing[0]!;
  const more = failing.length > 1 ? ` (and ${failing.length - 1} more: ${failing.slice(1).map((x) => x.id).join(', ')})` : '';
  return new DomainError('RELAX_NOT_CONVERGED', `structure ${f.id} does not relax at the starting parameters: ${f.failure.startsWith(`${f.id}:`) ? f.failure.slice(f.id.length + 1).trim() : f.failure}${more}; the fit cannot start from there (start closer to a model that holds the structure)`, { path: `/structures/${f.index}`, structure: f.id });
}

/**
 * One fit from `start` (physical values in `input.vary` order) over `observables`: the legs of
 * stage two (`FIT_STRATEGY`), and the extra starts when a parameter ends on a bound. A structure
 * that fails to relax at `start` is refused (RELAX_NOT_CONVERGED, pointing to it).
 */
export function fitFromStart(input: FitInput, start: readonly number[], observables: Observable[], options: FitOptions = {}, guessPoint?: { values: readonly number[]; objective: number }): LoopOutcome {
  const t0 = Date.now();
  const names = [...input.vary];
  const transform = fitTransform(input, names.map((n) => getParameter(input.forceField, n)!));
  const evaluator = new FitEvaluator(input, names, observables, { pressure: input.options.pressure, signal: options.signal, conventional: !input.options.relax, predictWarmStarts: FIT_STRATEGY.predictWarmStarts });

  const states0 = evaluator.evaluate(start, evaluator.involved);
  const failing = failingStructures(input, states0);
  if (failing.length) throw refusal(failing);
  evaluator.commit(states0);
  const guards = input.options.guards?.length && input.options.relax ? new GuardConstraints(input, evaluator, input.options.guards) : undefined;
  const problem = new FitProblem(evaluator, transform, observables, options.jacobian ?? 'analytic', options.fdStep ?? 1e-4, guards);

  const history: FitHistory = [];
  const named = (p: readonly number[]): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, p[i]!]));
  const z0 = transform.toInternal(start);
  problem.startKey = z0.join(',');
  const r0 = problem.residuals(z0);
  // f0 with the guards' penalties (what the loop compares), f0Obs without (what is reported)
  const f0 = r0 ? r0.reduce((s, x) => s + x * x, 0) : Number.NaN;
  const f0Obs = r0 ? problem.objectiveOf(r0) : Number.NaN;
  // iteration 0 is the guess: the start itself, or, after a staged start, the guess before stage one
  const reported = guessPoint ?? { values: start, objective: f0Obs };
  options.onProgress?.({ iteration: 0, objective: reported.objective, parameters: named(reported.values), elapsedMs: Date.now() - t0, stage: 'start' });
  history.push({ iteration: 0, objective: reported.objective, accepted: true });

  let iterations = 0;
  let best = { z: z0, objective: f0, converged: names.length === 0, reason: names.length === 0 ? 'no parameters to vary' : 'max-iterations', atBound: [] as number[] };
  /** legs from z until they stop improving or the budget is spent; the best point so far is kept */
  const legs = (zStart: number[]): void => {
    let z = zStart;
    for (let leg = 0; leg < FIT_STRATEGY.maxLegs && iterations < input.options.maxIterations; leg++) {
      const fBefore = problem.residuals(z);
      if (!fBefore) return;
      const fb = fBefore.reduce((s, x) => s + x * x, 0);
      // a restart re-evaluates its start: the warm starts must be those of z
      evaluator.commit(problem.statesAt(z));
      const lm = levenbergMarquardtFit(problem, z, {
        maxIterations: input.options.maxIterations - iterations,
        lower: transform.lower,
        upper: transform.upper,
        damping: FIT_STRATEGY.legDampings[leg % FIT_STRATEGY.legDampings.length]!,
        ...(FIT_STRATEGY.geodesic ? { geodesic: FIT_STRATEGY.geodesic } : {}),
        signal: options.signal,
        onIteration: (it) => {
          const iteration = iterations + it.iteration;
          history.push({ iteration, objective: it.objective, accepted: it.accepted, ...(it.accepted ? {} : { note: problem.lastFailure || it.rejectedReason }) });
          problem.lastFailure = '';
          options.onProgress?.({ iteration, objective: it.objective, parameters: named(transform.toPhysical(it.z)), elapsedMs: Date.now() - t0, stage: 'fit', accepted: it.accepted });
        },
      });
      iterations += lm.iterations;
      const improved = lm.objective < best.objective || !Number.isFinite(best.objective);
      if (improved || lm.objective === best.objective) best = { z: lm.z, objective: lm.objective, converged: lm.converged, reason: lm.reason, atBound: lm.atBound };
      z = lm.z;
      if (lm.reason === 'zero-objective' || lm.reason === 'gradient' || lm.reason === 'evaluation-failed') return;
      if (leg > 0 && !(fb - lm.objective > FIT_STRATEGY.legImprovement * fb)) return;
    }
  };
  if (names.length > 0 && input.options.maxIterations > 0 && Number.isFinite(f0)) {
    legs(z0);
    // a parameter on a bound: start again with the bound parameters back at their start values
    for (let extra = 0; extra < FIT_STRATEGY.boundStarts && best.atBound.length && iterations < input.options.maxIterations; extra++) {
      const zb = [...best.z];
      for (const k of best.atBound) zb[k] = extra === 0 ? z0[k]! : 0.5 * (z0[k]! + best.z[k]!);
      const before = best.objective;
      if (problem.residuals(zb)) legs(zb);
      if (!(best.objective < before)) break;
    }
  }
  // the warm-started relaxations follow one branch of each structure's relaxed state; where the
  // truncated energy has several (a neighbour shell near the cut-off), relaxing from the input
  // geometries at the best point can give a lower objective: the legs continue from there
  for (let c = 0; c < FIT_STRATEGY.inputRestarts && names.length > 0 && Number.isFinite(best.objective) && iterations < input.options.maxIterations; c++) {
    const cold = evaluator.evaluate(transform.toPhysical(best.z), evaluator.involved, 'needed', 'input');
    if (failingStructures(input, cold).length) break;
    // the objective the legs compare (the guards' penalties included), from the cold states
    const warm = problem.statesAt(best.z);
    problem.replaceStates(best.z, cold);
    const rCold = problem.residuals(best.z);
    const fCold = rCold ? rCold.reduce((s, x) => s + x * x, 0) : Number.NaN;
    if (!(fCold < best.objective * (1 - FIT_STRATEGY.legImprovement))) {
      problem.replaceStates(best.z, warm);
      break;
    }
    best = { ...best, objective: fCold };
    legs(best.z);
  }
  // unchanged internal variables give back the starting values exactly (exp(ln A) is not A)
  const values = best.z.every((v, k) => v === z0[k]) ? [...start] : transform.toPhysical(best.z);
  const states = problem.statesAt(best.z);
  evaluator.commit(states);
  // the objective of the states reported (re-relaxed when they left the memo since): one answer
  const rFinal = problem.residuals(best.z);
  if (rFinal) best.objective = problem.objectiveOf(rFinal);
  const atBound = best.atBound.map((k) => names[k]!);
  const reason = atBound.length ? `${best.reason}; on a bound: ${atBound.join(', ')}` : best.reason;
  const converged = best.converged && iterations <= input.options.maxIterations;
  return { values, objective: best.objective, initialObjective: f0Obs, iterations, converged, reason, history, states, observables, evaluator, atBound };
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
  const t = fitTransform(input, start);
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

  let stageOne: FitOutcome['stageOne'];
  let guessPoint: { values: number[]; objective: number } | undefined;
  if (!multiStart) {
    const staged = stagedStart(input, observablesIn, start, options.signal);
    chosen = staged.start;
    stageOne = staged.stageOne;
    if (staged.stageOne?.used && staged.guessObjective !== undefined) {
      guessObjective = staged.guessObjective;
      guessPoint = { values: start, objective: staged.guessObjective };
    }
  }
  const run = fitFromStart(input, chosen, observablesIn, options, guessPoint);

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
    atBound: run.atBound,
    ...(stageOne ? { stageOne } : {}),
    ...(multiStart ? { multiStart } : {}),
  };
}

/** The relaxed objective at `values`, and the structures that fail there. */
function relaxedObjective(input: FitInput, observables: readonly Observable[], values: readonly number[], signal?: AbortSignal): { objective: number; failing: ReturnType<typeof failingStructures> } {
  const ev = new FitEvaluator(input, input.vary, observables, { pressure: input.options.pressure, ...(signal ? { signal } : {}) });
  const states = ev.evaluate(values, ev.involved);
  const failing = failingStructures(input, states);
  if (failing.length) return { objective: Number.NaN, failing };
  const v = ev.values(states);
  return { objective: observables.reduce((acc, o, i) => acc + o.weight * (v[i]! - o.target) ** 2, 0), failing };
}

/**
 * The start of the relaxed fit (`FIT_STRATEGY`): stage one from the guess, then whichever of its
 * result and the guess has the lower relaxed objective with every structure relaxing. When no
 * structure fails at the guess and stage one does not help, the guess itself. A structure that
 * fails at both is refused (RELAX_NOT_CONVERGED, pointing to it at the guess).
 */
export function stagedStart(input: FitInput, observables: readonly Observable[], guess: readonly number[], signal?: AbortSignal): { start: number[]; guessObjective?: number; stageOne?: NonNullable<FitOutcome['stageOne']> } {
  if (!input.options.relax || input.vary.length === 0 || input.options.maxIterations === 0) return { start: [...guess] };
  const atGuess = relaxedObjective(input, observables, guess, signal);
  // two stage-one variants: forces and stresses only, and with the asked-for curvature
  let s1 = stageOneFit(input, guess, observables, { ...(signal ? { signal } : {}), curvature: false });
  let atStageOne = relaxedObjective(input, observables, s1.values, signal);
  // the second only when neither the guess nor the first relaxes every structure: chosen by the
  // relaxed objective at the start, it wins more often than it should and then crawls (CaF2)
  if (!Number.isFinite(atGuess.objective) && !Number.isFinite(atStageOne.objective) && observables.some((o) => o.weightClass === 'elastic' || o.weightClass === 'bulkModulus' || o.weightClass === 'shearModulus')) {
    s1 = stageOneFit(input, guess, observables, signal ? { signal } : {});
    atStageOne = relaxedObjective(input, observables, s1.values, signal);
  }
  const used = Number.isFinite(atStageOne.objective) && !(atGuess.objective <= atStageOne.objective);
  if (!used && atGuess.failing.length) throw refusal(atGuess.failing);
  return { start: used ? s1.values : [...guess], ...(Number.isFinite(atGuess.objective) ? { guessObjective: atGuess.objective } : {}), stageOne: { objective: s1.objective, initialObjective: s1.initialObjective, iterations: s1.iterations, used } };
}

/** One start of a multi-start fit, reduced to plain data (staged as a single fit is). */
export function runStart(input: FitInput, observables: Observable[], start: number[], options: { signal?: AbortSignal } = {}): StartOutcome {
  try {
    const staged = stagedStart(input, observables, start, options.signal);
    const r = fitFromStart(input, staged.start, observables, { ...(options.signal ? { signal: options.signal } : {}) });
    // objectives are only comparable over the same observables: a start at which a structure
    // fails (and would be left out) is a failed start
    return { start, parameters: r.values, objective: r.objective, initialObjective: staged.guessObjective ?? r.initialObjective, iterations: r.iterations, converged: r.converged };
  } catch (e) {
    rethrowIfCancelled(e);
    return { start, parameters: start, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, error: (e as Error).message };
  }
}
