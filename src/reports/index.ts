/**
 * Reports: result → text in the format asked. Pure functions of the result.
 */
import type { FitResult, PropertiesResult } from '../workflows/results.js';
import { guardTable, parameterTable, propertyTables, residualTable, type Table } from './tables.js';
import { type ReportFormat, tableToMarkdown, htmlDocument, tableToCsv, latexDocument } from './render.js';

export type { ReportFormat } from './render.js';
export const REPORT_FORMATS: readonly ReportFormat[] = ['markdown', 'html', 'csv', 'latex', 'json'];

export interface RenderedReport {
  contentType: string;
  extension: string;
  body: string;
}

export function reportTables(result: FitResult | PropertiesResult): Table[] {
  const fittedCharges = result.kind === 'fit' ? result.varied.map((v) => /^(.+)\.charge$/.exec(v.name)?.[1]).filter((s): s is string => s !== undefined) : [];
  const tables = [parameterTable(result.parameters, result.charges, undefined, fittedCharges), ...propertyTables(result)];
  if (result.kind === 'fit') {
    tables.push(residualTable(result));
    const guards = guardTable(result);
    if (guards) tables.push(guards);
  }
  return tables;
}

function summary(result: FitResult | PropertiesResult): string[] {
  const lines: string[] = [];
  if (result.kind === 'fit') {
    lines.push(
      `Relaxed fit: objective ${result.objective.initial.toPrecision(6)} → ${result.objective.final.toPrecision(6)}` +
        `, ${result.iterations} iterations, ${result.converged ? 'converged' : 'not converged'} (${result.stopReason}), ${(result.wallTimeMs / 1000).toFixed(2)} s.`,
    );
  }
  for (const n of result.normalization) lines.push(`DFT lattice parameters of ${n.formula} normalised by ${n.factor.toFixed(5)} (reference ${n.referenceStructure}).`);
  if (result.kind === 'fit') for (const w of result.uncertainty?.warnings ?? []) lines.push(`Note: ${w}`);
  for (const w of result.warnings) lines.push(`Warning: ${w}`);
  return lines;
}

/** A figure the report shows: inline SVG in HTML, a link to `<figureDir><file>` in Markdown. */
export interface ReportFigure {
  file: string;
  title: string;
  caption: string;
  svg: string;
}

export interface ReportOptions {
  figures?: readonly ReportFigure[];
  /** where the Markdown report links the SVG files, relative to the report (default `plots/`) */
  figureDir?: string;
}

export function renderReport(result: FitResult | PropertiesResult, format: ReportFormat, options: ReportOptions = {}): RenderedReport {
  const tables = reportTables(result);
  const title = result.name;
  const figures = options.figures ?? [];
  const figureDir = options.figureDir ?? 'plots/';
  switch (format) {
    case 'json':
      return { contentType: 'application/json', extension: 'json', body: JSON.stringify({ title, summary: summary(result), tables }, null, 2) + '\n' };
    case 'markdown':
      return { contentType: 'text/markdown; charset=utf-8', extension: 'md', body: [`# ${title}`, '', ...summary(result).map((l) => `${l}  `), '', ...figures.flatMap((f) => [`![${f.title}](${figureDir}${f.file})`, '', `*${f.title}.* ${f.caption}`, '']), ...tables.map(tableToMarkdown)].join('\n') };
    case 'html':
      return { contentType: 'text/html; charset=utf-8', extension: 'html', body: htmlDocument(title, tables, summary(result).map((l) => `<p>${escapeText(l)}</p>`).join('\n') + figures.map(figureHtml).join('')) };
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8', extension: 'csv', body: tables.map(tableToCsv).join('\r\n') };
    case 'latex':
      return { contentType: 'application/x-latex; charset=utf-8', extension: 'tex', body: latexDocument(tables) };
  }
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A figure as an HTML figure element with the SVG inline (the SVG is the plot renderer's, self-contained). */
export const figureHtml = (f: ReportFigure): string =>
  `\n<figure class="plot" id="figure-${f.file.replace(/\.svg$/, '').replace(/[^A-Za-z0-9-]/g, '-')}">\n${f.svg}\n<figcaption><strong>${escapeText(f.title)}.</strong> ${escapeText(f.caption)}</figcaption>\n</figure>`;
