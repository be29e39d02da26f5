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
import type { ParsedJob } from '../document/parse.js';
import { isDomainError, throwIfAborted } from '../errors.js';
import { Lattice } from '../crystal/lattice.js';
import type { Structure } from '../crystal/structure.js';
import { type Mat3, inv3, mul3, transpose3 } from '../math/linalg.js';
import { deformation } from '../math/voigt.js';
import { buildEnergyModel, type ForceFieldModel } from '../potentials/index.js';
import { type ForceField, withParameters } from '../potentials/forcefield.js';
import { relaxFrom, resolveRelaxOptions, cachedSymmetryBasis } from '../relaxation/index.js';
import type { RelaxResult, RelaxWarning } from '../relaxation/types.js';
import { choleskySolve, symmetricEigen } from '../relaxation/dense.js';
import { elasticConstants } from '../properties/elastic.js';
import { prepareCrystal, describeCrystal, conventionalLatticeOf, type PreparedCrystal } from '../properties/crystal.js';
import { ELASTIC_NAMES, PROPERTIES } from '../document/vocabulary.js';
import { gpaToEvPerA3 } from '../units/index.js';
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
  elastic?: ReturnType<typeof elasticConstants>;
}

/**
 * Convergence of the relaxations inside a fit, tighter than the interactive default (1e-5 eV/Å,
 * 1e-4 GPa): observables must be smooth functions of the parameters for the Jacobian and the
 * stopping rules, and Newton's quadratic convergence makes the extra digits cost about one
 * iteration.
 */
export const RELAX_FORCE_TOLERANCE = 1e-8;
export const RELAX_STRESS_TOLERANCE_GPA = 1e-7;

/**
 * A relaxation stopped on a cut-off discontinuity is accepted as a minimum when the residual
 * gradient there is small: forces below 1e-4 eV/Å and stress below 0.25 GPa (the size of the kinks
 * a 12 Å cut-off leaves in these crystals: 0.04-0.24 GPa was seen with the published Pb-Se-Cd set), so 0.25 GPa.
 */
export const KINK_MAX_FORCE = 1e-4;
export const KINK_MAX_STRESS_GPA = 0.25;

/** Warnings that mean the structure changed character: a fit step that causes them is rejected. */
const TRANSFORMING: ReadonlySet<string> = new Set(['special-position', 'coordination-change', 'volume-change']);

export interface EvaluatorOptions {
  pressureGPa: number;
  /**
   * Conventional fit (GULP's default `fit` without `relax`): no relaxation; each structure takes
   * one Newton-Raphson step from its input geometry, so the lattice parameters compared with the
   * targets are the input ones plus the step the gradients ask for (−H⁻¹g: fitting the gradients
   * at the target geometry, weighted by the inverse Hessian, in units of the observables).
   */
  conventional?: boolean;
  signal?: AbortSignal;
}

/** Which properties need the elastic tensor. */
const needsElastic = (name: string): boolean => {
  const c = PROPERTIES.get(name)?.weightClass;
  return c === 'elastic' || c === 'bulkModulus' || c === 'shearModulus';
};

/** Structures that observables touch (directly or as a reference), in document order. */
export function involvedStructures(job: ParsedJob, observables: readonly Observable[]): string[] {
  const ids = new Set<string>();
  for (const o of observables) {
    ids.add(o.structureId);
    if (o.property === 'relativeEnergy' && o.other) ids.add(o.other);
  }
  return job.structures.map((s) => s.id).filter((id) => ids.has(id));
}

export class FitEvaluator {
  readonly job: ParsedJob;
  readonly prepared: Map<string, PreparedCrystal>;
  readonly names: string[];
  /** Warm starts: the relaxed geometry of every structure at the last accepted parameters. */
  private readonly geometry: Map<string, Structure>;
  private readonly elasticFor: Set<string>;
  readonly observables: Observable[];
  private readonly options: EvaluatorOptions;

  constructor(job: ParsedJob, names: readonly string[], observables: readonly Observable[], options: EvaluatorOptions, shared?: { prepared: Map<string, PreparedCrystal>; geometry: Map<string, Structure> }) {
    this.job = job;
    this.names = [...names];
    this.observables = [...observables];
    this.options = options;
    this.prepared = shared?.prepared ?? new Map(job.structures.map((s) => [s.id, prepareCrystal(s, { p1: job.options.symmetry === 'p1' })]));
    this.geometry = shared?.geometry ?? new Map();
    this.elasticFor = new Set(observables.filter((o) => needsElastic(o.property)).map((o) => o.structureId));
  }

  /** The pressure structure `id` is relaxed at, GPa: its own (`structures[].pressure`), else the job's. */
  private pressureOf(id: string): number {
    return this.job.structures.find((s) => s.id === id)?.pressureGPa ?? this.options.pressureGPa;
  }

  /** Where the elastic constants of structure `id` are taken, and in which definition. */
  private elasticAt(id: string): { pressureGPa: number; definition: ParsedJob['options']['elasticConstants'] } {
    return { pressureGPa: this.pressureOf(id), definition: this.job.options.elasticConstants ?? 'energy' };
  }

  /** The same structures and warm starts, fitting fewer observables (structures left out). */
  restrict(observables: readonly Observable[]): FitEvaluator {
    return new FitEvaluator(this.job, this.names, observables, this.options, { prepared: this.prepared, geometry: this.geometry });
  }

  forceField(values: readonly number[]): ForceField {
    return withParameters(this.job.forceField, Object.fromEntries(this.names.map((n, i) => [n, values[i]!])));
  }

  /** Structures the observables touch (directly or as a reference). */
  get involved(): string[] {
    return involvedStructures(this.job, this.observables);
  }

  /**
   * Relax the given structures at the parameter values (each from its remembered geometry, or
   * from the input when that fails) and compute their properties. Nothing is remembered: call
   * `commit` for the states of an accepted point.
   */
  evaluate(values: readonly number[], ids: readonly string[], withElastic: 'needed' | 'all' = 'needed'): Map<string, StructureState> {
    const model = buildEnergyModel(this.forceField(values));
    const out = new Map<string, StructureState>();
    for (const id of ids) {
      throwIfAborted(this.options.signal);
      out.set(id, this.evaluateOne(model, id, withElastic === 'all' || this.elasticFor.has(id)));
    }
    return out;
  }

  /** Remember the relaxed geometries of an accepted point as the next warm starts. */
  commit(states: Map<string, StructureState>): void {
    for (const [id, st] of states) if (!st.failure) this.geometry.set(id, st.structure);
  }

  private evaluateOne(model: ForceFieldModel, id: string, elastic: boolean): StructureState {
    const prep = this.prepared.get(id)!;
    const o = resolveRelaxOptions({ operations: prep.operations, pressureGPa: this.pressureOf(id), structureId: id, signal: this.options.signal, checkStability: false, maxVolumeRatio: 2, forceTolerance: RELAX_FORCE_TOLERANCE, stressToleranceGPa: RELAX_STRESS_TOLERANCE_GPA });
    let relax: RelaxResult;
    try {
      if (this.options.conventional) {
        relax = relaxFrom(model, prep.structure, prep.structure, { ...o, maxIterations: 1 });
        relax = { ...relax, converged: true, warnings: relax.warnings.filter((w) => w.kind !== 'not-converged') };
      } else {
        const warm = this.geometry.get(id);
        relax = warm ? relaxFrom(model, prep.structure, warm, o) : relaxFrom(model, prep.structure, prep.structure, o);
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
      if (!isDomainError(e) || e.code === 'CANCELLED') throw e;
      return { id, structure: prep.structure, properties: {}, failure: `relaxation failed: ${e.message}` };
    }
    const state: StructureState = { id, relax, structure: relax.structure, properties: describe(prep, relax, this.job.forceField.charges) };
    const transforming = relax.warnings.filter((w: RelaxWarning) => TRANSFORMING.has(w.kind));
    // a minimum on a cut-off kink (plain truncation, as GULP) is the lowest-enthalpy point of the
    // model: usable, and reported; any other non-convergence makes the structure unusable
    const kink = relax.warnings.some((w) => w.kind === 'cutoff-discontinuity') && relax.maxForce < KINK_MAX_FORCE && relax.maxStressGPa < KINK_MAX_STRESS_GPA;
    if (!relax.converged && !kink) state.failure = 'relaxation did not converge';
    else if (transforming.length) state.failure = transforming.map((w) => w.message).join('; ');
    if (elastic) {
      try {
        const el = elasticConstants(model, relax.structure, this.elasticAt(id));
        state.elastic = el;
        Object.assign(state.properties, elasticProperties(el, this.job.options));
      } catch (e) {
        if (!isDomainError(e) || e.code === 'CANCELLED') throw e;
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
   * Central differences d(observable)/d(physical parameter), relaxing (or, conventional, stepping)
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
    const ff = this.forceField(values);
    const model = buildEnergyModel(ff);
    const nP = this.names.length;
    const deriv = new Map<string, Record<string, Float64Array>>();
    for (const [id, st] of states) {
      throwIfAborted(this.options.signal);
      deriv.set(id, this.structureDerivatives(model, values, this.prepared.get(id)!, st, h));
    }
    return this.observables.map((o) => {
      const row = new Float64Array(nP);
      const d = deriv.get(o.structureId)?.[o.property === 'relativeEnergy' ? 'latticeEnergy' : o.property];
      if (d) row.set(d);
      if (o.property === 'relativeEnergy' && o.other) {
        const r = deriv.get(o.other)?.latticeEnergy;
        if (r) for (let k = 0; k < nP; k++) row[k]! -= r[k]!;
      }
      return row;
    });
  }

  private structureDerivatives(model: ForceFieldModel, values: readonly number[], prep: PreparedCrystal, st: StructureState, h: number): Record<string, Float64Array> {
    const s = st.structure;
    const n = s.numAtoms;
    const dim = 3 * n + 6;
    const nP = this.names.length;
    const basis = cachedSymmetryBasis(prep.structure, prep.operations);
    const cols = [...basis.positions.map((c) => ({ x: c, e: undefined as Float64Array | undefined })), ...basis.strains.map((c) => ({ x: undefined as Float64Array | undefined, e: c }))];
    const m = cols.length;
    const r = model.compute(s, 2);
    const H = r.hessian!;
    // enthalpy: add p ∂²V/∂e∂e (see relaxation/relax.ts)
    const p = gpaToEvPerA3(this.pressureOf(prep.id));
    if (p !== 0) {
      const V = s.lattice.volume;
      for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) if (k !== l) H[(3 * n + k) * dim + 3 * n + l]! += p * V;
      for (let k = 3; k < 6; k++) H[(3 * n + k) * dim + 3 * n + k]! -= (p * V) / 2;
    }
    // full column vectors of T
    const T = cols.map((c) => {
      const v = new Float64Array(dim);
      if (c.x) v.set(c.x, 0);
      if (c.e) v.set(c.e, 3 * n);
      return v;
    });
    const HT = T.map((t) => {
      const out = new Float64Array(dim);
      for (let i = 0; i < dim; i++) {
        let acc = 0;
        const row = i * dim;
        for (let j = 0; j < dim; j++) acc += H[row + j]! * t[j]!;
        out[i] = acc;
      }
      return out;
    });
    const Hr = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) Hr[a * m + b] = dot(T[a]!, HT[b]!);
    const pd = model.shortRange.parameterDerivatives(s, this.names);
    const dParams = Array.from({ length: nP }, (_, k) => {
      const b = Float64Array.from(T, (t) => -dot(t, pd.dFirst[k]!));
      let dz = choleskySolve(Hr, b, m);
      if (!dz) {
        // not positive definite (a saddle kept by symmetry): solve in the eigenbasis
        const eig = symmetricEigen(Hr, m);
        dz = new Float64Array(m);
        for (let q = 0; q < m; q++) {
          const lam = eig.values[q]!;
          if (Math.abs(lam) < 1e-10) continue;
          let c = 0;
          for (let a = 0; a < m; a++) c += eig.vectors[a * m + q]! * b[a]!;
          c /= lam;
          for (let a = 0; a < m; a++) dz[a]! += c * eig.vectors[a * m + q]!;
        }
      }
      const d = new Float64Array(dim);
      for (let a = 0; a < m; a++) for (let i = 0; i < dim; i++) d[i]! += dz[a]! * T[a]![i]!;
      return d;
    });
    const out: Record<string, Float64Array> = {};
    const set = (name: string, k: number, v: number): void => {
      (out[name] ??= new Float64Array(nP))[k] = v;
    };
    const Lc0 = conventionalLatticeOf(prep, s).matrix as Mat3;
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
        const q = this.job.forceField.charges;
        const anion = (q[prep.input.sites[0]!.species] ?? 0) < 0 && (q[prep.input.sites[1]!.species] ?? 0) > 0 ? 0 : 1;
        set('u', k, dzf(prep.representative[anion]!) - dzf(prep.representative[1 - anion]!));
      }
      let dE = pd.dEnergy[k]!;
      for (let i = 0; i < 3 * n; i++) dE += r.gradient![i]! * d[i]!;
      for (let q = 0; q < 6; q++) dE += r.strain![q]! * d[3 * n + q]!;
      set('latticeEnergy', k, dE / prep.z);
    }
    if (st.elastic) {
      // elastic constants: central difference along the tangent (p ± h e_k, geometry ± h d_k)
      for (let k = 0; k < nP; k++) {
        const step = h * Math.max(Math.abs(values[k]!), 1e-12);
        const at = (sign: number): Record<string, number> => {
          const v = [...values];
          v[k] = v[k]! + sign * step;
          const mdl = buildEnergyModel(this.forceField(v));
          const moved = displaced(s, dParams[k]!, sign * step);
          return elasticProperties(elasticConstants(mdl, moved, this.elasticAt(prep.id)), this.job.options);
        };
        const plus = at(1);
        const minus = at(-1);
        for (const key of Object.keys(plus)) set(key, k, (plus[key]! - minus[key]!) / (2 * step));
      }
    }
    return out;
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The structure moved along d = (dx, de) by t: positions x + t dx, then strained by F(t de). */
function displaced(s: Structure, d: Float64Array, t: number): Structure {
  const n = s.numAtoms;
  const x = Float64Array.from(s.positions, (v, i) => v + t * d[i]!);
  const e = Array.from(d.subarray(3 * n), (v) => t * v);
  return s.withPositions(x).deformed(deformation(e));
}

/** Cell, internal coordinate, volume and energy of a relaxed structure (vocabulary names). */
export function describe(prep: PreparedCrystal, relax: RelaxResult, charges: Readonly<Record<string, number>>): Record<string, number> {
  const s = relax.structure;
  const d = describeCrystal({ prepared: prep, structure: s, conventionalLattice: conventionalLatticeOf(prep, s) }, charges);
  return { ...d.cell, volume: d.volumePerFormulaUnit, latticeEnergy: relax.energy / prep.z, ...(d.u !== undefined ? { u: d.u } : {}) };
}

/** C11…C66, B and G (Voigt, Reuss, Hill; B and G per the job's choice) in GPa. */
export function elasticProperties(el: ReturnType<typeof elasticConstants>, options: ParsedJob['options']): Record<string, number> {
  const out: Record<string, number> = {};
  let q = 0;
  for (let i = 0; i < 6; i++) for (let j = i; j < 6; j++) out[ELASTIC_NAMES[q++]!] = el.relaxed[i]![j]!;
  const m = el.moduli;
  Object.assign(out, m);
  out.B = { reuss: m.BReuss, voigt: m.BVoigt, hill: m.BHill }[options.bulkModulus];
  out.G = { reuss: m.GReuss, voigt: m.GVoigt, hill: m.GHill }[options.shearModulus];
  return out;
}

export function observableValue(o: Observable, states: Map<string, StructureState>): number {
  const st = states.get(o.structureId);
  if (!st) return Number.NaN;
  if (o.property === 'relativeEnergy') {
    const ref = states.get(o.other!);
    return (st.properties.latticeEnergy ?? Number.NaN) - (ref?.properties.latticeEnergy ?? Number.NaN);
  }
  return st.properties[o.property] ?? Number.NaN;
}

