/**
 * Relaxed evaluation of the fitted observables at a parameter set, and their derivatives.
 *
 * For a parameter vector p every structure is relaxed (warm-started from its last relaxed
 * geometry, GULP's `fit relax`), then the properties the observables need are read off the relaxed
 * state: cell parameters and internal coordinates, volume, lattice and relative energies, elastic
 * constants and moduli.
 *
 * ## Derivatives with respect to the parameters (the Jacobian of the fit)
 *
 * Baseline (`jacobian: 'finite-difference'`): central differences, relaxing every structure again
 * at p ± h e_k from the current geometry.
 *
 * Analytic (`jacobian: 'analytic'`, default): at a relaxed geometry the reduced gradient
 * Tᵀ G(θ, p) vanishes (T the symmetry-adapted basis of the relaxation), so by the implicit-function
 * theorem
 *     dθ/dp_k = −(Tᵀ H T)⁻¹ Tᵀ ∂G/∂p_k,
 * with H the enthalpy Hessian over (x, e) and ∂G/∂p_k the mixed parameter derivatives of the
 * gradient and strain derivatives (`ParametrisedModel.parameterDerivatives`). The displacement
 * d_k = T dθ/dp_k = (dx, de) gives, without relaxing again,
 * - cell parameters: L_conv(p) = L_conv Fᵀ with F = I + ε(de): derivatives of a, b, c, α, β, γ
 *   along that strain;
 * - fractional coordinates (u): positions are carried by the strain, so df_i = dx_i L_conv⁻¹;
 * - volume: dV = V tr ε(de);
 * - energies: dE/dp_k = ∂E/∂p_k + ∂E/∂x · dx + ∂E/∂e · de (the last two vanish at zero pressure:
 *   Hellmann-Feynman);
 * - elastic constants and moduli depend on third derivatives; they are differentiated by a central
 *   difference along the tangent: C evaluated at (p ± h e_k, geometry ± h d_k), which is the total
 *   derivative ∂C/∂p + ∂C/∂θ dθ/dp to O(h²) at two Hessian evaluations and no relaxation.
 * The analytic Jacobian is checked against the finite-difference one in test/fit-jacobian.test.ts.
 */
import { DomainError, throwIfAborted, rethrowUnlessFailure } from '../errors.js';
import { GPA_PER_EV_PER_A3 } from '../units/index.js';
import { Lattice } from '../crystal/lattice.js';
import type { Structure } from '../crystal/structure.js';
import { type Mat3, inv3, mul3, transpose3 } from '../math/linalg.js';
import { deformation } from '../math/voigt.js';
import { buildEnergyModel, type ParametrisedModel } from '../potentials/index.js';
import type { EnergyResult } from '../potentials/model.js';
import { type ForceField, getParameter, withParameters } from '../potentials/forcefield.js';
import { relaxFrom, resolveRelaxOptions, cachedSymmetryBasis } from '../relaxation/index.js';
import { addPressureHessian, geometryResponse } from '../relaxation/response.js';
import type { RelaxResult, RelaxWarning } from '../relaxation/types.js';
import { elasticConstants, type ElasticDefinition } from '../properties/elastic.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import { prepareCrystal, conventionalLatticeOf, conventionalStructure, anionSite, notRelaxedWarning, type PreparedCrystal, type RelaxationStatus } from '../properties/crystal.js';
import { surfaceEnergy, surfaceEnergyDerivatives, type BulkResponse, type RelaxedSurface } from '../surface/index.js';
import { type ElasticResult } from '../properties/elastic.js';
import { type ModulusChoice, elasticProperties, structuralProperties } from '../properties/observed.js';
import { PROPERTIES } from '../properties/vocabulary.js';
import type { Observable } from './observables.js';

/** The relaxed state of one structure at one parameter set. */
export interface StructureState {
  id: string;
  /** absent when the relaxation threw */
  relax?: RelaxResult;
  /** relaxed cell the engine computed on */
  structure: Structure;
  /** Property values by vocabulary name (those computed). */
  properties: Record<string, number>;
  /** Why this structure is unusable at this parameter set (trial steps are rejected for it). */
  failure?: string;
  elastic?: ElasticResult;
  /**
   * The second derivatives at `structure` its elastic constants were computed from: the Jacobian at
   * this state reuses them (the same numbers, one Hessian fewer per elastic structure and Jacobian).
   */
  second?: EnergyResult;
  /** Relaxed surface energies of the fitted faces, by the JSON pointer of the face's entry. */
  surfaces?: Record<string, RelaxedSurface>;
}

/** Termination and thickness of a fitted face, chosen at the first evaluation and then held (γ smooth in p). */
interface SurfaceSetting {
  termination: number;
  layers: number;
  spacing: number;
}

/** What the fitter evaluates: the force field at its starting values, the crystals, and how to evaluate them. */
export interface EvaluatorInput {
  forceField: ForceField;
  structures: readonly SymmetrizedCrystal[];
  options: ModulusChoice & { symmetry: 'keep' | 'p1'; elasticConstants?: ElasticDefinition };
}

/** How the state's geometry was reached, as the property suite reports it (undefined when the relaxation threw). */
export function relaxationStatus(st: StructureState, pressure: number, conventional: boolean): RelaxationStatus | undefined {
  if (!st.relax) return undefined;
  if (conventional) return { pressure, converged: false, relaxed: false, iterations: 0, warnings: [notRelaxedWarning(st.id)] };
  return { pressure, converged: st.relax.converged, relaxed: true, iterations: st.relax.iterations, warnings: st.relax.warnings.map((w) => ({ kind: w.kind, message: w.message })) };
}

/**
 * Convergence of the relaxations inside a fit, tighter than the interactive default (1e-5 eV/Å,
 * 1e-4 GPa): observables must be smooth functions of the parameters for the Jacobian and the
 * stopping rules, and Newton's quadratic convergence makes the extra digits cost about one
 * iteration.
 */
export const RELAX_FORCE_TOLERANCE = 1e-8;
/** eV/Å³ (1e-7 GPa) */
export const RELAX_STRESS_TOLERANCE = 1e-7 / GPA_PER_EV_PER_A3;

/**
 * A relaxation stopped on a cut-off discontinuity is accepted as a minimum when the residual
 * gradient there is small: forces below 1e-4 eV/Å and stress below 0.25 GPa (the size of the kinks
 * a 12 Å cut-off leaves in these crystals: 0.04-0.24 GPa was seen with the published Pb-Se-Cd set), so 0.25 GPa.
 */
export const KINK_MAX_FORCE = 1e-4;
/** eV/Å³ (0.25 GPa) */
export const KINK_MAX_STRESS = 0.25 / GPA_PER_EV_PER_A3;

/** Largest predicted warm-start move (Å per coordinate, strain component) taken; beyond it the remembered geometry is the warm start. */
const WARM_PREDICTION_MAX_DISPLACEMENT = 0.2;
const WARM_PREDICTION_MAX_STRAIN = 0.05;

/** Warnings that mean the structure changed character: a fit step that causes them is rejected. */
const TRANSFORMING: ReadonlySet<string> = new Set(['special-position', 'coordination-change', 'volume-change']);

export interface EvaluatorOptions {
  /** External pressure, eV/Å³ (a structure's own `pressure` overrides it). */
  pressure: number;
  /**
   * Conventional fit (GULP's `fit` without `relax`, `options.relax: false`): no relaxation; every
   * property is taken at the given geometry, exactly as the property suite takes it with
   * `relax: false`. Lattice parameters then equal the input ones and only properties that depend
   * on the parameters at fixed geometry (energies, elastic constants) constrain the fit.
   */
  conventional?: boolean;
  /**
   * Warm starts moved along the geometry response (default false): after the analytic Jacobian at
   * p₀, a relaxation at p starts from θ(p₀) + (dθ/dp)(p − p₀) rather than θ(p₀).
   */
  predictWarmStarts?: boolean;
  signal?: AbortSignal;
}

/** Which properties need the elastic tensor. */
const needsElastic = (name: string): boolean => {
  const c = PROPERTIES.get(name)?.weightClass;
  return c === 'elastic' || c === 'bulkModulus' || c === 'shearModulus';
};

/** Structures that observables touch (directly or as a reference), in document order. */
export function involvedStructures(input: Pick<EvaluatorInput, 'structures'>, observables: readonly Observable[]): string[] {
  const ids = new Set<string>();
  for (const o of observables) {
    ids.add(o.structureId);
    if (o.property === 'relativeEnergy' && o.other) ids.add(o.other);
  }
  return input.structures.map((s) => s.id).filter((id) => ids.has(id));
}

export class FitEvaluator {
  readonly input: EvaluatorInput;
  readonly prepared: Map<string, PreparedCrystal>;
  readonly names: string[];
  /** Warm starts: the relaxed geometry of every structure at the last accepted parameters. */
  private readonly geometry: Map<string, Structure>;
  /**
   * The geometry response dθ/dp of a remembered geometry (from the analytic Jacobian there): the
   * warm start of a trial at p is then the first-order prediction θ(p₀) + Σ_k d_k (p_k − p₀_k)
   * instead of θ(p₀), which leaves the relaxation fewer Newton steps.
   */
  private readonly response: Map<string, { structure: Structure; values: number[]; d: Float64Array[] }>;
  private readonly elasticFor: Set<string>;
  readonly observables: Observable[];
  private readonly options: EvaluatorOptions;
  /** The model at the job's parameters, its values, and where each fitted name sits among them. */
  private readonly baseModel: ParametrisedModel;
  private readonly baseValues: Float64Array;
  private readonly index: number[];
  /** Fitted faces per structure id, and their held settings (shared with restricted evaluators). */
  private readonly surfacesOf: Map<string, Observable[]>;
  private readonly surfaceSettings: Map<string, SurfaceSetting>;

  constructor(input: EvaluatorInput, names: readonly string[], observables: readonly Observable[], options: EvaluatorOptions, shared?: { prepared: Map<string, PreparedCrystal>; geometry: Map<string, Structure>; response: FitEvaluator['response']; model: ParametrisedModel; surfaceSettings: Map<string, SurfaceSetting> }) {
    this.input = input;
    this.names = [...names];
    this.observables = [...observables];
    this.options = options;
    this.prepared = shared?.prepared ?? new Map(input.structures.map((s) => [s.id, prepareCrystal(s, { p1: input.options.symmetry === 'p1' })]));
    this.geometry = shared?.geometry ?? new Map();
    this.response = shared?.response ?? new Map();
    this.elasticFor = new Set(observables.filter((o) => needsElastic(o.property)).map((o) => o.structureId));
    this.baseModel = shared?.model ?? buildEnergyModel(input.forceField);
    this.surfaceSettings = shared?.surfaceSettings ?? new Map();
    this.surfacesOf = new Map();
    for (const o of observables) if (o.surface) this.surfacesOf.set(o.structureId, [...(this.surfacesOf.get(o.structureId) ?? []), o]);
    this.baseValues = this.baseModel.parameterValues();
    this.index = this.names.map((n) => {
      const q = this.baseModel.parameterNames.indexOf(n);
      if (q < 0) throw new DomainError('UNKNOWN_PARAMETER', `unknown parameter ${n} (known: ${this.baseModel.parameterNames.join(', ')})`, { parameter: n });
      return q;
    });
  }

  /** The pressure structure `id` is relaxed at, eV/Å³: its own (`structures[].pressure`), else the job's. */
  private pressureOf(id: string): number {
    return this.input.structures.find((s) => s.id === id)?.pressure ?? this.options.pressure;
  }

  /** Where the elastic constants of structure `id` are taken, and in which definition. */
  private elasticAt(id: string): { pressure: number; definition: ElasticDefinition } {
    return { pressure: this.pressureOf(id), definition: this.input.options.elasticConstants ?? 'energy' };
  }

  /** The same structures and warm starts, fitting fewer observables (structures left out). */
  restrict(observables: readonly Observable[]): FitEvaluator {
    return new FitEvaluator(this.input, this.names, observables, this.options, { prepared: this.prepared, geometry: this.geometry, response: this.response, model: this.baseModel, surfaceSettings: this.surfaceSettings });
  }

  /** The energy model at the values of `names` (the Coulomb part is shared, never rebuilt). */
  modelAt(values: readonly number[]): ParametrisedModel {
    const full = this.baseValues.slice();
    this.index.forEach((q, k) => (full[q] = values[k]!));
    return this.baseModel.withParameterValues(full);
  }

  forceField(values: readonly number[]): ForceField {
    return withParameters(this.input.forceField, Object.fromEntries(this.names.map((n, i) => [n, values[i]!])));
  }

  /** Conventional fit: properties at the given geometry (`options.relax: false`). */
  get conventional(): boolean {
    return this.options.conventional ?? false;
  }

  /** Structures the observables touch (directly or as a reference). */
  get involved(): string[] {
    return involvedStructures(this.input, this.observables);
  }

  /**
   * Relax the given structures at the parameter values (each from its remembered geometry, or
   * from the input when that fails) and compute their properties. Nothing is remembered: call
   * `commit` for the states of an accepted point.
   */
  evaluate(values: readonly number[], ids: readonly string[], withElastic: 'needed' | 'all' = 'needed', from: 'warm' | 'input' = 'warm'): Map<string, StructureState> {
    const model = this.modelAt(values);
    const out = new Map<string, StructureState>();
    for (const id of ids) {
      throwIfAborted(this.options.signal);
      const st = this.evaluateOne(model, id, withElastic === 'all' || this.elasticFor.has(id), values, from);
      if (!st.failure && this.surfacesOf.has(id)) this.addSurfaces(st, this.forceField(values));
      out.set(id, st);
    }
    return out;
  }

  /**
   * The relaxed surface energy of every fitted face of a relaxed structure, from its bulk (one
   * bulk relaxation for all of its faces). The first evaluation converges the thickness and picks
   * the termination as `latticefit properties` does; later ones hold both (a smooth γ(p)).
   */
  private addSurfaces(st: StructureState, ff: ForceField): void {
    const prep = this.prepared.get(st.id)!;
    const bulk = conventionalStructure({ prepared: prep, structure: st.structure, conventionalLattice: conventionalLatticeOf(prep, st.structure) });
    st.surfaces = {};
    for (const o of this.surfacesOf.get(st.id)!) {
      const sf = o.surface!;
      const held = this.surfaceSettings.get(sf.path);
      const common = {
        structureId: st.id,
        path: sf.path,
        relaxOptions: { forceTolerance: RELAX_FORCE_TOLERANCE },
        ...(sf.acceptDipole !== undefined ? { acceptDipole: sf.acceptDipole } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      };
      try {
        const r = held
          ? surfaceEnergy(ff, bulk, sf.face, { ...common, termination: held.termination, minRepeats: held.layers, maxThickness: Math.max(1e-3, (held.layers - 1) * held.spacing) })
          : surfaceEnergy(ff, bulk, sf.face, { ...common, ...(sf.termination !== undefined ? { termination: sf.termination } : {}), ...(sf.tolerance !== undefined ? { tolerance: sf.tolerance } : {}) });
        if (!held) this.surfaceSettings.set(sf.path, { termination: r.termination, layers: r.layers, spacing: r.spacing });
        if (r.history.some((h) => !h.relaxConverged)) st.failure ??= `the slab of face ${sf.face.indices.join(',')} did not relax`;
        st.surfaces[sf.path] = r;
      } catch (e) {
        rethrowUnlessFailure(e);
        st.failure ??= `surface energy of face ${sf.face.indices.join(',')} failed: ${e.message}`;
      }
    }
  }

  /** Remember the relaxed geometries of an accepted point as the next warm starts. */
  commit(states: Map<string, StructureState>): void {
    for (const [id, st] of states) if (!st.failure) this.geometry.set(id, st.structure);
  }

  /** The warm start of structure `id` at `values`: the remembered geometry, moved along its geometry response when that is known and small. */
  private warmStart(id: string, values: readonly number[]): Structure | undefined {
    const warm = this.geometry.get(id);
    const resp = this.response.get(id);
    if (!warm || !resp || resp.structure !== warm || !this.options.predictWarmStarts) return warm;
    const d = new Float64Array(resp.d[0]?.length ?? 0);
    resp.d.forEach((dk, k) => {
      const dp = values[k]! - resp.values[k]!;
      if (dp !== 0) for (let i = 0; i < d.length; i++) d[i] += dk[i]! * dp;
    });
    const n = warm.numAtoms;
    let dx = 0;
    let de = 0;
    for (let i = 0; i < 3 * n; i++) dx = Math.max(dx, Math.abs(d[i]!));
    for (let q = 0; q < 6; q++) de = Math.max(de, Math.abs(d[3 * n + q]!));
    // a long prediction is a guess outside the linear range: the remembered geometry is safer
    if (!(dx <= WARM_PREDICTION_MAX_DISPLACEMENT && de <= WARM_PREDICTION_MAX_STRAIN)) return warm;
    return dx === 0 && de === 0 ? warm : displaced(warm, d, 1);
  }

  private evaluateOne(model: ParametrisedModel, id: string, elastic: boolean, values: readonly number[], from: 'warm' | 'input' = 'warm'): StructureState {
    const prep = this.prepared.get(id)!;
    const o = resolveRelaxOptions({ operations: prep.operations, pressure: this.pressureOf(id), structureId: id, signal: this.options.signal, checkStability: false, maxVolumeRatio: 2, forceTolerance: RELAX_FORCE_TOLERANCE, stressTolerance: RELAX_STRESS_TOLERANCE });
    let relax: RelaxResult;
    try {
      if (this.options.conventional) {
        // no step: the given geometry, evaluated as the relaxation would report it
        relax = relaxFrom(model, prep.structure, prep.structure, { ...o, maxIterations: 0 });
        relax = { ...relax, converged: true, warnings: relax.warnings.filter((w) => w.kind !== 'not-converged') };
      } else {
        const remembered = from === 'warm' ? this.geometry.get(id) : undefined;
        const warm = from === 'warm' ? this.warmStart(id, values) : undefined;
        relax = warm ? relaxFrom(model, prep.structure, warm, o) : relaxFrom(model, prep.structure, prep.structure, o);
        if (warm && warm !== remembered && !relax.converged) relax = relaxFrom(model, prep.structure, remembered!, o);
        if (warm && !relax.converged) relax = relaxFrom(model, prep.structure, prep.structure, o);
        // Newton can stall on a kink of the plainly truncated pair energy (a neighbour shell
        // exactly at the cut-off); gradient-only BFGS steps over it to the smooth minimum
        if (!relax.converged) {
          const bfgs = relaxFrom(model, prep.structure, relax.structure, { ...o, method: 'bfgs' });
          if (bfgs.converged) relax = { ...bfgs, iterations: relax.iterations + bfgs.iterations };
        }
      }
    } catch (e) {
      // a structure that cannot be relaxed is a result; anything else (cancellation, a bug) propagates
      rethrowUnlessFailure(e);
      return { id, structure: prep.structure, properties: {}, failure: `relaxation failed: ${e.message}` };
    }
    const state: StructureState = { id, relax, structure: relax.structure, properties: structuralProperties({ prepared: prep, structure: relax.structure, conventionalLattice: conventionalLatticeOf(prep, relax.structure) }, relax.energy, this.input.forceField.charges) };
    const transforming = relax.warnings.filter((w: RelaxWarning) => TRANSFORMING.has(w.kind));
    // a minimum on a cut-off kink (plain truncation, as GULP) is the lowest-enthalpy point of the
    // model: usable, and reported; any other non-convergence makes the structure unusable
    const kink = relax.warnings.some((w) => w.kind === 'cutoff-discontinuity') && relax.maxForce < KINK_MAX_FORCE && relax.maxStress < KINK_MAX_STRESS;
    if (!relax.converged && !kink) state.failure = 'relaxation did not converge';
    else if (transforming.length) state.failure = transforming.map((w) => w.message).join('; ');
    if (elastic) {
      try {
        // the second derivatives at the relaxed structure, kept for the Jacobian at this point
        state.second = model.compute(relax.structure, 2);
        const el = elasticConstants(model, relax.structure, this.elasticAt(id), state.second);
        state.elastic = el;
        Object.assign(state.properties, elasticProperties(el, this.input.options));
      } catch (e) {
        rethrowUnlessFailure(e);
        state.failure ??= `elastic constants failed: ${e.message}`;
      }
    }
    return state;
  }

  /** Observable values from states; relative energies read their reference. NaN where missing. */
  values(states: Map<string, StructureState>): Float64Array {
    return Float64Array.from(this.observables, (o) => observableValue(o, states));
  }

  /**
   * Central differences d(observable)/d(physical parameter), relaxing (or, conventional, evaluating)
   * every structure again at p ± h|p_k| e_k from the remembered geometries.
   */
  finiteDifferenceJacobian(values: readonly number[], ids: readonly string[], h = 1e-4): Float64Array[] {
    const rows = this.observables.map(() => new Float64Array(values.length));
    for (let k = 0; k < values.length; k++) {
      const step = h * (Math.abs(values[k]!) || 1);
      const plus = [...values];
      plus[k] = plus[k]! + step;
      const minus = [...values];
      minus[k] = minus[k]! - step;
      const vp = this.values(this.evaluate(plus, ids));
      const vm = this.values(this.evaluate(minus, ids));
      for (let i = 0; i < rows.length; i++) rows[i]![k] = (vp[i]! - vm[i]!) / (2 * step);
    }
    return rows;
  }

  /**
   * Analytic derivatives d(observable)/d(physical parameter), at committed states
   * (see the module comment). Returns rows per observable.
   */
  analyticJacobian(values: readonly number[], states: Map<string, StructureState>, h = 1e-4): Float64Array[] {
    const model = this.modelAt(values);
    const nP = this.names.length;
    const deriv = new Map<string, Record<string, Float64Array>>();
    for (const [id, st] of states) {
      throwIfAborted(this.options.signal);
      const { rows, cell } = this.structureDerivatives(model, values, this.prepared.get(id)!, st, h);
      // surface energies: the slab terms at the relaxed slab, the bulk's through its response
      if (st.surfaces) {
        const ff = this.forceField(values);
        for (const [path, surf] of Object.entries(st.surfaces)) rows[`surfaceEnergy:${path}`] = surfaceEnergyDerivatives(ff, surf, this.names, cell);
      }
      deriv.set(id, rows);
    }
    return this.observables.map((o) => {
      const row = new Float64Array(nP);
      const d = deriv.get(o.structureId)?.[o.surface ? `surfaceEnergy:${o.surface.path}` : o.property === 'relativeEnergy' ? 'latticeEnergy' : o.property];
      if (d) row.set(d);
      if (o.property === 'relativeEnergy' && o.other) {
        const r = deriv.get(o.other)?.latticeEnergy;
        if (r) for (let k = 0; k < nP; k++) row[k]! -= r[k]!;
      }
      return row;
    });
  }

  /**
   * Derivative rows of the structure's properties, by name, and of its whole cell the total
   * dE/dp_k and the strain response de/dp_k (what a surface energy needs of its bulk).
   */
  private structureDerivatives(model: ParametrisedModel, values: readonly number[], prep: PreparedCrystal, st: StructureState, h: number): { rows: Record<string, Float64Array>; cell: BulkResponse } {
    const s = st.structure;
    const n = s.numAtoms;
    const nP = this.names.length;
    const basis = cachedSymmetryBasis(prep.structure, prep.operations);
    // the state's elastic constants computed these second derivatives already (kept unchanged: H is a copy)
    const r = st.second ?? model.compute(s, 2);
    const H = st.second ? Float64Array.from(r.hessian!) : r.hessian!;
    addPressureHessian(H, n, s.lattice.volume, this.pressureOf(prep.id));
    const pd = model.parameterDerivatives(s, this.names);
    const dParams = geometryResponse(H, basis, n, pd.dFirst);
    if (this.geometry.get(prep.id) === s) this.response.set(prep.id, { structure: s, values: [...values], d: dParams });
    const out: Record<string, Float64Array> = {};
    const set = (name: string, k: number, v: number): void => {
      (out[name] ??= new Float64Array(nP))[k] = v;
    };
    const Lc0 = conventionalLatticeOf(prep, s).matrix as Mat3;
    const cellEnergy = new Float64Array(nP);
    const cellStrain: Float64Array[] = [];
    for (let k = 0; k < nP; k++) {
      const d = dParams[k]!;
      const de = d.subarray(3 * n);
      // cell parameters along the tangent strain: an explicit smooth function of the strain,
      // differentiated by a central difference along the unit direction de/|de|
      const scale = Math.max(...Array.from(de, Math.abs));
      if (scale > 0) {
        const t = 1e-5;
        const pPlus = Lattice.fromVectors(mul3(Lc0, transpose3(deformation(Array.from(de, (x) => (t * x) / scale))))).parameters;
        const pMinus = Lattice.fromVectors(mul3(Lc0, transpose3(deformation(Array.from(de, (x) => (-t * x) / scale))))).parameters;
        for (const key of ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const) set(key, k, (scale * (pPlus[key] - pMinus[key])) / (2 * t));
      } else for (const key of ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const) set(key, k, 0);
      set('volume', k, st.properties.volume! * (de[0]! + de[1]! + de[2]!));
      if (st.properties.u !== undefined) {
        // u = z(anion) − z(cation) of the two sites (describeCrystal); df_i = dx_i L_conv⁻¹
        const inv = inv3(Lc0);
        const dzf = (atom: number): number => d[3 * atom]! * inv[0][2] + d[3 * atom + 1]! * inv[1][2] + d[3 * atom + 2]! * inv[2][2];
        const anion = anionSite(prep.input.sites, this.input.forceField.charges);
        set('u', k, dzf(prep.representative[anion]!) - dzf(prep.representative[1 - anion]!));
      }
      let dE = pd.dEnergy[k]!;
      for (let i = 0; i < 3 * n; i++) dE += r.gradient![i]! * d[i]!;
      for (let q = 0; q < 6; q++) dE += r.strain![q]! * d[3 * n + q]!;
      set('latticeEnergy', k, dE / prep.z);
      cellEnergy[k] = dE;
      cellStrain.push(Float64Array.from(de));
    }
    if (st.elastic) {
      // elastic constants: central difference along the tangent (p ± h e_k, geometry ± h d_k)
      for (let k = 0; k < nP; k++) {
        // relative to the value, or, for a value that is zero (a B or C on its lower bound 0),
        // relative to the document's value (else 1): a step relative to 0 would leave the
        // elastic constants equal to rounding and their slope zero
        const step = h * (values[k] !== 0 ? Math.abs(values[k]!) : Math.abs(getParameter(this.input.forceField, this.names[k]!) ?? 0) || 1);
        const at = (sign: number): Record<string, number> => {
          const v = [...values];
          v[k] = v[k]! + sign * step;
          const mdl = this.modelAt(v);
          const moved = displaced(s, dParams[k]!, sign * step);
          return elasticProperties(elasticConstants(mdl, moved, this.elasticAt(prep.id)), this.input.options);
        };
        const plus = at(1);
        const minus = at(-1);
        for (const key of Object.keys(plus)) set(key, k, (plus[key]! - minus[key]!) / (2 * step));
      }
    }
    return { rows: out, cell: { atoms: n, dEnergy: cellEnergy, dStrain: cellStrain } };
  }
}

/** The structure moved along d = (dx, de) by t: positions x + t dx, then strained by F(t de). */
function displaced(s: Structure, d: Float64Array, t: number): Structure {
  const n = s.numAtoms;
  const x = Float64Array.from(s.positions, (v, i) => v + t * d[i]!);
  const e = Array.from(d.subarray(3 * n), (v) => t * v);
  return s.withPositions(x).deformed(deformation(e));
}

export function observableValue(o: Observable, states: ReadonlyMap<string, StructureState>): number {
  const st = states.get(o.structureId);
  if (!st) return Number.NaN;
  if (o.surface) return st.surfaces?.[o.surface.path]?.energy ?? Number.NaN;
  if (o.property === 'relativeEnergy') {
    const ref = states.get(o.other!);
    return (st.properties.latticeEnergy ?? Number.NaN) - (ref?.properties.latticeEnergy ?? Number.NaN);
  }
  return st.properties[o.property] ?? Number.NaN;
}

