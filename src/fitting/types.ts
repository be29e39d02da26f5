/**
 * The result of a fit, as plain JSON-serialisable data (it crosses threads, processes, the
 * store and HTTP unchanged). `latticefit fit --format json` prints exactly this.
 */
import type { PairType } from '../potentials/forcefield.js';
import type { Source } from '../document/vocabulary.js';
import type { JobDocument } from '../document/schema.js';
import type { Uncertainty } from './uncertainty.js';
import type { NormalizationFactor } from './normalize.js';

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
  property: string;
  target: number;
  source: Source;
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

export interface PairTurnover {
  pair: string;
  /** Å; undefined when the pair has no turnover (C = 0) */
  turnover?: number;
  /** shortest contact of this pair in any relaxed structure, Å */
  shortestContact?: number;
  structure?: string;
  /** the pair has no repulsive barrier at all: it collapses from any distance */
  collapses?: boolean;
  /** true when the shortest contact comes within the margin of the turnover */
  nearTurnover: boolean;
}

export interface FitResult {
  kind: 'fit';
  name: string;
  /** the job document, with computed dftNormalized values filled in */
  document: JobDocument;
  charges: Record<string, number>;
  parameters: ParameterRow[];
  varied: { name: string; initial: number; final: number; standardError?: number }[];
  /** Weighted sum of squares over the fitted observables at the start and the end; `allObservables`
   * also counts observables left out of the fit (their structure failed at the start). */
  objective: { initial: number; final: number; allObservables: number; published?: number };
  converged: boolean;
  iterations: number;
  stopReason: string;
  wallTimeMs: number;
  residuals: ResidualRow[];
  uncertainty: Uncertainty | null;
  structures: StructureReport[];
  normalization: NormalizationFactor[];
  catastrophe: PairTurnover[];
  history: { iteration: number; objective: number; accepted: boolean; note?: string }[];
  multiStart?: { starts: number; best: number; objectives: number[]; failed: number };
  warnings: string[];
}

export interface PropertiesResult {
  kind: 'properties';
  name: string;
  document: JobDocument;
  charges: Record<string, number>;
  parameters: ParameterRow[];
  structures: StructureReport[];
  normalization: NormalizationFactor[];
  wallTimeMs: number;
  warnings: string[];
}
