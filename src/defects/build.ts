/**
 * Point defects as structures: vacancies, substitutions, interstitials and their neutral
 * combinations, placed by code on a perfect supercell (no hand-picked coordinates).
 *
 * Placement rules (all distances are minimum-image distances in the supercell):
 * - a vacancy or substitution takes the first atom of its species (any atom of a sublattice is
 *   equivalent in a perfect crystal; the tests move it and check the energy does not change);
 * - Schottky pair: the cation vacancy and the anion vacancy farthest from it ("as far apart as the
 *   cell allows"); Schottky dimer: the anion nearest to it (adjacent);
 * - Frenkel pair: the vacancy, and the interstitial on the candidate site (interstitialSites) of
 *   the chosen class nearest to it (bound) or farthest from it (separated);
 * - interstitial sites: the centres of the largest empty spheres, found as the local maxima of the
 *   distance to the nearest atom on a grid (spacing about 0.25 Å) refined by moving each point
 *   away from its nearest atoms (a discrete Voronoi-vertex search), checked to be a maximum and not
 *   a saddle (the centre of a face between two holes, which a coarse grid can hold); points within
 *   0.5 Å are merged, and sites are grouped into classes by radius and the species of their
 *   nearest atoms;
 * - starts per site class (interstitialStarts): the relaxation of an interstitial finds the
 *   minimum of the basin it starts in, and the empty-sphere centre need not be in the lowest one
 *   (in rock salt under a rigid-ion model a start on the face between two tetrahedral holes relaxes
 *   lower than the hole itself), so each class is tried from up to `starts` positions, in this order:
 *   `hole` (the site, nudged off its centre), `face` (the midpoint between the site and a
 *   neighbouring site of any class: the saddle of the empty-sphere distance on the way from one
 *   hole to the next, the most open such face), `split` (a dumbbell: the lattice atom of the
 *   interstitial's species nearest to the site and the added atom share that lattice site, ±⅓ of
 *   the site distance along the direction to the site), then the same three with every atom of the
 *   cell rattled by up to RATTLE_AMPLITUDE (seeded, a fixed seed per start, so the result is
 *   reproducible). Nothing here is specific to one structure: the faces come from the site list,
 *   the dumbbell from the nearest lattice atom.
 */
import { DomainError } from '../errors.js';
import { Structure } from '../crystal/structure.js';
import { gaussSolve } from '../math/dense.js';
import { rng } from '../math/random.js';

/**
 * Minimum-image vector from a to b in the cell (Cartesian, Å), for any cell shape. With f the
 * fractional difference reduced to (−½, ½] and v its Cartesian vector, a shorter image f + n has
 * |(f + n)_k| = |v′·b*_k| ≤ |v| / w_k (w_k the perpendicular width, b*_k the reciprocal vector,
 * |b*_k| = 1/w_k), so |n_k| ≤ |v|/w_k + ½: the images searched are bounded by that, which is ±1 in a
 * cell that is not skewed and more in a skewed one.
 */
export function minimumImage(s: Structure, a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] {
  const inv = s.lattice.inverse, L = s.lattice.matrix;
  const d = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!];
  const f0 = [0, 1, 2].map((k) => {
    const x = d[0]! * inv[0][k] + d[1]! * inv[1][k] + d[2]! * inv[2][k];
    return x - Math.round(x);
  });
  const cart = (g: readonly number[]): [number, number, number] => [0, 1, 2].map((c) => g[0]! * L[0][c] + g[1]! * L[1][c] + g[2]! * L[2][c]) as [number, number, number];
  let best = cart(f0), b2 = best[0] ** 2 + best[1] ** 2 + best[2] ** 2;
  const r = Math.sqrt(b2);
  // 1/w_k = |b*_k|, the norm of column k of L⁻¹
  const [n0, n1, n2] = [0, 1, 2].map((k) => Math.floor(r * Math.hypot(inv[0][k], inv[1][k], inv[2][k]) + 0.5));
  for (let i = -n0!; i <= n0!; i++)
    for (let j = -n1!; j <= n1!; j++)
      for (let k = -n2!; k <= n2!; k++) {
        if (!i && !j && !k) continue;
        const v = cart([f0[0]! + i, f0[1]! + j, f0[2]! + k]);
        const r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
        if (r2 < b2) (b2 = r2, best = v);
      }
  return best;
}

export const distance = (s: Structure, a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(...minimumImage(s, a, b));

/** The atoms of `s` without those at `indices`. */
export function withoutAtoms(s: Structure, indices: readonly number[]): Structure {
  const drop = new Set(indices);
  const keep = [...Array(s.numAtoms).keys()].filter((i) => !drop.has(i));
  return Structure.fromCartesian(s.lattice, keep.map((i) => s.species[i]!), keep.flatMap((i) => s.position(i)));
}

/** `s` with atom i of species `species` instead. */
export function withSpecies(s: Structure, i: number, species: string): Structure {
  const sp = [...s.species];
  sp[i] = species;
  return Structure.fromCartesian(s.lattice, sp, s.positions);
}

/** `s` with one more atom. */
export function withAtom(s: Structure, species: string, position: ArrayLike<number>): Structure {
  return Structure.fromCartesian(s.lattice, [...s.species, species], [...s.positions, position[0]!, position[1]!, position[2]!]);
}

/** Index of the first atom of `species` (INVALID_STRUCTURE when there is none). */
export function firstOf(s: Structure, species: string, path = '/defects'): number {
  const i = s.species.indexOf(species);
  if (i < 0) throw new DomainError('INVALID_STRUCTURE', `the structure has no ${species} atom`, { path });
  return i;
}

/** The atom of `species` nearest to (or, `farthest`, farthest from) atom i. */
export function partnerOf(s: Structure, i: number, species: string, farthest: boolean): number {
  let best = -1, bd = farthest ? -Infinity : Infinity;
  const pi = s.position(i);
  for (let j = 0; j < s.numAtoms; j++) {
    if (j === i || s.species[j] !== species) continue;
    const d = distance(s, pi, s.position(j));
    if (farthest ? d > bd + 1e-9 : d < bd - 1e-9) (bd = d, best = j);
  }
  if (best < 0) throw new DomainError('INVALID_STRUCTURE', `the structure has no ${species} atom`, {});
  return best;
}

export interface InterstitialSite {
  /** Cartesian, Å */
  position: [number, number, number];
  /** distance to the nearest atom, Å */
  radius: number;
  /** class label: the species of the nearest atoms and their count, e.g. `Pb4Se4` */
  environment: string;
  /** index of the class (0 = largest radius) */
  classIndex: number;
}

/** Å: the probe step of the check that a refined site is a maximum, not a saddle. */
const SADDLE_PROBE = 0.2;

const sitesOf = new WeakMap<Structure, InterstitialSite[]>();

/**
 * Candidate interstitial sites (see the module comment), largest empty spheres first. Remembered
 * per structure (an immutable value) at the default spacing: the Frenkel pairs and interstitials
 * of one supercell search it once.
 */
export function interstitialSites(s: Structure, spacing = 0.25): readonly InterstitialSite[] {
  if (spacing !== 0.25) return findInterstitialSites(s, spacing);
  let sites = sitesOf.get(s);
  if (!sites) sitesOf.set(s, (sites = findInterstitialSites(s, spacing)));
  return sites;
}

function findInterstitialSites(s: Structure, spacing: number): InterstitialSite[] {
  // at most about 2·10⁵ grid points (the refinement recovers the precision of a coarser grid)
  spacing = Math.max(spacing, Math.cbrt(Math.abs(s.lattice.volume) / 2e5));
  const w = s.lattice.perpendicularWidths;
  const m = w.map((x) => Math.max(4, Math.ceil(x / spacing)));
  const L = s.lattice.matrix;
  const [m0, m1, m2] = m as [number, number, number];
  // The refinement of a site looks only at the atoms near it: `local` holds every atom within
  // R = d(c) + 2m + 0.1 of a centre c, where m = 1 + spacing + SADDLE_PROBE bounds how far from c
  // any point evaluated before the next rebuild can be (the point stays within 1 Å of c, a trial
  // within max(spacing, probe) of the point). An atom that matters at such a point t (within
  // d(t) + 0.1 of it) is within d(c) + 2m + 0.1 of c, since d is 1-Lipschitz.
  const allAtoms = [...Array(s.numAtoms).keys()];
  let local: number[] = allAtoms, centre: number[] | undefined;
  const nearestOf = (r: ArrayLike<number>, atoms: readonly number[]): { d: number; j: number } => {
    let d = Infinity, j = -1;
    for (const a of atoms) {
      const x = distance(s, r, s.position(a));
      if (x < d) (d = x, j = a);
    }
    return { d, j };
  };
  const localise = (r: readonly number[]): void => {
    if (centre && distance(s, centre, r) <= 1) return;
    // one minimum-image distance per atom: the nearest sets the reach, the same list is filtered
    const d = allAtoms.map((a) => distance(s, r, s.position(a)));
    const reach = d.reduce((m, x) => Math.min(m, x), Infinity) + 2 * (1 + spacing + SADDLE_PROBE) + 0.1;
    local = allAtoms.filter((a) => d[a]! <= reach);
    centre = [...r];
  };
  const nearest = (r: ArrayLike<number>): { d: number; j: number } => {
    return nearestOf(r, local);
  };
  // distance field on a grid, from a cheap cell-local search: for each grid point, the min over atoms
  const field = new Float64Array(m0 * m1 * m2);
  const cart = (i: number, j: number, k: number): number[] => {
    const f = [i / m0, j / m1, k / m2];
    return [0, 1, 2].map((c) => f[0]! * L[0][c] + f[1]! * L[1][c] + f[2]! * L[2][c]);
  };
  const frac = s.fractional;
  for (let i = 0; i < m0; i++)
    for (let j = 0; j < m1; j++)
      for (let k = 0; k < m2; k++) {
        let d2 = Infinity;
        const g = [i / m0, j / m1, k / m2];
        for (let a = 0; a < s.numAtoms; a++) {
          let f0 = g[0]! - frac[3 * a]!, f1 = g[1]! - frac[3 * a + 1]!, f2 = g[2]! - frac[3 * a + 2]!;
          f0 -= Math.round(f0); f1 -= Math.round(f1); f2 -= Math.round(f2);
          const x = f0 * L[0][0] + f1 * L[1][0] + f2 * L[2][0];
          const y = f0 * L[0][1] + f1 * L[1][1] + f2 * L[2][1];
          const z = f0 * L[0][2] + f1 * L[1][2] + f2 * L[2][2];
          const r2 = x * x + y * y + z * z;
          if (r2 < d2) d2 = r2;
        }
        field[(i * m1 + j) * m2 + k] = Math.sqrt(d2);
      }
  const at = (i: number, j: number, k: number): number => field[((((i % m0) + m0) % m0) * m1 + (((j % m1) + m1) % m1)) * m2 + (((k % m2) + m2) % m2)]!;
  const maxima: number[][] = [];
  for (let i = 0; i < m0; i++)
    for (let j = 0; j < m1; j++)
      for (let k = 0; k < m2; k++) {
        const v = at(i, j, k);
        let top = true;
        for (let a = -1; a <= 1 && top; a++)
          for (let b = -1; b <= 1 && top; b++)
            for (let c = -1; c <= 1 && top; c++) if ((a || b || c) && at(i + a, j + b, k + c) > v) top = false;
        if (top) maxima.push(cart(i, j, k));
      }
  // refine: move away from the nearest atoms (subgradient ascent of the nearest distance), finish
  // on the centre of the sphere through the nearest shell, and check that the point is a maximum:
  // a saddle (the centre of a face or ring of atoms between two holes, where the pushes of the
  // nearest atoms cancel; a coarse grid can hold one as a discrete maximum) increases the nearest
  // distance along some direction, so the search goes on from the best probe of 26 directions.
  const climb = (r: number[]): void => {
    let step = spacing / 2;
    for (let it = 0; it < 60 && step > 1e-4; it++) {
      localise(r);
      const { d } = nearest(r);
      const push = [0, 0, 0];
      for (const a of local) {
        const v = minimumImage(s, s.position(a), r);
        const x = Math.hypot(...v);
        if (x < d + 0.05) for (let c = 0; c < 3; c++) push[c]! += v[c]! / x;
      }
      const pn = Math.hypot(...push);
      if (pn < 1e-6) break;
      const trial = r.map((x, c) => x + (step * push[c]!) / pn);
      if (nearest(trial).d > d) r.splice(0, 3, ...trial);
      else step /= 2;
    }
    // the centre of the sphere through the nearest shell (least squares: 2 p·x + w = |p|²)
    localise(r);
    const d1 = nearest(r).d;
    const shell: number[][] = [];
    for (const a of local) {
      const v = minimumImage(s, r, s.position(a));
      if (Math.hypot(...v) < d1 + 0.1) shell.push(v);
    }
    if (shell.length >= 4) {
      const A = new Float64Array(16), b = new Float64Array(4);
      for (const v of shell) {
        const row = [2 * v[0]!, 2 * v[1]!, 2 * v[2]!, 1], rhs = v[0]! ** 2 + v[1]! ** 2 + v[2]! ** 2;
        for (let i = 0; i < 4; i++) {
          b[i]! += row[i]! * rhs;
          for (let j = 0; j < 4; j++) A[4 * i + j]! += row[i]! * row[j]!;
        }
      }
      const x = gaussSolve(A, b, 4);
      if (x) {
        const trial = [r[0]! + x[0]!, r[1]! + x[1]!, r[2]! + x[2]!];
        if (Math.hypot(x[0]!, x[1]!, x[2]!) < spacing && nearest(trial).d > d1) r.splice(0, 3, ...trial);
      }
    }
  };
  const probes: number[][] = [];
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) if (i || j || k) probes.push([i, j, k].map((x) => (SADDLE_PROBE * x) / Math.hypot(i, j, k)));
  const refined: { r: number[]; d: number }[] = [];
  for (const p0 of maxima) {
    const r = [...p0];
    centre = undefined;
    for (let restart = 0; restart < 8; restart++) {
      climb(r);
      localise(r);
      const d = nearest(r).d;
      // nearest atoms all in one plane (three of them; or the four corners of a face between two
      // holes): the nearest distance grows along the plane's normal, which a probe of the 26 may
      // miss by more than that slope
      const shell: number[][] = [];
      for (const a of local) {
        if (shell.length >= 8) break;
        const v = minimumImage(s, r, s.position(a));
        if (Math.hypot(...v) < d + 0.05) shell.push(v);
      }
      const extra: number[][] = [];
      if (shell.length >= 3) {
        const [p, q, w] = shell as [number[], number[], number[]];
        const e1 = [q[0]! - p[0]!, q[1]! - p[1]!, q[2]! - p[2]!], e2 = [w[0]! - p[0]!, w[1]! - p[1]!, w[2]! - p[2]!];
        const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
        const nn = Math.hypot(...n);
        const planar = nn > 1e-9 && shell.every((v) => Math.abs(((v[0]! - p[0]!) * n[0]! + (v[1]! - p[1]!) * n[1]! + (v[2]! - p[2]!) * n[2]!) / nn) < 0.05);
        if (planar) for (const sg of [1, -1]) extra.push(n.map((x) => (sg * SADDLE_PROBE * x) / nn));
      }
      let best: number[] | undefined, bd = d + 1e-3;
      for (const u of [...probes, ...extra]) {
        const t = [r[0]! + u[0]!, r[1]! + u[1]!, r[2]! + u[2]!];
        const dt = nearest(t).d;
        if (dt > bd) (bd = dt, best = t);
      }
      if (!best) break;
      r.splice(0, 3, ...best);
    }
    localise(r);
    const d = nearest(r).d;
    if (!refined.some((q) => distance(s, q.r, r) < 0.5)) refined.push({ r, d });
  }
  refined.sort((a, b) => b.d - a.d);
  const classes: string[] = [];
  return refined.map(({ r, d }) => {
    const counts: Record<string, number> = {};
    for (let a = 0; a < s.numAtoms; a++) if (distance(s, r, s.position(a)) < d + 0.05) counts[s.species[a]!] = (counts[s.species[a]!] ?? 0) + 1;
    const env = Object.keys(counts).sort().map((k) => `${k}${counts[k]}`).join('');
    const label = `${env}@${d.toFixed(2)}`;
    if (!classes.includes(label)) classes.push(label);
    return { position: [r[0]!, r[1]!, r[2]!], radius: d, environment: env, classIndex: classes.indexOf(label) };
  });
}

/** The cation and the anion of a binary ionic crystal (by the sign of their charges). */
export function ionsOf(s: Structure, charges: Readonly<Record<string, number>>): { cation: string; anion: string } {
  const present = [...new Set(s.species)];
  const cation = present.find((x) => (charges[x] ?? 0) > 0);
  const anion = present.find((x) => (charges[x] ?? 0) < 0);
  if (!cation || !anion) throw new DomainError('INVALID_STRUCTURE', `a Schottky or Frenkel defect needs a cation and an anion (species: ${present.join(', ')})`, {});
  return { cation, anion };
}

/** What to place: the kinds of one supercell (the swap, over two compounds, is built in formation.ts). */
export interface PlacementSpec {
  kind: 'vacancy' | 'interstitial' | 'substitution' | 'schottky-pair' | 'schottky-dimer' | 'frenkel-cation' | 'frenkel-anion';
  species?: string;
  by?: string;
  separation?: 'separated' | 'bound';
  /** interstitials: how many site classes to try (default 3) */
  siteClasses?: number;
  /** interstitials: starting configurations per site class (default DEFAULT_INTERSTITIAL_STARTS) */
  starts?: number;
}

/** One unrelaxed defective cell, with where its parts are. */
export interface PlacedDefect {
  structure: Structure;
  /** indices (in the perfect cell) of the atoms removed */
  removed: number[];
  /** index (in the perfect cell) of the atom whose species changed */
  substituted?: number;
  /** Cartesian position of the added atom (before the small nudge off the site's centre) */
  added?: [number, number, number];
  /** the interstitial site class, and the start (`hole`, `face`, `split`, `… rattled`) */
  site?: InterstitialStartSite;
  /** Å (minimum image) between the two parts of a pair */
  separation?: number;
}

/** Move the newest atom off its (possibly symmetric, saddle) site by a fixed small offset. */
const nudge = (p: readonly number[]): number[] => [p[0]! + 0.03, p[1]! + 0.02, p[2]! + 0.01];

/** Interstitial starts per site class when the document does not say (hole, face, split, rattled hole). */
export const DEFAULT_INTERSTITIAL_STARTS = 4;
/** Upper bound of interstitialStarts (the schema's maximum). */
export const MAX_INTERSTITIAL_STARTS = 12;
/** Å: the largest displacement of each Cartesian component of each atom in a rattled start. */
export const RATTLE_AMPLITUDE = 0.1;
/** Site classes tried when the spec does not say. */
export const DEFAULT_SITE_CLASSES = 3;

export type StartKind = 'hole' | 'face' | 'split';

/** The site class of an interstitial and the start it was relaxed from. */
export interface InterstitialStartSite {
  environment: string;
  radius: number;
  /** `hole`, `face` or `split`, with ` rattled` (and the seed) for a rattled copy */
  start: string;
}

/** The first site of each of the `classes` largest classes. */
function representatives<T extends { classIndex: number }>(sites: readonly T[], classes: number): T[] {
  const out: T[] = [];
  for (const t of sites) if (t.classIndex < classes && !out.some((u) => u.classIndex === t.classIndex)) out.push(t);
  return out;
}

const nearestAtomDistance = (s: Structure, r: readonly number[]): number => {
  let d = Infinity;
  for (let a = 0; a < s.numAtoms; a++) d = Math.min(d, distance(s, r, s.position(a)));
  return d;
};

/**
 * The face start of site t: the midpoints between t and its neighbouring sites (any class, within
 * 1.2 × the nearest site distance), the most open one (largest distance to the nearest atom of
 * `host`); among equally open ones the farthest from `from` (or nearest, `!far`) when given.
 * Undefined when t has no neighbour or the midpoint is closer to an atom than half t's radius.
 */
function faceStart(host: Structure, sites: readonly InterstitialSite[], t: InterstitialSite, from?: readonly number[], far = true): [number, number, number] | undefined {
  const others = sites.map((q) => ({ q, v: minimumImage(host, t.position, q.position) })).filter(({ v }) => Math.hypot(...v) > 0.5);
  if (!others.length) return undefined;
  const dmin = Math.min(...others.map(({ v }) => Math.hypot(...v)));
  let best: { m: [number, number, number]; r: number; d: number } | undefined;
  for (const { v } of others) {
    if (Math.hypot(...v) > 1.2 * dmin) continue;
    const m: [number, number, number] = [t.position[0] + v[0] / 2, t.position[1] + v[1] / 2, t.position[2] + v[2] / 2];
    const r = nearestAtomDistance(host, m);
    const d = from ? distance(host, from, m) : 0;
    const better = !best || r > best.r + 1e-3 || (Math.abs(r - best.r) <= 1e-3 && (far ? d > best.d + 1e-6 : d < best.d - 1e-6));
    if (better) best = { m, r, d };
  }
  return best && best.r >= t.radius / 2 ? best.m : undefined;
}

/**
 * The split start of site t in `host` (the cell the interstitial of `species` goes into): the
 * lattice atom j of that species nearest to t and the added atom at p_j ∓ u·|t − p_j|/3, u the unit
 * vector from p_j to t. Returns the cell with the added atom last.
 */
function splitStart(host: Structure, species: string, t: InterstitialSite): { structure: Structure; added: [number, number, number] } | undefined {
  let j = -1, bd = Infinity;
  for (let a = 0; a < host.numAtoms; a++) {
    if (host.species[a] !== species) continue;
    const d = distance(host, host.position(a), t.position);
    if (d < bd) (bd = d, j = a);
  }
  if (j < 0 || bd < 1e-6) return undefined;
  const pj = host.position(j);
  const v = minimumImage(host, pj, t.position);
  const k = 1 / 3;
  const pos = Float64Array.from(host.positions);
  for (let c = 0; c < 3; c++) pos[3 * j + c] = pj[c]! - k * v[c]!;
  const added: [number, number, number] = [pj[0]! + k * v[0], pj[1]! + k * v[1], pj[2]! + k * v[2]];
  return { structure: withAtom(Structure.fromCartesian(host.lattice, host.species, pos), species, nudge(added)), added };
}

/** `s` with every atom displaced by up to ±RATTLE_AMPLITUDE per component (seeded). */
export function rattled(s: Structure, seed: number): Structure {
  const r = rng(seed);
  const pos = Float64Array.from(s.positions, (x) => x + RATTLE_AMPLITUDE * (2 * r() - 1));
  return Structure.fromCartesian(s.lattice, s.species, pos);
}

/**
 * The starting cells of an interstitial of `species` at site t in `host` (the perfect cell, or the
 * cell with the Frenkel vacancy), in the order of the module comment, at most `starts` of them;
 * `from` and `far` choose the face for a Frenkel pair (away from / towards the vacancy).
 */
export function interstitialStarts(host: Structure, sites: readonly InterstitialSite[], t: InterstitialSite, species: string, starts: number, from?: readonly number[], far = true): PlacedDefect[] {
  const site = (start: string): InterstitialStartSite => ({ environment: t.environment, radius: t.radius, start });
  const base: { kind: StartKind; structure: Structure; added: [number, number, number] }[] = [
    { kind: 'hole', structure: withAtom(host, species, nudge(t.position)), added: t.position },
  ];
  const face = faceStart(host, sites, t, from, far);
  if (face) base.push({ kind: 'face', structure: withAtom(host, species, nudge(face)), added: face });
  const split = splitStart(host, species, t);
  if (split) base.push({ kind: 'split', ...split });
  const out: PlacedDefect[] = [];
  const n = Math.max(1, Math.min(starts, MAX_INTERSTITIAL_STARTS));
  for (let k = 0; out.length < n && k < MAX_INTERSTITIAL_STARTS; k++) {
    const b = base[k % base.length]!;
    if (k < base.length) out.push({ structure: b.structure, removed: [], added: b.added, site: site(b.kind) });
    else {
      const seed = 1 + k;
      out.push({ structure: rattled(b.structure, seed), removed: [], added: b.added, site: site(`${b.kind} rattled (seed ${seed})`) });
    }
  }
  return out;
}

/**
 * The candidate defective cells of one defect in the perfect supercell `perfect`, placed by the
 * rules of the module comment: one cell, except for interstitials and Frenkel pairs (`starts` per
 * interstitial site class, the `siteClasses` largest; the lowest after relaxation is the answer).
 */
export function placeDefect(perfect: Structure, spec: PlacementSpec, charges: Readonly<Record<string, number>>): PlacedDefect[] {
  const need = (x: string | undefined, what: string): string => {
    if (!x) throw new DomainError('INVALID_DOCUMENT', `a ${spec.kind} needs ${what}`, { path: '/defects' });
    return x;
  };
  const classes = spec.siteClasses ?? DEFAULT_SITE_CLASSES;
  const starts = spec.starts ?? DEFAULT_INTERSTITIAL_STARTS;
  switch (spec.kind) {
    case 'vacancy': {
      const i = firstOf(perfect, need(spec.species, 'species'));
      return [{ structure: withoutAtoms(perfect, [i]), removed: [i] }];
    }
    case 'substitution': {
      const i = firstOf(perfect, need(spec.species, 'species'));
      return [{ structure: withSpecies(perfect, i, need(spec.by, 'by')), removed: [], substituted: i }];
    }
    case 'interstitial': {
      const x = need(spec.species, 'species');
      const sites = interstitialSites(perfect);
      return representatives(sites, classes).flatMap((t) => interstitialStarts(perfect, sites, t, x, starts));
    }
    case 'schottky-pair':
    case 'schottky-dimer': {
      const { cation, anion } = ionsOf(perfect, charges);
      const i = firstOf(perfect, cation);
      const j = partnerOf(perfect, i, anion, spec.kind === 'schottky-pair');
      return [{ structure: withoutAtoms(perfect, [i, j]), removed: [i, j], separation: distance(perfect, perfect.position(i), perfect.position(j)) }];
    }
    case 'frenkel-cation':
    case 'frenkel-anion': {
      const { cation, anion } = ionsOf(perfect, charges);
      const x = spec.kind === 'frenkel-cation' ? cation : anion;
      const v = firstOf(perfect, x);
      const pv = perfect.position(v);
      const vac = withoutAtoms(perfect, [v]);
      const sites = interstitialSites(perfect);
      const far = (spec.separation ?? 'separated') === 'separated';
      const out: PlacedDefect[] = [];
      const nClasses = Math.min(classes, 1 + Math.max(-1, ...sites.map((t) => t.classIndex)));
      for (let c = 0; c < nClasses; c++) {
        let pick: InterstitialSite | undefined, bd = far ? -Infinity : Infinity;
        for (const t of sites) {
          if (t.classIndex !== c) continue;
          const d = distance(perfect, pv, t.position);
          if (far ? d > bd + 1e-6 : d < bd - 1e-6) (bd = d, pick = t);
        }
        if (!pick) continue;
        for (const p of interstitialStarts(vac, sites, pick, x, starts, pv, far)) out.push({ ...p, removed: [v], separation: distance(perfect, pv, p.added!) });
      }
      return out;
    }
    default:
      throw new DomainError('INVALID_DOCUMENT', `unknown defect kind ${String((spec as { kind: unknown }).kind)}`, { path: '/defects' });
  }
}
