/**
 * Self term of the Ewald sum.
 *
 * The reciprocal-space sum (reciprocal.ts) is the energy of the point charges in the potential of
 * the periodic array of Gaussians ρⱼ(r) = qⱼ (α/√π)³ e^{−α²|r − rⱼ|²}, whose potential is
 * k qⱼ erf(α|r − rⱼ|)/|r − rⱼ|. It includes each charge in the potential of its own Gaussian,
 * lim_{r→0} k qⱼ erf(αr)/r = 2 k qⱼ α/√π, which the point charges do not have; taking away
 * ½ qⱼ times it for every atom gives
 *   E_self = −k (α/√π) Σⱼ qⱼ².
 * It depends on α and the charges only: its gradient, strain derivatives and second derivatives
 * are all zero.
 */
import type { Structure } from '../../crystal/structure.js';
import type { DerivativeOrder, EnergyResult } from '../model.js';

import { COULOMB_EV_ANGSTROM } from '../../units/index.js';
import { type EwaldParameters } from './parameters.js';
import { EwaldTerm } from './term.js';

/** Add the self energy of atoms with charges `q` to `out` (its derivatives are zero). */
export function addEwaldSelf(q: Float64Array, p: EwaldParameters, out: EnergyResult): void {
  let sumQ2 = 0;
  for (let j = 0; j < q.length; j++) sumQ2 += q[j]! * q[j]!;
  const e = (-COULOMB_EV_ANGSTROM * p.alpha * sumQ2) / Math.sqrt(Math.PI);
  out.energy += e;
  out.parts.coulomb = (out.parts.coulomb ?? 0) + e;
}

/** The Ewald self term alone, as an energy model (parts: `coulomb`). */
export class EwaldSelf extends EwaldTerm {
  readonly name = 'coulomb-self';

  protected add(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void {
    void structure;
    void order;
    addEwaldSelf(q, p, out);
  }
}
