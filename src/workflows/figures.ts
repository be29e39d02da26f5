/**
 * Reports with their figures: the plots of a result (`src/plots`, SVG) put into the HTML report
 * inline and linked from the Markdown report (as `plots/<name>.svg`, where `--out DIR` writes
 * them and where `GET /v1/fits/{id}/plots/<name>.svg` serves them relative to the report's URL).
 * Other formats are the tables alone.
 */
import type { FitResult, PropertiesResult } from '../workflows/results.js';
import { figures, type Figure } from '../plots/index.js';
import { renderReport, type RenderedReport, type ReportFormat } from '../reports/index.js';

export const FIGURE_DIR = 'plots/';

/** The report in `format`, with the figures where the format can show them. */
export async function renderReportWithFigures(result: FitResult | PropertiesResult, format: ReportFormat, known?: readonly Figure[]): Promise<RenderedReport> {
  if (format !== 'html' && format !== 'markdown') return renderReport(result, format);
  return renderReport(result, format, { figures: known ?? (await figures(result)), figureDir: FIGURE_DIR });
}

export { figures, renderFigure, isFigureName, FIGURE_NAMES, type Figure, type FigureName } from '../plots/index.js';
