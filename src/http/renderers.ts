/**
 * Renderers: a succeeded job's result → a report (markdown, html, csv, latex, json) or a
 * parameter file (json, gulp, lammps). The HTTP layer receives them as a dependency of
 * `buildApp`, so they can come from the task module (the lead's `tasks.ts`) without the routes
 * changing.
 *
 * Expected exports of a task module (proposal for `src/jobs/tasks.ts`):
 *
 *   export function renderReport(kind: TaskKind, result: unknown, format: ReportFormat): string
 *   export function renderParameters(kind: TaskKind, result: unknown, format: ParameterFormat): string
 *
 * Either may return `{ body, contentType }` instead of a string, or `undefined` for a format it
 * does not support. Without them, only `json` is served (the result itself; for parameters, its
 * `parameters` field) and the other formats answer 501 RENDERER_UNAVAILABLE.
 */
import type { TaskModule } from '../jobs/task-module.js';
import type { TaskKind } from '../jobs/types.js';
import type { ParameterFormat, ReportFormat } from './schemas.js';

export interface Rendered {
  body: string;
  contentType: string;
}

export interface Renderers {
  /** undefined: this format is not available. */
  report(kind: TaskKind, result: unknown, format: ReportFormat): Rendered | undefined | Promise<Rendered | undefined>;
  parameters(kind: TaskKind, result: unknown, format: ParameterFormat): Rendered | undefined | Promise<Rendered | undefined>;
}

export const CONTENT_TYPES: Record<ReportFormat | ParameterFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  latex: 'application/x-latex; charset=utf-8',
  json: 'application/json; charset=utf-8',
  gulp: 'text/plain; charset=utf-8',
  lammps: 'text/plain; charset=utf-8',
};

export const FILE_EXTENSIONS: Record<ReportFormat | ParameterFormat, string> = {
  markdown: 'md',
  html: 'html',
  csv: 'csv',
  latex: 'tex',
  json: 'json',
  gulp: 'gin',
  lammps: 'lmp',
};

function normalise(out: unknown, format: ReportFormat | ParameterFormat): Rendered | undefined {
  if (out === undefined || out === null) return undefined;
  if (typeof out === 'string') return { body: out, contentType: CONTENT_TYPES[format] };
  const o = out as Partial<Rendered>;
  if (typeof o.body === 'string') return { body: o.body, contentType: o.contentType ?? CONTENT_TYPES[format] };
  if (format === 'json') return { body: JSON.stringify(out, null, 2) + '\n', contentType: CONTENT_TYPES.json };
  throw new Error(`renderer for ${format} returned neither a string nor { body }`);
}

const json = (value: unknown): Rendered | undefined =>
  value === undefined ? undefined : { body: JSON.stringify(value, null, 2) + '\n', contentType: CONTENT_TYPES.json };

/** The JSON-only fallback. */
export const jsonRenderers: Renderers = {
  report: (_kind, result, format) => (format === 'json' ? json(result) : undefined),
  parameters: (_kind, result, format) => (format === 'json' ? json((result as { parameters?: unknown } | null)?.parameters) : undefined),
};

/** Renderers from a task module's optional `renderReport` / `renderParameters`, JSON fallback. */
export function renderersFrom(mod: Pick<TaskModule, 'renderReport' | 'renderParameters'>): Renderers {
  return {
    report: async (kind, result, format) =>
      (mod.renderReport ? normalise(await mod.renderReport(kind, result, format), format) : undefined) ?? jsonRenderers.report(kind, result, format),
    parameters: async (kind, result, format) =>
      (mod.renderParameters ? normalise(await mod.renderParameters(kind, result, format), format) : undefined) ?? jsonRenderers.parameters(kind, result, format),
  };
}
