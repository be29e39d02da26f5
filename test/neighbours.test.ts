/**
 * The periodic neighbour search (src/potentials/neighbours.ts): both paths visit exactly the pairs
 * of a brute-force O(N² · images) enumeration, once each, on random triclinic cells with cut-offs
 * smaller and larger than the cell; the cell list on a large supercell and the image loop on the
 * primitive cell give the same energy per atom.
 */
import { describe, it, expect } from 'vitest';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { type NeighbourMethod, boxMinimumSquaredDistance, forEachPair, neighbourMethod } from '../src/potentials/neighbours.js';
import { PairModel } from '../src/potentials/pair.js';
import { inv3 } from '../src/math/linalg.js';
import { rng } from '../src/math/random.js';
import { PUBLISHED, referenceStructure } from './helpers/cells.js';


/** A random triclinic cell with n atoms, fractional coordinates in [−1, 2) (not wrapped). */
function randomCell(seed: number, n: number): Structure {
  const r = rng(seed);
  let lat: Lattice | undefined;
  while (!lat) {
    try {
      lat = Lattice.fromParameters({ a: 3 + 5 * r(), b: 3 + 5 * r(), c: 3 + 5 * r(), alpha: 60 + 60 * r(), beta: 60 + 60 * r(), gamma: 60 + 60 * r() });
      if (Math.min(...lat.perpendicularWidths) < 1.5) lat = undefined;
    } catch {
      lat = undefined;
    }
  }
  const frac = Array.from({ length: 3 * n }, () => -1 + 3 * r());
  return Structure.fromFractional(lat, Array.from({ length: n }, (_, i) => (i % 2 ? 'Se' : 'Cd')), frac);
}

interface Visit {
  key: string;
  i: number;
  j: number;
  d: [number, number, number];
  r2: number;
}

/**
 * Visits keyed by (i, j, n) where n is the lattice translation relative to the stored (unwrapped)
 * positions: d = r_j − r_i + n L.
 */
function visits(s: Structure, rc: number, method: NeighbourMethod | 'auto'): Visit[] {
  const inv = inv3(s.lattice.matrix);
  const out: Visit[] = [];
  forEachPair(s, rc, (i, j, dx, dy, dz, r2) => {
    const t = [dx - s.positions[3 * j]! + s.positions[3 * i]!, dy - s.positions[3 * j + 1]! + s.positions[3 * i + 1]!, dz - s.positions[3 * j + 2]! + s.positions[3 * i + 2]!];
    const n = [0, 1, 2].map((k) => Math.round(t[0]! * inv[0][k] + t[1]! * inv[1][k] + t[2]! * inv[2][k]));
    out.push({ key: `${i},${j},${n.join(',')}`, i, j, d: [dx, dy, dz], r2 });
  }, { method });
  return out;
}

const bruteCache = new Map<string, Map<string, [number, number, number]>>();

/** Brute force: every i ≤ j and every translation n in a box that surely covers the sphere (memoised). */
function bruteForce(s: Structure, rc: number): Map<string, [number, number, number]> {
  const id = `${Array.from(s.positions).join()}|${rc}`;
  const hit = bruteCache.get(id);
  if (hit) return hit;
  const L = s.lattice.matrix;
  const w = s.lattice.perpendicularWidths;
  // stored fractional coordinates lie in [−1, 2), so differences lie in (−3, 3)
  const K = w.map((x) => Math.ceil(rc / x) + 3);
  const found = new Map<string, [number, number, number]>();
  const p = s.positions;
  for (let i = 0; i < s.numAtoms; i++)
    for (let j = i; j < s.numAtoms; j++)
      for (let a = -K[0]!; a <= K[0]!; a++)
        for (let b = -K[1]!; b <= K[1]!; b++)
          for (let c = -K[2]!; c <= K[2]!; c++) {
            if (i === j && !(a > 0 || (a === 0 && (b > 0 || (b === 0 && c > 0))))) continue;
            const d: [number, number, number] = [0, 1, 2].map((k) => p[3 * j + k]! - p[3 * i + k]! + a * L[0][k] + b * L[1][k] + c * L[2][k]) as [number, number, number];
            if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < rc * rc) found.set(`${i},${j},${a},${b},${c}`, d);
          }
  bruteCache.set(id, found);
  return found;
}

const CASES = [1, 2, 3, 4, 5, 6].flatMap((seed) => {
  const s = randomCell(seed, 1 + ((seed * 5) % 9));
  const w = s.lattice.perpendicularWidths;
  return [
    { label: `cell ${seed} (${s.numAtoms} atoms), cut-off 0.45 × smallest width`, s, rc: 0.45 * Math.min(...w) },
    { label: `cell ${seed} (${s.numAtoms} atoms), cut-off 2.3 × largest width`, s, rc: 2.3 * Math.max(...w) },
  ];
});
// cells big enough for the cell list to have several bins per axis
const BIG = { label: 'cell 7 (60 atoms), cut-off 0.6 × smallest width', s: randomCell(7, 60), rc: 0.6 * Math.min(...randomCell(7, 60).lattice.perpendicularWidths) };
const FINE = { label: 'cell 8 (200 atoms), cut-off 0.3 × smallest width', s: randomCell(8, 200), rc: 0.3 * Math.min(...randomCell(8, 200).lattice.perpendicularWidths) };

describe('neighbour search: exactly the pairs of a brute-force enumeration', () => {
  for (const method of ['images', 'cells'] as const) {
    for (const { label, s, rc } of [...CASES, BIG, FINE]) {
      it(`${method}: ${label}: every pair within the cut-off is visited, once`, () => {
        const got = visits(s, rc, method);
        const ref = bruteForce(s, rc);
        const keys = got.map((v) => v.key);
        expect(new Set(keys).size).toBe(keys.length);
        expect([...keys].sort()).toEqual([...ref.keys()].sort());
      });
    }
  }

  it('images: the visited vector and r² are d = r_j + T − r_i and |d|² (random cell 3)', () => {
    const { s, rc } = CASES[4]!;
    const ref = bruteForce(s, rc);
    for (const v of visits(s, rc, 'images')) {
      const d = ref.get(v.key)!;
      for (let k = 0; k < 3; k++) expect(Math.abs(v.d[k]! - d[k]!)).toBeLessThan(1e-10);
      expect(Math.abs(v.r2 - (v.d[0] ** 2 + v.d[1] ** 2 + v.d[2] ** 2))).toBeLessThan(1e-12 * Math.max(1, v.r2));
    }
  });

  it('cells: the visited vector and r² are d = r_j + T − r_i and |d|² (random cell 7)', () => {
    const ref = bruteForce(BIG.s, BIG.rc);
    for (const v of visits(BIG.s, BIG.rc, 'cells')) {
      const d = ref.get(v.key)!;
      for (let k = 0; k < 3; k++) expect(Math.abs(v.d[k]! - d[k]!)).toBeLessThan(1e-10);
      expect(Math.abs(v.r2 - (v.d[0] ** 2 + v.d[1] ** 2 + v.d[2] ** 2))).toBeLessThan(1e-12 * Math.max(1, v.r2));
    }
  });

  it('both paths report pairs with i ≤ j', () => {
    for (const method of ['images', 'cells'] as const) for (const v of visits(BIG.s, BIG.rc, method)) expect(v.i).toBeLessThanOrEqual(v.j);
  });

  it('a cut-off of zero visits nothing', () => {
    let count = 0;
    forEachPair(BIG.s, 0, () => count++);
    expect(count).toBe(0);
  });
});

describe('neighbour search: bin-pair pruning', () => {
  it('the box minimum distance equals the minimum over a dense sample of the box, and never exceeds it', () => {
    const r = rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const L = randomCell(100 + trial, 1).lattice.matrix;
      const G = [0, 1, 2].map((a) => [0, 1, 2].map((b) => L[a][0] * L[b][0] + L[a][1] * L[b][1] + L[a][2] * L[b][2]));
      const lo = [0, 1, 2].map(() => -2 + 4 * r());
      const hi = lo.map((x) => x + 0.1 + r());
      const exact = boxMinimumSquaredDistance(G, lo, hi);
      let sampled = Infinity;
      const m = 24;
      for (let a = 0; a <= m; a++)
        for (let b = 0; b <= m; b++)
          for (let c = 0; c <= m; c++) {
            const t = [lo[0]! + ((hi[0]! - lo[0]!) * a) / m, lo[1]! + ((hi[1]! - lo[1]!) * b) / m, lo[2]! + ((hi[2]! - lo[2]!) * c) / m];
            let v = 0;
            for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) v += t[x]! * G[x]![y]! * t[y]!;
            sampled = Math.min(sampled, v);
          }
      expect(exact).toBeLessThanOrEqual(sampled + 1e-9);
      // the grid spacing bounds how far the sampled minimum can lie above the exact one
      expect(Math.sqrt(sampled) - Math.sqrt(exact)).toBeLessThan(0.15 * Math.max(...hi.map((h, k) => (h - lo[k]!) * Math.sqrt(G[k]![k]!))));
    }
  });
});

describe('neighbour search: cell list against image loop on rock-salt PbSe', () => {
  const a = 6.12;
  /** The two-atom fcc primitive cell of rock salt. */
  const primitive = (): Structure =>
    Structure.fromCartesian(Lattice.fromVectors([[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]]), ['Pb', 'Se'], [0, 0, 0, a / 2, a / 2, a / 2]);
  const supercell = (): Structure => referenceStructure('PbSe-RS').supercell([4, 4, 4]);

  it('auto takes the cell list for the 4x4x4 supercell (512 atoms, 12 Å cut-off)', () => {
    expect(supercell().numAtoms).toBe(512);
    expect(neighbourMethod(supercell(), 12)).toBe('cells');
  });

  it('auto takes the image loop for the primitive cell', () => {
    expect(neighbourMethod(primitive(), 12)).toBe('images');
  });

  it('the cell list on the supercell gives the energy per atom of the image loop on the primitive cell to 1e-10 relative', () => {
    const model = new PairModel(PUBLISHED.pairs);
    const e1 = model.compute(primitive(), 0).energy / 2;
    const e2 = model.compute(supercell(), 0).energy / 512;
    expect(Math.abs(e2 - e1)).toBeLessThan(1e-10 * Math.abs(e1));
  });

  it('the cell list on the supercell finds the pairs per atom of the image loop on the primitive cell', () => {
    let np = 0, ns = 0;
    forEachPair(primitive(), 12, () => np++, { method: 'images' });
    forEachPair(supercell(), 12, () => ns++, { method: 'cells' });
    expect(ns / 512).toBe(np / 2);
  });
});
