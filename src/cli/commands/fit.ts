/**
 * `latticefit fit JOB.json [--format json|markdown|html|csv|latex] [--out DIR] [--max-iterations N]`
 * runs a relaxed fit and prints (or writes) the result and reports;
 * `latticefit report RESULT.json --format ...` renders a saved result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJob } from '../../document/parse.js';
import { runFit } from '../../fitting/fit.js';
import type { FitResult, PropertiesResult } from '../../fitting/types.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../reports/index.js';
import { DomainError } from '../../errors.js';
import { readJson } from '../io.js';
import { refuseMdInFit } from '../../workflows/md.js';
import { parallelStarts } from '../../parallel/starts.js';

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
  refuseMdInFit(doc); // MD is a report column, never inside the fit loop
  const job = parseJob(doc);
  if (o.maxIterations !== undefined) job.options.maxIterations = o.maxIterations;
  if (o.starts !== undefined) job.options.starts = o.starts;
  const t0 = Date.now();
  const result = await runFit(job, {
    runStarts: parallelStarts(),
    onProgress: o.quiet
      ? undefined
      : (p) => process.stderr.write(`\riteration ${String(p.iteration).padStart(4)}  objective ${p.objective.toPrecision(8)}  ${((Date.now() - t0) / 1000).toFixed(1)} s   `),
  });
  if (!o.quiet) process.stderr.write('\n');
  return writeOutputs(result, o.format, o.out);
}

export function writeOutputs(result: FitResult | PropertiesResult, format: ReportFormat, out?: string): string {
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
    for (const f of REPORT_FORMATS.filter((x) => x !== 'json')) {
      const r = renderReport(result, f);
      writeFileSync(join(out, `report.${r.extension}`), r.body);
    }
    return `wrote ${join(out, 'result.json')} and report.{md,html,csv,tex}\n`;
  }
  return format === 'json' ? JSON.stringify(result, null, 2) + '\n' : renderReport(result, format).body;
}

export function reportCommand(file: string, format: ReportFormat): string {
  const result = readJson(file) as FitResult | PropertiesResult;
  if (!result || (result.kind !== 'fit' && result.kind !== 'properties')) throw new DomainError('INVALID_DOCUMENT', `${file} is not a latticefit fit or properties result`, { path: '/kind' });
  return renderReport(result, format).body;
}
