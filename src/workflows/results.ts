/**
 * The results of the use cases, as plain JSON-serialisable data (they cross threads, processes,
 * the store and HTTP unchanged): `latticefit fit --format json` and `latticefit properties
 * --format json` print exactly these, and `reports/` renders them from these types alone. A
 * result carries its own targets table (`targets`, with the computed `dftNormalized` values) and
 * the settings it was computed with; `document` is the job as given with those values written
 * in, kept for the exporters (a GULP input that reruns the job).
 */
import { evPerA3ToGPa } from '../units/index.js';
import type { JobDocument } from '../document/schema.js';
import { PAIR_PARAMETERS, pairKey, type ForceField, type PairType } from '../potentials/forcefield.js';
import type { PropertyTarget, StructureTargets } from '../properties/vocabulary.js';
import type { PairTurnover } from '../fitting/catastrophe.js';
import type { GuardWarning } from '../fitting/guards.js';
import type { Uncertainty } from '../fitting/uncertainty.js';
import type { NormalizationFactor } from '../fitting/normalize.js';
import type { TargetSource } from '../fitting/observables.js';
import type { StructureProperties as DomainStructureProperties } from '../properties/index.js';
import type { TransitionPoint, TransitionResult } from '../properties/transition.js';
import type { EosPoint, EquationOfState } from '../properties/eos.js';

export type { PairTurnover, NormalizationFactor, Uncertainty, StructureTargets, PropertyTarget };
/** The property vocabulary (names, units, weight classes) the tables are laid out by. */
export { PROPERTIES, type WeightClass } from '../properties/vocabulary.js';

/** The settings a result was computed with (what its tables need to say). */
export interface ResultSettings {
  relax: boolean;
  /** The job's external pressure, GPa (the result's unit; eV/Å³ inside). */
  pressureGPa: number;
  bulkModulus: 'reuss' | 'voigt' | 'hill';
  shearModulus: 'reuss' | 'voigt' | 'hill';
}

/** The settings of a result, from the resolved options of its job (pressure in eV/Å³, given in GPa). */
export const resultSettings = (o: Omit<ResultSettings, 'pressureGPa'> & { pressure: number }): ResultSettings => ({ relax: o.relax, pressureGPa: evPerA3ToGPa(o.pressure), bulkModulus: o.bulkModulus, shearModulus: o.shearModulus });

/** One row of Table S7. */
export interface ParameterRow {
  /** canonical pair key, e.g. `Cd-Se` (parameter names are `Cd-Se.A`, …) */
  pair: string;
  species: [string, string];
  type: PairType;
  A: number;
  rho?: number;
  C?: number;
  B?: number;
  cutoff: number;
  /** names of the parameters of this pair that were fitted */
  varied: string[];
}

/** One row of GULP's "Final values of residuals". */
export interface ResidualRow {
  structure: string;
  /** a vocabulary name, or `surfaceEnergy` (J/m²) with its `face` */
  property: string;
  face?: number[];
  target: number;
  /** the target's source, or `fit` for a surface-energy target given as a number */
  source: TargetSource;
  /** null when the structure failed at the final parameters */
  calculated: number | null;
  /** calculated − target */
  residual: number | null;
  weight: number;
  /** w (calculated − target)² */
  contribution: number | null;
  /** 100 (calculated − target) / target */
  percentError: number | null;
  /** false when the observable's structure failed at the start and was left out of the fit */
  inFit: boolean;
}

/** Per-structure properties at a parameter set (the `latticefit properties` entry). */
export interface StructureReport {
  id: string;
  label?: string;
  formula?: string;
  spaceGroup?: { symbol: string; number: number };
  converged?: boolean;
  iterations?: number;
  warnings?: { kind: string; message: string }[];
  cell?: Record<string, number>;
  sites?: { species: string; frac: number[] }[];
  properties: Record<string, number>;
  error?: { code: string; message: string };
  [extra: string]: unknown;
}

/** What every result of a job document holds: its job, targets, settings, force field, structures. */
export interface ResultBase {
  name: string;
  /** the job document, with computed dftNormalized values filled in (for exports) */
  document: JobDocument;
  /** targets of every structure, in document order (computed dftNormalized values included) */
  targets: StructureTargets[];
  settings: ResultSettings;
  charges: Record<string, number>;
  parameters: ParameterRow[];
  structures: StructureReport[];
  normalization: NormalizationFactor[];
  wallTimeMs: number;
  warnings: string[];
}

export interface FitResult extends ResultBase {
  kind: 'fit';
  varied: { name: string; initial: number; final: number; standardError?: number }[];
  /** Weighted sum of squares over the fitted observables at the start and the end; `allObservables`
   * also counts observables left out of the fit (their structure failed at the start). */
  objective: { initial: number; final: number; allObservables: number };
  converged: boolean;
  iterations: number;
  stopReason: string;
  residuals: ResidualRow[];
  uncertainty: Uncertainty | null;
  catastrophe: PairTurnover[];
  history: { iteration: number; objective: number; accepted: boolean; note?: string }[];
  multiStart?: { starts: number; best: number; objectives: number[]; failed: number };
  /** The guards (fitting/guards.ts) at the guess on the input geometries and at the fitted set on the relaxed structures, and those the fit respected as constraints (`options.guards`). */
  guards?: { start: GuardWarning[]; end: GuardWarning[]; constraints: string[] };
}

export interface PropertiesResult extends ResultBase {
  kind: 'properties';
}

/** The result of the properties use case: a `PropertiesResult` with the job's pressure (GPa) and the suite's full detail per structure (elastic tensors, equation of state, transition search). */
export type PropertiesCommandResult = PropertiesResult & { pressureGPa: number; structures: StructureProperties[] };

/** One point of a transition search as a result gives it: its pressure in GPa. */
export type TransitionPointReport = Omit<TransitionPoint, 'pressure'> & { pressureGPa: number };
/** A transition search as a result gives it (properties/transition.ts `TransitionResult`, pressures in GPa). */
export type TransitionReport = Omit<TransitionResult, 'pressure' | 'curve'> & { pressureGPa: number | null; curve: TransitionPointReport[] };
/** One equation-of-state point as a result gives it: its measured pressure in GPa. */
export type EosPointReport = Omit<EosPoint, 'pressure'> & { pressureGPa: number };
/** An equation of state as a result gives it (properties/eos.ts `EquationOfState`, point pressures in GPa). */
export type EquationOfStateReport = Omit<EquationOfState, 'points'> & { points: EosPointReport[] };
/** A structure of the property suite as a result gives it: pressures in GPa. */
export type StructureProperties = Omit<DomainStructureProperties, 'transition' | 'eos'> & { transition?: TransitionReport; eos?: EquationOfStateReport };

/** `o` with its `pressure` (eV/Å³, or null) as `pressureGPa`, in the same place among its keys. */
function pressureInGPa<T extends { pressure: number | null }>(o: T, also: Partial<Record<keyof T, unknown>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'pressure') out.pressureGPa = v === null ? null : evPerA3ToGPa(v as number);
    else out[k] = k in also ? also[k as keyof T] : v;
  }
  return out;
}

/**
 * The result edge of the property suite: its pressures (eV/Å³ inside) in GPa, each key in its
 * place, so that the JSON a pipeline reads is what it was (`transition.pressureGPa`,
 * `transition.curve[].pressureGPa`, `eos.points[].pressureGPa`).
 */
export function structurePropertiesReport(s: DomainStructureProperties): StructureProperties {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'transition' && s.transition) out.transition = pressureInGPa(s.transition, { curve: s.transition.curve.map((p) => pressureInGPa(p)) });
    else if (k === 'eos' && s.eos) out.eos = { ...s.eos, points: s.eos.points.map((p) => pressureInGPa(p)) };
    else out[k] = v;
  }
  return out as StructureProperties;
}

/** Table S7 rows of a force field; `vary` names the fitted parameters. */
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

/** A copy of the job document with the targets' computed `dftNormalized` values written in. */
export function documentWithTargets(document: JobDocument, targets: readonly StructureTargets[]): JobDocument {
  const doc = structuredClone(document);
  for (const s of doc.structures) {
    const t = targets.find((p) => p.id === s.id);
    if (!t || !s.properties) continue;
    for (const [k, v] of Object.entries(t.properties)) if (s.properties[k] && v.dftNormalized !== undefined) (s.properties[k] as { dftNormalized?: number }).dftNormalized = v.dftNormalized;
  }
  return doc;
}
