/**
 * Symmetry for relaxation: the atom permutations of a space group's Cartesian operations and the
 * symmetry-adapted basis of the (positions, strain) space in which a relaxation keeps the group.
 *
 * ## The action of an operation on a displacement and a strain
 *
 * An operation g: r ↦ R r + t (R orthogonal, Cartesian) is a symmetry of the structure when it
 * maps every atom onto an atom of the same species up to a lattice vector: R r_i + t ≡ r_{π(i)}
 * (π a permutation when R keeps the cell's lattice; see below for when it does not).
 * Displace the atoms by u_i and strain the cell by ε (positions (I + ε)(r_i + u_i)). Applying g to
 * the displaced, strained crystal gives a crystal of the same energy whose atom π(i) is displaced
 * by R u_i and whose strain is R ε Rᵀ. So g acts on the 3N + 6 variables by the linear map
 *   D(g): (u, ε) ↦ (u', ε'),  u'_j = R u_{π⁻¹(j)},  ε' = R ε Rᵀ.
 * E is invariant: E(D(g) v) = E(v). A configuration keeps the whole group exactly when
 * D(g) v = v for every g, i.e. v lies in the fixed subspace of the representation.
 *
 * ## The projector
 *
 * For a finite group G, P = (1/|G|) Σ_g D(g) satisfies D(h) P = P (re-indexing the sum), hence
 * P² = P, and P v = v for every fixed v: P projects onto the fixed subspace. In coordinates in
 * which every D(g) is orthogonal, D(g)ᵀ = D(g⁻¹) and P is symmetric, an orthogonal projector. The
 * position block is orthogonal as it stands (a permutation of atoms times a rotation). The strain
 * block is orthogonal in the Frobenius coordinates ê = (ε_xx, ε_yy, ε_zz, √2 ε_yz, √2 ε_xz,
 * √2 ε_xy) (because tr(RεRᵀ RηRᵀ) = tr(εη)); engineering Voigt strain is e = S ê with
 * S = diag(1, 1, 1, √2, √2, √2). D(g) never mixes positions and strain, so P is block diagonal and
 * the basis is built block by block: the eigenvectors of P with eigenvalue 1.
 *
 * ## What is removed
 *
 * - Uniform translations (u_i = a for all i) are zero modes of E. The translation subspace is
 *   mapped to itself by every D(g) (a ↦ R a), so the orthogonal projector Q_τ onto it commutes with
 *   P and (I − Q_τ) P (I − Q_τ) projects onto the fixed, translation-free displacements. Polar
 *   groups (wurtzite: translations along c are fixed by 6₃mc) would otherwise keep a zero mode.
 * - `fixVolume`: the trace direction ê ∝ (1, 1, 1, 0, 0, 0) (ε ∝ I) is fixed by every R, so
 *   removing it by the same sandwich keeps a projector; to first order the volume is then fixed.
 * - `fixCell`: no strain columns.
 *
 * The result T is orthonormal in the metric Σ |u_i|² + ‖ε‖²_F. A free internal coordinate (the u
 * of wurtzite) is a fixed displacement and lies in the range; a coordinate on a special position
 * (Cd at 2b, the zinc-blende sites) is moved by some D(g) and is projected away.
 *
 * ## Translations finer than the cell, and closure
 *
 * When the group contains pure translations that are not cell vectors (the centrings of a
 * conventional cubic cell, or the (½, ½, 0) of an orthohexagonal cell), a symmetric displacement
 * is the same on all atoms they relate; those atoms form a class. A rotation that does not keep
 * the cell's lattice (the 6-fold axis in an orthohexagonal cell) maps atoms onto atoms only up to
 * such a translation, so it is a permutation of classes, not of atoms. The projector is therefore
 * built on classes (3 × classes coordinates) and the basis expanded to atoms, u_i = w_class(i)/√|T|
 * (|T| atoms per class keeps it orthonormal). The operations given need not form a group: their
 * class permutations are closed under composition first, so P is an exact projector either way.
 */
import { DomainError } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import { type Mat3, type Vec3, det3, inv3, matVec, mul3, transpose3 } from '../math/linalg.js';
import type { CartesianOperation } from './types.js';
import { rangeBasis } from '../math/dense.js';

/**
 * A symmetry element as the relaxation uses it: the rotation and the permutation it induces on the
 * translation classes of atoms (see `SymmetryGroup`).
 */
export interface SymmetryElement {
  R: Mat3;
  /** g maps class c onto class `permutation[c]`. */
  permutation: Int32Array;
}

/**
 * The group the relaxation keeps. Atoms related by a pure translation of the group (a centring,
 * or a translation of the crystal finer than the cell) form a class; a symmetric displacement is
 * the same for all atoms of a class, and every operation permutes the classes. Without such
 * translations every atom is its own class.
 */
export interface SymmetryGroup {
  elements: SymmetryElement[];
  /** Class of each atom. */
  classOf: Int32Array;
  numClasses: number;
  /** Number of pure translations (modulo the cell), the identity included: the size of each class. */
  numTranslations: number;
}

export interface SymmetryBasis {
  numAtoms: number;
  /** Orthonormal position columns (length 3N each, Å per unit coordinate), translations removed. */
  positions: Float64Array[];
  /** Strain columns in engineering Voigt strain e (length 6), orthonormal in ‖ε‖_F. */
  strains: Float64Array[];
  group: SymmetryGroup;
}

export interface SymmetryBasisOptions {
  /** Largest distance (Å) between an image and the atom it maps onto (default 1e-3). */
  tolerance?: number;
  fixCell?: boolean;
  fixVolume?: boolean;
}

/**
 * The image of every atom under an operation: `image[i] = j` when R r_i + t coincides with atom j
 * (same species) up to a lattice vector of the cell within `tolerance` Å; undefined if some atom
 * has no image (the operation is not a symmetry). When R maps the cell's lattice onto itself the
 * map is a permutation. When it does not (the 6-fold axis of a hexagonal crystal in an
 * orthohexagonal cell) the map is many-to-one: R maps a translation of the crystal that is not a
 * cell vector (a centring) onto a cell vector, so atoms related by that centring land on the same
 * atom. Atoms are distinct modulo the cell, so j is unique either way.
 */
export function mapAtoms(structure: Structure, op: CartesianOperation, tolerance: number): Int32Array | undefined {
  return imageOf(structure, structure.fractional, op, tolerance);
}

/** `mapAtoms` with the fractional coordinates of the structure given (computed once by a caller that maps many operations). */
function imageOf(structure: Structure, f: Float64Array, op: CartesianOperation, tolerance: number): Int32Array | undefined {
  const n = structure.numAtoms;
  const L = structure.lattice.matrix;
  const inv = structure.lattice.inverse;
  const r = structure.positions;
  const species = structure.species;
  const image = new Int32Array(n).fill(-1);
  const tol2 = tolerance * tolerance;
  const [R0, R1, R2] = op.R;
  const [i0, i1, i2] = inv;
  for (let i = 0; i < n; i++) {
    const rx = r[3 * i]!, ry = r[3 * i + 1]!, rz = r[3 * i + 2]!;
    const x = R0[0] * rx + R0[1] * ry + R0[2] * rz + op.t[0];
    const y = R1[0] * rx + R1[1] * ry + R1[2] * rz + op.t[1];
    const z = R2[0] * rx + R2[1] * ry + R2[2] * rz + op.t[2];
    const fi0 = x * i0[0] + y * i1[0] + z * i2[0];
    const fi1 = x * i0[1] + y * i1[1] + z * i2[1];
    const fi2 = x * i0[2] + y * i1[2] + z * i2[2];
    for (let j = 0; j < n; j++) {
      if (species[j] !== species[i]) continue;
      let d0 = fi0 - f[3 * j]!, d1 = fi1 - f[3 * j + 1]!, d2 = fi2 - f[3 * j + 2]!;
      d0 -= Math.round(d0); d1 -= Math.round(d1); d2 -= Math.round(d2);
      const cx = d0 * L[0][0] + d1 * L[1][0] + d2 * L[2][0];
      const cy = d0 * L[0][1] + d1 * L[1][1] + d2 * L[2][1];
      const cz = d0 * L[0][2] + d1 * L[1][2] + d2 * L[2][2];
      if (cx * cx + cy * cy + cz * cz <= tol2) {
        image[i] = j;
        break;
      }
    }
    if (image[i] === -1) return undefined;
  }
  return image;
}

const IDENTITY: Mat3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];

function isOrthogonal(R: Readonly<Mat3>, tol = 1e-6): boolean {
  const p = mul3(R as Mat3, transpose3(R as Mat3));
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (Math.abs(p[i][j] - (i === j ? 1 : 0)) > tol) return false;
  return true;
}

const isIdentity = (R: Readonly<Mat3>): boolean => R.every((row, i) => row.every((x, j) => Math.abs(x - (i === j ? 1 : 0)) < 1e-6));

/**
 * A set of symmetry elements: equal when R agrees to 1e-6 and the permutations are the same.
 * Elements are bucketed by a hash of R rounded to 1e-6 and of the permutation (the closure of a
 * group of 192 operations tests some 10⁵ products, so the test must be cheap); a bucket is then
 * compared entry by entry, so a hash collision never merges two elements.
 */
class ElementSet {
  private readonly buckets = new Map<number, SymmetryElement[]>();
  /** Adds `e` unless an equal element is there; true when it was added. */
  add(e: SymmetryElement): boolean {
    let h = 17;
    for (const row of e.R) for (const x of row) h = (Math.imul(h, 31) + Math.round(x * 1e6)) | 0;
    for (let c = 0; c < e.permutation.length; c++) h = (Math.imul(h, 31) + e.permutation[c]!) | 0;
    const bucket = this.buckets.get(h);
    if (!bucket) {
      this.buckets.set(h, [e]);
      return true;
    }
    if (bucket.some((o) => within(o.R, e.R, 1e-6) && o.permutation.every((v, c) => v === e.permutation[c]))) return false;
    bucket.push(e);
    return true;
  }
}

const notSymmetric = (detail: Record<string, unknown>): DomainError =>
  new DomainError('INVALID_STRUCTURE', 'structure does not have the symmetry of its space group', detail);

/**
 * The symmetry group of `structure` generated by `operations` (see `SymmetryGroup`). Throws
 * INVALID_STRUCTURE when an operation is not orthogonal or does not map the structure onto itself.
 *
 * Pure translations: those among the operations, R_h⁻¹(t_g − t_h) for two operations with the
 * same R (h⁻¹g is then a translation), and R⁻¹a_k, R a_k for the cell vectors a_k (a symmetry
 * whose R does not keep the cell's lattice implies those translations of the crystal); closed
 * under addition and under every R, modulo the cell. Each is checked to be a symmetry.
 */
export function symmetryGroup(structure: Structure, operations: readonly CartesianOperation[], tolerance = 1e-3): SymmetryGroup {
  const n = structure.numAtoms;
  const L = structure.lattice.matrix as Mat3;
  const images: Int32Array[] = [];
  operations.forEach((op, k) => {
    if (!isOrthogonal(op.R)) {
      throw new DomainError('INVALID_STRUCTURE', `symmetry operation ${k} is not a rotation in the Cartesian frame of the structure`, { operation: k });
    }
    const image = mapAtoms(structure, op, tolerance);
    if (!image) throw notSymmetric({ operation: k, R: op.R, t: op.t, toleranceAngstrom: tolerance });
    images.push(image);
  });

  // --- the translation subgroup, as fractional vectors modulo 1 with their atom permutations
  const toFrac = (t: Readonly<Vec3>): Vec3 => structure.lattice.cartToFrac(t);
  const wrap = (f: Vec3): Vec3 => f.map((x) => { const y = x - Math.round(x); return Math.abs(y) < 1e-9 ? 0 : y; }) as Vec3;
  const fkey = (f: Vec3): string => f.map((x) => { let y = Math.round(x * 1e5) / 1e5; if (y <= -0.5) y += 1; if (y > 0.5 - 1e-9) y -= 1; return y + 0; }).join(',');
  const translations: { f: Vec3; perm: Int32Array }[] = [];
  const tkeys = new Set<string>();
  const addTranslation = (fIn: Vec3, why: Record<string, unknown>): void => {
    const f = wrap(fIn);
    const key = fkey(f);
    if (tkeys.has(key)) return;
    const perm = mapAtoms(structure, { R: IDENTITY, t: structure.lattice.fracToCart(f) }, tolerance);
    if (!perm || new Set(perm).size !== n) throw notSymmetric({ ...why, translation: f, toleranceAngstrom: tolerance });
    tkeys.add(key);
    translations.push({ f, perm });
    if (translations.length > n) throw notSymmetric({ ...why, reason: 'more translations than atoms' });
  };
  addTranslation([0, 0, 0], {});
  // distinct rotations, each with the first operation that has it
  const rotations: { R: Mat3; first: number }[] = [];
  operations.forEach((op, k) => {
    const same = rotations.find((r) => within(r.R, op.R, 1e-6));
    if (!same) {
      rotations.push({ R: op.R as Mat3, first: k });
      for (const row of L) {
        addTranslation(toFrac(matVec(transpose3(op.R as Mat3), row)), { operation: k });
        addTranslation(toFrac(matVec(op.R, row)), { operation: k });
      }
    } else {
      const oh = operations[same.first]!;
      addTranslation(toFrac(matVec(transpose3(oh.R as Mat3), [op.t[0] - oh.t[0], op.t[1] - oh.t[1], op.t[2] - oh.t[2]])), { operation: k, relatedTo: same.first });
    }
    if (isIdentity(op.R)) addTranslation(toFrac(op.t), { operation: k });
  });
  for (let q = 0; q < translations.length; q++) {
    const t = translations[q]!;
    for (let p2 = 0; p2 <= q; p2++) {
      const u = translations[p2]!;
      addTranslation([t.f[0] + u.f[0], t.f[1] + u.f[1], t.f[2] + u.f[2]], {});
    }
    const tc = structure.lattice.fracToCart(t.f);
    for (const { R } of rotations) {
      addTranslation(toFrac(matVec(R, tc)), {});
      addTranslation(toFrac(matVec(transpose3(R as Mat3), tc)), {});
    }
  }

  // --- classes: orbits of the translations
  const classOf = new Int32Array(n).fill(-1);
  let numClasses = 0;
  for (let i = 0; i < n; i++) {
    if (classOf[i] !== -1) continue;
    for (const t of translations) classOf[t.perm[i]!] = numClasses;
    numClasses++;
  }

  // --- each operation as a permutation of classes, then the group they generate
  const gens: SymmetryElement[] = operations.map((op, k) => {
    const perm = new Int32Array(numClasses).fill(-1);
    for (let i = 0; i < n; i++) {
      const c = classOf[i]!, d = classOf[images[k]![i]!]!;
      if (perm[c] === -1) perm[c] = d;
      else if (perm[c] !== d) throw notSymmetric({ operation: k, reason: 'the operation does not permute the translation classes' });
    }
    if (new Set(perm).size !== numClasses) throw notSymmetric({ operation: k, reason: 'the operation does not permute the translation classes' });
    return { R: op.R.map((row) => [...row]) as Mat3, permutation: perm };
  });
  const id: SymmetryElement = { R: IDENTITY.map((row) => [...row]) as Mat3, permutation: Int32Array.from({ length: numClasses }, (_, i) => i) };
  const elements: SymmetryElement[] = [id];
  const seen = new ElementSet();
  seen.add(id);
  for (const g of gens) if (seen.add(g)) elements.push(g);
  const distinctGens = elements.slice(1);
  const limit = 48 * Math.max(1, numClasses);
  for (let q = 0; q < elements.length; q++) {
    for (const g of distinctGens) {
      const h = elements[q]!;
      const R = mul3(g.R, h.R);
      const perm = new Int32Array(numClasses);
      for (let c = 0; c < numClasses; c++) perm[c] = g.permutation[h.permutation[c]!]!;
      const element = { R, permutation: perm };
      if (!seen.add(element)) continue;
      elements.push(element);
      if (elements.length > limit) {
        throw new DomainError('INVALID_STRUCTURE', 'the symmetry operations do not generate a finite group of this structure', { elements: elements.length });
      }
    }
  }
  return { elements, classOf, numClasses, numTranslations: translations.length };
}

/** The 6×6 matrix of ε ↦ R ε Rᵀ in the Frobenius coordinates ê. */
function strainAction(R: Readonly<Mat3>): Float64Array {
  const s2 = Math.SQRT2;
  const toTensor = (v: ArrayLike<number>): Mat3 => [
    [v[0]!, v[5]! / s2, v[4]! / s2],
    [v[5]! / s2, v[1]!, v[3]! / s2],
    [v[4]! / s2, v[3]! / s2, v[2]!],
  ];
  const fromTensor = (t: Mat3): number[] => [t[0][0], t[1][1], t[2][2], s2 * t[1][2], s2 * t[0][2], s2 * t[0][1]];
  const m = new Float64Array(36);
  for (let k = 0; k < 6; k++) {
    const v = [0, 0, 0, 0, 0, 0];
    v[k] = 1;
    const out = fromTensor(mul3(mul3(R as Mat3, toTensor(v)), transpose3(R as Mat3)));
    for (let i = 0; i < 6; i++) m[i * 6 + k] = out[i]!;
  }
  return m;
}

/** (I − Q) P (I − Q) for the orthogonal projector Q = Σ q qᵀ over orthonormal `remove` vectors. */
function sandwich(p: Float64Array, n: number, remove: readonly Float64Array[]): Float64Array {
  if (remove.length === 0) return p;
  const apply = (cols: Float64Array): Float64Array => {
    // cols: n×n row-major; returns (I − Q) cols
    const out = Float64Array.from(cols);
    for (const q of remove) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += q[i]! * cols[i * n + j]!;
        for (let i = 0; i < n; i++) out[i * n + j]! -= q[i]! * s;
      }
    }
    return out;
  };
  const left = apply(p);
  // right multiplication: ((I − Q) leftᵀ)ᵀ
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[i * n + j] = left[j * n + i]!;
  const r = apply(t);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = r[j * n + i]!;
  return out;
}

/** The symmetry-adapted basis T of `structure` under `operations` (see the module comment). */
export function symmetryAdaptedBasis(structure: Structure, operations: readonly CartesianOperation[], options: SymmetryBasisOptions = {}): SymmetryBasis {
  const tolerance = options.tolerance ?? 1e-3;
  const group = symmetryGroup(structure, operations, tolerance);
  const n = structure.numAtoms;
  const nc = group.numClasses;
  const dim = 3 * nc;
  const w = 1 / group.elements.length;

  // position block over classes: P[3π(c)+a, 3c+b] += R_ab / |G|
  const px = new Float64Array(dim * dim);
  for (const g of group.elements) {
    for (let c = 0; c < nc; c++) {
      const d = g.permutation[c]!;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) px[(3 * d + a) * dim + 3 * c + b]! += w * g.R[a]![b]!;
    }
  }
  const translations = [0, 1, 2].map((k) => {
    const v = new Float64Array(dim);
    for (let c = 0; c < nc; c++) v[3 * c + k] = 1 / Math.sqrt(nc);
    return v;
  });
  // expand a class field to the atoms: u_i = w_{class(i)} / √|T| (orthonormal again)
  const s = 1 / Math.sqrt(group.numTranslations);
  const positions = rangeBasis(sandwich(px, dim, translations), dim).map((v) => {
    const u = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) u[3 * i + a] = s * v[3 * group.classOf[i]! + a]!;
    return u;
  });

  let strains: Float64Array[] = [];
  if (!options.fixCell) {
    const pe = new Float64Array(36);
    for (const g of group.elements) {
      const m = strainAction(g.R);
      for (let i = 0; i < 36; i++) pe[i]! += w * m[i]!;
    }
    const remove = options.fixVolume ? [Float64Array.from([1, 1, 1, 0, 0, 0], (x) => x / Math.sqrt(3))] : [];
    strains = rangeBasis(sandwich(pe, 6, remove), 6).map((v) => Float64Array.from(v, (x, k) => (k < 3 ? x : Math.SQRT2 * x)));
  }
  return { numAtoms: n, positions, strains, group };
}

// ---------------------------------------------------------------------------------------------
// Finding operations (for the special-position check and for callers without a space group)

/** The 48 signed permutation matrices (the cubic holohedry m-3m in a cubic Cartesian frame). */
function cubicRotations(): Mat3[] {
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const out: Mat3[] = [];
  for (const p of perms)
    for (let s = 0; s < 8; s++) {
      const m: Mat3 = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
      for (let i = 0; i < 3; i++) m[i][p[i]!] = s & (1 << i) ? -1 : 1;
      out.push(m);
    }
  return out;
}

/** The 24 operations of 6/mmm with the 6-fold axis along z and a 2-fold along x. */
function hexagonalRotations(): Mat3[] {
  const out: Mat3[] = [];
  for (let k = 0; k < 6; k++) {
    const c = Math.cos((k * Math.PI) / 3), s = Math.sin((k * Math.PI) / 3);
    const rz: Mat3 = [[c, -s, 0], [s, c, 0], [0, 0, 1]];
    const flip: Mat3 = [[1, 0, 0], [0, -1, 0], [0, 0, -1]];
    for (const base of [rz, mul3(rz, flip)]) {
      out.push(base);
      out.push(base.map((row) => row.map((x) => -x)) as Mat3);
    }
  }
  return out;
}

let FIXED_ROTATIONS: readonly Mat3[] | undefined;

/**
 * The cubic and the hexagonal holohedry, each matrix once (in that order). Their entries are 0,
 * ±1, ±½ and ±√3/2, so two of them within 1e-4 of each other are the same matrix, and a matrix
 * within 1e-4 of one is within 1e-4 of its copies: dropping the copies once here gives the
 * candidates that `findSymmetryOperations` would keep by comparing each with all before it.
 */
function fixedRotations(): readonly Mat3[] {
  if (!FIXED_ROTATIONS) {
    const out: Mat3[] = [];
    for (const R of [...cubicRotations(), ...hexagonalRotations()]) if (!out.some((c) => within(c, R, 1e-4))) out.push(R);
    FIXED_ROTATIONS = Object.freeze(out.map((R) => Object.freeze(R.map((row) => Object.freeze(row))) as unknown as Mat3));
  }
  return FIXED_ROTATIONS;
}

/**
 * Cartesian rotations mapping the lattice onto itself with integer matrices M of entries in
 * {−1, 0, 1}: the rows of M L are the images R a_i, so M L = L Rᵀ, and R is orthogonal exactly when
 * M keeps the metric G = L Lᵀ (M G Mᵀ = G). Rows are pre-filtered by length.
 */
function latticeRotations(structure: Structure, rel = 1e-6): Mat3[] {
  const L = structure.lattice.matrix as Mat3;
  const Li = structure.lattice.inverse as Mat3;
  const rows: Vec3[] = [];
  for (let c = 0; c < 27; c++) {
    const m: Vec3 = [(c % 3) - 1, (Math.floor(c / 3) % 3) - 1, Math.floor(c / 9) - 1];
    if (m[0] !== 0 || m[1] !== 0 || m[2] !== 0) rows.push(m);
  }
  const image = (m: Vec3): Vec3 => [0, 1, 2].map((k) => m[0] * L[0][k] + m[1] * L[1][k] + m[2] * L[2][k]) as Vec3;
  const dot3 = (a: Readonly<Vec3>, b: Readonly<Vec3>): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const scale = Math.max(dot3(L[0], L[0]), dot3(L[1], L[1]), dot3(L[2], L[2]));
  const same = (x: number, y: number): boolean => Math.abs(x - y) <= rel * scale;
  // each row with its image, computed once
  const imaged = rows.map((m) => ({ m, v: image(m) }));
  const cand = [0, 1, 2].map((i) => imaged.filter(({ v }) => same(dot3(v, v), dot3(L[i], L[i]))));
  const g01 = dot3(L[0], L[1]), g02 = dot3(L[0], L[2]), g12 = dot3(L[1], L[2]);
  const out: Mat3[] = [];
  for (const { m: m0, v: v0 } of cand[0]!) {
    for (const { m: m1, v: v1 } of cand[1]!) {
      if (!same(dot3(v0, v1), g01)) continue;
      for (const { m: m2, v: v2 } of cand[2]!) {
        if (!same(dot3(v0, v2), g02) || !same(dot3(v1, v2), g12)) continue;
        const M: Mat3 = [[...m0], [...m1], [...m2]] as Mat3;
        if (Math.abs(Math.abs(det3(M)) - 1) > 1e-9) continue;
        out.push(transpose3(mul3(Li, mul3(M, L))));
      }
    }
  }
  return out;
}

/** Every entry of a − b below tol in magnitude (false at the first that is not, and for NaN). */
function within(a: Readonly<Mat3>, b: Readonly<Mat3>, tol: number): boolean {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (!(Math.abs(a[i]![j]! - b[i]![j]!) < tol)) return false;
  return true;
}

/**
 * The symmetry operations of `structure` among candidate rotations: the cubic and hexagonal
 * holohedries in the standard orientation and the lattice's own automorphisms with small integer
 * matrices. One operation per distinct (R, image map); the pure translations that permute atoms
 * included. Not a full space-group finder, but enough to see the symmetry of a structure change.
 */
export function findSymmetryOperations(structure: Structure, tolerance = 1e-4): CartesianOperation[] {
  const n = structure.numAtoms;
  if (n === 0) return [];
  const candidates: Mat3[] = [];
  // the lattice's own rotations first: they are exact for a cell that is slightly rotated
  for (const R of latticeRotations(structure)) {
    if (!candidates.some((c) => within(c, R, 1e-4))) candidates.push(R);
  }
  const own = candidates.length;
  for (const R of fixedRotations()) {
    let seen = false;
    for (let c = 0; c < own && !seen; c++) seen = within(candidates[c]!, R, 1e-4);
    if (!seen) candidates.push(R);
  }
  const frac = structure.fractional;
  // anchor: an atom of the rarest species
  const count: Record<string, number> = {};
  for (const s of structure.species) count[s] = (count[s] ?? 0) + 1;
  let anchor = 0;
  for (let i = 0; i < n; i++) if (count[structure.species[i]!]! < count[structure.species[anchor]!]!) anchor = i;
  const r0 = structure.position(anchor);
  const out: CartesianOperation[] = [];
  for (const R of candidates) {
    const img = matVec(R, r0);
    const maps = new Set<string>();
    for (let j = 0; j < n; j++) {
      if (structure.species[j] !== structure.species[anchor]) continue;
      const rj = structure.position(j);
      const t: Vec3 = [rj[0] - img[0], rj[1] - img[1], rj[2] - img[2]];
      const image = imageOf(structure, frac, { R, t }, tolerance);
      if (!image) continue;
      const key = image.join(',');
      if (maps.has(key)) continue;
      maps.add(key);
      out.push({ R, t });
    }
  }
  return out;
}

/**
 * Carry operations of a structure to the same structure deformed by D (r' = D r) with atoms moved
 * symmetrically: (R, t) ↦ (R, D t). Valid when D commutes with every R, which holds for any
 * deformation a symmetry-keeping relaxation produces.
 */
export function deformOperations(operations: readonly CartesianOperation[], D: Readonly<Mat3>): CartesianOperation[] {
  return operations.map((op) => ({ R: op.R, t: matVec(D, op.t) }));
}

/** D with rows L_to = L_from Dᵀ: the deformation that takes one cell to the other. */
export function deformationBetween(from: Structure, to: Structure): Mat3 {
  return transpose3(mul3(inv3(from.lattice.matrix as Mat3), to.lattice.matrix as Mat3));
}

/** A short human name for an orthogonal matrix: identity, inversion, mirror, n-fold rotation, ... */
export function describeRotation(R: Readonly<Mat3>): string {
  const d = det3(R);
  const proper = d > 0 ? (R as Mat3) : (R.map((row) => row.map((x) => -x)) as Mat3);
  const tr = proper[0][0] + proper[1][1] + proper[2][2];
  const angle = Math.acos(Math.max(-1, Math.min(1, (tr - 1) / 2)));
  const fold = angle < 1e-6 ? 1 : Math.round((2 * Math.PI) / angle);
  // axis: the antisymmetric part for general angles, the +1 eigenvector for 2-folds
  let axis: Vec3 = [proper[2][1] - proper[1][2], proper[0][2] - proper[2][0], proper[1][0] - proper[0][1]];
  if (Math.hypot(...axis) < 1e-6) {
    const m = proper.map((row, i) => row.map((x, j) => x + (i === j ? 1 : 0)));
    axis = (m.map((row) => [...row] as Vec3).sort((p, q) => Math.hypot(...q) - Math.hypot(...p))[0] ?? [0, 0, 1]) as Vec3;
  }
  const nrm = Math.hypot(...axis) || 1;
  const ax = axis.map((x) => Math.round((x / nrm) * 1000) / 1000 + 0).join(', ');
  if (d > 0) return fold === 1 ? 'translation' : `${fold}-fold rotation about (${ax})`;
  if (fold === 1) return 'inversion';
  if (fold === 2) return `mirror perpendicular to (${ax})`;
  return `${fold}-fold rotoinversion about (${ax})`;
}
