/**
 * The one map from a relaxed crystal to its named properties (the vocabulary of
 * `vocabulary.ts`), used by the property suite (`index.ts`) and by the fitter
 * (`fitting/evaluator.ts`), so that a result's residual table and its structure table read the
 * same numbers off the same geometry:
 * - cell parameters a, b, c, α, β, γ of the conventional cell (Å, degrees);
 * - u, the wurtzite-type internal parameter z(anion) − z(cation) (fraction of c), when the crystal
 *   has two sites with free z (`describeCrystal`);
 * - volume per formula unit (Å³) and lattice energy E/Z (eV per formula unit);
 * - from the elastic tensor: C_ij (i ≤ j, relaxed-ion), the Voigt, Reuss and Hill moduli, and B
 *   and G as the averages the options choose (GPa).
 */
import { type CrystalGeometry, describeCrystal } from './crystal.js';
import type { ElasticResult } from './elastic.js';
import { ELASTIC_NAMES } from './vocabulary.js';

export type ModulusAverage = 'reuss' | 'voigt' | 'hill';

/** Which average `B` and `G` name. */
export interface ModulusChoice {
  bulkModulus: ModulusAverage;
  shearModulus: ModulusAverage;
}

const AVERAGE = { reuss: 'Reuss', voigt: 'Voigt', hill: 'Hill' } as const;

/** Cell, u, volume and lattice energy of a crystal at `geometry` whose cell has energy `energy` (eV). */
export function structuralProperties(geometry: CrystalGeometry, energy: number, charges?: Readonly<Record<string, number>>): Record<string, number> {
  const d = describeCrystal(geometry, charges);
  const out: Record<string, number> = { ...d.cell };
  if (d.u !== undefined) out.u = d.u;
  out.volume = d.volumePerFormulaUnit;
  out.latticeEnergy = energy / geometry.prepared.z;
  return out;
}

/** C11 … C66 (relaxed-ion), the moduli, and B and G by `choice`, GPa. */
export function elasticProperties(el: Pick<ElasticResult, 'relaxed' | 'moduli'>, choice: ModulusChoice): Record<string, number> {
  const out: Record<string, number> = {};
  let k = 0;
  for (let i = 0; i < 6; i++) for (let j = i; j < 6; j++) out[ELASTIC_NAMES[k++]!] = el.relaxed[i]![j]!;
  Object.assign(out, el.moduli);
  out.B = el.moduli[`B${AVERAGE[choice.bulkModulus]}`];
  out.G = el.moduli[`G${AVERAGE[choice.shearModulus]}`];
  return out;
}
