/**
 * Terminations of a face and their Tasker type.
 *
 * The atoms of the repeat unit (`orient.ts`) are grouped into layers by height (atoms within
 * `layerTolerance` of each other, cyclically modulo the spacing d). A termination is a cut in one
 * gap between consecutive layers: the slab is a stack of repeat units that starts just above the
 * cut. Cuts whose layer sequences (composition of each layer and the gaps between them, read
 * upwards from the cut) coincide are one termination.
 *
 * Tasker's classification (P. W. Tasker, J. Phys. C 12, 4977 (1979),
 * doi:10.1088/0022-3719/12/22/036), for the repeat unit read from the cut:
 * - type I: every layer is neutral (and so the unit has no dipole);
 * - type II: layers are charged but the unit has no dipole moment normal to the face;
 * - type III: the unit carries a dipole μ = Σᵢ qᵢ (zᵢ − z_cut) normal to the face. A stack of
 *   such units has a macroscopic field and a surface energy that grows with the thickness: the
 *   face is polar and has no surface energy without reconstruction.
 */
import type { Structure } from '../crystal/structure.js';
import { composition } from '../crystal/structure.js';

export type TaskerType = 'I' | 'II' | 'III';

export interface Layer {
  /** Mean height above the unit's origin plane, Å, in [0, d) (the first may start below 0). */
  height: number;
  /** Atom indices of the repeat unit. */
  atoms: number[];
  /** Reduced formula of the layer, e.g. `PbSe`. */
  formula: string;
  /** Net charge, e. */
  charge: number;
}

export interface Termination {
  /** Position in the list (the index a document may name). */
  index: number;
  /** Height of the cut in the unit, Å. */
  cut: number;
  /** Layer formulas from the surface inwards, e.g. ['Cd', 'Se'] or ['CdSe']. */
  layers: string[];
  /** Gaps between consecutive layers from the cut upwards, Å (the last is to the next unit). */
  gaps: number[];
  tasker: TaskerType;
  /** Dipole of the repeat unit normal to the face, e·Å (per in-plane cell). */
  dipole: number;
  /** A short description: `Cd2Se2 | gap 1.24 Å`. */
  label: string;
}

export interface TerminationOptions {
  /** Atoms closer in height than this are one layer, Å (default 0.01). */
  layerTolerance?: number;
  /** A dipole below this is zero, e·Å (default 1e-6). */
  dipoleTolerance?: number;
}

/** Group the unit's atoms into layers by height (cyclic). */
export function layersOf(unit: Structure, charges: Readonly<Record<string, number>>, layerTolerance = 0.01): Layer[] {
  const d = unit.lattice.matrix[2][2];
  const f = unit.fractional;
  const z = unit.species.map((_, i) => {
    const t = f[3 * i + 2]! - Math.floor(f[3 * i + 2]!);
    return t * d;
  });
  const order = z.map((_, i) => i).sort((a, b) => z[a]! - z[b]!);
  const groups: number[][] = [];
  let last = -Infinity;
  for (const i of order) {
    if (z[i]! - last > layerTolerance || groups.length === 0) groups.push([i]);
    else groups[groups.length - 1]!.push(i);
    last = z[i]!;
  }
  // the top group wraps onto the bottom one
  const heightOf = (i: number, shiftTop: boolean): number => (shiftTop ? z[i]! - d : z[i]!);
  if (groups.length > 1 && z[groups[0]![0]!]! + d - last <= layerTolerance) {
    const top = groups.pop()!;
    groups[0] = [...top, ...groups[0]!];
    const topSet = new Set(top);
    return groups.map((g, k) => layer(g, g.map((i) => heightOf(i, k === 0 && topSet.has(i))), unit, charges));
  }
  return groups.map((g) => layer(g, g.map((i) => z[i]!), unit, charges));
}

function layer(atoms: number[], heights: number[], unit: Structure, charges: Readonly<Record<string, number>>): Layer {
  const species = atoms.map((i) => unit.species[i]!);
  return {
    height: heights.reduce((a, b) => a + b, 0) / heights.length,
    atoms,
    formula: composition(species).formula,
    charge: species.reduce((q, s) => q + (charges[s] ?? 0), 0),
  };
}

/** Every distinct termination of the unit, in order of the cut height. */
export function terminations(unit: Structure, charges: Readonly<Record<string, number>>, options: TerminationOptions = {}): Termination[] {
  const tol = options.dipoleTolerance ?? 1e-6;
  const layers = layersOf(unit, charges, options.layerTolerance ?? 0.01);
  const d = unit.lattice.matrix[2][2];
  const m = layers.length;
  const f = unit.fractional;
  const out: Termination[] = [];
  const seen = new Set<string>();
  for (let j = 0; j < m; j++) {
    // cut in the gap below layer j
    const below = j === 0 ? layers[m - 1]!.height - d : layers[j - 1]!.height;
    const cut = 0.5 * (below + layers[j]!.height);
    const seq = [...layers.slice(j), ...layers.slice(0, j)];
    const gaps = seq.map((l, k) => {
      const next = seq[(k + 1) % m]!;
      let g = next.height - l.height;
      while (g <= 0) g += d;
      return m === 1 ? d : g;
    });
    const key = seq.map((l, k) => `${l.formula}:${gaps[k]!.toFixed(3)}`).join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    let dipole = 0;
    for (let i = 0; i < unit.numAtoms; i++) {
      let h = (f[3 * i + 2]! - Math.floor(f[3 * i + 2]!)) * d - cut;
      h -= Math.floor(h / d) * d;
      dipole += (charges[unit.species[i]!] ?? 0) * h;
    }
    const neutralLayers = seq.every((l) => Math.abs(l.charge) < 1e-9);
    const tasker: TaskerType = Math.abs(dipole) > tol ? 'III' : neutralLayers ? 'I' : 'II';
    out.push({
      index: out.length,
      cut,
      layers: seq.map((l) => l.formula),
      gaps,
      tasker,
      dipole,
      label: `${seq.map((l) => l.formula).join('/')} (gap ${(0.5 * (layers[j]!.height - below) * 2).toFixed(2)} Å at the surface)`,
    });
  }
  return out;
}
