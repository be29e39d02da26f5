/**
 * The MD supercell: the smallest n₁ × n₂ × n₃ copies of the conventional cell whose every
 * perpendicular width is at least twice the largest pair cut-off (so no atom meets two images of
 * one neighbour within the cut-off, the usual rule for a periodic MD cell).
 */
import type { Structure } from '../crystal/structure.js';
import type { ForceField } from '../potentials/forcefield.js';

export function supercellForCutoff(cell: Structure, ff: ForceField, factor = 2): [number, number, number] {
  const rc = Math.max(0, ...ff.pairs.map((p) => p.cutoff));
  const w = cell.lattice.perpendicularWidths;
  return w.map((x) => Math.max(1, Math.ceil((factor * rc) / x - 1e-9))) as [number, number, number];
}
