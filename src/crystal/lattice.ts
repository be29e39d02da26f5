/**
 * Lattice: an immutable triple of lattice vectors stored as the rows of a 3x3 matrix (Å).
 *
 * Convention: a along x, b in the xy-plane, c completing a right-handed cell (standard
 * crystallographic orientation, as pymatgen's `Lattice.from_parameters` and GULP). Fractional
 * row vector f maps to Cartesian r = f · L.
 */
import { DomainError } from '../errors.js';
import { DEG } from '../units/index.js';
import { type Mat3, type Vec3, det3, inv3, mul3, norm, dot, cross, transpose3, vecMat, copy3, doubleRows3 } from '../math/linalg.js';

export interface LatticeParameters {
  a: number;
  b: number;
  c: number;
  /** angle between b and c, degrees */
  alpha: number;
  /** angle between a and c, degrees */
  beta: number;
  /** angle between a and b, degrees */
  gamma: number;
}

export class Lattice {
  /** Rows are the lattice vectors (Å). */
  readonly matrix: Readonly<Mat3>;
  private _inverse: Mat3 | undefined;
  private _reciprocal: Mat3 | undefined;

  private constructor(matrix: Mat3) {
    // one array layout for every lattice (math/linalg.ts doubles3)
    this.matrix = doubleRows3(matrix);
  }

  /** From three lattice vectors given as rows (Å). Throws INVALID_CELL for a degenerate cell. */
  static fromVectors(rows: Readonly<Mat3> | number[][], path = '/cell'): Lattice {
    const m = copy3(rows as Mat3);
    for (const r of m) for (const x of r) if (!Number.isFinite(x)) throw new DomainError('INVALID_CELL', 'lattice vectors must be finite numbers', { path });
    const v = det3(m);
    if (!(Math.abs(v) > 1e-6)) throw new DomainError('INVALID_CELL', `lattice vectors are degenerate (volume ${v} Å³)`, { path });
    if (v < 0) throw new DomainError('INVALID_CELL', 'lattice vectors must form a right-handed cell', { path });
    return new Lattice(m);
  }

  /**
   * From cell lengths (Å) and angles (degrees), a along x and b in the xy-plane:
   *   a = (a, 0, 0)
   *   b = (b cosγ, b sinγ, 0)
   *   c = (c cosβ, c (cosα − cosβ cosγ)/sinγ, c √(1 − cos²β − ((cosα − cosβ cosγ)/sinγ)²))
   */
  static fromParameters(p: LatticeParameters, path = '/cell'): Lattice {
    for (const k of ['a', 'b', 'c'] as const) {
      if (!Number.isFinite(p[k]) || !(p[k] > 0)) throw new DomainError('INVALID_CELL', `cell length ${k} must be positive (got ${p[k]})`, { path: `${path}/${k}` });
    }
    for (const k of ['alpha', 'beta', 'gamma'] as const) {
      if (!Number.isFinite(p[k]) || !(p[k] > 0 && p[k] < 180)) throw new DomainError('INVALID_CELL', `cell angle ${k} must lie strictly between 0 and 180 degrees (got ${p[k]})`, { path: `${path}/${k}` });
    }
    const ca = Math.cos(p.alpha * DEG);
    const cb = Math.cos(p.beta * DEG);
    const cg = Math.cos(p.gamma * DEG);
    const sg = Math.sin(p.gamma * DEG);
    const cy = (ca - cb * cg) / sg;
    const cz2 = 1 - cb * cb - cy * cy;
    if (!(cz2 > 1e-10)) throw new DomainError('INVALID_CELL', `cell angles alpha=${p.alpha}, beta=${p.beta}, gamma=${p.gamma} do not form a cell`, { path: `${path}/alpha` });
    const clean = (x: number): number => (Math.abs(x) < 1e-15 ? 0 : x);
    return new Lattice([
      [p.a, 0, 0],
      [clean(p.b * cg), p.b * sg, 0],
      [clean(p.c * cb), clean(p.c * cy), p.c * Math.sqrt(cz2)],
    ]);
  }

  get volume(): number {
    return det3(this.matrix);
  }

  /** Inverse of the lattice matrix: f = r · L⁻¹. */
  get inverse(): Readonly<Mat3> {
    return (this._inverse ??= doubleRows3(inv3(this.matrix)));
  }

  /** Reciprocal lattice rows b_i with a_i · b_j = 2π δ_ij (Å⁻¹). */
  get reciprocal(): Readonly<Mat3> {
    if (!this._reciprocal) {
      const t = transpose3(this.inverse);
      const s = 2 * Math.PI;
      this._reciprocal = doubleRows3([[s * t[0][0], s * t[0][1], s * t[0][2]], [s * t[1][0], s * t[1][1], s * t[1][2]], [s * t[2][0], s * t[2][1], s * t[2][2]]]);
    }
    return this._reciprocal;
  }

  get parameters(): LatticeParameters {
    const [a, b, c] = this.matrix;
    const la = norm(a), lb = norm(b), lc = norm(c);
    const ang = (u: Readonly<Vec3>, v: Readonly<Vec3>, lu: number, lv: number): number =>
      Math.acos(Math.max(-1, Math.min(1, dot(u, v) / (lu * lv)))) / DEG;
    return { a: la, b: lb, c: lc, alpha: ang(b, c, lb, lc), beta: ang(a, c, la, lc), gamma: ang(a, b, la, lb) };
  }

  fracToCart(f: Readonly<Vec3>): Vec3 {
    return vecMat(f, this.matrix);
  }

  cartToFrac(r: Readonly<Vec3>): Vec3 {
    return vecMat(r, this.inverse);
  }

  /** The lattice deformed by F (vectors as columns transform a' = F a): rows L' = L Fᵀ. */
  deformed(f: Readonly<Mat3>): Lattice {
    return new Lattice(mul3(this.matrix as Mat3, transpose3(f)));
  }

  /** A lattice whose rows are integer (or rational) combinations of these: rows M · L. */
  transformed(m: Readonly<Mat3>): Lattice {
    return Lattice.fromVectors(mul3(m as Mat3, this.matrix as Mat3));
  }

  /** Perpendicular widths of the cell (distance between opposite faces), Å. */
  get perpendicularWidths(): Vec3 {
    const v = Math.abs(this.volume);
    const [a, b, c] = this.matrix;
    return [v / norm(cross(b, c)), v / norm(cross(c, a)), v / norm(cross(a, b))];
  }
}
