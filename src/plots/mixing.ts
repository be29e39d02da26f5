/**
 * Figure S26: the energy of mixing ΔE(x) of a solid solution for both host phases. Each point is
 * the mean formation energy over the configurations sampled at composition x, the error bar its
 * spread (± the `spread` the rows carry), joined per phase; the number of configurations is in
 * the tooltip and sets nothing else. The rows are those of `workflows/defects.ts`; the type here
 * is structural, so that this module needs nothing from there.
 */
import { renderSvg, type PlotSpec } from './render.js';

export interface MixingRow {
  phase: string;
  /** composition, the fraction of the substituted site */
  x: number;
  formationEnergy: { mean: number; spread: number };
  configurations: number;
}

export interface MixingPlotOptions {
  title?: string;
  /** axis title of x (default: composition x) */
  xTitle?: string;
  /** unit of the energies (default: eV per formula unit) */
  energyUnit?: string;
}

export function mixingSpec(rows: readonly MixingRow[], o: MixingPlotOptions = {}): PlotSpec {
  const values = rows
    .filter((r) => Number.isFinite(r.x) && Number.isFinite(r.formationEnergy.mean))
    .map((r) => ({ phase: r.phase, x: r.x, mean: r.formationEnergy.mean, lo: r.formationEnergy.mean - r.formationEnergy.spread, hi: r.formationEnergy.mean + r.formationEnergy.spread, spread: r.formationEnergy.spread, configurations: r.configurations }))
    .sort((a, b) => (a.phase < b.phase ? -1 : a.phase > b.phase ? 1 : a.x - b.x));
  const unit = o.energyUnit ?? 'eV per formula unit';
  const x = { field: 'x', type: 'quantitative', title: o.xTitle ?? 'composition x', scale: { domain: [0, 1], nice: false } } as const;
  const color = { field: 'phase', type: 'nominal', title: 'phase' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title ?? 'Energy of mixing', subtitle: 'mean over the sampled configurations at each x; bars: ± spread' },
    width: 420,
    height: 280,
    data: { values },
    layer: [
      { mark: { type: 'rule', color: '#999', strokeDash: [3, 3] }, encoding: { y: { datum: 0, type: 'quantitative' } } },
      { mark: { type: 'rule', strokeWidth: 1.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
      {
        mark: { type: 'line', strokeWidth: 1.6, point: { filled: true, size: 40 } },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: `ΔE (${unit})` },
          color,
          tooltip: [{ field: 'phase' }, { field: 'x', format: '.3f' }, { field: 'mean', format: '.4f', title: 'ΔE' }, { field: 'spread', format: '.4f' }, { field: 'configurations' }],
        },
      },
    ],
  } as unknown as PlotSpec;
}

/** ΔE(x) of both phases as an SVG document. */
export async function mixingPlot(rows: readonly MixingRow[], o: MixingPlotOptions = {}): Promise<string> {
  return renderSvg(mixingSpec(rows, o));
}
