/**
 * Vega-Lite spec → SVG text, in Node, without a browser, a DOM or node-canvas.
 *
 * Vega-Lite (a grammar of graphics: data, marks, encodings, scales) compiles a declarative spec
 * into a Vega dataflow; Vega runs it headless (`renderer: 'none'`) and writes the scenegraph as
 * an SVG string. Without node-canvas Vega estimates text widths from the font size and the
 * number of characters, which only affects how much room labels get (a little generous), never
 * what is drawn; that guess (0.8 em a character) is replaced here by the measured widths of the
 * house font (`font-metrics.ts`), so that layouts come out as a browser would draw them. The SVG has no scripts, no style sheets and no external references, so it can
 * be inlined into a page under a strict Content-Security-Policy.
 *
 * The house style lives here once: fonts, sizes, grid, colours (Tableau 10, which stays
 * distinguishable in greyscale print better than the default), white background.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec, type Config } from 'vega-lite';
import { textWidth } from './font-metrics.js';

export type PlotSpec = TopLevelSpec;

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const PLOT_CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#888', strokeWidth: 0.5 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#e6e6e6', tickColor: '#555', domainColor: '#555', labelColor: '#222', titleColor: '#111' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolSize: 70 },
  title: { fontSize: 14, fontWeight: 'bold', anchor: 'start', subtitleFontSize: 11, subtitleColor: '#444', offset: 8 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  range: { category: { scheme: 'tableau10' } },
  text: { fontSize: 10 },
};

/** Vega's text measure, when no canvas is there: the house font's widths (vega-scenegraph lets the
 * caller replace `textMetrics.width`, as vl-convert does). */
interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}
const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number; canvas: (use: boolean) => void } }).textMetrics;
metrics.width = (item, text) => {
  const t = text ?? item.text;
  const s = t === undefined || t === null ? '' : Array.isArray(t) ? t.join(' ') : String(t);
  const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
  return textWidth(s, item.fontSize ?? 11, bold);
};

/** Render a Vega-Lite spec (house config merged under its own) to an SVG document string. */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const vegaSpec = compile({ ...spec, config: { ...PLOT_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Escape-free short number formatting for labels: 3 significant digits, no exponent for 1e-3..1e5. */
export function shortNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}
