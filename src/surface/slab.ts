/**
 * A slab: `repeats` repeat units of a face stacked upwards from a termination's cut, with vacuum
 * above. The cell is (v₁, v₂, (0, 0, repeats·d + vacuum)): periodic in the plane, and in z only as
 * the vehicle of the three-dimensional Ewald sum (the dipole correction makes the images blind to
 * each other, `dipole.ts`). The slab's lowest atom sits at z = vacuum/2.
 */
import { Lattice } from '../crystal/lattice.js';
import { Structure } from '../crystal/structure.js';
import type { Vec3 } from '../math/linalg.js';
import type { Termination } from './terminations.js';

export interface Slab {
  readonly structure: Structure;
  /** Number of repeat units. */
  readonly repeats: number;
  /** Atoms per repeat unit. */
  readonly unitAtoms: number;
  /** Area of the in-plane cell, Å². */
  readonly area: number;
  /** Height from the lowest to the highest atom, Å. */
  readonly thickness: number;
  /** Vacuum between periodic images (cell height minus repeats·d), Å. */
  readonly vacuum: number;
}

export function buildSlab(unit: Structure, termination: Pick<Termination, 'cut'>, repeats: number, vacuum: number): Slab {
  const m = unit.lattice.matrix;
  const d = m[2][2];
  const f = unit.fractional;
  const n = unit.numAtoms;
  const species: string[] = [];
  const pos: number[] = [];
  const fc = termination.cut / d;
  let zmin = Infinity, zmax = -Infinity;
  for (let r = 0; r < repeats; r++)
    for (let i = 0; i < n; i++) {
      let f3 = f[3 * i + 2]! - fc;
      f3 -= Math.floor(f3);
      const g: Vec3 = [f[3 * i]!, f[3 * i + 1]!, f3 + r];
      const p = [0, 1, 2].map((k) => g[0] * m[0][k] + g[1] * m[1][k] + g[2] * m[2][k]);
      species.push(unit.species[i]!);
      pos.push(p[0]!, p[1]!, p[2]!);
      zmin = Math.min(zmin, p[2]!);
      zmax = Math.max(zmax, p[2]!);
    }
  // fold the in-plane coordinates into the cell and lift the slab to z = vacuum/2
  const lat = Lattice.fromVectors([m[0], m[1], [0, 0, repeats * d + vacuum]]);
  const inv = lat.inverse;
  for (let a = 0; a < pos.length; a += 3) {
    pos[a + 2]! += vacuum / 2 - zmin;
    const r: Vec3 = [pos[a]!, pos[a + 1]!, pos[a + 2]!];
    const fr = [0, 1].map((k) => r[0] * inv[0][k] + r[1] * inv[1][k] + r[2] * inv[2][k]);
    const s0 = Math.floor(fr[0]!), s1 = Math.floor(fr[1]!);
    for (let k = 0; k < 2; k++) pos[a + k]! -= s0 * m[0][k] + s1 * m[1][k];
  }
  return {
    structure: Structure.fromCartesian(lat, species, pos),
    repeats,
    unitAtoms: n,
    area: Math.abs(m[0][0] * m[1][1] - m[0][1] * m[1][0]),
    thickness: zmax - zmin,
    vacuum,
  };
}
