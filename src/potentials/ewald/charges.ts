/**
 * Derivatives of the Ewald energy, gradient, strain derivatives (and Hessian) with respect to the
 * species charges, for fitting charges.
 *
 * At fixed α and cut-offs every Ewald term is a symmetric bilinear form in the atom charges:
 *   E(q) = B(q, q),  B(a, b) = ½ Σ_{ij} a_i M_ij(x, e) b_j
 * (real: k erfc(αr)/r per pair; reciprocal: (2πk/V) Σ_G e^{−G²/4α²}/G² cos G·(r_j − r_i);
 * self: −kα/√π δ_ij; background −πk/(2Vα²) for every i, j), and so is every derivative of E in
 * positions and strains (M depends on x and e, not on q). For a charge direction v (the change of
 * every species charge per unit of a fit parameter p, q(p) = q₀ + p v):
 *   dE/dp = 2 B(v, q) = E(q + v) − E(q) − E(v)
 * exactly (polarisation identity of the quadratic form; no step, no truncation error), and the same
 * identity holds component by component for the gradient, the strain derivatives and the Hessian.
 * So three evaluations at the same fixed α and cut-offs give the exact charge derivative of all of
 * them. α and the cut-offs are resolved once at the current charges and held fixed: the accuracy
 * rule in parameters.ts picks them from q, but the converged Ewald sum does not depend on them, so
 * holding them fixed is differentiating the converged sum (within the requested accuracy).
 *
 * Tied charges (document shape in docs/fitsuite.md): free species charges p_f (parameter name
 * `Cd.charge`), tied species follow linearly, q_s = Σ_f c_sf p_f, so the direction of p_f is
 * v_f = e_f + Σ_s c_sf e_s; a direction is admissible only if it keeps every structure neutral.
 */
import type { Structure } from '../../crystal/structure.js';
import { DomainError } from '../../errors.js';
import type { DerivativeOrder, EnergyResult, ParameterDerivatives, ParametrisedModel } from '../model.js';
import { type ChargeTies, chargeName, parseChargeName, tiedCharges } from '../forcefield.js';
import { EwaldModel } from './index.js';
import type { EwaldOptions } from './parameters.js';

export { type ChargeTies, tiedCharges };

/** The direction (charge change per species) of each free charge. */
export function chargeDirections(ties: ChargeTies): Record<string, number>[] {
  return ties.free.map((f) => {
    const v: Record<string, number> = { [f]: 1 };
    for (const [s, c] of Object.entries(ties.tied)) if (c[f]) v[s] = (v[s] ?? 0) + c[f]!;
    return v;
  });
}


/** Throws NOT_CHARGE_NEUTRAL when a direction changes the net charge of the structure. */
export function checkNeutralDirections(structure: Structure, directions: readonly Record<string, number>[], label = 'structure'): void {
  directions.forEach((v, k) => {
    let net = 0;
    for (const s of structure.species) net += v[s] ?? 0;
    if (Math.abs(net) > 1e-12) throw new DomainError('NOT_CHARGE_NEUTRAL', `charge direction ${k} changes the net charge of ${label} by ${net} e per unit: tie the charges so that every structure stays neutral`, { structure: label });
  });
}

export interface ChargeDerivatives {
  /** dE/dp per direction, eV/e */
  dEnergy: number[];
  /** d[gradient (3N), strain (6)]/dp per direction (order ≥ 1) */
  dFirst: Float64Array[];
  /** d(Hessian)/dp per direction (order 2) */
  dHessian: Float64Array[];
}

/**
 * Exact derivatives of the Ewald energy (and its first/second derivatives up to `order`) along
 * each charge direction, at the structure's own α and cut-offs for `charges`.
 */
export function ewaldChargeDerivatives(structure: Structure, charges: Record<string, number>, directions: readonly Record<string, number>[], order: DerivativeOrder = 1, options: EwaldOptions = {}): ChargeDerivatives {
  const base = new EwaldModel(charges, options);
  const p = base.parameters(structure, order);
  const at = (q: Record<string, number>): EnergyResult => new EwaldModel(q, options).compute(structure, order, p);
  const e0 = at(charges);
  const species = new Set(structure.species);
  const out: ChargeDerivatives = { dEnergy: [], dFirst: [], dHessian: [] };
  for (const v of directions) {
    const vFull: Record<string, number> = {}, qv: Record<string, number> = {};
    for (const s of species) { vFull[s] = v[s] ?? 0; qv[s] = charges[s]! + vFull[s]!; }
    const ev = at(vFull), eq = at(qv);
    out.dEnergy.push(eq.energy - e0.energy - ev.energy);
    if (order >= 1) {
      const n = structure.numAtoms, d = new Float64Array(3 * n + 6);
      for (let i = 0; i < 3 * n; i++) d[i] = eq.gradient![i]! - e0.gradient![i]! - ev.gradient![i]!;
      for (let k = 0; k < 6; k++) d[3 * n + k] = eq.strain![k]! - e0.strain![k]! - ev.strain![k]!;
      out.dFirst.push(d);
    }
    if (order >= 2) out.dHessian.push(Float64Array.from(eq.hessian!, (h, i) => h - e0.hessian![i]! - ev.hessian![i]!));
  }
  return out;
}

/**
 * The Ewald Coulomb energy with the free charges as named parameters (`Cd.charge`, in
 * `ties.free` order) and the tied charges following: the Coulomb part of the parametrised energy
 * model of a charge fit. Its parameter derivatives are those of `ewaldChargeDerivatives` along the
 * tie directions (exact; α and the cut-offs resolved at the current charges).
 */
export class TiedChargeEwald implements ParametrisedModel {
  readonly name = 'coulomb';
  readonly ties: ChargeTies;
  readonly ewald: EwaldModel;
  readonly parameterNames: readonly string[];
  private readonly options: EwaldOptions;
  private readonly directions: Record<string, number>[];

  constructor(charges: Record<string, number>, ties: ChargeTies, options: EwaldOptions = {}) {
    this.ties = ties;
    this.options = options;
    this.ewald = new EwaldModel(charges, options);
    this.parameterNames = Object.freeze(ties.free.map(chargeName));
    this.directions = chargeDirections(ties);
  }

  get charges(): Readonly<Record<string, number>> {
    return this.ewald.charges;
  }

  compute(structure: Structure, order: DerivativeOrder = 0): EnergyResult {
    return this.ewald.compute(structure, order);
  }

  parameterValues(): Float64Array {
    return Float64Array.from(this.ties.free, (f) => this.ewald.charges[f]!);
  }

  withParameterValues(values: ArrayLike<number>): TiedChargeEwald {
    if (values.length !== this.ties.free.length) throw new RangeError(`${values.length} values for the ${this.ties.free.length} free charges`);
    return new TiedChargeEwald(tiedCharges({ ...this.ewald.charges }, this.ties, Array.from(values)), this.ties, this.options);
  }

  parameterDerivatives(structure: Structure, names: readonly string[]): ParameterDerivatives {
    const dirs = names.map((name) => {
      const k = this.ties.free.indexOf(parseChargeName(name) ?? '');
      if (k < 0) throw new DomainError('UNKNOWN_PARAMETER', `unknown parameter ${name} (known: ${this.parameterNames.join(', ')})`, { parameter: name });
      return this.directions[k]!;
    });
    const d = ewaldChargeDerivatives(structure, { ...this.ewald.charges }, dirs, 1, this.options);
    return { names: [...names], dEnergy: Float64Array.from(d.dEnergy), dFirst: d.dFirst };
  }
}
