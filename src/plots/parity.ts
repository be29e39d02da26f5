/**
 * Parity plot: calculated against target for every observable that has a reference value, one
 * panel per class of observable (each with its own unit and range), the line y = x in each.
 *
 * Which value is the target: for a fitted observable, the source its `fit` names (the residual
 * row's target, and its calculated value, so the points are exactly what the objective saw);
 * for a report-only one (a reference value but no `fit`, or a fitted observable whose structure
 * was left out of the fit), the experimental value, else the normalised DFT, else the raw DFT.
 * Fitted points are filled and dark, report-only points open and grey, so the eye separates
 * what the fit was asked to match from what it predicts. The worst few of each panel (largest
 * relative error) carry a label.
 */
import type { FitResult, PropertiesResult } from '../workflows/results.js';
import { PROPERTIES, type WeightClass } from '../workflows/results.js';
import { renderSvg, type PlotSpec } from './render.js';

export interface ParityPoint {
  structure: string;
  property: string;
  /** panel: lengths, angles, ... */
  group: ParityGroup;
  unit: string;
  target: number;
  source: string;
  calculated: number;
  fitted: boolean;
  /** 100 (calculated − target) / target */
  percentError: number;
}

export type ParityGroup = 'lengths' | 'angles' | 'internal coordinates' | 'volumes' | 'elastic constants' | 'moduli' | 'energies' | 'transition pressures';

/** Weight class → panel, in the order the panels are drawn. */
const GROUP_OF: Record<WeightClass, ParityGroup> = {
  length: 'lengths',
  angle: 'angles',
  internal: 'internal coordinates',
  volume: 'volumes',
  elastic: 'elastic constants',
  bulkModulus: 'moduli',
  shearModulus: 'moduli',
  energy: 'energies',
  pressure: 'transition pressures',
};
export const PARITY_GROUPS: readonly ParityGroup[] = ['lengths', 'angles', 'internal coordinates', 'volumes', 'elastic constants', 'moduli', 'energies', 'transition pressures'];

const UNIT_OF: Record<ParityGroup, string> = {
  lengths: 'Å',
  angles: '°',
  'internal coordinates': 'fraction of c',
  volumes: 'Å³/f.u.',
  'elastic constants': 'GPa',
  moduli: 'GPa',
  energies: 'eV/f.u.',
  'transition pressures': 'GPa',
};

type Target = { exp?: number; dft?: number; dftNormalized?: number; fit?: string };

/** Every observable with a reference value and a calculated one. */
export function parityPoints(result: FitResult | PropertiesResult): ParityPoint[] {
  const out: ParityPoint[] = [];
  const fitted = new Map<string, FitResult['residuals'][number]>();
  if (result.kind === 'fit') for (const r of result.residuals) if (r.inFit && r.calculated !== null) fitted.set(`${r.structure}\u0000${r.property}`, r);
  const calculatedOf = new Map(result.structures.map((s) => [s.id, s.properties]));
  for (const s of result.targets) {
    for (const [property, raw] of Object.entries(s.properties)) {
      const info = PROPERTIES.get(property);
      if (!info) continue; // report-only extras (RMSD, surface energies) have no calculated value here
      const group = GROUP_OF[info.weightClass];
      const residual = fitted.get(`${s.id}\u0000${property}`);
      if (residual) {
        out.push(point(s.id, property, group, residual.target, residual.source, residual.calculated!, true));
        continue;
      }
      const t = raw as Target;
      const [source, target] = t.exp !== undefined ? ['exp', t.exp] : t.dftNormalized !== undefined ? ['dftNormalized', t.dftNormalized] : t.dft !== undefined ? ['dft', t.dft] : [undefined, undefined];
      const calculated = calculatedOf.get(s.id)?.[property];
      if (source === undefined || target === undefined || calculated === undefined || !Number.isFinite(calculated)) continue;
      out.push(point(s.id, property, group, target, source, calculated, false));
    }
  }
  return out;
}

function point(structure: string, property: string, group: ParityGroup, target: number, source: string, calculated: number, fitted: boolean): ParityPoint {
  return { structure, property, group, unit: UNIT_OF[group], target, source, calculated, fitted, percentError: target !== 0 ? (100 * (calculated - target)) / target : 0 };
}

/** Labels for the `labelled` points of largest |error| per panel. */
const LABELLED = 3;

export function paritySpec(points: readonly ParityPoint[], title = 'Parity: calculated against target'): PlotSpec {
  const groups = PARITY_GROUPS.filter((g) => points.some((p) => p.group === g));
  const panels = groups.map((g) => {
    const pts = points.filter((p) => p.group === g);
    const lo = Math.min(...pts.flatMap((p) => [p.target, p.calculated]));
    const hi = Math.max(...pts.flatMap((p) => [p.target, p.calculated]));
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 0.05;
    const domain = [lo - pad, hi + pad];
    const worst = new Set([...pts].sort((a, b) => Math.abs(b.percentError) - Math.abs(a.percentError)).slice(0, LABELLED).filter((p) => Math.abs(p.percentError) >= 1));
    const values = pts.map((p) => ({
      ...p,
      kind: p.fitted ? 'fitted' : 'report only',
      label: worst.has(p) ? `${p.structure} ${PROPERTIES.get(p.property)?.label ?? p.property}` : '',
      error: `${p.percentError >= 0 ? '+' : ''}${p.percentError.toFixed(1)} %`,
    }));
    const unit = UNIT_OF[g];
    const x = { field: 'target', type: 'quantitative', scale: { domain, nice: false, zero: false }, title: `target (${unit})` } as const;
    const y = { field: 'calculated', type: 'quantitative', scale: { domain, nice: false, zero: false }, title: `calculated (${unit})` } as const;
    return {
      title: { text: g, fontSize: 12, fontWeight: 'normal' as const },
      width: 230,
      height: 230,
      layer: [
        { data: { values: [{ v: domain[0] }, { v: domain[1] }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 3], strokeWidth: 1 }, encoding: { x: { ...x, field: 'v' }, y: { ...y, field: 'v' } } },
        {
          data: { values },
          mark: { type: 'point', size: 55, strokeWidth: 1.6 },
          encoding: {
            x,
            y,
            shape: { field: 'kind', type: 'nominal', scale: { domain: ['fitted', 'report only'], range: ['circle', 'circle'] }, legend: null },
            color: { field: 'kind', type: 'nominal', scale: { domain: ['fitted', 'report only'], range: ['#1f3a93', '#8c8c8c'] }, title: null },
            fill: { field: 'kind', type: 'nominal', scale: { domain: ['fitted', 'report only'], range: ['#1f3a93', 'white'] }, legend: null },
            opacity: { value: 1 },
            tooltip: [{ field: 'structure' }, { field: 'property' }, { field: 'target' }, { field: 'source' }, { field: 'calculated' }, { field: 'error', title: 'error' }],
          },
        },
        { data: { values: values.filter((v) => v.label) }, mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 9, color: '#333' }, encoding: { x, y, text: { field: 'label' } } },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'filled: fitted observables (target = the source named by `fit`); open: report only (exp., else DFT); dashed: y = x' },
    columns: Math.min(3, groups.length),
    concat: panels,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config: { legend: { orient: 'top' } },
  } as unknown as PlotSpec;
}

export async function parityPlot(result: FitResult | PropertiesResult): Promise<string> {
  return renderSvg(paritySpec(parityPoints(result)));
}
