/**
 * Reports with their figures: the plots of a result (`src/plots`, SVG) put into the HTML report
 * inline and linked from the Markdown report (as `plots/<name>.svg`, where `--out DIR` writes
 * them and where `GET /v1/fits/{id}/plots/<name>.svg` serves them relative to the report's URL).
 * Other formats are the tables alone.
 */
import type { FitResult, PropertiesResult } from '../workflows/results.js';
import { figures, type Figure } from '../plots/index.js';
import { renderReport, type RenderedReport, type ReportFigure, type ReportFormat } from '../reports/index.js';
import { renderDefectsReport, type DefectsReportFormat } from '../reports/defects.js';
import { mixingPlot } from '../plots/mixing.js';
import type { DefectsResult } from './defects.js';

export const FIGURE_DIR = 'plots/';

/** The report in `format`, with the figures where the format can show them. */
export async function renderReportWithFigures(result: FitResult | PropertiesResult, format: ReportFormat, known?: readonly Figure[]): Promise<RenderedReport> {
  if (format !== 'html' && format !== 'markdown') return renderReport(result, format);
  return renderReport(result, format, { figures: known ?? (await figures(result)), figureDir: FIGURE_DIR });
}

export { figures, renderFigure, isFigureName, FIGURE_NAMES, type Figure, type FigureName } from '../plots/index.js';

/**
 * The figure of a defects result: ΔE(x) of every phase of its mixed-phase compositions (Table S11,
 * a Figure S26-style plot), as `plots/mixing.svg`; none when the result has no mixing rows.
 */
export async function defectsFigures(result: DefectsResult): Promise<ReportFigure[]> {
  if (!result.mixing.length) return [];
  return [{
    file: 'mixing.svg',
    title: 'Formation energies of the mixed phases',
    caption: 'ΔE(x) per formula unit against the end members, mean of the seeded random configurations with their spread, one curve per phase.',
    svg: await mixingPlot(result.mixing),
  }];
}

/** A defects report in `format`, with the mixing figure where the format can show it. */
export async function renderDefectsReportWithFigures(result: DefectsResult, format: DefectsReportFormat): Promise<RenderedReport> {
  if (format !== 'html' && format !== 'markdown') return renderDefectsReport(result, format);
  return renderDefectsReport(result, format, { figures: await defectsFigures(result), figureDir: FIGURE_DIR });
}
