/**
 * `latticefit fit JOB.json [--format json|markdown|html|csv|latex] [--out DIR] [--max-iterations N]`
 * runs a relaxed fit and prints (or writes) the result and reports;
 * `latticefit report RESULT.json --format ...` renders a saved result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitDocument } from '../../workflows/fit-job.js';
import type { FitResult, PropertiesResult } from '../../workflows/results.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../reports/index.js';
import { figures, FIGURE_DIR, renderReportWithFigures } from '../../workflows/figures.js';
import { DomainError } from '../../errors.js';
import { readJson } from '../io.js';
import { threadStarts } from '../../workflows/starts.js';

export function checkFormat(format: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new DomainError('INVALID_DOCUMENT', `--format must be one of ${REPORT_FORMATS.join(', ')}`, { path: '/format' });
  return format as ReportFormat;
}

export interface FitCommandOptions {
  format: ReportFormat;
  out?: string;
  maxIterations?: number;
  starts?: number;
  quiet?: boolean;
}

export async function fitCommand(file: string, o: FitCommandOptions): Promise<string> {
  const doc = readJson(file) as Record<string, unknown>;
  const t0 = Date.now();
  // an md block is refused (MD is a report column, never inside the fit loop)
  const result = await fitDocument(doc, { ...(o.maxIterations !== undefined ? { maxIterations: o.maxIterations } : {}), ...(o.starts !== undefined ? { starts: o.starts } : {}) }, {
    runStarts: threadStarts(),
    onProgress: o.quiet
      ? undefined
      : (p) => process.stderr.write(`\riteration ${String(p.iteration).padStart(4)}  objective ${p.objective.toPrecision(8)}  ${((Date.now() - t0) / 1000).toFixed(1)} s   `),
  });
  if (!o.quiet) process.stderr.write('\n');
  return writeOutputs(result, o.format, o.out);
}

/**
 * With `out`: result.json, report.{md,html,csv,tex} and the figures as plots/<name>.svg (the
 * Markdown report links them, the HTML report has them inline); `withResult: false` leaves
 * result.json out (`latticefit report --out`). Without: the result or the report on stdout.
 */
export async function writeOutputs(result: FitResult | PropertiesResult, format: ReportFormat, out?: string, withResult = true): Promise<string> {
  if (out) {
    mkdirSync(join(out, FIGURE_DIR), { recursive: true });
    if (withResult) writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
    const figs = await figures(result);
    for (const f of figs) writeFileSync(join(out, FIGURE_DIR, f.file), f.svg);
    for (const f of REPORT_FORMATS.filter((x) => x !== 'json')) {
      const r = await renderReportWithFigures(result, f, figs);
      writeFileSync(join(out, `report.${r.extension}`), r.body);
    }
    return `wrote ${withResult ? `${join(out, 'result.json')}, ` : ''}${join(out, 'report.{md,html,csv,tex}')} and ${figs.length} figures in ${join(out, FIGURE_DIR)}\n`;
  }
  if (format === 'json') return JSON.stringify(result, null, 2) + '\n';
  // on stdout there are no SVG files to link: the Markdown report is the tables alone
  return format === 'html' ? (await renderReportWithFigures(result, format)).body : renderReport(result, format).body;
}

export async function reportCommand(file: string, format: ReportFormat, out?: string): Promise<string> {
  const result = readJson(file) as FitResult | PropertiesResult;
  if (!result || (result.kind !== 'fit' && result.kind !== 'properties')) throw new DomainError('INVALID_DOCUMENT', `${file} is not a latticefit fit or properties result`, { path: '/kind' });
  if (out) return writeOutputs(result, format, out, false);
  return format === 'html' ? (await renderReportWithFigures(result, format)).body : renderReport(result, format).body;
}
