/**
 * Convergence: the objective F = Σ w (calculated − target)² against the iteration, on a log
 * scale. Accepted steps are joined by a line; rejected trial steps (a structure failed to relax,
 * changed character, or F went up) are red crosses at the objective the history records for them,
 * with the reason in the tooltip. A multi-start fit adds a strip beside it, on the same
 * objective axis: the final objective of every start, the best one highlighted, so one sees how
 * many minima the starts found and how far the refined best lies below them.
 */
import type { FitResult } from '../workflows/results.js';
import { renderSvg, shortNumber, type PlotSpec } from './render.js';

export interface ConvergencePoint {
  iteration: number;
  objective: number;
  accepted: boolean;
  note?: string;
}

/** The history, with non-positive or non-finite objectives left out (they have no place on a log axis). */
export function convergencePoints(history: FitResult['history']): ConvergencePoint[] {
  return history.filter((h) => Number.isFinite(h.objective) && h.objective > 0).map((h) => ({ iteration: h.iteration, objective: h.objective, accepted: h.accepted, ...(h.note ? { note: h.note } : {}) }));
}

export interface ConvergenceInput {
  history: FitResult['history'];
  multiStart?: FitResult['multiStart'];
  objective?: Partial<FitResult['objective']>;
  title?: string;
}

export function convergenceSpec(input: ConvergenceInput): PlotSpec {
  const pts = convergencePoints(input.history);
  const accepted = pts.filter((p) => p.accepted);
  const rejected = pts.filter((p) => !p.accepted).map((p) => ({ ...p, note: p.note ?? 'objective did not decrease' }));
  const starts = (input.multiStart?.objectives ?? []).map((objective, start) => ({ start: start + 1, objective, best: start === input.multiStart!.best ? 'best start' : 'other starts' })).filter((s) => Number.isFinite(s.objective) && s.objective > 0);
  const all = [...pts.map((p) => p.objective), ...starts.map((s) => s.objective)];
  const lo = all.length ? Math.min(...all) : 1;
  const hi = all.length ? Math.max(...all) : 10;
  const y = { field: 'objective', type: 'quantitative', scale: { type: 'log', domain: [lo / 1.2, hi * 1.2], nice: true }, title: 'objective F = Σ w (calc − target)²' } as const;
  const maxIt = Math.max(1, ...pts.map((p) => p.iteration));
  const x = { field: 'iteration', type: 'quantitative', scale: { domain: [0, maxIt], nice: false }, title: 'iteration' } as const;
  const layers: unknown[] = [
    { data: { values: accepted }, mark: { type: 'line', color: '#1f3a93', strokeWidth: 1.8, point: { filled: true, size: 22, color: '#1f3a93' } }, encoding: { x, y, tooltip: [{ field: 'iteration' }, { field: 'objective', format: '.6g' }] } },
  ];
  if (rejected.length)
    layers.push({ data: { values: rejected }, mark: { type: 'point', shape: 'cross', angle: 45, size: 60, color: '#c0392b', strokeWidth: 1.6, filled: true }, encoding: { x, y, tooltip: [{ field: 'iteration' }, { field: 'objective', format: '.6g' }, { field: 'note', title: 'rejected' }] } });
  const last = accepted[accepted.length - 1];
  const first = accepted[0];
  const main = { width: 460, height: 280, layer: layers };
  const subtitle = [
    first && last ? `F ${shortNumber(first.objective)} → ${shortNumber(last.objective)} in ${maxIt} iterations; line: accepted steps; red crosses: ${rejected.length} rejected trial step${rejected.length === 1 ? '' : 's'}` : 'no iterations',
    ...(starts.length ? [`right: final objectives of the ${starts.length} starts (${input.multiStart!.failed} failed)`] : []),
  ];
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: { text: input.title ?? 'Convergence of the fit', subtitle } };
  if (!starts.length) return { ...base, ...main } as unknown as PlotSpec;
  const strip = {
    width: 70,
    height: 280,
    data: { values: starts },
    mark: { type: 'point', filled: true, size: 50, opacity: 0.85 },
    encoding: {
      x: { field: 'best', type: 'nominal', title: null, axis: { labelAngle: 0, labelFontSize: 10 }, sort: ['best start', 'other starts'], scale: { paddingOuter: 0.3 } },
      y: { ...y, axis: { title: null, labels: false } },
      color: { field: 'best', type: 'nominal', scale: { domain: ['best start', 'other starts'], range: ['#e67e22', '#7f8c8d'] }, legend: null },
      tooltip: [{ field: 'start' }, { field: 'objective', format: '.6g' }],
    },
  };
  return { ...base, hconcat: [main, strip], spacing: 6, resolve: { scale: { y: 'shared' } } } as unknown as PlotSpec;
}

export async function convergencePlot(result: Pick<FitResult, 'history' | 'multiStart' | 'objective'>): Promise<string> {
  return renderSvg(convergenceSpec(result));
}
