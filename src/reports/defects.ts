/**
 * Tables S10 (defect formation energies, Force field | DFT per structure) and S11 (mixing energies
 * and lattice parameters of the mixed phases) of a defects result, as markdown, html, csv or
 * json. Pure functions of the result (`DefectsResult`, src/workflows/defects.ts).
 */
import type { DefectsResult, DefectRow } from '../workflows/defects.js';
import type { Table, Section } from './tables.js';
import { tableToMarkdown, tableToCsv, htmlDocument } from './render.js';
import { figureHtml, type RenderedReport, type ReportOptions } from './index.js';

export type DefectsReportFormat = 'markdown' | 'html' | 'csv' | 'json';
export const DEFECTS_REPORT_FORMATS: readonly DefectsReportFormat[] = ['markdown', 'html', 'csv', 'json'];

const f = (x: number | undefined, d = 2): string | undefined => (x === undefined || !Number.isFinite(x) ? undefined : x.toFixed(d));

/** A change with its sign, two decimals; one that rounds to zero is 0.00. */
const signed = (x: number | undefined): string => {
  if (x === undefined || !Number.isFinite(x)) return '';
  const r = x.toFixed(2);
  return Number(r) === 0 ? '0.00' : `${x > 0 ? '+' : ''}${r}`;
};

const LABEL: Record<string, string> = {
  vacancy: 'Vacancy',
  interstitial: 'Interstitial',
  substitution: 'Substitution',
  'schottky-pair': 'Schottky pair V_M + V_Se',
  'schottky-dimer': 'Schottky dimer {V_M V_Se}',
  'frenkel-cation': 'Frenkel cation V_M + M_i',
  'frenkel-anion': 'Frenkel anion V_Se + Se_i',
  swap: 'Swap [Cd]_Pb + [Pb]_Cd',
};

const label = (d: DefectRow): string =>
  (LABEL[d.kind] ?? d.kind) + (d.separation ? ` (${d.separation})` : '') + (d.species ? ` ${d.species}${d.by ? `→${d.by}` : ''}` : '') + (d.partner ? ` (${d.structure} + ${d.partner})` : '');

/** Table S10: one section per structure, rows per defect; columns Force field | DFT | sizes. */
export function defectsTable(r: DefectsResult): Table {
  const structures = [...new Set(r.defects.map((d) => d.structure))];
  const sizes = [...new Set(r.defects.flatMap((d) => (d.finiteSize ?? []).map((s) => s.atoms)))].sort((a, b) => a - b);
  const sections: Section[] = structures.map((s) => ({
    heading: s,
    rows: r.defects
      .filter((d) => d.structure === s)
      .map((d) => ({
        label: label(d),
        unit: 'eV',
        cells: [
          { value: `${f(d.formationEnergy)}${d.converged ? '' : '*'}${d.recombined ? ' (recombined)' : ''}` },
          ...(f(d.dft) ? [{ value: f(d.dft)! }] : [{}]),
          { value: f(d.unrelaxedEnergy) ?? '' },
          { value: f(d.distance, 1) ?? '' },
          ...sizes.map((n) => {
            const x = d.finiteSize?.find((q) => q.atoms === n);
            return x ? { value: `${f(x.formationEnergy)!}${x.converged ? '' : '*'}` } : {};
          }),
          ...(sizes.length > 1 ? [{ value: signed(d.finiteSizeTrend) }] : []),
        ],
      })),
  }));
  const atoms = [...new Set(r.defects.map((d) => d.atoms))].join(', ');
  return {
    title: 'Table S10. Defect formation energies (eV)',
    caption: `Supercells of ${atoms} atoms relaxed by L-BFGS at the perfect crystal's cell; Unrelaxed: atoms on the perfect sites; Distance: between the two parts of a pair as placed (Å); the size columns give the same defect in supercells of that many atoms, and Trend the change between the two largest (eV); * not converged; recombined: the interstitial fell back into the vacancy from every candidate site.`,
    columns: ['Defect', 'Force field', 'DFT', 'Unrelaxed', 'Distance (Å)', ...sizes.map((n) => `${n} atoms`), ...(sizes.length > 1 ? ['Trend'] : [])],
    sections,
  };
}

/** Table S11: ΔE(x) per formula unit (mean ± spread) and lattice parameters, one section per phase. */
export function mixingTable(r: DefectsResult): Table {
  const phases = [...new Set(r.mixing.map((m) => m.phase))];
  return {
    title: 'Table S11. Formation energies of the mixed phases (eV per formula unit) and lattice parameters (Å)',
    caption:
      'ΔE = E(mixed, x) − x E(end member at x = 1) − (1 − x) E(end member at x = 0) per formula unit, each end member in the phase the document names for it; mean and spread (sample standard deviation) over random configurations, each relaxed with the cell free.',
    columns: ['x', 'ΔE Force field', 'ΔE DFT', 'a', 'c', 'a DFT', 'c DFT', 'configurations'],
    sections: phases.map((p) => ({
      heading: p,
      rows: r.mixing
        .filter((m) => m.phase === p)
        .map((m) => ({
          label: m.x.toFixed(3),
          unit: '',
          cells: [
            { value: `${m.formationEnergy.mean.toFixed(3)} ± ${m.formationEnergy.spread.toFixed(3)}${m.converged ? '' : '*'}` },
            { value: f(m.dft?.formationEnergy, 3) ?? '' },
            { value: f(m.a, 3) ?? '' },
            { value: f(m.c, 3) ?? '' },
            { value: f(m.dft?.a, 3) ?? '' },
            { value: f(m.dft?.c, 3) ?? '' },
            { value: String(m.configurations) },
          ],
        })),
    })),
  };
}

export function defectsTables(r: DefectsResult): Table[] {
  const t: Table[] = [];
  if (r.defects.length) t.push(defectsTable(r));
  if (r.mixing.length) t.push(mixingTable(r));
  return t;
}

/**
 * `figures`: the Figure S26-style ΔE(x) plot (workflows/figures.ts `defectsFigures`), inline SVG in
 * HTML and a link to `<figureDir><file>` in Markdown (the caller writes the file beside the report).
 */
export function renderDefectsReport(r: DefectsResult, format: DefectsReportFormat, options: ReportOptions = {}): RenderedReport {
  const tables = defectsTables(r);
  const figures = options.figures ?? [];
  const figureDir = options.figureDir ?? 'plots/';
  const summary = [`${r.defects.length} defects, ${r.mixing.length} mixed-phase compositions, ${(r.wallTimeMs / 1000).toFixed(1)} s.`, ...r.warnings.map((w) => `Warning: ${w}`)];
  switch (format) {
    case 'json':
      return { contentType: 'application/json', extension: 'json', body: JSON.stringify({ title: r.name, summary, tables }, null, 2) + '\n' };
    case 'markdown':
      return { contentType: 'text/markdown; charset=utf-8', extension: 'md', body: [`# ${r.name}`, '', ...summary.map((l) => `${l}  `), '', ...tables.map(tableToMarkdown), ...figures.flatMap((f) => ['', `![${f.title}](${figureDir}${f.file})`, '', `*${f.title}.* ${f.caption}`])].join('\n') };
    case 'html':
      return { contentType: 'text/html; charset=utf-8', extension: 'html', body: htmlDocument(r.name, tables, summary.map((l) => `<p>${l.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('\n') + figures.map(figureHtml).join('')) };
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8', extension: 'csv', body: tables.map(tableToCsv).join('\r\n') };
  }
}
