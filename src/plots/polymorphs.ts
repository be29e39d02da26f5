/**
 * Polymorph energies, one column per compound:
 *
 * - top: energy per formula unit against volume per formula unit, relative to the compound's
 *   lowest polymorph. The curves are the points the calculation visited: the equilibrium of each
 *   polymorph, the relaxations of the transition-pressure search (at pressure p a relaxed
 *   structure has enthalpy H, so E = H − pV) and, when the result has them, the equation-of-state
 *   points. For each transition the common tangent is drawn: at p_T both phases have the same
 *   enthalpy H_T, so the line E(V) = H_T − p_T V touches the low-pressure phase at V_A and the
 *   high-pressure phase at V_B, and its slope −p_T is the transition pressure (Gibbs' construction);
 *   the label gives p_T.
 * - bottom: the relative energies (ΔE against the reference polymorph the document names) of the
 *   fit next to DFT (and experiment where the document has it), as bars.
 *
 * Units: Å³ per formula unit, eV per formula unit, GPa (converted with 1 eV/Å³ = 160.2176634 GPa).
 */
import type { FitResult, PropertiesResult, StructureReport, TransitionReport } from '../workflows/results.js';
import { GPA_PER_EV_PER_A3 } from '../units/index.js';
import { renderSvg, shortNumber, type PlotSpec } from './render.js';

/** What a structure report may carry for these plots (properties/ StructureProperties fields). */
interface CurveFields {
  transition?: Omit<TransitionReport, 'message'>;
  eos?: { points: { volume: number; energy: number; converged: boolean }[] };
}

export interface EvPoint {
  structure: string;
  polymorph: string;
  volume: number;
  /** E − E_min of the compound, eV/f.u. */
  energy: number;
  /** where the point comes from */
  origin: 'equilibrium' | 'transition search' | 'equation of state';
}

export interface CommonTangent {
  from: string;
  to: string;
  pressureGPa: number;
  /** the touching points (V, E − E_min) on the low- and the high-pressure phase */
  low: { volume: number; energy: number };
  high: { volume: number; energy: number };
}

export interface CompoundEnergies {
  formula: string;
  /** lattice energy of the lowest polymorph, eV/f.u. (the zero of `energy`) */
  reference: number;
  points: EvPoint[];
  tangents: CommonTangent[];
}

const nameOf = (s: StructureReport): string => s.label ?? s.id;

/** E–V points and common tangents per compound (formula), in document order. */
export function energyVolumeData(structures: readonly StructureReport[]): CompoundEnergies[] {
  const byFormula = new Map<string, StructureReport[]>();
  for (const s of structures) byFormula.set(s.formula ?? '', [...(byFormula.get(s.formula ?? '') ?? []), s]);
  const out: CompoundEnergies[] = [];
  for (const [formula, group] of byFormula) {
    const energies = group.map((s) => s.properties.latticeEnergy).filter((e): e is number => Number.isFinite(e));
    if (!energies.length) continue;
    const reference = Math.min(...energies);
    const byId = new Map(group.map((s) => [s.id, s]));
    const points: EvPoint[] = [];
    const add = (id: string, volume: number, energy: number, origin: EvPoint['origin']): void => {
      const s = byId.get(id);
      if (!s || !Number.isFinite(volume) || !Number.isFinite(energy)) return;
      points.push({ structure: id, polymorph: nameOf(s), volume, energy: energy - reference, origin });
    };
    const tangents: CommonTangent[] = [];
    for (const s of group) {
      const { volume, latticeEnergy } = s.properties;
      if (volume !== undefined && latticeEnergy !== undefined) add(s.id, volume, latticeEnergy, 'equilibrium');
      const c = s as StructureReport & CurveFields;
      for (const p of c.eos?.points ?? []) if (p.converged) add(s.id, p.volume, p.energy, 'equation of state');
      const t = c.transition;
      if (!t) continue;
      for (const p of t.curve) {
        if (p.pressureGPa === 0) continue; // the equilibrium points are there already
        const pv = p.pressureGPa / GPA_PER_EV_PER_A3;
        if (p.intactA) add(t.from, p.volumeA, p.enthalpyA - pv * p.volumeA, 'transition search');
        if (p.intactB) add(t.to, p.volumeB, p.enthalpyB - pv * p.volumeB, 'transition search');
      }
      if (t.pressureGPa !== null && t.enthalpy !== undefined && t.volumeA !== undefined && t.volumeB !== undefined) {
        const pv = t.pressureGPa / GPA_PER_EV_PER_A3;
        const a = { volume: t.volumeA, energy: t.enthalpy - pv * t.volumeA - reference };
        const b = { volume: t.volumeB, energy: t.enthalpy - pv * t.volumeB - reference };
        const forward = (t.lowPressurePhase ?? t.from) === t.from;
        tangents.push({ from: forward ? t.from : t.to, to: forward ? t.to : t.from, pressureGPa: t.pressureGPa, low: forward ? a : b, high: forward ? b : a });
      }
    }
    points.sort((p, q) => (p.structure < q.structure ? -1 : p.structure > q.structure ? 1 : p.volume - q.volume));
    out.push({ formula, reference, points, tangents });
  }
  return out;
}

export interface RelativeEnergyBar {
  formula: string;
  structure: string;
  polymorph: string;
  reference: string;
  source: 'fit' | 'DFT' | 'exp.';
  energy: number;
  /** the value was a fit target */
  fitted: boolean;
}

/** Relative energies (calculated, DFT, exp.) of every structure whose document entry names a reference. */
export function relativeEnergyBars(result: FitResult | PropertiesResult): RelativeEnergyBar[] {
  const out: RelativeEnergyBar[] = [];
  const reports = new Map(result.structures.map((s) => [s.id, s]));
  for (const d of result.targets) {
    const t = d.properties.relativeEnergy as { reference?: string; exp?: number; dft?: number; fit?: string } | undefined;
    const s = reports.get(d.id);
    if (!t?.reference || !s) continue;
    const base = { formula: s.formula ?? '', structure: d.id, polymorph: nameOf(s), reference: t.reference };
    const calc = s.properties.relativeEnergy;
    if (calc !== undefined && Number.isFinite(calc)) out.push({ ...base, source: 'fit', energy: calc, fitted: false });
    if (t.dft !== undefined) out.push({ ...base, source: 'DFT', energy: t.dft, fitted: t.fit === 'dft' });
    if (t.exp !== undefined) out.push({ ...base, source: 'exp.', energy: t.exp, fitted: t.fit === 'exp' });
  }
  return out;
}

const SOURCE_COLOURS: Record<string, string> = { fit: '#1f3a93', DFT: '#e67e22', 'exp.': '#27ae60' };

function evPanel(c: CompoundEnergies, polymorphs: string[]): unknown {
  const vols = [...c.points.map((p) => p.volume), ...c.tangents.flatMap((t) => [t.low.volume, t.high.volume])];
  const vlo = Math.min(...vols), vhi = Math.max(...vols);
  const vpad = (vhi - vlo) * 0.06 || 1;
  const x = { field: 'volume', type: 'quantitative', title: 'volume (Å³ per formula unit)', scale: { zero: false, domain: [vlo - vpad, vhi + vpad], nice: false } } as const;
  const y = { field: 'energy', type: 'quantitative', title: `E − E(${c.points.find((p) => p.energy === 0)?.polymorph ?? 'lowest'}) (eV per formula unit)`, scale: { zero: false } } as const;
  const color = { field: 'polymorph', type: 'nominal', scale: { domain: polymorphs }, title: 'polymorph', legend: { orient: 'right' } } as const;
  const tangentLines = c.tangents.flatMap((t, i) => {
    // the tangent, extended by a quarter of its length beyond each touching point
    const dv = t.low.volume - t.high.volume;
    const slope = (t.low.energy - t.high.energy) / (dv || 1);
    const v0 = t.high.volume - 0.25 * dv, v1 = t.low.volume + 0.25 * dv;
    return [
      { tangent: i, volume: v0, energy: t.high.energy + slope * (v0 - t.high.volume) },
      { tangent: i, volume: v1, energy: t.high.energy + slope * (v1 - t.high.volume) },
    ];
  });
  const touching = c.tangents.flatMap((t) => [t.low, t.high].map((p) => ({ ...p })));
  const labels = c.tangents.map((t) => ({ volume: (t.low.volume + t.high.volume) / 2, energy: (t.low.energy + t.high.energy) / 2, text: `p_T = ${shortNumber(t.pressureGPa)} GPa` }));
  const layers: unknown[] = [
    { data: { values: c.points }, mark: { type: 'line', strokeWidth: 1.5, interpolate: 'monotone' }, encoding: { x, y, color, detail: { field: 'structure' }, order: { field: 'volume' } } },
    { data: { values: c.points }, mark: { type: 'point', filled: true, size: 36 }, encoding: { x, y, color, shape: { field: 'origin', type: 'nominal', scale: { domain: ['equilibrium', 'transition search', 'equation of state'], range: ['diamond', 'circle', 'square'] }, title: 'point' }, tooltip: [{ field: 'polymorph' }, { field: 'volume', format: '.3f' }, { field: 'energy', format: '.4f' }, { field: 'origin' }] } },
  ];
  if (tangentLines.length)
    layers.push(
      { data: { values: tangentLines }, mark: { type: 'line', color: '#111', strokeDash: [6, 3], strokeWidth: 1.2, clip: true }, encoding: { x, y, detail: { field: 'tangent' } } },
      { data: { values: touching }, mark: { type: 'point', color: '#111', size: 70, strokeWidth: 1.5 }, encoding: { x, y } },
      { data: { values: labels }, mark: { type: 'text', align: 'left', dx: 8, dy: -10, fontSize: 11, fontWeight: 'bold', color: '#111' }, encoding: { x, y, text: { field: 'text' } } },
    );
  return { title: { text: `${c.formula}: energy against volume`, fontSize: 12 }, width: 300, height: 240, layer: layers };
}

function barPanel(formula: string, bars: RelativeEnergyBar[], sources: string[]): unknown {
  const refs = [...new Set(bars.map((b) => b.reference))];
  return {
    title: { text: `${formula}: relative energies (vs ${refs.join(', ')})`, fontSize: 12 },
    width: 300,
    height: 150,
    data: { values: bars.map((b) => ({ ...b, kind: b.fitted ? 'target' : '' })) },
    layer: [
      {
        mark: { type: 'bar', stroke: '#222' },
        encoding: {
          x: { field: 'polymorph', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
          xOffset: { field: 'source', type: 'nominal', sort: sources },
          y: { field: 'energy', type: 'quantitative', title: 'ΔE (eV per formula unit)' },
          fill: { field: 'source', type: 'nominal', scale: { domain: sources, range: sources.map((x) => SOURCE_COLOURS[x]!) }, title: 'relative energy' },
          strokeWidth: { condition: { test: 'datum.fitted', value: 1.5 }, value: 0 },
          tooltip: [{ field: 'polymorph' }, { field: 'source' }, { field: 'energy', format: '.4f' }, { field: 'reference' }],
        },
      },
    ],
  };
}

/** The key to the point shapes the panels use. */
function markers(compounds: readonly CompoundEnergies[]): string {
  const origins = new Set(compounds.flatMap((c) => c.points.map((p) => p.origin)));
  const words: Record<EvPoint['origin'], string> = { equilibrium: 'diamond: equilibrium', 'transition search': 'circles: relaxations of the transition search, E = H − pV', 'equation of state': 'squares: equation of state' };
  return (Object.keys(words) as EvPoint['origin'][]).filter((o) => origins.has(o)).map((o) => words[o]).join('; ');
}

export function polymorphSpec(result: FitResult | PropertiesResult, title = 'Polymorph energies'): PlotSpec | undefined {
  const compounds = energyVolumeData(result.structures).filter((c) => c.points.length > 1);
  const bars = relativeEnergyBars(result);
  if (!compounds.length && !bars.length) return undefined;
  const polymorphs = [...new Set(result.structures.map(nameOf))];
  const sources = ['fit', 'DFT', 'exp.'].filter((x) => bars.some((b) => b.source === x));
  const formulas = [...new Set([...compounds.map((c) => c.formula), ...bars.map((b) => b.formula)])];
  const columns = formulas.map((f) => {
    const c = compounds.find((x) => x.formula === f);
    const b = bars.filter((x) => x.formula === f);
    return { vconcat: [...(c ? [evPanel(c, polymorphs)] : []), ...(b.length ? [barPanel(f, b, sources)] : [])], spacing: 28 };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: title,
      subtitle: [`top: E(V) of each polymorph (${markers(compounds)}); dashed: common tangent, slope −p_T`, 'bottom: relative energies of the fit and DFT (outlined: the fit target)'],
    },
    hconcat: columns,
    spacing: 36,
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared', fill: 'shared', shape: 'shared' } },
  } as unknown as PlotSpec;
}

export async function polymorphPlot(result: FitResult | PropertiesResult): Promise<string | undefined> {
  const spec = polymorphSpec(result);
  return spec ? renderSvg(spec) : undefined;
}
