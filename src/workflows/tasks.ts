/**
 * The work a job does, as one entry point per job kind. Worker threads (embedded mode) and
 * worker processes (Redis mode) both call `executeTask`; the HTTP layer calls `validateTask`
 * at the door and the renderers to serve results. Everything here is plain data in, plain JSON
 * out, so it crosses thread and process boundaries unchanged.
 *
 * - `fit`: the relaxed fit (`fit-job.ts`), with the properties of every structure at the
 *   fitted parameters; the result is a `FitResult`.
 * - `properties`: the document evaluated at its own parameters (`latticefit properties`); the
 *   result is a `PropertiesResult`.
 */
import { DEFAULT_LIMITS, parseJob, type Limits } from '../document/parse.js';
import { checkJobCost } from '../document/limits.js';
import { defectsCostItems, defectsRequest } from '../document/defects.js';
import { DomainError } from '../errors.js';
import type { StartOutcome } from '../fitting/fit.js';
import type { TaskKind, TaskProgress } from './task-types.js';
import { REPORT_FORMATS, type ReportFormat } from '../reports/index.js';
import { renderDefectsReportWithFigures, renderReportWithFigures } from './figures.js';
import { mdCostItems, mdResult } from './md.js';
import { hasMdBlock, mdRequest, readMdBlock, type MdBlockRead } from '../document/md.js';

import { exportSource } from '../io/sources.js';
import { writeGulpLibrary, writeLammpsData, writeLammpsPair } from '../io/index.js';
import { fitDocument, refuseMdInFit } from './fit-job.js';
import { propertiesResult } from './properties-job.js';
import { checkSurfaces } from './surfaces.js';
import type { FitResult, PropertiesResult, StructureReport } from './results.js';
import { exportText } from './export.js';
import { threadStarts, type StartRunner } from './starts.js';
import { cellStructure, runDefects, type DefectsResult } from './defects.js';
import { DEFECTS_REPORT_FORMATS, type DefectsReportFormat } from '../reports/defects.js';
import { writeCif } from '../io/index.js';

export type { TaskKind, TaskProgress };

export interface TaskContext {
  onProgress: (p: TaskProgress) => void;
  signal: AbortSignal;
  /** Per-job limits from the server configuration. */
  limits?: Partial<Limits> & { maxWallTimeMs?: number };
  /**
   * Runs the extra starts of a multi-start fit. Default: worker threads of this process (one, so
   * that the service's job workers do not oversubscribe the machine); the Redis queue fans them
   * out as child jobs over every worker.
   */
  runStarts?: StartRunner;
}

export type { StartOutcome };

/** Validate a document before accepting it (throws DomainError with code and path). */
export function validateTask(kind: TaskKind, document: unknown, limits?: Partial<Limits>): { structures: number; atoms: number } {
  // an md block: a properties job that runs LAMMPS (workflows/md.ts); a fit refuses it
  let md: MdBlockRead | undefined;
  if (kind === 'fit') refuseMdInFit(document);
  else if (hasMdBlock(document)) ({ document } = md = readMdBlock(document, { service: true }));
  const job = parseJob(document, { limits, kind });
  // a polar face is a setup error: refused here, before the job is accepted
  if (kind !== 'defects') checkSurfaces(job);
  if (kind === 'defects') {
    // the block resolved against the structures (references, supercells, pressures), as the run will
    defectsRequest(job, 'a defects job needs a "defects" block');
    // the structures' part was checked by parseJob; now with the supercells' work
    checkJobCost({ ...job.cost, extra: [...(job.cost.extra ?? []), ...defectsCostItems(job, job.document.defects!)] }, limits?.maxJobCost ?? DEFAULT_LIMITS.maxJobCost, '/defects');
  } else if (md) checkJobCost({ ...job.cost, extra: [...(job.cost.extra ?? []), ...mdCostItems(job, mdRequest(job, md))] }, limits?.maxJobCost ?? DEFAULT_LIMITS.maxJobCost, '/md');
  return { structures: job.structures.length, atoms: job.structures.reduce((n, s) => n + s.structure.numAtoms, 0) };
}

/** Run a task to completion; the result is JSON-serialisable. */
export async function executeTask(kind: TaskKind, document: unknown, ctx: TaskContext): Promise<FitResult | PropertiesResult | DefectsResult> {
  if (kind === 'defects') {
    const t0 = Date.now();
    const job = parseJob(document);
    return runDefects(job, defectsRequest(job), {
      signal: ctx.signal,
      onProgress: (p) => ctx.onProgress({ iteration: p.done, elapsedMs: Date.now() - t0, stage: 'defects', message: `${p.done}/${p.total} ${p.message}` }),
    }, t0);
  }
  if (kind === 'properties' && hasMdBlock(document)) {
    const t0 = Date.now();
    return mdResult(document, { signal: ctx.signal, onProgress: (p) => ctx.onProgress({ iteration: p.step, elapsedMs: Date.now() - t0, stage: 'md', message: JSON.stringify(p) }) });
  }
  if (kind === 'properties') {
    const t0 = Date.now();
    return propertiesResult(document, {
      signal: ctx.signal,
      onProgress: (p) => ctx.onProgress({ iteration: 0, elapsedMs: Date.now() - t0, stage: 'properties', message: JSON.stringify(p) }),
    });
  }
  const iterationLimit = ctx.limits?.maxIterations;
  return fitDocument(document, { parse: { limits: ctx.limits }, ...(iterationLimit !== undefined ? { iterationLimit } : {}) }, {
    signal: ctx.signal,
    onProgress: (p) => ctx.onProgress({ iteration: p.iteration, objective: p.objective, parameters: p.parameters, elapsedMs: p.elapsedMs, stage: p.stage, ...(p.accepted === undefined ? {} : { accepted: p.accepted }) }),
    runStarts: ctx.runStarts ?? threadStarts({ threads: 1, signal: ctx.signal }),
  });
}

/** Table S7/S8/S9 reports of a finished job (HTML with the figures inline; Markdown linking plots/<name>.svg). */
export async function renderReport(kind: TaskKind, result: unknown, format: string): Promise<{ body: string; contentType: string } | undefined> {
  if (kind === 'defects') {
    if (!(DEFECTS_REPORT_FORMATS as readonly string[]).includes(format)) return undefined;
    const r = await renderDefectsReportWithFigures(result as DefectsResult, format as DefectsReportFormat);
    return { body: r.body, contentType: r.contentType };
  }
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) return undefined;
  const r = await renderReportWithFigures(result as FitResult | PropertiesResult, format as ReportFormat);
  return { body: r.body, contentType: r.contentType };
}

/** The (fitted) parameter set as a file to use elsewhere: json, gulp (library) or lammps. */
export function renderParameters(_kind: TaskKind, result: unknown, format: string): { body: string; contentType: string } | undefined {
  const res = result as FitResult | PropertiesResult;
  if (format === 'json') return { body: JSON.stringify({ charges: res.charges, parameters: res.parameters }, null, 2) + '\n', contentType: 'application/json' };
  const ff = exportSource(result).forceField;
  if (format === 'gulp') return { body: writeGulpLibrary(ff, res.name), contentType: 'text/plain; charset=utf-8' };
  if (format === 'lammps') return { body: writeLammpsPair(ff), contentType: 'text/plain; charset=utf-8' };
  throw new DomainError('INVALID_DOCUMENT', `unknown parameter format ${format}`, { path: '/format' });
}

/**
 * The relaxed structures of a finished job as files, every one or the one `structureId` names:
 * - `cif`: one data block per structure (asymmetric unit and symmetry operations), as
 *   `latticefit export cif`;
 * - `lammps`: for one structure its LAMMPS data file (for `read_data`); for all, the force-field
 *   commands and every data file, each section headed by `# ==== FILE ====`, as
 *   `latticefit export lammps`;
 * - `json`: `{ structures: [{ id, cell, sites, spaceGroup }] }` as the result holds them.
 * A structure whose calculation failed before it was relaxed has no geometry: it is left out of
 * the full set, and asking for it is INVALID_STRUCTURE; an id the result does not have is
 * UNKNOWN_REFERENCE. Both errors point at the query parameter (`/structure`). Undefined for
 * another format.
 */
export function renderStructures(kind: TaskKind, result: unknown, format: string, structureId?: string): { body: string; contentType: string } | undefined {
  if (kind === 'defects') return renderDefectCells(result as DefectsResult, format, structureId);
  const res = result as FitResult | PropertiesResult;
  const hasGeometry = (s: StructureReport): boolean => s.cell !== undefined && Array.isArray(s.sites);
  let structures = res.structures.filter(hasGeometry);
  if (structureId !== undefined) {
    const s = res.structures.find((x) => x.id === structureId);
    if (!s) throw new DomainError('UNKNOWN_REFERENCE', `no structure "${structureId}" in this result (structures: ${res.structures.map((x) => x.id).join(', ')})`, { path: '/structure' });
    if (!hasGeometry(s))
      throw new DomainError('INVALID_STRUCTURE', `structure ${structureId} failed before it was relaxed (${s.error?.message ?? 'no geometry'}): there is no structure to export`, { path: '/structure', structure: structureId });
    structures = [s];
  }
  const chosen = { ...res, structures };
  switch (format) {
    case 'cif':
      return { body: exportText('cif', chosen), contentType: 'chemical/x-cif; charset=utf-8' };
    case 'lammps': {
      if (structureId === undefined) return { body: exportText('lammps', chosen), contentType: 'text/plain; charset=utf-8' };
      const src = exportSource(chosen);
      const c = src.crystals[0]!;
      const title = `${c.id}${c.label ? ` (${c.label})` : ''}${c.converged === false ? ', relaxation not converged' : ''}`;
      return { body: writeLammpsData(c.structure, src.forceField.charges, { title }), contentType: 'text/plain; charset=utf-8' };
    }
    case 'json':
      return { body: JSON.stringify({ structures: structures.map(({ id, cell, sites, spaceGroup }) => ({ id, cell, sites, spaceGroup })) }, null, 2) + '\n', contentType: 'application/json; charset=utf-8' };
    default:
      return undefined;
  }
}

/** The relaxed defect and mixed cells of a defects job: cif (P1, every cell or one), lammps (one cell), json. */
function renderDefectCells(result: DefectsResult, format: string, id?: string): { body: string; contentType: string } | undefined {
  let cells = result.cells;
  if (id !== undefined) {
    cells = cells.filter((c) => c.id === id);
    if (!cells.length) throw new DomainError('UNKNOWN_REFERENCE', `no cell "${id}" in this result (cells: ${result.cells.map((c) => c.id).join(', ')})`, { path: '/structure' });
  }
  const structure = cellStructure;
  switch (format) {
    case 'cif':
      return { body: cells.map((c) => writeCif(structure(c), { id: c.id })).join('\n'), contentType: 'chemical/x-cif; charset=utf-8' };
    case 'lammps':
      if (cells.length !== 1) throw new DomainError('INVALID_DOCUMENT', 'LAMMPS data is written for one cell: add ?structure=ID', { path: '/structure' });
      return { body: writeLammpsData(structure(cells[0]!), result.charges, { title: cells[0]!.id }), contentType: 'text/plain; charset=utf-8' };
    case 'json':
      return { body: JSON.stringify({ cells }, null, 2) + '\n', contentType: 'application/json; charset=utf-8' };
    default:
      return undefined;
  }
}
