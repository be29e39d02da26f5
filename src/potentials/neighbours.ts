/**
 * Periodic neighbour search within a cut-off.
 *
 * Contract: every unordered pair (i, j, image) with |d| < rc, d = r_j + T − r_i, T = n·L (n an
 * integer row vector, L the lattice rows), is visited exactly once, with i ≤ j; for i = j only the
 * images T ≠ 0 with n > 0 lexicographically (n_a first) are visited. Positions are first wrapped
 * into the cell, so d differs from the difference of the stored positions by a lattice vector.
 *
 * Two paths give the same pairs (up to round-off in d):
 *
 * - `images` (small cells, where the cut-off spans many cells). For each pair i ≤ j the images are
 *   enumerated exactly inside the cut-off sphere, as GULP does: with the Cholesky factor M of the
 *   metric G = L Lᵀ (lower triangular, G = M Mᵀ) and t = f_j − f_i + n, the squared distance is
 *   |t M|² = (t₂ M₂₂)² + (t₁ M₁₁ + t₂ M₂₁)² + (t₀ M₀₀ + t₁ M₁₀ + t₂ M₂₀)², so the range of n₂,
 *   then of n₁ for that n₂, then of n₀ follow in closed form. No candidate outside the sphere is
 *   generated; the cost is O(N² · rows + pairs).
 *
 * - `cells` (large cells). Atoms are binned in fractional coordinates, m_k bins along axis k
 *   (bin width w_k / m_k ≥ h, w_k the perpendicular width of the cell). A pair of atoms in bins b
 *   and b + δ (δ integer, unwrapped) has t in the box (δ − 1)/m < t < (δ + 1)/m, so the stencil
 *   keeps only the offsets δ whose box comes within rc of the origin (exact minimum of the
 *   convex quadratic t G tᵀ over the box). Since the pair (i, j, T) appears from j's side with
 *   offset −δ, only the half-stencil δ ≥ 0 (lexicographically) is scanned, with i < j inside a bin
 *   for δ = 0. The cost is O(N · neighbours) with a small constant, independent of the N² term.
 *
 * `auto` (the default) picks the path with the lower estimated cost; `neighbourMethod` reports it.
 */
import type { Structure } from '../crystal/structure.js';
import type { Mat3 } from '../math/linalg.js';
import { DomainError } from '../errors.js';

/** Called with the indices (i ≤ j), the vector d = r_j + T − r_i (Å) and r² = |d|². */
export type PairVisitor = (i: number, j: number, dx: number, dy: number, dz: number, r2: number) => void;

export type NeighbourMethod = 'images' | 'cells';

export interface NeighbourOptions {
  /** Search path; `auto` (default) chooses by estimated cost. Forcing one is for tests and benchmarks. */
  method?: NeighbourMethod | 'auto';
}

/** Relative slack on the cut-off for the enumeration bounds (the final test is the exact r² < rc²). */
const SLACK = 1e-10;

/** Cholesky factor of the metric L Lᵀ: [M00, M10, M11, M20, M21, M22]. */
function metricCholesky(L: Readonly<Mat3>): [number, number, number, number, number, number] {
  const g = (a: number, b: number): number => L[a][0] * L[b][0] + L[a][1] * L[b][1] + L[a][2] * L[b][2];
  const m00 = Math.sqrt(g(0, 0));
  const m10 = g(1, 0) / m00;
  const m11 = Math.sqrt(g(1, 1) - m10 * m10);
  const m20 = g(2, 0) / m00;
  const m21 = (g(2, 1) - m20 * m10) / m11;
  const m22 = Math.sqrt(g(2, 2) - m20 * m20 - m21 * m21);
  return [m00, m10, m11, m20, m21, m22];
}

/**
 * Bin width for the cell list: rc/2 (a stencil of ±2 bins), or wider when that would leave fewer
 * than about two atoms per bin. Measured on rock-salt PbSe supercells with rc = 12 Å, rc/2 beat
 * rc/4, rc/3, 5rc/12 and 7rc/12 at 216, 512 and 1728 atoms.
 */
function binWidth(structure: Structure, cutoff: number): number {
  const volumePerAtom = Math.abs(structure.lattice.volume) / Math.max(1, structure.numAtoms);
  return Math.max(cutoff / 2, Math.cbrt(2 * volumePerAtom));
}

/**
 * The path `auto` takes: estimated work of the image enumeration, N²/2 · (rows + images per pair),
 * against the cell list, N · (half-stencil volume · density + bins visited per atom).
 */
export function neighbourMethod(structure: Structure, cutoff: number): NeighbourMethod {
  const n = structure.numAtoms;
  const V = Math.abs(structure.lattice.volume);
  const M = metricCholesky(structure.lattice.matrix);
  const rows = (Math.PI * cutoff * cutoff) / (M[2] * M[5]) + (2 * cutoff) / M[5] + 1;
  const sphere = ((4 / 3) * Math.PI * cutoff ** 3) / V;
  const images = 0.5 * n * n * (2 * rows + sphere);
  const h = binWidth(structure, cutoff);
  const w = structure.lattice.perpendicularWidths;
  let nb = 1;
  for (let k = 0; k < 3; k++) nb *= Math.max(1, Math.floor(w[k]! / h));
  const binVolume = V / nb;
  const reach = cutoff + Math.sqrt(3) * Math.cbrt(binVolume);
  const offsets = (0.5 * (4 / 3) * Math.PI * reach ** 3) / binVolume + 1;
  const cells = offsets * (nb + (n * n) / nb) + 8 * n + 30 * offsets;
  return cells < images ? 'cells' : 'images';
}

export function forEachPair(structure: Structure, cutoff: number, visit: PairVisitor, options: NeighbourOptions = {}): void {
  const n = structure.numAtoms;
  if (n === 0 || !(cutoff > 0)) return;
  const L = structure.lattice.matrix;
  const f = structure.fractional;
  // wrap into [0, 1) and rebuild Cartesian positions of the wrapped atoms
  const fw = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) {
    let x = f[i]! - Math.floor(f[i]!);
    if (x >= 1) x -= 1;
    fw[i] = x;
  }
  const pos = new Float64Array(3 * n);
  for (let a = 0; a < n; a++)
    for (let k = 0; k < 3; k++) pos[3 * a + k] = fw[3 * a]! * L[0][k] + fw[3 * a + 1]! * L[1][k] + fw[3 * a + 2]! * L[2][k];

  const method = options.method && options.method !== 'auto' ? options.method : neighbourMethod(structure, cutoff);
  if (method === 'images') imageSearch(n, L, fw, pos, cutoff, visit);
  else cellSearch(structure, n, L, fw, pos, cutoff, visit);
}

function imageSearch(n: number, L: Readonly<Mat3>, fw: Float64Array, pos: Float64Array, rc: number, visit: PairVisitor): void {
  const [m00, m10, m11, m20, m21, m22] = metricCholesky(L);
  const rc2 = rc * rc;
  const rb = rc * (1 + SLACK);
  const rb2 = rb * rb;
  const l00 = L[0][0], l01 = L[0][1], l02 = L[0][2];
  const l10 = L[1][0], l11 = L[1][1], l12 = L[1][2];
  const l20 = L[2][0], l21 = L[2][1], l22 = L[2][2];
  for (let i = 0; i < n; i++) {
    const fi0 = fw[3 * i]!, fi1 = fw[3 * i + 1]!, fi2 = fw[3 * i + 2]!;
    const xi = pos[3 * i]!, yi = pos[3 * i + 1]!, zi = pos[3 * i + 2]!;
    for (let j = i; j < n; j++) {
      const self = i === j;
      const f0 = fw[3 * j]! - fi0, f1 = fw[3 * j + 1]! - fi1, f2 = fw[3 * j + 2]! - fi2;
      const ex = pos[3 * j]! - xi, ey = pos[3 * j + 1]! - yi, ez = pos[3 * j + 2]! - zi;
      const lo2 = Math.ceil(-rb / m22 - f2), hi2 = Math.floor(rb / m22 - f2);
      for (let n2 = lo2; n2 <= hi2; n2++) {
        const t2 = f2 + n2;
        const z = t2 * m22;
        const rem2 = rb2 - z * z;
        if (rem2 < 0) continue;
        const ry = Math.sqrt(rem2);
        const c1 = t2 * m21;
        const lo1 = Math.ceil((-ry - c1) / m11 - f1), hi1 = Math.floor((ry - c1) / m11 - f1);
        const ax = ex + n2 * l20, ay = ey + n2 * l21, az = ez + n2 * l22;
        for (let n1 = lo1; n1 <= hi1; n1++) {
          const t1 = f1 + n1;
          const y = t1 * m11 + c1;
          const rem1 = rem2 - y * y;
          if (rem1 < 0) continue;
          const rx = Math.sqrt(rem1);
          const c0 = t1 * m10 + t2 * m20;
          let lo0 = Math.ceil((-rx - c0) / m00 - f0);
          const hi0 = Math.floor((rx - c0) / m00 - f0);
          // i = j: only n > 0 lexicographically (n0, then n1, then n2)
          if (self) lo0 = Math.max(lo0, n1 > 0 || (n1 === 0 && n2 > 0) ? 0 : 1);
          const bx = ax + n1 * l10, by = ay + n1 * l11, bz = az + n1 * l12;
          for (let n0 = lo0; n0 <= hi0; n0++) {
            const dx = bx + n0 * l00, dy = by + n0 * l01, dz = bz + n0 * l02;
            const r2 = dx * dx + dy * dy + dz * dz;
            if (r2 < rc2) visit(i, j, dx, dy, dz, r2);
          }
        }
      }
    }
  }
}

/**
 * min of t G tᵀ over the box lo ≤ t ≤ hi, for G = L Lᵀ positive definite (the squared distance
 * from the origin of the closest point of a parallelepiped), exactly. The minimiser of a convex
 * quadratic over a box is a KKT point: for some split of the variables into free ones and ones
 * fixed at a bound, the free ones solve G_SS t_S = −G_SF t_F. Each of the 27 splits is tried and
 * the feasible candidates compared; all are feasible points, so the smallest is the minimum.
 */
export function boxMinimumSquaredDistance(G: readonly (readonly number[])[], lo: ArrayLike<number>, hi: ArrayLike<number>): number {
  const g00 = G[0]![0]!, g01 = G[0]![1]!, g02 = G[0]![2]!, g11 = G[1]![1]!, g12 = G[1]![2]!, g22 = G[2]![2]!;
  const l0 = lo[0]!, l1 = lo[1]!, l2 = lo[2]!, h0 = hi[0]!, h1 = hi[1]!, h2 = hi[2]!;
  if (l0 <= 0 && h0 >= 0 && l1 <= 0 && h1 >= 0 && l2 <= 0 && h2 >= 0) return 0;
  const q = (t0: number, t1: number, t2: number): number =>
    g00 * t0 * t0 + g11 * t1 * t1 + g22 * t2 * t2 + 2 * (g01 * t0 * t1 + g02 * t0 * t2 + g12 * t1 * t2);
  let best = Infinity;
  // vertices and edges: t1, t2 fixed at bounds; t0 at a bound or free
  for (let c1 = 0; c1 < 2; c1++)
    for (let c2 = 0; c2 < 2; c2++) {
      const t1 = c1 ? h1 : l1, t2 = c2 ? h2 : l2;
      best = Math.min(best, q(l0, t1, t2), q(h0, t1, t2));
      const t0 = -(g01 * t1 + g02 * t2) / g00;
      if (t0 > l0 && t0 < h0) best = Math.min(best, q(t0, t1, t2));
    }
  for (let c0 = 0; c0 < 2; c0++)
    for (let c = 0; c < 2; c++) {
      const t0 = c0 ? h0 : l0;
      // t1 free, t2 fixed
      const t2 = c ? h2 : l2;
      const t1 = -(g01 * t0 + g12 * t2) / g11;
      if (t1 > l1 && t1 < h1) best = Math.min(best, q(t0, t1, t2));
      // t2 free, t1 fixed
      const u1 = c ? h1 : l1;
      const u2 = -(g02 * t0 + g12 * u1) / g22;
      if (u2 > l2 && u2 < h2) best = Math.min(best, q(t0, u1, u2));
    }
  // faces: one variable fixed, the other two free (2x2 solve)
  for (let c = 0; c < 2; c++) {
    {
      const t0 = c ? h0 : l0; // t1, t2 free: [g11 g12; g12 g22] t = −t0 [g01; g02]
      const det = g11 * g22 - g12 * g12, r1 = -g01 * t0, r2 = -g02 * t0;
      const t1 = (r1 * g22 - g12 * r2) / det, t2 = (g11 * r2 - g12 * r1) / det;
      if (t1 > l1 && t1 < h1 && t2 > l2 && t2 < h2) best = Math.min(best, q(t0, t1, t2));
    }
    {
      const t1 = c ? h1 : l1; // t0, t2 free
      const det = g00 * g22 - g02 * g02, r0 = -g01 * t1, r2 = -g12 * t1;
      const t0 = (r0 * g22 - g02 * r2) / det, t2 = (g00 * r2 - g02 * r0) / det;
      if (t0 > l0 && t0 < h0 && t2 > l2 && t2 < h2) best = Math.min(best, q(t0, t1, t2));
    }
    {
      const t2 = c ? h2 : l2; // t0, t1 free
      const det = g00 * g11 - g01 * g01, r0 = -g02 * t2, r1 = -g12 * t2;
      const t0 = (r0 * g11 - g01 * r1) / det, t1 = (g00 * r1 - g01 * r0) / det;
      if (t0 > l0 && t0 < h0 && t1 > l1 && t1 < h1) best = Math.min(best, q(t0, t1, t2));
    }
  }
  return Math.max(0, best);
}

function cellSearch(structure: Structure, n: number, L: Readonly<Mat3>, fw: Float64Array, pos: Float64Array, rc: number, visit: PairVisitor): void {
  const w = structure.lattice.perpendicularWidths;
  const h = binWidth(structure, rc);
  const m0 = Math.max(1, Math.floor(w[0] / h)), m1 = Math.max(1, Math.floor(w[1] / h)), m2 = Math.max(1, Math.floor(w[2] / h));
  const nb = m0 * m1 * m2;

  // counting sort of the atoms by bin; sorted copies of the positions for locality
  const binOf = new Int32Array(n);
  const start = new Int32Array(nb + 1);
  for (let a = 0; a < n; a++) {
    const b0 = Math.min(m0 - 1, Math.floor(fw[3 * a]! * m0));
    const b1 = Math.min(m1 - 1, Math.floor(fw[3 * a + 1]! * m1));
    const b2 = Math.min(m2 - 1, Math.floor(fw[3 * a + 2]! * m2));
    const b = (b0 * m1 + b1) * m2 + b2;
    binOf[a] = b;
    start[b + 1]!++;
  }
  for (let b = 0; b < nb; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, nb);
  const order = new Int32Array(n);
  const px = new Float64Array(n), py = new Float64Array(n), pz = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    const k = fill[binOf[a]!]!++;
    order[k] = a;
    px[k] = pos[3 * a]!;
    py[k] = pos[3 * a + 1]!;
    pz[k] = pos[3 * a + 2]!;
  }

  // half-stencil of bin offsets δ ≥ 0 (lexicographic) whose bin pairs can hold a pair within rc
  const rb = rc * (1 + SLACK);
  const G = [0, 1, 2].map((a) => [0, 1, 2].map((b) => L[a][0] * L[b][0] + L[a][1] * L[b][1] + L[a][2] * L[b][2]));
  const m = [m0, m1, m2];
  const s = [0, 1, 2].map((k) => Math.ceil((rb * m[k]!) / w[k]!));
  const stencil: number[] = [];
  const lo = new Float64Array(3), hi = new Float64Array(3);
  for (let d0 = 0; d0 <= s[0]!; d0++)
    for (let d1 = d0 === 0 ? 0 : -s[1]!; d1 <= s[1]!; d1++)
      for (let d2 = d0 === 0 && d1 === 0 ? 0 : -s[2]!; d2 <= s[2]!; d2++) {
        lo[0] = (d0 - 1) / m0; lo[1] = (d1 - 1) / m1; lo[2] = (d2 - 1) / m2;
        hi[0] = (d0 + 1) / m0; hi[1] = (d1 + 1) / m1; hi[2] = (d2 + 1) / m2;
        if (boxMinimumSquaredDistance(G, lo, hi) < rb * rb) stencil.push(d0, d1, d2);
      }

  const rc2 = rc * rc;
  const l00 = L[0][0], l01 = L[0][1], l02 = L[0][2];
  const l10 = L[1][0], l11 = L[1][1], l12 = L[1][2];
  const l20 = L[2][0], l21 = L[2][1], l22 = L[2][2];
  for (let b0 = 0; b0 < m0; b0++)
    for (let b1 = 0; b1 < m1; b1++)
      for (let b2 = 0; b2 < m2; b2++) {
        const src = (b0 * m1 + b1) * m2 + b2;
        const sa = start[src]!, ea = start[src + 1]!;
        if (sa === ea) continue;
        for (let q = 0; q < stencil.length; q += 3) {
          const u0 = b0 + stencil[q]!, u1 = b1 + stencil[q + 1]!, u2 = b2 + stencil[q + 2]!;
          const n0 = Math.floor(u0 / m0), n1 = Math.floor(u1 / m1), n2 = Math.floor(u2 / m2);
          const dst = ((u0 - n0 * m0) * m1 + (u1 - n1 * m1)) * m2 + (u2 - n2 * m2);
          const sb = start[dst]!, eb = start[dst + 1]!;
          if (sb === eb) continue;
          const tx = n0 * l00 + n1 * l10 + n2 * l20;
          const ty = n0 * l01 + n1 * l11 + n2 * l21;
          const tz = n0 * l02 + n1 * l12 + n2 * l22;
          const sameBinSameImage = q === 0; // δ = 0 is the first stencil entry (it always survives)
          for (let a = sa; a < ea; a++) {
            const xa = px[a]! - tx, ya = py[a]! - ty, za = pz[a]! - tz;
            const ia = order[a]!;
            for (let b = sameBinSameImage ? a + 1 : sb; b < eb; b++) {
              const dx = px[b]! - xa, dy = py[b]! - ya, dz = pz[b]! - za;
              const r2 = dx * dx + dy * dy + dz * dz;
              if (r2 < rc2) {
                const ib = order[b]!;
                if (ia <= ib) visit(ia, ib, dx, dy, dz, r2);
                else visit(ib, ia, -dx, -dy, -dz, r2);
              }
            }
          }
        }
      }
}

/**
 * OVERLAPPING_ATOMS when two atoms (any periodic images) are closer than `dmin` (Å); `path` is the
 * JSON pointer of the structure in what the user sent (`/structures/2`), the error names its site.
 */
export function checkOverlaps(s: Structure, siteOfAtom: readonly number[], dmin: number, path: string): void {
  forEachPair(s, dmin, (i, j, _dx, _dy, _dz, r2) => {
    const site = Math.max(siteOfAtom[i]!, siteOfAtom[j]!);
    throw new DomainError('OVERLAPPING_ATOMS', `atoms ${i + 1} (${s.species[i]}) and ${j + 1} (${s.species[j]}) are ${Math.sqrt(r2).toFixed(3)} Å apart, closer than ${dmin} Å`, { path: `${path}/sites/${site}`, distance: Math.sqrt(r2) });
  });
}
