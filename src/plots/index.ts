/**
 * Figures of a result, rendered server-side as SVG (Vega-Lite + Vega, no browser): pure functions,
 * result in, SVG text out, no file system. `figures(result)` gives every figure the result has
 * data for, in the order a reader wants them: did it converge, which observables are off, what
 * dominates the objective, are the polymorphs in the right order.
 */
import type { FitResult, PropertiesResult } from '../workflows/results.js';
import { convergencePlot } from './convergence.js';
import { parityPlot, parityPoints } from './parity.js';
import { polymorphPlot } from './polymorphs.js';
import { residualPlot } from './residuals.js';

export { renderSvg, PLOT_CONFIG, type PlotSpec } from './render.js';
export { parityPlot, paritySpec, parityPoints, type ParityPoint } from './parity.js';
export { convergencePlot, convergenceSpec, convergencePoints, type ConvergencePoint } from './convergence.js';
export { residualPlot, residualSpec, residualBars, type ResidualBar } from './residuals.js';
export { polymorphPlot, polymorphSpec, energyVolumeData, relativeEnergyBars, type CompoundEnergies, type CommonTangent } from './polymorphs.js';
export { mixingPlot, mixingSpec, type MixingRow, type MixingPlotOptions } from './mixing.js';

export const FIGURE_NAMES = ['convergence', 'parity', 'residuals', 'polymorphs'] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export interface Figure {
  name: FigureName;
  /** file name: `<name>.svg` */
  file: string;
  title: string;
  /** one sentence for a caption */
  caption: string;
  svg: string;
}

const TITLES: Record<FigureName, { title: string; caption: string }> = {
  convergence: { title: 'Convergence', caption: 'Objective against iteration (log scale); rejected trial steps marked; multi-start objectives as a strip.' },
  parity: { title: 'Parity', caption: 'Calculated against target for every observable, by class; filled: fitted, open: report only.' },
  residuals: { title: 'Residual contributions', caption: 'Contribution of each fitted observable to the objective, largest first.' },
  polymorphs: { title: 'Polymorph energies', caption: 'E–V curves per compound with the common tangent of each transition; relative energies of the fit and DFT.' },
};

/** One figure, or undefined when the result has no data for it (a properties result has no convergence). */
export async function renderFigure(result: FitResult | PropertiesResult, name: FigureName): Promise<Figure | undefined> {
  let svg: string | undefined;
  switch (name) {
    case 'convergence':
      svg = result.kind === 'fit' && result.history.length ? await convergencePlot(result) : undefined;
      break;
    case 'parity':
      svg = parityPoints(result).length ? await parityPlot(result) : undefined;
      break;
    case 'residuals':
      svg = result.kind === 'fit' && result.residuals.some((r) => r.inFit && r.contribution !== null) ? await residualPlot(result) : undefined;
      break;
    case 'polymorphs':
      svg = await polymorphPlot(result);
      break;
  }
  return svg === undefined ? undefined : { name, file: `${name}.svg`, ...TITLES[name], svg };
}

/** Every figure the result has data for. */
export async function figures(result: FitResult | PropertiesResult): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const name of FIGURE_NAMES) {
    const f = await renderFigure(result, name);
    if (f) out.push(f);
  }
  return out;
}

export const isFigureName = (s: string): s is FigureName => (FIGURE_NAMES as readonly string[]).includes(s);
