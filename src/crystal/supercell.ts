/**
 * Supercells by a 3×3 matrix, and the hexagonal setting of a cubic face-centred cell.
 *
 * A supercell of a structure with lattice rows L is the lattice L' = M L (rows of M say how the new
 * vectors are made of the old ones). M may have non-integer entries when the structure's cell is
 * a centred (conventional) cell: the new vectors need only be translations of the crystal, not of
 * the cell. The atoms of the supercell are every image r + n·L of every atom that falls inside
 * L' (fractional coordinates f' = (f + n) M⁻¹ wrapped into [0, 1)), with coincident images
 * (those that differ by a centring translation) counted once. The count must be N |det M|;
 * otherwise M does not describe a supercell of this crystal and INVALID_CELL is thrown.
 *
 * The result is put in the standard orientation (a along x, b in the xy-plane, as
 * `Lattice.fromParameters`) with the same fractional coordinates, so that reports and other
 * programs read its lattice parameters directly.
 *
 * The hexagonal setting of a face-centred cubic lattice (rock salt, zinc blende) has
 *   a_h = ½[1 −1 0], b_h = ½[0 1 −1], c_h = [1 1 1]
 * in units of the cubic cell: |a_h| = a/√2, γ = 120°, c_h = a√3 along the body diagonal, three
 * close-packed layers of each species and 3 formula units per hexagonal cell (3/4 of the cubic
 * cell). `hexagonalSetting` returns that matrix for a cubic cell and the identity for a cell that
 * is already hexagonal (a = b, γ = 120°).
 */
import { DomainError } from '../errors.js';
import { type Mat3, det3, inv3 } from '../math/linalg.js';
import { Lattice } from './lattice.js';
import { Structure } from './structure.js';

/** Integers n (a diagonal n1 × n2 × n3 supercell) or a 3×3 matrix (rows: new vectors in old ones). */
export type SupercellSpec = readonly [number, number, number] | Readonly<Mat3> | readonly (readonly number[])[];

/** Tolerance on fractional coordinates when wrapping and deduplicating images. */
const FRAC_TOLERANCE = 1e-6;

/** The matrix of a spec: diag(n) for three integers, the matrix itself otherwise. */
export function supercellMatrix(spec: SupercellSpec, path = '/supercell'): Mat3 {
  const rows = spec as readonly unknown[];
  if (rows.length === 3 && rows.every((x) => typeof x === 'number')) {
    const n = rows as number[];
    for (let k = 0; k < 3; k++)
      if (!(Number.isInteger(n[k]) && n[k]! >= 1)) throw new DomainError('INVALID_CELL', `supercell multiples must be positive whole numbers (got ${n[k]})`, { path: `${path}/${k}` });
    return [[n[0]!, 0, 0], [0, n[1]!, 0], [0, 0, n[2]!]];
  }
  if (rows.length !== 3 || !rows.every((r) => Array.isArray(r) && r.length === 3 && r.every((x: unknown) => typeof x === 'number' && Number.isFinite(x))))
    throw new DomainError('INVALID_CELL', 'a supercell is three whole numbers or a 3×3 matrix of numbers', { path });
  return (rows as number[][]).map((r) => [...r]) as Mat3;
}

/**
 * The supercell L' = M L of `structure` (see the module comment). Throws INVALID_CELL when M is
 * singular, left-handed, or not a superlattice of the crystal's translations.
 */
export function buildSupercell(structure: Structure, spec: SupercellSpec, path = '/supercell'): Structure {
  const M = supercellMatrix(spec, path);
  const det = det3(M);
  if (!(det > 1e-9)) throw new DomainError('INVALID_CELL', `the supercell matrix must have a positive determinant (got ${det})`, { path });
  const n = structure.numAtoms;
  const expected = n * det;
  if (Math.abs(expected - Math.round(expected)) > 1e-6)
    throw new DomainError('INVALID_CELL', `the supercell would hold ${expected} atoms, not a whole number: the matrix is not a supercell of this cell`, { path });
  const Minv = inv3(M);
  // range of old-cell translations n whose images can fall inside the new cell: the corners of M
  const lo = [0, 0, 0], hi = [0, 0, 0];
  for (let c = 0; c < 8; c++) {
    const w = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
    for (let k = 0; k < 3; k++) {
      const x = w[0]! * M[0][k] + w[1]! * M[1][k] + w[2]! * M[2][k];
      lo[k] = Math.min(lo[k]!, Math.floor(x) - 1);
      hi[k] = Math.max(hi[k]!, Math.ceil(x) + 1);
    }
  }
  const f = structure.fractional;
  const species: string[] = [];
  const frac: number[] = [];
  const seen = new Map<string, number>();
  const key = (a: number, b: number, c: number): string => `${Math.round(a / 1e-4)},${Math.round(b / 1e-4)},${Math.round(c / 1e-4)}`;
  const wrap = (x: number): number => {
    let y = x - Math.floor(x);
    if (y > 1 - FRAC_TOLERANCE) y = 0;
    return y;
  };
  for (let a = 0; a < n; a++)
    for (let n0 = lo[0]!; n0 <= hi[0]!; n0++)
      for (let n1 = lo[1]!; n1 <= hi[1]!; n1++)
        for (let n2 = lo[2]!; n2 <= hi[2]!; n2++) {
          const g0 = f[3 * a]! + n0, g1 = f[3 * a + 1]! + n1, g2 = f[3 * a + 2]! + n2;
          const p = [0, 1, 2].map((k) => g0 * Minv[0][k] + g1 * Minv[1][k] + g2 * Minv[2][k]);
          if (p.some((x) => x < -FRAC_TOLERANCE || x >= 1 - FRAC_TOLERANCE)) continue;
          const w = p.map(wrap);
          const id = key(w[0]!, w[1]!, w[2]!);
          const prev = seen.get(id);
          if (prev !== undefined) {
            if (species[prev] !== structure.species[a])
              throw new DomainError('INVALID_CELL', `two different atoms (${species[prev]}, ${structure.species[a]}) land on the same site of the supercell`, { path });
            continue;
          }
          seen.set(id, species.length);
          species.push(structure.species[a]!);
          frac.push(...w);
        }
  if (species.length !== Math.round(expected))
    throw new DomainError('INVALID_CELL', `the matrix gives ${species.length} atoms instead of ${Math.round(expected)}: it is not a supercell of this crystal`, { path });
  const lattice = Lattice.fromParameters(structure.lattice.transformed(M).parameters);
  return Structure.fromFractional(lattice, species, frac);
}

/**
 * The matrix from a cell to its hexagonal setting: for a cubic cell (face-centred, as rock salt and
 * zinc blende) the rows ½[1 −1 0], ½[0 1 −1], [1 1 1]; the identity for a hexagonal cell. Throws
 * INVALID_CELL for any other cell.
 */
export function hexagonalSetting(lattice: Lattice, path = '/supercell'): Mat3 {
  const p = lattice.parameters;
  const close = (x: number, y: number, tol = 1e-4): boolean => Math.abs(x - y) <= tol * Math.max(1, Math.abs(y));
  if (close(p.a, p.b) && close(p.alpha, 90) && close(p.beta, 90) && close(p.gamma, 120)) return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  if (close(p.a, p.b) && close(p.b, p.c) && close(p.alpha, 90) && close(p.beta, 90) && close(p.gamma, 90))
    return [[0.5, -0.5, 0], [0, 0.5, -0.5], [1, 1, 1]];
  throw new DomainError('INVALID_CELL', `a hexagonal setting needs a hexagonal or cubic cell (a=${p.a.toFixed(4)}, b=${p.b.toFixed(4)}, c=${p.c.toFixed(4)}, γ=${p.gamma.toFixed(2)}°)`, { path });
}

/** diag(n) · H: n1 a_h × n2 b_h × n3 c_h of the hexagonal setting H of the cell. */
export function hexagonalSupercellMatrix(lattice: Lattice, n: readonly [number, number, number], path = '/supercell'): Mat3 {
  const H = hexagonalSetting(lattice, path);
  return H.map((row, i) => row.map((x) => x * n[i]!)) as Mat3;
}
