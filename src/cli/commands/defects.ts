/**
 * `latticefit defects JOB.json [--format json|markdown|html|csv] [--cells DIR]`: the `defects`
 * block of a job document (docs/defects.md). JSON prints `defects[]` and `mixing[]` (and the
 * relaxed perfect crystals in `references`); the other formats are Tables S10 and S11. `--cells DIR`
 * writes every relaxed defect and mixed cell as CIF (P1) and as a LAMMPS data file, and the
 * ΔE(x) figure of the mixed phases as DIR/plots/mixing.svg (linked from the Markdown report; the
 * HTML report has it inline).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../errors.js';
import { defectCellFiles, defectsResult, type DefectsResult } from '../../workflows/defects.js';
import { renderDefectsReport, DEFECTS_REPORT_FORMATS, type DefectsReportFormat } from '../../reports/defects.js';
import { defectsFigures } from '../../workflows/figures.js';
import { readJson } from '../io.js';

export function checkDefectsFormat(format: string): DefectsReportFormat {
  if (!(DEFECTS_REPORT_FORMATS as readonly string[]).includes(format)) throw new DomainError('INVALID_DOCUMENT', `--format must be one of ${DEFECTS_REPORT_FORMATS.join(', ')}`, { path: '/format' });
  return format as DefectsReportFormat;
}

/** Write every relaxed cell of the result into `dir` as ID.cif and ID.data. */
export function writeCells(result: DefectsResult, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of defectCellFiles(result)) writeFileSync(join(dir, f.name), f.text);
}

export function renderDefects(result: DefectsResult, format: DefectsReportFormat): string {
  if (format === 'json') {
    const { cells: _cells, ...rest } = result;
    void _cells;
    return JSON.stringify(rest, null, 2) + '\n';
  }
  return renderDefectsReport(result, format).body;
}

export async function defectsCommand(file: string, format: string, opts: { cells?: string; quiet?: boolean } = {}): Promise<string> {
  const f = checkDefectsFormat(format);
  const result = await defectsResult(readJson(file), {
    onProgress: opts.quiet ? undefined : (p) => process.stderr.write(`[${p.done}/${p.total}] ${p.message}\n`),
  });
  if (opts.cells) writeCells(result, opts.cells);
  // the Figure S26-style ΔE(x) plot: inline in HTML; in Markdown a link to DIR/plots/mixing.svg, written with --cells DIR
  const figures = f === 'html' || (f === 'markdown' && opts.cells) ? await defectsFigures(result) : [];
  if (f !== 'html' && f !== 'markdown') return renderDefects(result, f);
  const figureDir = opts.cells ? join(opts.cells, 'plots') + '/' : 'plots/';
  if (opts.cells && figures.length) {
    mkdirSync(figureDir, { recursive: true });
    for (const fig of figures) writeFileSync(join(figureDir, fig.file), fig.svg);
  }
  return renderDefectsReport(result, f, { figures, figureDir }).body;
}
