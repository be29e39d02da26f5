/**
 * The energy model of a force field: Ewald Coulomb plus the short-range pairs, as one
 * `ParametrisedModel` whose parameters are the free charges (`Cd.charge`, when the force field
 * has `chargeTies`) and the pair parameters (`Cd-Se.A`, ...) in pair order.
 */
import type { ForceField } from './forcefield.js';
import { SumModel } from './model.js';
import { EwaldModel } from './ewald/index.js';
import { PairModel } from './pair.js';
import { TiedChargeEwald } from './ewald/charges.js';

/** The model of a force field: the sum of its Coulomb and short-range parts (parts: `coulomb`, `shortRange`). */
export type ForceFieldModel = SumModel;

/** E = E_Coulomb(Ewald) + Σ_pairs φ. Parts: `coulomb`, `shortRange`. */
export function buildEnergyModel(ff: ForceField): ForceFieldModel {
  const options = ff.coulomb?.accuracy !== undefined ? { accuracy: ff.coulomb.accuracy } : {};
  // charges that are parameters (`Cd.charge`) come first, then the pair parameters
  const coulomb = ff.chargeTies?.free.length ? new TiedChargeEwald(ff.charges, ff.chargeTies, options) : new EwaldModel(ff.charges, options);
  return new SumModel([coulomb, new PairModel(ff.pairs)], 'coulomb+shortRange');
}

export * from './forcefield.js';
export * from './model.js';
