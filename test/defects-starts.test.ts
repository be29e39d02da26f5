/**
 * Interstitials and Frenkel pairs are relaxed from several starts per site class (src/defects/build.ts
 * interstitialStarts: hole, face between holes, split dumbbell, rattled copies) and the lowest is
 * reported with the start that gave it. Checked against relaxing every start one by one, on rock-salt
 * PbSe (108 atoms, the cation Frenkel pair) and wurtzite CdSe (72 atoms, the anion Frenkel pair),
 * where the lowest is not the first start: a formation energy from the empty-sphere centre alone
 * fails these tests. The cost estimate counts every start.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { buildSupercell, hexagonalSupercellMatrix } from '../src/crystal/supercell.js';
import { relaxLbfgs } from '../src/relaxation/lbfgs.js';
import { formationEnergy, RECOMBINED_ENERGY } from '../src/defects/formation.js';
import { DEFAULT_INTERSTITIAL_STARTS, RATTLE_AMPLITUDE, placeDefect } from '../src/defects/build.js';
import { defectsCostItems } from '../src/workflows/defects.js';
import type { DefectsBlock } from '../src/document/defects-schema.js';
import { FIXTURES } from './helpers/cells.js';
import { gpaToEvPerA3 } from '../src/units/index.js';

/** eV: the same relaxation run twice (deterministic code, same start and options). */
const SAME_RELAXATION_EV = 1e-9;
/** eV: a later start must beat the first by more than the relaxations' noise (forces to 1e-3 eV/Å). */
const LOWER_BY_EV = 0.02;

const doc = JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
const job = parseJob(doc);
const model = buildEnergyModel({ ...job.forceField, coulomb: { accuracy: 1e-7 } });
const charges = job.forceField.charges;
const perfectCell = (id: string) => {
  const u = relaxLbfgs(model, job.structures.find((s) => s.id === id)!.structure, { relaxCell: true, forceTolerance: 1e-6, stressTolerance: gpaToEvPerA3(1e-5) }).structure;
  return buildSupercell(u, hexagonalSupercellMatrix(u.lattice, [3, 3, 2]));
};

const cases = [
  { name: 'rock-salt PbSe, 108 atoms, cation Frenkel pair', id: 'PbSe-RS', kind: 'frenkel-cation' as const },
  { name: 'wurtzite CdSe, 72 atoms, anion Frenkel pair', id: 'CdSe-WZ', kind: 'frenkel-anion' as const },
];

describe('interstitial starts', () => {
  for (const c of cases) {
    it(`${c.name}: the reported energy is the lowest over the starts, below the hole-only value, with its start named`, () => {
      const perfect = perfectCell(c.id);
      const ePerfect = model.compute(perfect, 0).energy;
      const spec = { kind: c.kind, siteClasses: 1 };
      const starts = placeDefect(perfect, spec, charges);
      expect(starts.length).toBe(DEFAULT_INTERSTITIAL_STARTS);
      expect(starts.map((p) => p.site!.start).slice(0, 3)).toEqual(['hole', 'face', 'split']);
      // every start relaxed by itself; a pair that fell back into the vacancy is not a Frenkel pair
      const each = starts.map((p) => relaxLbfgs(model, p.structure, {}).energy - ePerfect);
      const kept = each.map((e, k) => ({ e, k })).filter(({ e }) => e >= RECOMBINED_ENERGY);
      const min = kept.reduce((a, b) => (b.e < a.e ? b : a));
      const out = formationEnergy({ model, charges }, perfect, spec);
      expect(out.candidates).toBe(starts.length);
      expect(Math.abs(out.formationEnergy - min.e)).toBeLessThan(SAME_RELAXATION_EV);
      expect(out.site!.start).toBe(starts[min.k]!.site!.start);
      const holeOnly = formationEnergy({ model, charges }, perfect, { ...spec, starts: 1 });
      expect(holeOnly.site!.start).toBe('hole');
      expect(Math.abs(holeOnly.formationEnergy - each[0]!)).toBeLessThan(SAME_RELAXATION_EV);
      expect(out.formationEnergy).toBeLessThan(holeOnly.formationEnergy - LOWER_BY_EV);
    });
  }

  it('rattled starts are seeded: the same document places the same cells', () => {
    const perfect = buildSupercell(job.structures.find((s) => s.id === 'CdSe-WZ')!.structure, [[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
    const a = placeDefect(perfect, { kind: 'interstitial', species: 'Cd', siteClasses: 1, starts: 5 }, charges);
    const b = placeDefect(perfect, { kind: 'interstitial', species: 'Cd', siteClasses: 1, starts: 5 }, charges);
    expect(a.map((p) => p.site!.start)).toEqual(['hole', 'face', 'split', 'hole rattled (seed 4)', 'face rattled (seed 5)']);
    expect(Array.from(a[3]!.structure.positions)).toEqual(Array.from(b[3]!.structure.positions));
    // the rattle moves atoms, by no more than its amplitude per component
    const d = Array.from(a[3]!.structure.positions, (x, i) => Math.abs(x - a[0]!.structure.positions[i]!));
    expect(Math.max(...d)).toBeGreaterThan(0);
    expect(Math.max(...d)).toBeLessThanOrEqual(RATTLE_AMPLITUDE + 1e-12);
  });

  it('the cost estimate counts every start of every site class', () => {
    const block = (interstitialStarts: number): DefectsBlock => ({ supercells: { 'PbSe-RS': [{ hexagonal: [3, 3, 2] }] }, interstitialStarts, maxIterations: 100, list: [{ kind: 'frenkel-cation', structure: 'PbSe-RS' }, { kind: 'schottky-pair', structure: 'PbSe-RS' }] });
    const two = defectsCostItems(job, block(2)), six = defectsCostItems(job, block(6));
    expect(two[0]!.evaluations).toBe(3 * 2 * 100 + 1);
    expect(six[0]!.evaluations).toBe(3 * 6 * 100 + 1);
    expect(six[1]!.evaluations).toBe(100 + 1);
  });
});
