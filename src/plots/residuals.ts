/**
 * Residual contributions: what dominates the objective. One horizontal bar per fitted observable,
 * its contribution w (calculated − target)² to F, longest first, coloured by class, with its
 * share of F printed at the end of the bar. Observables left out of the fit (their structure
 * failed at the start) have no contribution and are not drawn; the caption says how many.
 */
import type { FitResult } from '../workflows/results.js';
import { PROPERTIES, type WeightClass } from '../workflows/results.js';
import { renderSvg, type PlotSpec } from './render.js';

export interface ResidualBar {
  observable: string;
  structure: string;
  property: string;
  weightClass: WeightClass | 'other';
  contribution: number;
  /** contribution / Σ contributions, % */
  share: number;
  residual: number;
  weight: number;
}

export function residualBars(residuals: FitResult['residuals']): ResidualBar[] {
  const rows = residuals.filter((r) => r.inFit && r.contribution !== null && Number.isFinite(r.contribution));
  const total = rows.reduce((s, r) => s + r.contribution!, 0);
  return rows
    .map((r) => ({
      observable: `${r.structure} ${PROPERTIES.get(r.property)?.label ?? r.property}`,
      structure: r.structure,
      property: r.property,
      weightClass: PROPERTIES.get(r.property)?.weightClass ?? ('other' as const),
      contribution: r.contribution!,
      share: total > 0 ? (100 * r.contribution!) / total : 0,
      residual: r.residual ?? NaN,
      weight: r.weight,
    }))
    .sort((a, b) => b.contribution - a.contribution);
}

const CLASS_LABEL: Record<string, string> = {
  length: 'lengths',
  angle: 'angles',
  internal: 'internal coordinates',
  volume: 'volumes',
  elastic: 'elastic constants',
  bulkModulus: 'bulk moduli',
  shearModulus: 'shear moduli',
  energy: 'energies',
  pressure: 'transition pressures',
  other: 'other',
};

export function residualSpec(residuals: FitResult['residuals'], title = 'Residual contributions to the objective'): PlotSpec {
  const bars = residualBars(residuals).map((b) => ({ ...b, class: CLASS_LABEL[b.weightClass], shareText: `${b.share.toFixed(b.share >= 10 ? 0 : 1)} %` }));
  const left = residuals.filter((r) => !r.inFit).length;
  const total = bars.reduce((s, b) => s + b.contribution, 0);
  const max = Math.max(0, ...bars.map((b) => b.contribution));
  const y = { field: 'observable', type: 'nominal', sort: bars.map((b) => b.observable), title: null, axis: { labelFontSize: 10, grid: false } } as const;
  const x = { field: 'contribution', type: 'quantitative', title: 'contribution w (calc − target)²', scale: { domain: [0, max * 1.12 || 1], nice: false } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `F = ${total.toPrecision(4)} over ${bars.length} fitted observables${left ? ` (${left} left out of the fit)` : ''}; labels: share of F` },
    width: 420,
    height: { step: 14 },
    data: { values: bars },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.75 } },
        encoding: {
          y,
          x,
          color: { field: 'class', type: 'nominal', title: 'class', legend: { orient: 'bottom-right', direction: 'vertical' } },
          tooltip: [{ field: 'observable' }, { field: 'contribution', format: '.4g' }, { field: 'share', format: '.1f', title: 'share (%)' }, { field: 'residual', format: '.4g' }, { field: 'weight', format: '.4g' }],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 9, color: '#333' }, encoding: { y, x, text: { field: 'shareText' } } },
    ],
  } as unknown as PlotSpec;
}

export async function residualPlot(result: Pick<FitResult, 'residuals'>): Promise<string> {
  return renderSvg(residualSpec(result.residuals));
}
