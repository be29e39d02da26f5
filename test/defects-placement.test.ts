/**
 * Defect placement is done by the code (src/defects/build.ts placeDefect), and "as far apart as
 * the cell allows" is checked against a brute-force search over periodic images that shares no
 * code with the minimum-image routine: the Schottky pair's anion vacancy is the anion farthest
 * from the cation vacancy, the dimer's the nearest; a separated Frenkel pair's interstitial is the
 * candidate site of its class farthest from the vacancy, a bound one the nearest. On the Table S10
 * cells (hexagonal 3 × 3 × 2 of rock salt and zinc blende; 2 × 2 × 2 for the Frenkel pairs, whose
 * site search costs seconds) and on a skewed supercell of MgO, where a search over the 27
 * neighbouring images after rounding misses the nearest image.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJob } from '../src/document/parse.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { buildSupercell, hexagonalSupercellMatrix } from '../src/crystal/supercell.js';
import { interstitialSites, minimumImage, placeDefect } from '../src/defects/build.js';
import { FIXTURES, MGO_LEWIS_CATLOW } from './helpers/cells.js';

/** Å: distances computed two ways agree to rounding. */
const SAME_DISTANCE = 1e-9;

const job = parseJob(JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8')));
const charges = job.forceField.charges;
const unit = (id: string): Structure => job.structures.find((s) => s.id === id)!.structure;
const hex332 = (s: Structure): Structure => buildSupercell(s, hexagonalSupercellMatrix(s.lattice, [3, 3, 2]));

const a0 = 4.21;
const mgoUnit = Structure.fromFractional(
  Lattice.fromParameters({ a: a0, b: a0, c: a0, alpha: 90, beta: 90, gamma: 90 }),
  ['Mg', 'Mg', 'Mg', 'Mg', 'O', 'O', 'O', 'O'],
  [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0], [0.5, 0.5, 0.5], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]],
);
/** 16 atoms in a cell with b = 5a + b₀ (γ ≈ 11°): rounding plus ±1 images is not enough here. */
const skewed = buildSupercell(mgoUnit, [[1, 0, 0], [5, 1, 0], [0, 0, 2]]);

/** Shortest |b − a + n·L| over n ∈ [−R, R]³ (no reduction, no bound: the plain definition). */
function bruteDistance(s: Structure, a: readonly number[], b: readonly number[], R = 6): number {
  const L = s.lattice.matrix;
  let best = Infinity;
  for (let i = -R; i <= R; i++)
    for (let j = -R; j <= R; j++)
      for (let k = -R; k <= R; k++) {
        const v = [0, 1, 2].map((c) => b[c]! - a[c]! + i * L[0][c] + j * L[1][c] + k * L[2][c]);
        best = Math.min(best, Math.hypot(v[0]!, v[1]!, v[2]!));
      }
  return best;
}

/** Distances from atom i to every atom of `species` (brute force). */
const distancesTo = (s: Structure, i: number, species: string): number[] =>
  [...Array(s.numAtoms).keys()].filter((j) => j !== i && s.species[j] === species).map((j) => bruteDistance(s, s.position(i), s.position(j)));

const cells: [string, Structure][] = [
  ['rock-salt PbSe, hexagonal 3 × 3 × 2 (108 atoms)', hex332(unit('PbSe-RS'))],
  ['zinc-blende CdSe, hexagonal 3 × 3 × 2 (108 atoms)', hex332(unit('CdSe-ZB'))],
  ['MgO, skewed 16-atom supercell', skewed],
];
const chargesOf = (s: Structure) => (s.species.includes('Mg') ? MGO_LEWIS_CATLOW.charges : charges);

describe('minimum image', () => {
  it('equals the brute-force shortest image for every pair from one atom, in each cell, the skewed one included', () => {
    for (const [, s] of cells)
      for (let j = 0; j < s.numAtoms; j++) {
        const d = Math.hypot(...minimumImage(s, s.position(0), s.position(j)));
        expect(Math.abs(d - bruteDistance(s, s.position(0), s.position(j)))).toBeLessThan(SAME_DISTANCE);
      }
  });
});

describe('Schottky placement', () => {
  for (const [name, s] of cells) {
    it(`${name}: the pair's anion vacancy is the anion farthest from the cation vacancy, the dimer's the nearest`, () => {
      const q = chargesOf(s);
      const [pair] = placeDefect(s, { kind: 'schottky-pair' }, q);
      const [dimer] = placeDefect(s, { kind: 'schottky-dimer' }, q);
      const [i, j] = pair!.removed as [number, number];
      const anion = s.species[j]!;
      const all = distancesTo(s, i, anion);
      expect(q[s.species[i]!]!).toBeGreaterThan(0);
      expect(q[anion]!).toBeLessThan(0);
      expect(Math.abs(bruteDistance(s, s.position(i), s.position(j)) - Math.max(...all))).toBeLessThan(SAME_DISTANCE);
      expect(Math.abs(pair!.separation! - Math.max(...all))).toBeLessThan(SAME_DISTANCE);
      const [i2, j2] = dimer!.removed as [number, number];
      expect(i2).toBe(i);
      expect(Math.abs(bruteDistance(s, s.position(i2), s.position(j2)) - Math.min(...all))).toBeLessThan(SAME_DISTANCE);
      expect(pair!.structure.numAtoms).toBe(s.numAtoms - 2);
    });
  }
});

describe('interstitial sites are maxima of the distance to the nearest atom, not saddles', () => {
  it('rock salt on coarser grids (0.3-0.4 Å, those of 200-450-atom cells): every site is a tetrahedral hole (4 Pb + 4 Se, a√3/4), none the square face between two', () => {
    const s = buildSupercell(unit('PbSe-RS'), hexagonalSupercellMatrix(unit('PbSe-RS').lattice, [2, 2, 2]));
    const a = unit('PbSe-RS').lattice.parameters.a;
    for (const spacing of [0.3, 0.35, 0.38, 0.4]) {
      const sites = interstitialSites(s, spacing);
      expect(sites.length).toBe(48); // one hole per atom: 8 per cubic cell of 8 atoms
      for (const t of sites) {
        expect(t.environment).toBe('Pb4Se4');
        expect(t.radius).toBeCloseTo((a * Math.sqrt(3)) / 4, 2);
      }
    }
  });

  it('zinc blende on a coarse grid: the three largest classes are the two tetrahedral holes and the hexagonal one (3 Cd + 3 Se)', () => {
    const s = hex332(unit('CdSe-ZB'));
    const top = interstitialSites(s, 0.45).filter((t) => t.classIndex < 3);
    expect(new Set(top.map((t) => t.environment))).toEqual(new Set(['Cd4', 'Se4', 'Cd3Se3']));
  });
});

describe('Frenkel placement', () => {
  const hex222 = (x: Structure): Structure => buildSupercell(x, hexagonalSupercellMatrix(x.lattice, [2, 2, 2]));
  for (const [name, s] of [
    ['rock-salt PbSe, hexagonal 2 × 2 × 2 (48 atoms)', hex222(unit('PbSe-RS'))],
    ['zinc-blende CdSe, hexagonal 2 × 2 × 2 (48 atoms)', hex222(unit('CdSe-ZB'))],
  ] as const) {
    it(`${name}: a separated pair puts the interstitial on the site of its class farthest from the vacancy, a bound one on the nearest`, () => {
      const sites = interstitialSites(s);
      for (const kind of ['frenkel-cation', 'frenkel-anion'] as const) {
        const far = placeDefect(s, { kind, separation: 'separated' }, charges);
        const near = placeDefect(s, { kind, separation: 'bound' }, charges);
        expect(far.length).toBeGreaterThan(0);
        expect(near.length).toBe(far.length);
        for (const [k, p] of far.entries()) {
          // the rule picks the site; the hole start sits on it (the face, split and rattled starts
          // of the same site are checked in test/defects-starts.test.ts)
          if (p.site!.start !== 'hole') continue;
          expect(near[k]!.site!.start).toBe('hole');
          const v = p.removed[0]!;
          const cls = sites.filter((t) => t.environment === p.site!.environment && Math.abs(t.radius - p.site!.radius) < 5e-3);
          const d = cls.map((t) => bruteDistance(s, s.position(v), t.position));
          expect(Math.abs(bruteDistance(s, s.position(v), p.added!) - Math.max(...d))).toBeLessThan(1e-6);
          expect(Math.abs(p.separation! - Math.max(...d))).toBeLessThan(1e-6);
          const b = near[k]!;
          expect(b.removed[0]).toBe(v);
          expect(Math.abs(bruteDistance(s, s.position(v), b.added!) - Math.min(...d))).toBeLessThan(1e-6);
          // the interstitial is of the vacancy's species and the cell keeps its atom count
          expect(p.structure.numAtoms).toBe(s.numAtoms);
          expect(p.structure.species[s.numAtoms - 1]).toBe(s.species[v]);
        }
        // the separated pair is more than half the cell's smallest width apart, the bound one within the first shells
        expect(Math.max(...far.map((p) => p.separation!))).toBeGreaterThan(Math.min(...s.lattice.perpendicularWidths) / 2);
        expect(Math.min(...near.map((p) => p.separation!))).toBeLessThan(4);
      }
    });
  }
});
