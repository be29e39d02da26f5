/**
 * The summed energy model of the published Pb-Se-Cd force field against an independent engine.
 *
 * Source of the pinned values: fixtures/reference/independent-energies.json ("an exact Ewald +
 * Buckingham code, cross-checked against LAMMPS (pair buck/coul/long, kspace ewald 1e-12) to
 * 3e-7 eV per formula unit and 1e-6 GPa"), eleven cells: the eight polymorphs at the initial
 * geometry of fixtures/reference/pbcdse-targets.json and three rattled, strained cells without
 * symmetry. Model there: charges Cd +0.8, Pb +0.8, Se −0.8; Buckingham Cd-Se, Pb-Se, Se-Se with
 * the published parameters, cut at 12 Å with no shift; energies in eV per cell, forces in eV/Å,
 * pressure P = −(1/V) ∂E/∂ε in GPa (positive = compressive).
 *
 * Then the CLI energy report (`latticefit energy`) on fixtures/pbcdse-published.json: its shape,
 * E per formula unit = E / Z, and the zinc-blende and wurtzite energies per formula unit against
 * the same reference cells (which hold 4 formula units each: 8 atoms of CdSe).
 */
import { describe, it, expect } from 'vitest';
import { buildEnergyModel, type ForceField } from '../src/potentials/index.js';
import { evaluateStatic } from '../src/properties/static.js';
import { energyReport } from '../src/cli/commands/energy.js';
import { PUBLISHED, referenceCells, referenceStructure } from './helpers/cells.js';
import { fixture } from './helpers/jobs.js';
import { TOL } from './helpers/tolerances.js';
import { evPerA3ToGPa } from '../src/units/index.js';

/** The published force field (Ewald at the default accuracy, 1e-8 eV per atom). */
const publishedForceField = (): ForceField => ({
  charges: { ...PUBLISHED.charges },
  pairs: PUBLISHED.pairs.map((p) => ({ ...p, params: { ...p.params } })),
});

const cells = referenceCells();
const ids = Object.keys(cells);
const model = buildEnergyModel(publishedForceField());

/** Largest |a − b| over two equally shaped nested arrays. */
function maxAbsDiff(a: readonly ArrayLike<number>[], b: readonly number[][]): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) for (let k = 0; k < b[i]!.length; k++) worst = Math.max(worst, Math.abs(a[i]![k]! - b[i]![k]!));
  return worst;
}

describe('the published force field against the independent engine', () => {
  it('the reference file holds the eleven cells', () => {
    expect(ids).toHaveLength(11);
  });

  for (const id of ids) {
    describe(id, () => {
      const ref = cells[id]!;
      const s = referenceStructure(id);

      it('total energy per cell agrees to 1e-6 eV', () => {
        expect(Math.abs(model.compute(s, 0).energy - ref.energy)).toBeLessThanOrEqual(TOL.referenceEnergyEv);
      });

      it('Coulomb part agrees to 1e-6 eV', () => {
        expect(Math.abs(model.compute(s, 0).parts.coulomb! - ref.coulombEnergy)).toBeLessThanOrEqual(TOL.referenceEnergyEv);
      });

      it('short-range part agrees to 1e-6 eV', () => {
        expect(Math.abs(model.compute(s, 0).parts.shortRange! - ref.shortRangeEnergy)).toBeLessThanOrEqual(TOL.referenceEnergyEv);
      });

      it('forces (minus the gradient) agree to 1e-6 eV/Å', () => {
        const g = model.compute(s, 1).gradient!;
        const forces = ref.forces.map((_, a) => [-g[3 * a]!, -g[3 * a + 1]!, -g[3 * a + 2]!]);
        expect(forces).toHaveLength(s.numAtoms);
        expect(maxAbsDiff(forces, ref.forces)).toBeLessThanOrEqual(TOL.referenceForceEvA);
      });

      it('pressure tensor of evaluateStatic agrees to 1e-5 GPa', () => {
        const p = evaluateStatic(model, s, 1).pressureTensor.map((row) => row.map(evPerA3ToGPa));
        expect(maxAbsDiff(p, ref.pressureTensorGPa)).toBeLessThanOrEqual(TOL.referencePressureGPa);
      });
    });
  }
});

describe('energyReport (latticefit energy) on fixtures/pbcdse-published.json', () => {
  const doc = fixture('pbcdse-published.json');
  const report = energyReport(doc);
  const byId = new Map(report.structures.map((e) => [e.id, e]));

  it('has one entry per structure of the document, in document order', () => {
    expect(report.structures.map((e) => e.id)).toEqual(doc.structures.map((s) => s.id));
  });

  it('every entry has the energy split, a 3×3 pressure tensor and the largest force, all finite', () => {
    for (const e of report.structures) {
      expect(e).toMatchObject({ id: expect.any(String), energy: { total: expect.any(Number), perFormulaUnit: expect.any(Number), coulomb: expect.any(Number), shortRange: expect.any(Number) }, maxForce: expect.any(Number) });
      expect(e.pressureTensorGPa).toHaveLength(3);
      for (const row of e.pressureTensorGPa) expect(row).toHaveLength(3);
      const numbers = [e.energy.total, e.energy.perFormulaUnit, e.energy.coulomb, e.energy.shortRange, e.maxForce, ...e.pressureTensorGPa.flat()];
      expect(numbers.every(Number.isFinite), e.id).toBe(true);
      expect(e.maxForce).toBeGreaterThanOrEqual(0);
    }
  });

  it('energy per formula unit is the total divided by the formula units', () => {
    for (const e of report.structures) expect(e.energy.perFormulaUnit, e.id).toBeCloseTo(e.energy.total / e.formulaUnits, 12);
  });

  it('the Coulomb and short-range parts add up to the total', () => {
    for (const e of report.structures) expect(Math.abs(e.energy.coulomb + e.energy.shortRange - e.energy.total), e.id).toBeLessThanOrEqual(1e-9 * Math.abs(e.energy.total));
  });

  it('formula units of the conventional cells: zinc blende 4, wurtzite 2', () => {
    expect(byId.get('CdSe-ZB')!.formulaUnits).toBe(4);
    expect(byId.get('CdSe-WZ')!.formulaUnits).toBe(2);
  });

  // The reference CdSe-ZB and CdSe-WZ cells hold 8 atoms = 4 formula units of CdSe each
  // (WZ in the orthohexagonal setting, two primitive cells) at the geometry of the fixture.
  for (const id of ['CdSe-ZB', 'CdSe-WZ']) {
    it(`${id}: energy per formula unit equals the reference cell's energy / 4 to 1e-6 eV`, () => {
      const ref = cells[id]!;
      expect(ref.species).toHaveLength(8);
      const fu = ref.species.filter((x) => x === 'Cd').length;
      expect(fu).toBe(4);
      expect(Math.abs(byId.get(id)!.energy.perFormulaUnit - ref.energy / fu)).toBeLessThanOrEqual(TOL.referenceEnergyEv);
    });
  }
});
