/** `latticefit energy JOB.json [--format json|table]`: energies at the input geometry. */
import { parseJob } from '../../document/parse.js';
import { buildEnergyModel } from '../../potentials/index.js';
import { evaluateStatic } from '../../properties/static.js';
import { readJson, textTable, fmt } from '../io.js';

export interface EnergyEntry {
  id: string;
  formula: string;
  formulaUnits: number;
  atoms: number;
  energy: { total: number; perFormulaUnit: number; coulomb: number; shortRange: number };
  pressureTensorGPa: number[][];
  maxForce: number;
}

export function energyReport(doc: unknown): { structures: EnergyEntry[] } {
  const job = parseJob(doc);
  const model = buildEnergyModel(job.forceField);
  return {
    structures: job.structures.map((s) => {
      const r = evaluateStatic(model, s.structure, s.z);
      return {
        id: s.id,
        formula: s.formula,
        formulaUnits: s.z,
        atoms: s.structure.numAtoms,
        energy: r.energy,
        pressureTensorGPa: r.pressureTensorGPa,
        maxForce: r.maxForce,
      };
    }),
  };
}

export function energyCommand(file: string, format: string): string {
  const report = energyReport(readJson(file));
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  return (
    'Energies at the input geometry (conventional cell; eV, eV per formula unit, GPa, eV/Å)\n\n' +
    textTable(
      ['structure', 'atoms', 'E total', 'E/f.u.', 'Coulomb', 'short-range', 'P (GPa)', 'max |F|'],
      report.structures.map((s) => [
        s.id,
        String(s.atoms),
        fmt(s.energy.total),
        fmt(s.energy.perFormulaUnit),
        fmt(s.energy.coulomb),
        fmt(s.energy.shortRange),
        fmt((s.pressureTensorGPa[0]![0]! + s.pressureTensorGPa[1]![1]! + s.pressureTensorGPa[2]![2]!) / 3, 4),
        fmt(s.maxForce, 5),
      ]),
    )
  );
}
