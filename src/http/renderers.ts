/**
 * Renderers: a succeeded job's result → a report (markdown, html, csv, latex, json), a
 * parameter file (json, gulp, lammps) or its relaxed structures (cif, lammps, json). The HTTP
 * layer receives them as a dependency of `buildApp`, so they can come from the task module (the
 * lead's `tasks.ts`) without the routes changing.
 *
 * Expected exports of a task module (as `src/jobs/tasks.ts` has them):
 *
 *   export function renderReport(kind: TaskKind, result: unknown, format: ReportFormat): string
 *   export function renderParameters(kind: TaskKind, result: unknown, format: ParameterFormat): string
 *   export function renderStructures(kind: TaskKind, result: unknown, format: StructureFormat, structureId?: string): string
 *
 * Any may return `{ body, contentType }` instead of a string, or `undefined` for a format it
 * does not support. `renderStructures` throws a DomainError for a `structureId` the result does
 * not have (UNKNOWN_REFERENCE) or one without a geometry (INVALID_STRUCTURE), with the path
 * `/structure` (the query parameter). Without them, only `json` is served (the result itself; for
 * parameters, its `parameters` field; for structures, `{ structures: [{ id, cell, sites,
 * spaceGroup }] }` as the result holds them) and the other formats answer 501
 * RENDERER_UNAVAILABLE.
 */
import type { TaskModule } from '../jobs/task-module.js';
import type { TaskKind } from '../jobs/types.js';
import { HttpError } from './errors.js';
import type { ParameterFormat, ReportFormat, StructureFormat } from './schemas.js';

export interface Rendered {
  body: string;
  contentType: string;
}

export interface Renderers {
  /** undefined: this format is not available. */
  report(kind: TaskKind, result: unknown, format: ReportFormat): Rendered | undefined | Promise<Rendered | undefined>;
  parameters(kind: TaskKind, result: unknown, format: ParameterFormat): Rendered | undefined | Promise<Rendered | undefined>;
  /** Every relaxed structure, or the one `structureId` names (throws for an id the result does not have). */
  structures(kind: TaskKind, result: unknown, format: StructureFormat, structureId?: string): Rendered | undefined | Promise<Rendered | undefined>;
}

type Format = ReportFormat | ParameterFormat | StructureFormat;

export const CONTENT_TYPES: Record<Format, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  latex: 'application/x-latex; charset=utf-8',
  json: 'application/json; charset=utf-8',
  gulp: 'text/plain; charset=utf-8',
  lammps: 'text/plain; charset=utf-8',
  cif: 'chemical/x-cif; charset=utf-8',
};

export const FILE_EXTENSIONS: Record<Format, string> = {
  markdown: 'md',
  html: 'html',
  csv: 'csv',
  latex: 'tex',
  json: 'json',
  gulp: 'gin',
  lammps: 'lmp',
  cif: 'cif',
};

function normalise(out: unknown, format: Format): Rendered | undefined {
  if (out === undefined || out === null) return undefined;
  if (typeof out === 'string') return { body: out, contentType: CONTENT_TYPES[format] };
  const o = out as Partial<Rendered>;
  if (typeof o.body === 'string') return { body: o.body, contentType: o.contentType ?? CONTENT_TYPES[format] };
  if (format === 'json') return { body: JSON.stringify(out, null, 2) + '\n', contentType: CONTENT_TYPES.json };
  throw new Error(`renderer for ${format} returned neither a string nor { body }`);
}

const json = (value: unknown): Rendered | undefined =>
  value === undefined ? undefined : { body: JSON.stringify(value, null, 2) + '\n', contentType: CONTENT_TYPES.json };

interface StructureFields {
  id?: unknown;
  cell?: unknown;
  sites?: unknown;
  spaceGroup?: unknown;
}

/** `{ structures: [{ id, cell, sites, spaceGroup }] }` of the result's structures, or of the one named. */
function structuresJson(result: unknown, structureId: string | undefined): Rendered | undefined {
  const all = (result as { structures?: StructureFields[] } | null)?.structures;
  if (!Array.isArray(all)) return undefined;
  const chosen = structureId === undefined ? all : all.filter((s) => s.id === structureId);
  if (!chosen.length)
    throw new HttpError('UNKNOWN_REFERENCE', `no structure "${structureId}" in this result (structures: ${all.map((s) => String(s.id)).join(', ')})`, { path: '/structure' });
  return json({ structures: chosen.map(({ id, cell, sites, spaceGroup }) => ({ id, cell, sites, spaceGroup })) });
}

/** The JSON-only fallback. */
export const jsonRenderers: Renderers = {
  report: (_kind, result, format) => (format === 'json' ? json(result) : undefined),
  parameters: (_kind, result, format) => (format === 'json' ? json((result as { parameters?: unknown } | null)?.parameters) : undefined),
  structures: (_kind, result, format, structureId) => (format === 'json' ? structuresJson(result, structureId) : undefined),
};

/** Renderers from a task module's optional `renderReport` / `renderParameters` / `renderStructures`, JSON fallback. */
export function renderersFrom(mod: Pick<TaskModule, 'renderReport' | 'renderParameters' | 'renderStructures'>): Renderers {
  return {
    report: async (kind, result, format) =>
      (mod.renderReport ? normalise(await mod.renderReport(kind, result, format), format) : undefined) ?? jsonRenderers.report(kind, result, format),
    parameters: async (kind, result, format) =>
      (mod.renderParameters ? normalise(await mod.renderParameters(kind, result, format), format) : undefined) ?? jsonRenderers.parameters(kind, result, format),
    structures: async (kind, result, format, structureId) =>
      (mod.renderStructures ? normalise(await mod.renderStructures(kind, result, format, structureId), format) : undefined) ??
      jsonRenderers.structures(kind, result, format, structureId),
  };
}
