/**
 * Structure: an immutable periodic arrangement of atoms (a lattice, species labels and positions).
 * It holds no physics: energy models read it and return numbers; relaxation returns a new one.
 *
 * Positions are stored Cartesian (Å), atom-major: `positions[3*i + k]` is component k of atom i.
 */
import { Lattice } from './lattice.js';
import type { Mat3, Vec3 } from '../math/linalg.js';
import { matVec } from '../math/linalg.js';

export class Structure {
  readonly lattice: Lattice;
  readonly species: readonly string[];
  /** Cartesian positions, Å, length 3N. */
  readonly positions: Float64Array;

  private constructor(lattice: Lattice, species: readonly string[], positions: Float64Array) {
    if (positions.length !== 3 * species.length) throw new RangeError('positions must have length 3N');
    this.lattice = lattice;
    this.species = Object.freeze([...species]);
    this.positions = positions;
    Object.freeze(this);
  }

  static fromCartesian(lattice: Lattice, species: readonly string[], positions: ArrayLike<number> | readonly Vec3[]): Structure {
    return new Structure(lattice, species, flatten(positions));
  }

  static fromFractional(lattice: Lattice, species: readonly string[], frac: ArrayLike<number> | readonly Vec3[]): Structure {
    const f = flatten(frac);
    const r = new Float64Array(f.length);
    const m = lattice.matrix;
    for (let i = 0; i < f.length; i += 3) {
      for (let k = 0; k < 3; k++) r[i + k] = f[i]! * m[0][k] + f[i + 1]! * m[1][k] + f[i + 2]! * m[2][k];
    }
    return new Structure(lattice, species, r);
  }

  get numAtoms(): number {
    return this.species.length;
  }

  position(i: number): Vec3 {
    return [this.positions[3 * i]!, this.positions[3 * i + 1]!, this.positions[3 * i + 2]!];
  }

  /** Fractional coordinates, length 3N (not wrapped). */
  get fractional(): Float64Array {
    const inv = this.lattice.inverse;
    const r = this.positions;
    const f = new Float64Array(r.length);
    for (let i = 0; i < r.length; i += 3) {
      for (let k = 0; k < 3; k++) f[i + k] = r[i]! * inv[0][k] + r[i + 1]! * inv[1][k] + r[i + 2]! * inv[2][k];
    }
    return f;
  }

  /** Same lattice and species, new Cartesian positions. */
  withPositions(positions: ArrayLike<number>): Structure {
    return new Structure(this.lattice, this.species, Float64Array.from(positions));
  }

  /** Apply the deformation F to the cell and carry the atoms affinely (r' = F r). */
  deformed(f: Readonly<Mat3>): Structure {
    const r = this.positions;
    const out = new Float64Array(r.length);
    for (let i = 0; i < r.length; i += 3) {
      const v = matVec(f, [r[i]!, r[i + 1]!, r[i + 2]!]);
      out[i] = v[0];
      out[i + 1] = v[1];
      out[i + 2] = v[2];
    }
    return new Structure(this.lattice.deformed(f), this.species, out);
  }

  /** An n1 x n2 x n3 supercell (atoms of image (i,j,k) follow those of image (0,0,0)). */
  supercell(n: readonly [number, number, number]): Structure {
    const m = this.lattice.matrix;
    const species: string[] = [];
    const pos: number[] = [];
    for (let i = 0; i < n[0]; i++)
      for (let j = 0; j < n[1]; j++)
        for (let k = 0; k < n[2]; k++)
          for (let a = 0; a < this.numAtoms; a++) {
            species.push(this.species[a]!);
            for (let c = 0; c < 3; c++) pos.push(this.positions[3 * a + c]! + i * m[0][c] + j * m[1][c] + k * m[2][c]);
          }
    const lat = Lattice.fromVectors([
      m[0].map((x) => x * n[0]),
      m[1].map((x) => x * n[1]),
      m[2].map((x) => x * n[2]),
    ]);
    return new Structure(lat, species, Float64Array.from(pos));
  }

  /** Reduced formula and formula units: `{ formula: 'CdSe', z: 4, counts: { Cd: 1, Se: 1 } }`. */
  get composition(): { formula: string; z: number; counts: Record<string, number> } {
    return composition(this.species);
  }
}

function flatten(p: ArrayLike<number> | readonly Vec3[]): Float64Array {
  const first = (p as ArrayLike<unknown>)[0];
  if (Array.isArray(first)) return Float64Array.from((p as readonly Vec3[]).flat());
  return Float64Array.from(p as ArrayLike<number>);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A key equal for equal compositions whatever the order of the species: `Cd1Se1`. */
export const compositionKey = (counts: Readonly<Record<string, number>>): string =>
  Object.keys(counts)
    .sort()
    .map((s) => `${s}${counts[s]}`)
    .join('');

/**
 * Reduced formula (species in order of first appearance, as the document lists them), formula
 * units per cell and reduced counts. Compare compositions with `compositionKey(counts)`, not the
 * formula text.
 */
export function composition(species: readonly string[]): { formula: string; z: number; counts: Record<string, number> } {
  // keyed by species names: no inherited members (a species named `toString` counts from 0)
  const total: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const s of species) total[s] = (total[s] ?? 0) + 1;
  const z = Object.values(total).reduce((g, n) => gcd(g, n), 0) || 1;
  const counts: Record<string, number> = {};
  let formula = '';
  for (const [s, n] of Object.entries(total)) {
    counts[s] = n / z;
    formula += n / z === 1 ? s : `${s}${n / z}`;
  }
  return { formula, z, counts };
}
