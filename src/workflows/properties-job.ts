/**
 * The properties use case (`latticefit properties`, the `properties` job kind): relax every
 * structure of a job document at its own parameters and report its properties (GULP's
 * `opti conp prop`), the relative energies and the transition pressures its targets ask for.
 * The result is a `PropertiesResult`, with the full per-structure detail (elastic tensors,
 * equation of state, transition search) the suite computes.
 *
 * Extras run when asked for: the Birch-Murnaghan equation of state of every structure when the
 * document says `options.equationOfState: true` (no property derives from it: it is a cross-check
 * of B, about a third of the command's time when on); the transition-pressure searches for the
 * `transitionPressure` targets unless `options.transitionPressures: false`.
 */
import { evPerA3ToGPa } from '../units/index.js';
import { parseJob, type ParsedJob } from '../document/parse.js';
import { normalizeDft } from '../fitting/normalize.js';
import { buildEnergyModel } from '../potentials/index.js';
import { type PropertiesOptions, computeProperties } from '../properties/index.js';
import { documentWithTargets, parameterRows, resultSettings, structurePropertiesReport, type PropertiesCommandResult, type StructureProperties, type StructureReport } from './results.js';
import { attachSurfaces, checkSurfaces } from './surfaces.js';
import type { CrystalGeometry } from '../properties/crystal.js';

export type { PropertiesOptions, StructureProperties, PropertiesCommandResult };

/** Compute the properties of a job document (untrusted JSON, or a job parsed already). */
export async function propertiesResult(doc: unknown, opts: PropertiesOptions = {}): Promise<PropertiesCommandResult> {
  const t0 = Date.now();
  const job: ParsedJob = parseJob(doc);
  checkSurfaces(job); // a polar face is refused before any work
  const { targets, factors } = job.options.normalizeDft ? normalizeDft(job) : { targets: job.targets, factors: [] };
  // the relaxed bulks, recorded as the suite relaxes them: the slabs are cut from these
  const relaxed = new Map<string, CrystalGeometry>();
  const cache = { get: (id: string) => opts.cache?.get(id), set: (id: string, g: CrystalGeometry) => (relaxed.set(id, g), opts.cache?.set(id, g)) };
  const report = await computeProperties({ ...job, targets }, buildEnergyModel(job.forceField), { eos: job.options.equationOfState ?? false, transitionPressures: job.options.transitionPressures, ...opts, cache });
  // the structures, pressures in GPa, are StructureReports (checked here at compile time)
  const structures: StructureReport[] & StructureProperties[] = report.structures.map(structurePropertiesReport);
  attachSurfaces(job, structures, opts.signal, relaxed); // structures[].surfaces[]
  const warnings = report.structures.filter((s) => s.error).map((s) => `${s.id} failed: ${s.error!.code}: ${s.error!.message}`);
  return {
    kind: 'properties',
    name: job.name,
    pressureGPa: evPerA3ToGPa(report.pressure),
    wallTimeMs: Date.now() - t0,
    warnings,
    structures,
    charges: job.forceField.charges,
    parameters: parameterRows(job.forceField, job.vary),
    normalization: factors,
    targets,
    settings: resultSettings(job.options),
    document: documentWithTargets(job.document, targets),
  };
}
