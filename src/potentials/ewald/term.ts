/**
 * The common shape of the Ewald energy models: charges per species, resolved options, and a
 * `compute` that resolves α and the cut-offs for the structure (or takes them, to share one set
 * between the terms) and adds its term into a fresh result.
 */
import type { Structure } from '../../crystal/structure.js';
import { type DerivativeOrder, type EnergyModel, type EnergyResult, emptyResult } from '../model.js';
import { type EwaldOptions, type EwaldParameters, type ResolvedEwaldOptions, atomCharges, checkCharges, checkEwaldOptions, resolveForCharges } from './parameters.js';

export abstract class EwaldTerm implements EnergyModel {
  abstract readonly name: string;
  /** Charge per species, e. */
  readonly charges: Readonly<Record<string, number>>;
  readonly options: ResolvedEwaldOptions;

  /**
   * @param charges charge per species, e
   * @param options accuracy (eV per atom, default 1e-8); α (Å⁻¹) and the cut-offs (Å, Å⁻¹)
   *   override the values chosen from it
   */
  constructor(charges: Record<string, number>, options: EwaldOptions = {}) {
    this.charges = checkCharges(charges);
    this.options = checkEwaldOptions(options);
  }

  /** The α and cut-offs this model uses for `structure` at derivative order `order` (default 1). Throws UNKNOWN_SPECIES. */
  parameters(structure: Structure, order: DerivativeOrder = 1): EwaldParameters {
    return resolveForCharges(structure, atomCharges(structure, this.charges), this.options, order);
  }

  /** Add this term for atom charges `q` into `out`. */
  protected abstract add(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void;

  /** `parameters` overrides the resolved α and cut-offs (to share them with the other terms). */
  compute(structure: Structure, order: DerivativeOrder = 0, parameters?: EwaldParameters): EnergyResult {
    const q = atomCharges(structure, this.charges);
    const out = emptyResult(structure.numAtoms, order);
    out.parts.coulomb = 0;
    this.add(structure, q, parameters ?? resolveForCharges(structure, q, this.options, order), order, out);
    return out;
  }
}
