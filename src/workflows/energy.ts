/** The energy use case (`latticefit energy`): energies, stresses and forces of every structure at its input geometry. */
import { parseJob } from '../document/parse.js';
import { buildEnergyModel } from '../potentials/index.js';
import { evaluateStatic } from '../properties/static.js';
import { evPerA3ToGPa } from '../units/index.js';

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
        pressureTensorGPa: r.pressureTensor.map((row) => row.map(evPerA3ToGPa)), // the result's unit
        maxForce: r.maxForce,
      };
    }),
  };
}
