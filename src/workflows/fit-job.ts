/**
 * The fit use case: a parsed job document in, a `FitResult` out.
 *
 * 1. The targets are completed (DFT normalisation, `options.normalizeDft`) and turned into
 *    observables with their weights.
 * 2. The domain fits (`fitting/fit.ts`: multi-start, Levenberg-Marquardt through the relaxed
 *    structures, uncertainty) and returns every structure relaxed at the final parameters.
 * 3. The result is read off those states: the residual table from the states' named properties,
 *    and the structure table from the property suite on the same geometries (it relaxes nothing
 *    the fit has relaxed), so the two tables of one result give one answer.
 * 4. The Buckingham catastrophe check on the relaxed contacts, and warnings.
 * 5. The guards (fitting/guards.ts) at the start (the guess on the input geometries: bounds,
 *    walls, vanished repulsions, turnovers) and at the end (the fitted set on the relaxed
 *    structures, with their elastic matrices and internal force constants): `guards.start`,
 *    `guards.end`, and each a warning string `guard <kind> (start|end): …` that every report shows.
 * Extras of the structure table: the transition-pressure searches its `transitionPressure`
 * targets ask for (unless `options.transitionPressures: false`), and the equation of state of
 * every structure (unless `options.equationOfState: false`). Both run once, after the fit, at the
 * fitted parameters; no observable uses them. They are the E–V curves of the report's polymorph
 * figure (without them each polymorph that has no transition is a single point), at about 50 ms
 * per structure.
 *
 * `runFitStart` runs one start of a multi-start fit from the document (what a worker thread or
 * another machine does).
 */
import { type ParseOptions, type ParsedJob, parseJob } from '../document/parse.js';
import { DomainError, throwIfAborted } from '../errors.js';
import { fitParameters, runStart, type FitInput, type FitOptions, type StartOutcome } from '../fitting/fit.js';
import { buildObservables, type Observable } from '../fitting/observables.js';
import { normalizeDft, type NormalizationFactor } from '../fitting/normalize.js';
import { observableValue, relaxationStatus, type StructureState } from '../fitting/evaluator.js';
import { catastropheCheck } from '../fitting/catastrophe.js';
import { defaultBounds, defaultBoundsOf, REPULSION_AT_CONTACT } from '../fitting/transform.js';
import { guardWarnings, type GuardStructure, type GuardWarning } from '../fitting/guards.js';
import { pairKey, parseChargeName, parseParameterName, withParameters } from '../potentials/forcefield.js';
import { buildEnergyModel } from '../potentials/index.js';
import { computeProperties, type GivenGeometry } from '../properties/index.js';
import { attachSurfaces, checkSurfaces } from './surfaces.js';
import { conventionalLatticeOf, prepareCrystal, type CrystalGeometry } from '../properties/crystal.js';
import { documentWithTargets, parameterRows, resultSettings, structurePropertiesReport, type FitResult, type ResidualRow } from './results.js';

/**
 * Runs the starts of a multi-start fit of `document` and gives their outcomes in order (one per
 * way of running latticefit: `starts.ts`, and the Redis queue's child jobs).
 */
export type StartRunner = (document: unknown, starts: number[][], signal?: AbortSignal) => Promise<StartOutcome[]>;

export interface FitJobOptions extends Omit<FitOptions, 'runStarts'> {
  /** Where the extra starts of a multi-start fit run (default: one after another in this thread). */
  runStarts?: StartRunner;
}

/** The fit's input with the targets completed, its observables, and the normalisation done. */
export function prepareFit(job: ParsedJob): { input: FitInput; observables: Observable[]; normalization: NormalizationFactor[] } {
  refuseInFit(job);
  checkSurfaces(job); // a polar face is refused before any work
  const { targets, factors } = job.options.normalizeDft ? normalizeDft(job) : { targets: job.targets, factors: [] };
  const input: FitInput = { ...job, targets };
  return { input, observables: buildObservables(input), normalization: factors };
}

/** What a door may change of a document's options when it fits it (the CLI's flags, the service's limits). */
export interface FitOverrides {
  maxIterations?: number;
  /** At most this many iterations, whatever the document or `maxIterations` says (the service's limit). */
  iterationLimit?: number;
  starts?: number;
  /** Limits of the parse (the service's). */
  parse?: ParseOptions;
}

/**
 * Fit a job document (untrusted JSON): refuse an md block, parse it once, apply the overrides to
 * the resolved options (a new object; the parsed job is not mutated) and run the fit.
 */
export async function fitDocument(document: unknown, overrides: FitOverrides = {}, options: FitJobOptions = {}): Promise<FitResult> {
  refuseMdInFit(document);
  const parsed = parseJob(document, overrides.parse);
  const maxIterations = Math.min(overrides.maxIterations ?? parsed.options.maxIterations, overrides.iterationLimit ?? Infinity);
  const job: ParsedJob = {
    ...parsed,
    options: {
      ...parsed.options,
      maxIterations,
      ...(overrides.starts !== undefined ? { starts: overrides.starts } : {}),
    },
  };
  return runFit(job, options);
}

/**
 * Options of a properties job that a fit does not have: its relaxations are at constant pressure
 * (the cell is part of every relaxed observable) and end on a cut-off kink as the fitter decides
 * (fitting/evaluator.ts: the lowest-enthalpy point, accepted when its residual is small).
 */
export function refuseInFit(job: Pick<ParsedJob, 'options'>): void {
  if (!job.options.relaxCell)
    throw new DomainError('INVALID_DOCUMENT', 'options.relaxCell false (fixed cell, GULP\'s conv) is for properties jobs: a fit relaxes every structure at constant pressure (remove relaxCell to fit, or run a properties job)', { path: '/options/relaxCell' });
  if (job.options.kink === 'stationary')
    throw new DomainError('INVALID_DOCUMENT', "options.kink 'stationary' is for properties jobs (the GULP import sets it for opti inputs): a fit's relaxations end on a cut-off kink at the lowest-enthalpy point, accepted when its residual stress is small (remove kink to fit)", { path: '/options/kink' });
}

/** A fit runs no MD: `md` is a report column (values in the document) or a separate job. */
export function refuseMdInFit(doc: unknown): void {
  if (doc && typeof doc === 'object' && 'md' in doc)
    throw new DomainError('INVALID_DOCUMENT', 'a fit does not run molecular dynamics: md is a report-only source (give MD values as "md" in properties, or run `latticefit md` / POST /v1/properties with an md block)', { path: '/md' });
}


export async function runFit(job: ParsedJob, options: FitJobOptions = {}): Promise<FitResult> {
  const t0 = Date.now();
  throwIfAborted(options.signal);
  const { input, observables, normalization } = prepareFit(job);
  const { runStarts, ...fitOptions } = options;
  const outcome = await fitParameters(input, observables, {
    ...fitOptions,
    ...(runStarts ? { runStarts: (starts: number[][]) => runStarts(job.document, starts, options.signal) } : {}),
  });
  const warnings = outcome.atBound.map((name) => `${name} ends on a bound of the fit (${boundText(input, name)}): the fit stopped there, not at a free minimum; widen the bound or fix the parameter`);
  const ff = outcome.forceField;

  // residual table over every fitted observable
  const residuals = residualRows(observables, outcome.states, outcome.fitted);

  // the structure table: the property suite on the geometries the fit relaxed
  const geometries = new Map<string, GivenGeometry>();
  for (const [id, st] of outcome.states) {
    const status = relaxationStatus(st, job.options.pressure, !job.options.relax);
    if (status) geometries.set(id, { structure: st.structure, status });
  }
  const report = await computeProperties({ ...input, forceField: ff }, buildEnergyModel(ff), { ...(options.signal ? { signal: options.signal } : {}), geometries, eos: job.options.equationOfState ?? true, transitionPressures: job.options.transitionPressures });
  // structures[].surfaces[] (Tables S8/S9) at the fitted parameters, cut from the bulks the fit relaxed
  const bulks = new Map<string, CrystalGeometry>();
  for (const c of job.structures) {
    const st = outcome.states.get(c.id);
    if (!st || st.failure || !job.surfaces?.[job.structures.indexOf(c)]?.length) continue;
    const prepared = prepareCrystal(c, { p1: job.options.symmetry === 'p1' });
    bulks.set(c.id, { prepared, structure: st.structure, conventionalLattice: conventionalLatticeOf(prepared, st.structure) });
  }
  attachSurfaces({ ...job, forceField: ff }, report.structures, options.signal, bulks);

  const relaxed = [...outcome.states.values()].map((s) => ({ id: s.id, structure: s.structure }));
  const catastrophe = catastropheCheck(ff, relaxed);
  for (const c of catastrophe)
    if (c.collapses) warnings.push(`${c.pair}: the fitted Buckingham form has no repulsive barrier (C/r⁶ wins at every distance): the pair collapses.`);
    else if (c.nearTurnover) warnings.push(`${c.pair}: the shortest relaxed contact (${c.shortestContact!.toFixed(3)} Å in ${c.structure}) is close to the Buckingham turnover at ${c.turnover!.toFixed(3)} Å; the potential may collapse at high temperature or pressure.`);

  // the guards at the start (guess, input geometries) and at the end (fitted set, relaxed structures)
  const guessFf = withParameters(job.forceField, Object.fromEntries(job.vary.map((name, i) => [name, outcome.start[i]!])));
  const guardsStart = guardWarnings(guessFf, job.vary, input.bounds as Record<string, [number, number]>, job.structures.map((c) => ({ id: c.id, structure: c.structure })));
  const endStructures: GuardStructure[] = [...outcome.states.values()].filter((s) => !s.failure).map((s) => {
    const el = report.structures.find((r) => r.id === s.id)?.elastic as { relaxed?: number[][]; internalEigenvalue?: number } | undefined;
    return { id: s.id, structure: s.structure, ...(el?.relaxed ? { elastic: el.relaxed } : {}), ...(el?.internalEigenvalue !== undefined ? { hessianEigenvalues: [el.internalEigenvalue] } : {}) };
  });
  const guardsEnd = guardWarnings(ff, job.vary, input.bounds as Record<string, [number, number]>, endStructures);
  for (const [when, list] of [['start', guardsStart], ['end', guardsEnd]] as const) for (const g of list) warnings.push(guardText(g, when));

  return {
    kind: 'fit',
    name: job.name,
    document: documentWithTargets(job.document, input.targets),
    targets: [...input.targets],
    settings: resultSettings(job.options),
    // the fitted charges when charges are parameters (else the document's)
    charges: ff.charges,
    parameters: parameterRows(ff, job.vary),
    varied: job.vary.map((name, i) => ({ name, initial: outcome.start[i]!, final: outcome.values[i]!, ...(outcome.uncertainty ? { standardError: outcome.uncertainty.standardErrors[i]! } : {}) })),
    objective: { initial: outcome.initialObjective, final: outcome.objective, allObservables: residuals.reduce((s, r) => s + (r.contribution ?? 0), 0) },
    converged: outcome.converged,
    iterations: outcome.iterations,
    stopReason: outcome.stopReason,
    wallTimeMs: Date.now() - t0,
    residuals,
    uncertainty: outcome.uncertainty,
    structures: report.structures.map(structurePropertiesReport),
    normalization,
    catastrophe,
    history: outcome.history,
    ...(outcome.multiStart ? { multiStart: outcome.multiStart } : {}),
    warnings,
    guards: { start: guardsStart, end: guardsEnd, constraints: [...job.options.guards] },
  };
}

/** A guard warning as a report line: `guard <kind> (start|end): message`. */
export const guardText = (g: GuardWarning, when: 'start' | 'end'): string => `guard ${g.kind} (${when}): ${g.message}`;

/** The bound of a varied parameter as text: the document's, else the fit's default. */
function boundText(input: FitInput, name: string): string {
  const b = input.bounds[name];
  if (b) return `[${b[0]}, ${b[1]}] from the document`;
  const sp = parseChargeName(name);
  const id = parseParameterName(name);
  const pot = id && input.forceField.pairs.find((p) => pairKey(p.species[0], p.species[1]) === id.pair);
  const rho = `${id?.pair}.rho`;
  if (id?.param === 'A' && pot?.type === 'buckingham' && input.vary.includes(rho))
    return `default bound on the repulsion at the shortest contact, [${REPULSION_AT_CONTACT[0]}, ${REPULSION_AT_CONTACT[1]}] eV`;
  const d = sp !== undefined ? defaultBounds('charge', input.forceField.charges[sp] ?? 0) : defaultBoundsOf(pot?.type, id?.param ?? '');
  return `default bound [${d[0]}, ${d[1]}]`;
}

/** GULP's "final values of residuals": every observable at the final states; null where its structure failed. */
export function residualRows(observables: readonly Observable[], states: ReadonlyMap<string, StructureState>, fitted: readonly Observable[]): ResidualRow[] {
  return observables.map((o) => {
    const failed = states.get(o.structureId)?.failure ?? (o.property === 'relativeEnergy' && o.other ? states.get(o.other)?.failure : undefined);
    const v = observableValue(o, states);
    const calc = !failed && Number.isFinite(v) ? v : null;
    const res = calc === null ? null : calc - o.target;
    return {
      structure: o.structureId,
      property: o.property,
      ...(o.surface ? { face: [...o.surface.face.indices] } : {}),
      target: o.target,
      source: o.source,
      calculated: calc,
      residual: res,
      weight: o.weight,
      contribution: res === null ? null : o.weight * res * res,
      percentError: res === null || o.target === 0 ? null : (100 * res) / o.target,
      inFit: fitted.includes(o),
    };
  });
}

/** One start of a multi-start fit of a job document (untrusted JSON), from the given parameter values. */
export function runFitStart(document: unknown, start: number[], options: { signal?: AbortSignal } = {}): StartOutcome {
  return runFitStarts(document, [start], options)[0]!;
}

/** Several starts of a multi-start fit of one job document: the document is parsed once for all of them. */
export function runFitStarts(document: unknown, starts: readonly number[][], options: { signal?: AbortSignal } = {}): StartOutcome[] {
  const { input, observables } = prepareFit(parseJob(document));
  return starts.map((s) => runStart(input, observables, s, options));
}
