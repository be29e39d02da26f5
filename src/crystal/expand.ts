/**
 * From an asymmetric unit to the full cell, and from a centred cell to a primitive one.
 *
 * Expansion. An atom at fractional x (column vector) has images x_g = R_g x + t_g under the
 * operations g = (R_g, t_g) of the space group (centring translations included), each wrapped into
 * [0, 1). On a special position several g give the same point modulo the lattice: the images that
 * lie within `tolerance` (Cartesian, minimum image) of each other are one atom. The site
 * multiplicity is the number of distinct images, |G| / |G_x| with G_x the site-symmetry group, so
 * `siteSymmetryOrder` = |G| / multiplicity counts the operations that fix the point.
 *
 * Each merged atom is placed at the mean of its images (unwrapped around the first). For a point
 * within the tolerance of a special position x* the images merged into the atom at x* are h·x for
 * h in G_{x*}, and their mean x* + ⟨R_h⟩(x − x*) is the projection of x onto the special position
 * (⟨R_h⟩ is the projector onto the subspace R_h fixes): coordinates typed as 0.3333 come out as 1/3
 * and the expanded structure has the full symmetry. A point already on its special position to
 * round-off is kept exactly as given.
 *
 * Atoms from different asymmetric sites are not merged: two sites that land on each other are an
 * input error for the structure's overlap check to report.
 *
 * Cartesian operations. With the row convention r = f · L, i.e. r = Lᵀ f for column vectors,
 * x' = R x + t becomes r' = (Lᵀ R L⁻ᵀ) r + Lᵀ t; the matrix is orthogonal when the lattice has the
 * metric the group requires.
 */
import { DomainError } from '../errors.js';
import type { Lattice } from './lattice.js';
import { Structure } from './structure.js';
import { type Mat3, type Vec3, identity3, inv3, mul3, transpose3, vecMat, norm, add3, scale3 } from '../math/linalg.js';
import type { Centring, SpaceGroup, SymOp } from './spacegroups/index.js';

export interface AsymmetricSite {
  species: string;
  /** Fractional coordinates (3 numbers). */
  frac: readonly number[];
}

export interface ExpandOptions {
  /** Distance (Å) below which two images of a site are one atom. Default 1e-3. */
  tolerance?: number;
  /** JSON path of the site list, for error messages. Default '/sites'. */
  path?: string;
  /**
   * Stop with LIMIT_EXCEEDED as soon as the atoms so far exceed this (default: no limit). The
   * expansion of a hostile document then costs at most (maxAtoms + |G|) × |G| image comparisons,
   * not sites × |G|².
   */
  maxAtoms?: number;
  /** Name of the structure, for the LIMIT_EXCEEDED message. */
  id?: string;
}

export interface ExpandedSites {
  species: string[];
  /** Fractional coordinates wrapped to [0, 1). */
  frac: Vec3[];
  /** Index of the asymmetric-unit site each atom comes from. */
  site: number[];
  /** Number of atoms each asymmetric site gives (its Wyckoff multiplicity). */
  multiplicity: number[];
}

/** Default merge distance for images of one site, Å. */
export const DEFAULT_SITE_TOLERANCE = 1e-3;

/** A symmetrising shift below this (fractional) is round-off: the image is kept exactly as computed. */
const ROUND_OFF_FRAC = 1e-12;

/** Wrap into [0, 1); values within 1e-10 below 1 become 0, so that −1e-17 does not read 0.99999. */
export function wrapFrac(x: number): number {
  const w = x - Math.floor(x);
  return w >= 1 - 1e-10 ? 0 : w;
}

const wrap3 = (f: Readonly<Vec3>): Vec3 => [wrapFrac(f[0]), wrapFrac(f[1]), wrapFrac(f[2])];

/** Image of a fractional point under an operation (not wrapped). */
export function applyOperation(op: SymOp, f: Readonly<Vec3>): Vec3 {
  const r = op.rot;
  return [
    r[0]! * f[0] + r[1]! * f[1] + r[2]! * f[2] + op.trans[0],
    r[3]! * f[0] + r[4]! * f[1] + r[5]! * f[2] + op.trans[1],
    r[6]! * f[0] + r[7]! * f[1] + r[8]! * f[2] + op.trans[2],
  ];
}

/** Minimum-image fractional difference a − b (each component in [−½, ½]). */
function fracDelta(a: Readonly<Vec3>, b: Readonly<Vec3>): Vec3 {
  const d: Vec3 = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  return [d[0] - Math.round(d[0]), d[1] - Math.round(d[1]), d[2] - Math.round(d[2])];
}

function resolveTolerance(options: { tolerance?: number } | undefined, path: string): number {
  const tol = options?.tolerance ?? DEFAULT_SITE_TOLERANCE;
  if (!(Number.isFinite(tol) && tol > 0)) throw new DomainError('INVALID_STRUCTURE', `site tolerance must be a positive distance in Å (got ${tol})`, { path });
  return tol;
}

function readFrac(frac: readonly number[], path: string): Vec3 {
  if (!Array.isArray(frac) || frac.length !== 3 || !frac.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new DomainError('INVALID_STRUCTURE', `fractional coordinates must be three finite numbers (got ${JSON.stringify(frac)})`, { path });
  return [frac[0]!, frac[1]!, frac[2]!];
}

/**
 * Apply every operation of the group to every asymmetric site, wrap, and merge coincident images.
 * Atoms of site 0 come first (the identity image first), then those of site 1, and so on.
 *
 * Throws INVALID_STRUCTURE (with the site's path) for bad coordinates or a site whose images merge
 * inconsistently (some within the tolerance, others not: the point is near, but not near enough
 * to, a special position).
 */
export function expandSites(sg: SpaceGroup, lattice: Lattice, sites: readonly AsymmetricSite[], options: ExpandOptions = {}): ExpandedSites {
  const path = options.path ?? '/sites';
  const tol = resolveTolerance(options, path);
  const L = lattice.matrix;
  const maxAtoms = options.maxAtoms ?? Infinity;
  const out: ExpandedSites = { species: [], frac: [], site: [], multiplicity: [] };
  sites.forEach((s, i) => {
    if (out.species.length > maxAtoms)
      throw new DomainError('LIMIT_EXCEEDED', `${options.id ? `structure ${options.id}: ` : ''}the first ${i} of ${sites.length} sites in ${sg.symbol} already give ${out.species.length} atoms in the cell; the limit is ${maxAtoms}`, { path });
    const x = readFrac(s.frac, `${path}/${i}/frac`);
    const images = sg.operations.map((op) => wrap3(applyOperation(op, x)));
    // a general position (only the identity maps it onto itself): every image is its own atom,
    // since g·x ≈ h·x would mean h⁻¹g·x ≈ x (the operations are isometries of the lattice).
    // O(|G|) instead of the clustering's O(|G|²).
    let fixed = 0;
    for (const img of images) if (norm(vecMat(fracDelta(img, x), L)) < tol) fixed++;
    if (fixed === 1) {
      for (const img of images) {
        out.species.push(s.species);
        out.frac.push(img);
        out.site.push(i);
      }
      out.multiplicity.push(images.length);
      return;
    }
    const clusters: { first: Vec3; sum: Vec3; count: number }[] = [];
    for (const img of images) {
      let joined = false;
      for (const c of clusters) {
        const d = fracDelta(img, c.first);
        if (norm(vecMat(d, L)) < tol) {
          c.sum = [c.sum[0] + d[0], c.sum[1] + d[1], c.sum[2] + d[2]];
          c.count++;
          joined = true;
          break;
        }
      }
      if (!joined) clusters.push({ first: img, sum: [0, 0, 0], count: 1 });
    }
    const order = sg.operations.length / clusters.length;
    if (!clusters.every((c) => c.count === order))
      throw new DomainError(
        'INVALID_STRUCTURE',
        `site ${i} (${s.species} at ${x.join(', ')}) is within ${tol} Å of some of its symmetry images but not of others: put it on the special position or change the tolerance`,
        { path: `${path}/${i}/frac` },
      );
    for (const c of clusters) {
      const shift = scale3(c.sum, 1 / c.count);
      out.species.push(s.species);
      out.frac.push(Math.max(...shift.map(Math.abs)) < ROUND_OFF_FRAC ? c.first : wrap3(add3(c.first, shift)));
      out.site.push(i);
    }
    out.multiplicity.push(clusters.length);
  });
  if (out.species.length > maxAtoms)
    throw new DomainError('LIMIT_EXCEEDED', `${options.id ? `structure ${options.id}: ` : ''}${sites.length} sites in ${sg.symbol} give ${out.species.length} atoms in the cell; the limit is ${maxAtoms}`, { path });
  return out;
}

/**
 * Order of the site-symmetry group of a point: the number of operations (centring translations
 * included) that map it onto itself modulo the lattice, within the tolerance (Å). The Wyckoff
 * multiplicity is `sg.operations.length / siteSymmetryOrder(...)`.
 */
export function siteSymmetryOrder(sg: SpaceGroup, lattice: Lattice, frac: readonly number[], options: { tolerance?: number } = {}): number {
  const tol = resolveTolerance(options, '/tolerance');
  const x = readFrac(frac, '/frac');
  let n = 0;
  for (const op of sg.operations) if (norm(vecMat(fracDelta(applyOperation(op, x), x), lattice.matrix)) < tol) n++;
  return n;
}

/**
 * The transformation P from a conventional cell to a primitive one: primitive rows = P · conventional
 * rows. Each row is a centring vector or lattice vector, so the centring translations become lattice
 * translations; det P = 1 / (number of lattice points per conventional cell) > 0 (right-handed).
 *
 *   P: identity;  A: a, (b+c)/2, (−b+c)/2;  B: (a+c)/2, b, (−a+c)/2;  C: (a+b)/2, (−a+b)/2, c;
 *   I: (−a+b+c)/2, (a−b+c)/2, (a+b−c)/2;  F: (b+c)/2, (a+c)/2, (a+b)/2;
 *   R (obverse, hexagonal axes): (2a+b+c)/3, (−a+b+c)/3, (−a−2b+c)/3 (ITA Table 5.1.3.1);
 *   R on rhombohedral axes: identity (the cell is already primitive).
 */
export function primitiveTransform(centring: Centring, rhombohedralAxes = false): Mat3 {
  const h = 1 / 2, t = 1 / 3;
  switch (centring) {
    case 'P':
      return identity3();
    case 'A':
      return [[1, 0, 0], [0, h, h], [0, -h, h]];
    case 'B':
      return [[h, 0, h], [0, 1, 0], [-h, 0, h]];
    case 'C':
      return [[h, h, 0], [-h, h, 0], [0, 0, 1]];
    case 'I':
      return [[-h, h, h], [h, -h, h], [h, h, -h]];
    case 'F':
      return [[0, h, h], [h, 0, h], [h, h, 0]];
    case 'R':
      return rhombohedralAxes ? identity3() : [[2 * t, t, t], [-t, t, t], [-t, -2 * t, t]];
  }
}

/** Number of lattice points per conventional cell. */
export function centringMultiplicity(centring: Centring, rhombohedralAxes = false): number {
  return { P: 1, A: 2, B: 2, C: 2, I: 2, F: 4, R: rhombohedralAxes ? 1 : 3 }[centring];
}

/** Each operation in Cartesian form r' = R r + t (Å), in the order of `sg.operations`. */
export function cartesianOperations(sg: SpaceGroup, lattice: Lattice): { R: Mat3; t: Vec3 }[] {
  const Lt = transpose3(lattice.matrix);
  const LtInv = inv3(Lt);
  return sg.operations.map((op) => {
    const r = op.rot;
    const Rf: Mat3 = [[r[0]!, r[1]!, r[2]!], [r[3]!, r[4]!, r[5]!], [r[6]!, r[7]!, r[8]!]];
    return { R: mul3(mul3(Lt, Rf), LtInv), t: vecMat(op.trans, lattice.matrix) };
  });
}

/**
 * The primitive cell of a centred structure: lattice rows P · L (`primitiveTransform`), in the same
 * Cartesian frame; atoms that the centring translations relate are kept once (the first in the
 * conventional order) and wrapped into the primitive cell.
 *
 * Throws INVALID_STRUCTURE when the structure does not have the centring: two atoms of different
 * species on one primitive site, or an atom count that is not the conventional count divided by the
 * number of lattice points.
 */
export function toPrimitive(
  structure: Structure,
  centring: Centring,
  rhombohedralAxes = false,
  options: { tolerance?: number } = {},
): { structure: Structure; fromConventional: number[] } {
  const tol = resolveTolerance(options, '/tolerance');
  const lattice = structure.lattice.transformed(primitiveTransform(centring, rhombohedralAxes));
  const species: string[] = [];
  const frac: Vec3[] = [];
  const fromConventional: number[] = [];
  for (let i = 0; i < structure.numAtoms; i++) {
    const f = wrap3(lattice.cartToFrac(structure.position(i)));
    const j = frac.findIndex((g) => norm(vecMat(fracDelta(f, g), lattice.matrix)) < tol);
    if (j < 0) {
      species.push(structure.species[i]!);
      frac.push(f);
      fromConventional.push(i);
    } else if (species[j] !== structure.species[i])
      throw new DomainError('INVALID_STRUCTURE', `atoms ${fromConventional[j]} (${species[j]}) and ${i} (${structure.species[i]}) are related by the ${centring} centring but are different species`);
  }
  const k = centringMultiplicity(centring, rhombohedralAxes);
  if (species.length * k !== structure.numAtoms)
    throw new DomainError(
      'INVALID_STRUCTURE',
      `the structure does not have the ${centring} centring: ${structure.numAtoms} atoms reduce to ${species.length} in the primitive cell, not ${structure.numAtoms / k}`,
    );
  return { structure: Structure.fromFractional(lattice, species, frac), fromConventional };
}
