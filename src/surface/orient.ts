/**
 * The bulk repeat unit of a face, in the slab frame.
 *
 * 1. **Primitive cell.** The pure translations of the bulk (vectors that map every atom onto an
 *    atom of the same species: the centrings of a conventional cell) are found, and a primitive
 *    basis is taken from the shortest lattice vectors (in three dimensions the successive minima
 *    form a basis; the volume V/|T| is checked). So a conventional and a primitive setting of the
 *    same crystal give the same slabs.
 * 2. **Plane family.** The face's normal G = h b₁ + k b₂ + l b₃ (user's cell) is written in the
 *    primitive reciprocal basis, h'ᵢ = a'ᵢ·G/2π, scaled to coprime integers: the family of
 *    lattice planes of that normal with the widest spacing d = 2π/|G'|.
 * 3. **In-plane cell.** Integer vectors n₁, n₂ with h'·n = 0 and n₁ × n₂ = ±h' span the plane
 *    lattice (that identity is the test of primitivity); n₃ with h'·n₃ = 1 completes a unimodular
 *    basis, so the unit has the primitive cell's volume A·d. (n₁, n₂) is Lagrange-Gauss reduced
 *    and n₃ shifted by in-plane vectors to stand as upright as possible.
 * 4. **Frame.** Rotated so that v₁ is along x, v₂ in the xy-plane and the normal along +z; the
 *    height of an atom above the plane through the origin is its z.
 */
import { DomainError } from '../errors.js';
import { Lattice } from '../crystal/lattice.js';
import { Structure } from '../crystal/structure.js';
import { type Mat3, type Vec3, cross, dot, norm, scale3, sub3, add3, vecMat } from '../math/linalg.js';
import { type Face, formatFace } from './face.js';

export interface OrientedUnit {
  /** The bulk repeat unit: rows v₁, v₂ in the xy-plane, v₃ with z = d > 0. */
  readonly unit: Structure;
  /** Area of the in-plane cell |v₁ × v₂|, Å². */
  readonly area: number;
  /** Interplanar spacing of the family: the height of v₃, Å. */
  readonly spacing: number;
  /** Coprime Miller indices of the family in the primitive cell. */
  readonly primitiveMiller: Vec3;
  /** Rows e₁, e₂, e₃ of the slab frame in the bulk's Cartesian frame: r_slab = R r_bulk. */
  readonly rotation: Mat3;
}

const wrap = (x: number): number => {
  const y = x - Math.floor(x);
  return y >= 1 - 1e-12 ? 0 : y;
};

/** Fractional translations (mod 1, identity first) that map `s` onto itself. */
export function pureTranslations(s: Structure, toleranceA = 1e-3): Vec3[] {
  const n = s.numAtoms;
  const f = s.fractional;
  const m = s.lattice.matrix;
  const same = (i: number, j: number, t: Vec3): boolean => {
    const d: Vec3 = [0, 1, 2].map((k) => {
      const x = f[3 * j + k]! - f[3 * i + k]! - t[k]!;
      return x - Math.round(x);
    }) as Vec3;
    return norm(vecMat(d, m)) < toleranceA;
  };
  const out: Vec3[] = [[0, 0, 0]];
  for (let j = 1; j < n; j++) {
    if (s.species[j] !== s.species[0]) continue;
    const t: Vec3 = [0, 1, 2].map((k) => wrap(f[3 * j + k]! - f[k]!)) as Vec3;
    if (out.some((u) => norm(vecMat(sub3(u, t).map((x) => x - Math.round(x)) as Vec3, m)) < toleranceA)) continue;
    let maps = true;
    for (let i = 0; i < n && maps; i++) {
      let found = false;
      for (let k = 0; k < n && !found; k++) if (s.species[k] === s.species[i] && same(i, k, t)) found = true;
      maps = found;
    }
    if (maps) out.push(t);
  }
  return out;
}

/** The primitive cell of `s` (itself when it has no pure translation). */
export function primitiveCell(s: Structure, toleranceA = 1e-3): Structure {
  const ts = pureTranslations(s, toleranceA);
  if (ts.length === 1) return s;
  const m = s.lattice.matrix;
  const cands: Vec3[] = [];
  for (const t of ts)
    for (let a = -1; a <= 1; a++)
      for (let b = -1; b <= 1; b++)
        for (let c = -1; c <= 1; c++) {
          const v = vecMat([t[0] + a, t[1] + b, t[2] + c], m);
          if (norm(v) > 1e-6) cands.push(v);
        }
  cands.sort((p, q) => norm(p) - norm(q));
  const target = s.lattice.volume / ts.length;
  const v1 = cands[0]!;
  const v2 = cands.find((v) => norm(cross(v1, v)) > 1e-6 * norm(v1) * norm(v))!;
  const v3 = cands.find((v) => Math.abs(dot(cross(v1, v2), v)) > 1e-6 * norm(v1) * norm(v2) * norm(v))!;
  let rows: Mat3 = [v1, v2, v3];
  if (dot(cross(v1, v2), v3) < 0) rows = [v1, v2, scale3(v3, -1)];
  const lat = Lattice.fromVectors(rows);
  if (Math.abs(lat.volume - target) > 1e-6 * target) {
    throw new DomainError('NUMERICAL_FAILURE', `no primitive basis found (volume ${lat.volume} Å³, expected ${target})`);
  }
  return dedupe(lat, s, toleranceA);
}

/** The atoms of `s` expressed in lattice `lat` (a sublattice of the same crystal), one per site. */
function dedupe(lat: Lattice, s: Structure, toleranceA: number): Structure {
  const species: string[] = [];
  const frac: Vec3[] = [];
  const inv = lat.inverse;
  for (let i = 0; i < s.numAtoms; i++) {
    const f = vecMat(s.position(i), inv).map(wrap) as Vec3;
    const dup = frac.some((g, k) => species[k] === s.species[i] && norm(vecMat(sub3(g, f).map((x) => x - Math.round(x)) as Vec3, lat.matrix)) < toleranceA);
    if (!dup) {
      species.push(s.species[i]!);
      frac.push(f);
    }
  }
  return Structure.fromFractional(lat, species, frac);
}

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

/** Round to coprime integers: values are rational with small denominators (≤ 12). */
function coprime(x: readonly number[]): Vec3 {
  const big = Math.max(...x.map(Math.abs));
  const y = x.map((v) => v / big);
  for (let den = 1; den <= 24; den++) {
    const r = y.map((v) => Math.round(v * den));
    if (r.every((k, i) => Math.abs(k - y[i]! * den) < 1e-6)) {
      const g = r.reduce((p, q) => gcd(p, q), 0);
      return r.map((k) => k / g) as Vec3;
    }
  }
  throw new DomainError('NUMERICAL_FAILURE', `face normal ${x.join(' ')} is not a rational direction of the lattice`);
}

const icross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** n₁, n₂ spanning {n ∈ ℤ³ : h·n = 0} and n₃ with h·n₃ = 1 (h coprime). */
function unimodularBasis(h: Vec3): [Vec3, Vec3, Vec3] {
  const r = Math.max(...h.map(Math.abs)) + 1;
  const inPlane: Vec3[] = [];
  let n3: Vec3 | undefined;
  for (let a = -r; a <= r; a++)
    for (let b = -r; b <= r; b++)
      for (let c = -r; c <= r; c++) {
        const n: Vec3 = [a, b, c];
        const p = h[0] * a + h[1] * b + h[2] * c;
        if (p === 0 && (a || b || c)) inPlane.push(n);
        if (p === 1 && (!n3 || dot(n, n) < dot(n3, n3))) n3 = n;
      }
  inPlane.sort((p, q) => dot(p, p) - dot(q, q));
  for (let i = 0; i < inPlane.length; i++)
    for (let j = i + 1; j < inPlane.length; j++) {
      const c = icross(inPlane[i]!, inPlane[j]!);
      if ((c[0] === h[0] && c[1] === h[1] && c[2] === h[2]) || (c[0] === -h[0] && c[1] === -h[1] && c[2] === -h[2])) return [inPlane[i]!, inPlane[j]!, n3!];
    }
  throw new DomainError('NUMERICAL_FAILURE', `no in-plane basis found for (${h.join(' ')})`);
}

/** Lagrange-Gauss reduction of a 2-D basis (integer combinations only). */
function reduce2(u0: Vec3, v0: Vec3): [Vec3, Vec3] {
  let u = u0, v = v0;
  if (dot(u, u) > dot(v, v)) [u, v] = [v, u];
  for (let it = 0; it < 100; it++) {
    const mu = Math.round(dot(u, v) / dot(u, u));
    v = sub3(v, scale3(u, mu));
    if (dot(v, v) >= dot(u, u) - 1e-12) break;
    [u, v] = [v, u];
  }
  return [u, v];
}

/**
 * The repeat unit of `face` for the bulk crystal `bulk` (which should be relaxed under the model
 * the slab will use). Throws NUMERICAL_FAILURE for an irrational direction.
 */
export function orientedUnit(bulk: Structure, face: Face): OrientedUnit {
  const prim = primitiveCell(bulk);
  // normal in Cartesian from the user's cell, then primitive Miller indices
  const rec = bulk.lattice.reciprocal;
  const g: Vec3 = [0, 1, 2].map((k) => face.miller[0] * rec[0][k] + face.miller[1] * rec[1][k] + face.miller[2] * rec[2][k]) as Vec3;
  const pm = prim.lattice.matrix;
  const hp = coprime(pm.map((row) => dot(row, g) / (2 * Math.PI)));
  const [n1, n2, n3] = unimodularBasis(hp);
  const toCart = (n: Vec3): Vec3 => vecMat(n, pm);
  let [v1, v2] = reduce2(toCart(n1), toCart(n2));
  let v3 = toCart(n3);
  if (dot(cross(v1, v2), v3) < 0) v2 = scale3(v2, -1);
  // orthonormal slab frame
  const e1 = scale3(v1, 1 / norm(v1));
  const nrm = cross(v1, v2);
  const e3 = scale3(nrm, 1 / norm(nrm));
  const e2 = cross(e3, e1);
  const rot = (r: Vec3): Vec3 => [dot(r, e1), dot(r, e2), dot(r, e3)];
  v1 = rot(v1);
  v2 = rot(v2);
  v3 = rot(v3);
  // stand v₃ upright: subtract the in-plane lattice vector nearest to its in-plane part
  const [a, b] = solve2(v1, v2, v3[0], v3[1]);
  v3 = sub3(v3, add3(scale3(v1, Math.round(a)), scale3(v2, Math.round(b))));
  v1[1] = 0; v1[2] = 0; v2[2] = 0;
  const lat = Lattice.fromVectors([v1, v2, v3]);
  const inv = lat.inverse;
  const species: string[] = [];
  const frac: Vec3[] = [];
  for (let i = 0; i < prim.numAtoms; i++) {
    species.push(prim.species[i]!);
    frac.push(vecMat(rot(prim.position(i)), inv).map(wrap) as Vec3);
  }
  const unit = Structure.fromFractional(lat, species, frac);
  if (Math.abs(lat.volume - prim.lattice.volume) > 1e-6 * prim.lattice.volume) {
    throw new DomainError('NUMERICAL_FAILURE', `the repeat unit of ${formatFace(face.indices)} has the wrong volume`);
  }
  return { unit, area: norm(cross(v1, v2)), spacing: v3[2], primitiveMiller: hp, rotation: [e1, e2, e3] };
}

/** Coefficients (a, b) with a v₁ + b v₂ = (x, y) in the plane. */
function solve2(v1: Vec3, v2: Vec3, x: number, y: number): [number, number] {
  const det = v1[0] * v2[1] - v1[1] * v2[0];
  return [(x * v2[1] - y * v2[0]) / det, (v1[0] * y - v1[1] * x) / det];
}
