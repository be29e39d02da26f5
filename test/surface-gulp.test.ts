/**
 * Surface energies against GULP 6.1.2's surface route on the same slabs (fixtures/gulp-surfaces:
 * the inputs, written by scripts/surface-gulp.ts, and the numbers GULP printed for them).
 *
 * - The same slab, one region, every ion relaxed (GULP `opti conv`, "Surface energy (per side)"):
 *   latticefit's slab energy and E_surf, computed with GULP's Coulomb constant and eV→J factor,
 *   equal GULP's printed numbers — unrelaxed always, relaxed where GULP reports a minimum.
 * - GULP's two-region scheme (region 1 relaxed on fixed region 2, one surface): its unrelaxed
 *   E_surf is E₁₁ + ½E₁₂ − n₁E_unit over A, which equals the unrelaxed E_surf of an isolated slab
 *   of region 1 alone (docs/surface.md); with 12 units of region 1 its relaxed E_surf equals
 *   latticefit's thickness-converged one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { relaxedBulk } from '../src/workflows/surfaces.js';
import { buildSlab, orientedUnit, parseFace, slabEnergyModel, slabSurfaceEnergy, surfaceEnergy, terminations } from '../src/surface/index.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { TO_GULP_J, withGulpCoulomb } from './helpers/gulp-examples.js';
import { TOL } from './helpers/tolerances.js';

const ROOT = join(import.meta.dirname, '..');
const REF = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'gulp-surfaces', 'gulp-reference.json'), 'utf8')) as {
  gulpVersion: string;
  cases: {
    key: string;
    document: string;
    structure: string;
    face: number[];
    termination: number;
    units: number;
    atoms: number;
    slab: { energyUnrelaxed: number; energyRelaxed: number; gammaUnrelaxed: number; gammaRelaxed: number; minimumReached: boolean };
    twoRegion: { region1: number; region2: number; gammaUnrelaxed: number; gammaRelaxed: number; minimumReached: boolean }[];
  }[];
};

function setup(c: (typeof REF.cases)[number]) {
  const doc = JSON.parse(readFileSync(join(ROOT, c.document), 'utf8'));
  doc.structures = doc.structures.filter((s: { id: string }) => s.id === c.structure);
  doc.structures[0].properties = {};
  const job = parseJob(doc);
  const bulk = relaxedBulk(job, job.structures[0]!);
  const face = parseFace(c.face);
  const oriented = orientedUnit(bulk, face);
  const ffG = withGulpCoulomb(job.forceField);
  const model = slabEnergyModel(ffG);
  const unitEnergy = buildEnergyModel(ffG).compute(oriented.unit, 0).energy;
  // the termination GULP's inputs were cut at (latticefit's default, recorded by index)
  const t = terminations(oriented.unit, job.forceField.charges)[c.termination]!;
  return { job, bulk, face, oriented, model, unitEnergy, t };
}

describe(`surface energies against GULP ${REF.gulpVersion}`, () => {
  for (const c of REF.cases) {
    it(`${c.structure} {${c.face.join(' ')}}: the same slab (${c.units} units), one region${c.slab.minimumReached ? '' : ' (unrelaxed only: GULP reached no minimum)'}`, () => {
      const { oriented, model, unitEnergy, t } = setup(c);
      const slab = buildSlab(oriented.unit, t, c.units, 28);
      expect(slab.structure.numAtoms).toBe(c.atoms);
      expect(Math.abs(model.compute(slab.structure, 0).energy - c.slab.energyUnrelaxed)).toBeLessThan(TOL.gulpSlabEv);
      const r = slabSurfaceEnergy(model, unitEnergy, slab, c.slab.minimumReached);
      expect(Math.abs(r.unrelaxed * TO_GULP_J - c.slab.gammaUnrelaxed)).toBeLessThan(TOL.gulpSurfaceJm2);
      if (c.slab.minimumReached) expect(Math.abs(r.relaxed * TO_GULP_J - c.slab.gammaRelaxed)).toBeLessThan(TOL.gulpSurfaceJm2);
    });
  }

  it('two-region, unrelaxed: GULP equals the isolated slab of region 1 alone, for every region-1 size', () => {
    for (const c of REF.cases) {
      const { oriented, model, unitEnergy, t } = setup(c);
      for (const g of c.twoRegion) {
        const r = slabSurfaceEnergy(model, unitEnergy, buildSlab(oriented.unit, t, g.region1, 28), false);
        expect(Math.abs(r.unrelaxed * TO_GULP_J - g.gammaUnrelaxed), `${c.key} region 1 = ${g.region1}`).toBeLessThan(TOL.gulpSurfaceJm2);
      }
    }
  });

  it("two-region, relaxed, region 1 of 12 units: GULP equals latticefit's thickness-converged E_surf", () => {
    for (const c of REF.cases) {
      const { job, bulk, face } = setup(c);
      const g = c.twoRegion.find((x) => x.region1 === 12)!;
      expect(g.minimumReached).toBe(true);
      const r = surfaceEnergy(job.forceField, bulk, face, { tolerance: 1e-4 });
      expect(r.converged).toBe(true);
      expect(Math.abs(r.energy - g.gammaRelaxed), c.key).toBeLessThan(TOL.gulpTwoRegionJm2);
      expect(Math.abs(r.unrelaxedEnergy - g.gammaUnrelaxed), c.key).toBeLessThan(TOL.gulpTwoRegionJm2);
    }
  });
});
