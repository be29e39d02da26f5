/** `latticefit energy JOB.json [--format json|table]`: energies at the input geometry. */
import { energyReport, type EnergyEntry } from '../../workflows/energy.js';
import { readJson, textTable, fmt } from '../io.js';

export { energyReport, type EnergyEntry };

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
