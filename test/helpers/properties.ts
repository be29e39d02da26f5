/**
 * Shared set-up of the property tests: the published Pb-Se-Cd model (fixtures/pbcdse-published.json, with the
 * Cd-Se A erratum already applied) through parseJob + buildEnergyModel, and tight relaxations.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJob, type ParsedJob } from '../../src/document/parse.js';
import type { SymmetrizedCrystal } from '../../src/crystal/crystal.js';
import { buildEnergyModel } from '../../src/potentials/index.js';
import type { EnergyModel } from '../../src/potentials/model.js';
import { type PrepareOptions, type PreparedCrystal, type RelaxedCrystal, prepareCrystal, relaxCrystal } from '../../src/properties/crystal.js';
import { FIXTURES } from './cells.js';
import { gpaToEvPerA3 } from '../../src/units/index.js';

export const PUBLISHED_JOB_PATH = resolve(FIXTURES, 'pbcdse-published.json');

export function publishedDocument(): Record<string, unknown> {
  return JSON.parse(readFileSync(PUBLISHED_JOB_PATH, 'utf8'));
}

export function publishedJob(): ParsedJob {
  return parseJob(publishedDocument());
}

let cached: { job: ParsedJob; model: EnergyModel } | undefined;
export function published(): { job: ParsedJob; model: EnergyModel } {
  if (!cached) {
    const job = publishedJob();
    cached = { job, model: buildEnergyModel(job.forceField) };
  }
  return cached;
}

export function crystal(id: string): SymmetrizedCrystal {
  const s = published().job.structures.find((c) => c.id === id);
  if (!s) throw new Error(`no structure ${id}`);
  return s;
}

/** Tight relaxation settings of the property tests (see TOL.propertiesForceEvA). */
export const TIGHT = { forceTolerance: 1e-10, stressTolerance: gpaToEvPerA3(1e-8) } as const;

export function relaxedCrystal(id: string, options: PrepareOptions = {}): { prepared: PreparedCrystal; relaxed: RelaxedCrystal } {
  const prepared = prepareCrystal(crystal(id), options);
  return { prepared, relaxed: relaxCrystal(published().model, prepared, TIGHT) };
}

/** Largest |a_ij − b_ij|. */
export function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i]![j]!)))));
  return m;
}
