/**
 * The energy model of a force field: Ewald Coulomb plus the short-range pairs.
 */
import type { ForceField } from './forcefield.js';
import { SumModel, type EnergyModel } from './model.js';
import { EwaldModel } from './ewald/index.js';
import { PairModel } from './pair.js';

export interface ForceFieldModel extends EnergyModel {
  readonly coulomb: EwaldModel;
  readonly shortRange: PairModel;
}

/** E = E_Coulomb(Ewald) + Σ_pairs φ. Parts: `coulomb`, `shortRange`. */
export function buildEnergyModel(ff: ForceField): ForceFieldModel {
  const coulomb = new EwaldModel(ff.charges, { accuracy: ff.coulomb?.accuracy ?? 1e-8 });
  const shortRange = new PairModel(ff.pairs);
  const sum = new SumModel([coulomb, shortRange], 'coulomb+shortRange');
  return Object.assign(sum, { coulomb, shortRange });
}

export * from './forcefield.js';
export * from './model.js';
