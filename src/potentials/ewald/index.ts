/**
 * Coulomb energy of a periodic array of point charges by Ewald summation, with exact first and
 * second derivatives (the contract of model.ts).
 *
 * The lattice sum E = ½ Σ'_{i,j,T} k qᵢqⱼ/|rⱼ + T − rᵢ| converges only conditionally. Ewald
 * (doi:10.1002/andp.19213690304) splits 1/r = erfc(αr)/r + erf(αr)/r: the first part is short
 * ranged and summed directly, the second is smooth and summed in Fourier space. With the
 * tin-foil boundary condition (de Leeuw, Perram & Smith, doi:10.1098/rspa.1980.0135) the result
 * is, for any α > 0,
 *   E = E_real + E_recip + E_self + E_bg
 *   E_real  = Σ_{pairs} k qᵢqⱼ erfc(αr)/r                                     real.ts
 *   E_recip = (2πk/V) Σ_{G≠0} e^{−G²/4α²}/G² |Σⱼ qⱼ e^{iG·rⱼ}|²               reciprocal.ts
 *   E_self  = −k (α/√π) Σⱼ qⱼ²                                                 self.ts
 *   E_bg    = −π k Q²/(2Vα²), Q = Σⱼ qⱼ (zero for a neutral cell)          reciprocal.ts
 * The total does not depend on α; α only moves work between the two sums, and it and the two
 * cut-offs are chosen per structure from the requested accuracy (parameters.ts).
 *
 * Each term is an energy model of its own (`EwaldReal`, `EwaldReciprocal`, `EwaldSelf`);
 * `EwaldModel` resolves the parameters once per evaluation and adds the three into one result.
 */
import type { Structure } from '../../crystal/structure.js';
import type { DerivativeOrder, EnergyResult } from '../model.js';

import { addEwaldReal } from './real.js';
import { addEwaldReciprocal } from './reciprocal.js';
import { addEwaldSelf } from './self.js';
import { type EwaldParameters } from './parameters.js';

export { EwaldReal, addEwaldReal } from './real.js';
export { EwaldReciprocal, addEwaldReciprocal } from './reciprocal.js';
export { EwaldSelf, addEwaldSelf } from './self.js';
export {
  type EwaldOptions,
  type EwaldParameters,
  type ResolvedEwaldOptions,
  EWALD_DEFAULTS,
  EWALD_COST_RATIO,
  EWALD_COST_RATIO_LARGE,
  EWALD_HESSIAN_COST_RATIO,
  LARGE_CELL_ATOMS,
  resolveEwaldParameters,
  checkEwaldOptions,
  atomCharges,
  balancedAlpha,
  realSpaceError,
  reciprocalSpaceError,
} from './parameters.js';
export { erfc, erfcx } from './erfc.js';
export { EwaldTerm } from './term.js';
import { EwaldTerm } from './term.js';

/** The Coulomb energy of point charges by Ewald summation: real + reciprocal + self (parts: `coulomb`). */
export class EwaldModel extends EwaldTerm {
  readonly name = 'coulomb';

  protected add(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void {
    addEwaldReal(structure, q, p, order, out);
    addEwaldReciprocal(structure, q, p, order, out);
    addEwaldSelf(q, p, out);
  }
}
