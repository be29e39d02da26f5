/**
 * The property suite of a job (GULP's `opti conp prop` per structure, plus relative energies and
 * transition pressures between structures): the numbers behind Tables S8/S9 and
 * `latticefit properties`.
 *
 * Per structure: relax at the job's pressure keeping the space group (`crystal.ts`), describe the
 * relaxed cell and asymmetric unit, take the elastic constants from the analytic Hessian
 * (`elastic.ts`), and optionally the Birch-Murnaghan equation of state (`eos.ts`). Between
 * structures: the relative energy against a `reference` and the transition pressure to a `to`
 * (`transition.ts`). Structures that others refer to are computed first. A structure that fails
 * is reported with `error: { code, message }` (and whatever was computed before the failure); the
 * others are still computed. Only cancellation (CANCELLED) ends the whole computation.
 *
 * The lattice energy is E/Z of the relaxed cell and the relative energy the difference of lattice
 * energies, both at the job's pressure (at p ≠ 0 the phase stability is decided by the enthalpy,
 * which the transition search uses).
 *
 * Property names and units follow `vocabulary.ts`: lengths Å, angles degrees, u a
 * fraction of c, volume Å³ per formula unit, C_ij and moduli GPa, energies eV per formula unit,
 * transition pressures GPa. `B` is the modulus `options.bulkModulus` names (Reuss by default, as
 * GULP), `G` the one `options.shearModulus` names (Hill by default).
 */
import { isDomainError, throwIfAborted, rethrowIfCancelled } from '../errors.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import type { Structure } from '../crystal/structure.js';
import { buildEnergyModel, type ForceField } from '../potentials/index.js';
import type { EnergyModel } from '../potentials/model.js';
import type { RelaxOptions } from '../relaxation/types.js';
import type { KinkMode } from '../relaxation/branch.js';
import { evPerA3ToGPa } from '../units/index.js';
import {
  type CrystalDescription,
  type CrystalGeometry,
  type CrystalWarning,
  type PrepareOptions,
  type PreparedCrystal,
  type RelaxedCrystal,
  type RelaxationStatus,
  describeCrystal,
  prepareCrystal,
  relaxCrystal,
  relaxedCrystalAt,
} from './crystal.js';
import { type ModulusChoice, elasticProperties, structuralProperties } from './observed.js';
import { type StructureTargets, referencesOf } from './vocabulary.js';
import { type ElasticDefinition, type ElasticResult, elasticConstants } from './elastic.js';
import { type EquationOfState, type EquationOfStateOptions, equationOfState } from './eos.js';
import { type TransitionOptions, type TransitionResult, transitionPressure } from './transition.js';

export * from './crystal.js';
export * from './elastic.js';
export * from './eos.js';
export * from './transition.js';
export * from './observed.js';
export * from './vocabulary.js';

/** How the crystals are evaluated: resolved once at the door. */
export interface EvaluationSettings extends ModulusChoice {
  /** false: properties at the given geometry, no relaxation step (a conventional fit's view). */
  relax: boolean;
  /** External pressure, eV/Å³. */
  pressure: number;
  /** 'p1': relax without symmetry. */
  symmetry: 'keep' | 'p1';
  /** Elastic constants at a non-zero pressure (`ElasticDefinition`; default 'energy'). */
  elasticConstants?: ElasticDefinition;
  /** Where a relaxation on a cut-off kink ends (relaxation/branch.ts; default 'lowest-enthalpy'). */
  kink?: KinkMode;
  /** false: the ions relax in the given cell (default true: constant pressure). */
  relaxCell?: boolean;
}

/** What the property suite evaluates: crystals, the force field, and what the targets ask for. */
export interface PropertiesInput {
  name?: string;
  forceField: ForceField;
  structures: readonly SymmetrizedCrystal[];
  /** The targets of the structures (any order): their relative-energy references and transition partners are computed. */
  targets?: readonly StructureTargets[];
  options: EvaluationSettings;
}

/** A geometry relaxed elsewhere (by the fitter) and how it was reached. */
export interface GivenGeometry {
  structure: Structure;
  status: RelaxationStatus;
}

/** Warm starts kept across calls (a `Map` will do): relaxed geometry by structure id. */
export interface GeometryCache {
  get(id: string): CrystalGeometry | undefined;
  set(id: string, geometry: CrystalGeometry): unknown;
}

export interface PropertiesProgress {
  structure: string;
  /** 0-based position in the order of computation */
  index: number;
  total: number;
  stage: 'relax' | 'elastic' | 'eos' | 'transition' | 'done';
}

export interface PropertiesOptions {
  onProgress?: (p: PropertiesProgress) => void;
  signal?: AbortSignal;
  cache?: GeometryCache;
  /** Compute the transition pressures the document asks for (default true). */
  transitionPressures?: boolean;
  /** Compute the Birch-Murnaghan equation of state of every structure (default false). */
  eos?: boolean | EquationOfStateOptions;
  /** Relaxation settings (tolerances, iteration limit, method); pressure and symmetry come from the job. */
  relax?: Omit<RelaxOptions, 'operations' | 'pressure' | 'fixCell' | 'fixVolume' | 'signal'>;
  /** Settings of the transition-pressure search. */
  transition?: Omit<TransitionOptions, 'signal' | 'startA' | 'startB'>;
  /** Which cell to compute on (default: primitive for centred lattices). */
  cell?: PrepareOptions;
  /**
   * Geometries relaxed elsewhere, by structure id (cells of `prepareCrystal` with this `cell` and
   * `symmetry`): taken as they are, not relaxed again, so that a fit result's structure table is
   * read off the geometries its residual table used.
   */
  geometries?: ReadonlyMap<string, GivenGeometry>;
}

export interface ElasticReport {
  /** Relaxed-ion C_ij, 6 × 6, GPa (Voigt order xx yy zz yz xz xy; a along x, b in the xy-plane). */
  relaxed: number[][];
  /** Clamped-ion C_ij, GPa. */
  clamped: number[][];
  /** S = C⁻¹ (relaxed-ion), GPa⁻¹. */
  compliance: number[][];
  /** Eigenvalues of the relaxed-ion C, GPa, ascending. */
  eigenvalues: number[];
  /** Born stability: all eigenvalues positive. */
  stable: boolean;
  /** All internal force constants positive (a minimum in P1 as well as in its space group). */
  internalStable: boolean;
}

/** One structure of the report (a type, not an interface, so that it is a `fitting/types` StructureReport). */
export type StructureProperties = {
  id: string;
  label: string;
  formula: string;
  spaceGroup: { symbol: string; number: number };
  converged: boolean;
  iterations: number;
  warnings: CrystalWarning[];
  cell?: CrystalDescription['cell'];
  sites?: CrystalDescription['sites'];
  /** Named properties in the units of the vocabulary. */
  properties: Record<string, number>;
  elastic?: ElasticReport;
  eos?: EquationOfState;
  transition?: TransitionResult;
  error?: { code: string; message: string };
};

export interface PropertiesReport {
  name: string;
  /** External pressure of the relaxations, eV/Å³. */
  pressure: number;
  structures: StructureProperties[];
}

/**
 * Order of computation: every structure after the ones its targets refer to (relative-energy
 * reference, transition partner), document order otherwise.
 */
export function computationOrder(structures: readonly SymmetrizedCrystal[], targets: readonly StructureTargets[] = []): SymmetrizedCrystal[] {
  const byId = new Map(structures.map((s) => [s.id, s]));
  const refs = (s: SymmetrizedCrystal): string[] => referencesOf(targets.find((t) => t.id === s.id));
  const out: SymmetrizedCrystal[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: SymmetrizedCrystal): void => {
    const st = state.get(s.id);
    if (st === 'done' || st === 'visiting') return; // a cycle (A refers to B refers to A) is harmless: both are relaxed first
    state.set(s.id, 'visiting');
    for (const r of refs(s)) {
      const t = byId.get(r);
      if (t) visit(t);
    }
    state.set(s.id, 'done');
    out.push(s);
  };
  // referenced structures first, then the rest in document order
  const referenced = new Set(structures.flatMap(refs));
  for (const s of structures) if (referenced.has(s.id)) visit(s);
  for (const s of structures) visit(s);
  return out;
}

function errorOf(e: unknown): { code: string; message: string } {
  if (isDomainError(e)) return { code: e.code, message: e.message };
  return { code: 'NUMERICAL_FAILURE', message: (e as Error)?.message ?? String(e) };
}

interface Computed {
  input: SymmetrizedCrystal;
  targets: StructureTargets | undefined;
  report: StructureProperties;
  prepared?: PreparedCrystal;
  relaxed?: RelaxedCrystal;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Relax one structure and compute its own properties (everything but relative energies and
 * transition pressures, which need two structures). Never throws except CANCELLED.
 */
export function computeStructureProperties(
  model: EnergyModel,
  input: SymmetrizedCrystal,
  job: Pick<PropertiesInput, 'options' | 'forceField'>,
  opts: Omit<PropertiesOptions, 'transitionPressures' | 'transition'> & { index?: number; total?: number } = {},
): { report: StructureProperties; prepared?: PreparedCrystal; relaxed?: RelaxedCrystal } {
  const report: StructureProperties = {
    id: input.id,
    label: input.label,
    formula: input.formula,
    spaceGroup: { symbol: input.spaceGroup.symbol, number: input.spaceGroup.number },
    converged: false,
    iterations: 0,
    warnings: [],
    properties: {},
  };
  const progress = (stage: PropertiesProgress['stage']): void => opts.onProgress?.({ structure: input.id, index: opts.index ?? 0, total: opts.total ?? 1, stage });
  let prepared: PreparedCrystal | undefined;
  let relaxed: RelaxedCrystal | undefined;
  try {
    throwIfAborted(opts.signal);
    prepared = prepareCrystal(input, { ...opts.cell, p1: job.options.symmetry === 'p1' });
    progress('relax');
    const given = opts.geometries?.get(input.id);
    if (given) relaxed = relaxedCrystalAt(model, prepared, given.structure, given.status);
    else {
      const cached = opts.cache?.get(input.id);
      const start = cached && sameAtoms(cached, prepared) ? { ...cached, prepared } : undefined;
      relaxed = relaxCrystal(model, prepared, {
        ...opts.relax,
        pressure: input.pressure ?? job.options.pressure,
        relax: job.options.relax,
        ...(job.options.relaxCell === false ? { fixCell: true } : {}),
        ...(job.options.kink === 'stationary' ? { kink: { mode: 'stationary' as const, forceField: job.forceField } } : {}),
        ...(start ? { start } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (relaxed.converged) opts.cache?.set(input.id, relaxed);
    }
    report.converged = relaxed.converged;
    report.iterations = relaxed.iterations;
    report.warnings.push(...relaxed.warnings);
    const d = describeCrystal(relaxed, job.forceField.charges);
    report.cell = d.cell;
    report.sites = d.sites;
    const P = report.properties;
    Object.assign(P, structuralProperties(relaxed, relaxed.energy, job.forceField.charges));
    const pressure = input.pressure ?? job.options.pressure;
    const definition = job.options.elasticConstants ?? 'energy';
    if (pressure !== 0) {
      const what = { energy: 'second derivatives of the energy density there (not stress-strain coefficients)', 'stress-strain': 'stress-strain (Birch) coefficients', gulp: "in GULP's definition" }[definition];
      report.warnings.push({ kind: 'pressure', message: `relaxed at ${+evPerA3ToGPa(pressure).toPrecision(12)} GPa: elastic constants are ${what} (options.elasticConstants)` });
    }

    if (job.options.relaxCell === false && job.options.relax) {
      report.warnings.push({ kind: 'fixed-cell', message: `${input.id}: the ions are relaxed in the given cell (options.relaxCell false), which keeps a residual stress of up to ${evPerA3ToGPa(relaxed.maxStress).toPrecision(4)} GPa (measured pressure ${evPerA3ToGPa(relaxed.measuredPressure).toPrecision(6)} GPa); the elastic constants are the energy second derivatives there` });
    }

    progress('elastic');
    throwIfAborted(opts.signal);
    const el: ElasticResult = elasticConstants(model, relaxed.structure, { pressure, definition });
    report.elastic = {
      relaxed: el.relaxed,
      clamped: el.clamped,
      compliance: el.compliance,
      eigenvalues: el.eigenvalues,
      stable: el.stable,
      internalStable: el.internalStable,
      ...(el.internalEigenvalues.length ? { internalEigenvalue: Math.min(...el.internalEigenvalues) } : {}),
    };
    Object.assign(P, elasticProperties(el, job.options));
    if (!el.stable) report.warnings.push({ kind: 'mechanically-unstable', message: `${input.id}: the elastic-constant matrix has a non-positive eigenvalue (${el.eigenvalues[0]!.toPrecision(4)} GPa): not Born-stable` });
    if (!el.internalStable) report.warnings.push({ kind: 'internal-instability', message: `${input.id}: an internal force constant is negative (${el.internalEigenvalues[0]!.toPrecision(4)} eV/Å²): the structure is a saddle point in P1` });

    if (opts.eos) {
      progress('eos');
      const eosOptions = typeof opts.eos === 'object' ? opts.eos : {};
      try {
        report.eos = equationOfState(model, relaxed, { ...opts.relax, ...eosOptions, ...(opts.signal ? { signal: opts.signal } : {}) }, el.moduli.BReuss);
        for (const w of report.eos.warnings) report.warnings.push({ kind: 'eos', message: `${input.id}: ${w}` });
      } catch (e) {
        // the equation of state is a cross-check: its failure does not fail the structure
        rethrowIfCancelled(e);
        report.warnings.push({ kind: 'eos-failed', message: `${input.id}: equation of state: ${errorOf(e).message}` });
      }
    }
  } catch (e) {
    rethrowIfCancelled(e);
    report.error = errorOf(e);
  }
  progress('done');
  return { report, ...(prepared ? { prepared } : {}), ...(relaxed ? { relaxed } : {}) };
}

function sameAtoms(g: CrystalGeometry, p: PreparedCrystal): boolean {
  return g.structure.numAtoms === p.structure.numAtoms && g.structure.species.every((s, i) => s === p.structure.species[i]);
}

/**
 * Every property the targets ask for, and the standard set (cell, u, volume, C_ij, moduli,
 * lattice energy) for every structure. `model` defaults to `buildEnergyModel(input.forceField)`.
 * Yields to the event loop between structures so that a cancellation can arrive.
 */
export async function computeProperties(input: PropertiesInput, model?: EnergyModel, opts: PropertiesOptions = {}): Promise<PropertiesReport> {
  const m = model ?? buildEnergyModel(input.forceField);
  const targets = input.targets ?? [];
  const order = computationOrder(input.structures, targets);
  const done = new Map<string, Computed>();
  for (const [index, crystal] of order.entries()) {
    throwIfAborted(opts.signal);
    done.set(crystal.id, { input: crystal, targets: targets.find((t) => t.id === crystal.id), ...computeStructureProperties(m, crystal, input, { ...opts, index, total: order.length }) });
    await yieldToEventLoop();
  }
  for (const crystal of order) {
    const c = done.get(crystal.id)!;
    relativeEnergy(c, done);
    if (opts.transitionPressures ?? true) {
      throwIfAborted(opts.signal);
      transition(m, c, done, opts, order.indexOf(crystal), order.length);
      await yieldToEventLoop();
    }
  }
  return { name: input.name ?? 'latticefit job', pressure: input.options.pressure, structures: input.structures.map((s) => done.get(s.id)!.report) };
}

function relativeEnergy(c: Computed, done: Map<string, Computed>): void {
  const ref = c.targets?.properties.relativeEnergy?.reference;
  if (!ref || !c.relaxed) return;
  const r = done.get(ref);
  if (!r?.relaxed) {
    c.report.warnings.push({ kind: 'reference-failed', message: `relativeEnergy: the reference ${ref} could not be computed` });
    return;
  }
  c.report.properties.relativeEnergy = c.relaxed.energyPerFormulaUnit - r.relaxed.energyPerFormulaUnit;
}

function transition(model: EnergyModel, c: Computed, done: Map<string, Computed>, opts: PropertiesOptions, index: number, total: number): void {
  const to = c.targets?.properties.transitionPressure?.to;
  if (!to || !c.prepared || !c.relaxed) return;
  const other = done.get(to);
  if (!other?.prepared || !other.relaxed) {
    c.report.warnings.push({ kind: 'reference-failed', message: `transitionPressure: ${to} could not be computed` });
    return;
  }
  opts.onProgress?.({ structure: c.input.id, index, total, stage: 'transition' });
  try {
    const t = transitionPressure(model, c.prepared, other.prepared, {
      ...opts.relax,
      ...opts.transition,
      startA: c.relaxed,
      startB: other.relaxed,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    c.report.transition = t;
    if (t.pressure !== null) c.report.properties.transitionPressure = evPerA3ToGPa(t.pressure); // the vocabulary's unit
    else c.report.warnings.push({ kind: 'no-transition', message: `transitionPressure to ${to}: ${t.message}` });
    for (const w of t.warnings) c.report.warnings.push({ kind: 'transition', message: w });
  } catch (e) {
    rethrowIfCancelled(e);
    c.report.warnings.push({ kind: 'transition-failed', message: `transitionPressure to ${to}: ${errorOf(e).message}` });
  }
}

