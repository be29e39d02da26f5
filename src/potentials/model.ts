/**
 * The energy-model contract.
 *
 * Every model (Ewald real / reciprocal / self, Buckingham, Lennard-Jones, their sum) evaluates a
 * `Structure` and returns, up to the requested order:
 *
 * | field      | shape            | units  | meaning                                                    |
 * |------------|------------------|--------|------------------------------------------------------------|
 * | `energy`   | scalar           | eV     | energy of the cell (not per atom, not per formula unit)     |
 * | `gradient` | 3N               | eV/Å   | ∂E/∂r_i, Cartesian, atom-major [x0,y0,z0,x1,...] (= −force) |
 * | `strain`   | 6                | eV     | ∂E/∂e_k, Voigt engineering strain, atoms carried affinely   |
 * | `hessian`  | (3N+6)², row-major| eV/Å², eV/Å, eV | second derivatives over [r (3N), e (6)]          |
 *
 * The function differentiated is E(x, e) = E_cell(lattice L Fᵀ, positions F x) with
 * F = I + ε(e) (see `math/voigt.ts`), at e = 0. Hence
 *   H_rr = ∂²E/∂x∂x (the ordinary Cartesian Hessian),
 *   H_re = ∂/∂e_k (Fᵀ ∇E(F x)) — it contains the term D_k ∇E, nonzero away from a minimum,
 *   H_ee = ∂²E/∂e_k∂e_l at fixed x.
 * This makes the matrix the exact Hessian of one function of 3N + 6 variables, which is what
 * Newton-Raphson relaxation and the internal-strain correction of elastic constants both need.
 * Stress σ_k = (1/V) ∂E/∂e_k; pressure tensor P = −σ (positive = compressive).
 */
import type { Structure } from '../crystal/structure.js';
import { DomainError } from '../errors.js';

/** 0: energy only; 1: + gradient and strain derivatives; 2: + full second-derivative matrix. */
export type DerivativeOrder = 0 | 1 | 2;

export interface EnergyResult {
  energy: number;
  gradient?: Float64Array;
  strain?: Float64Array;
  hessian?: Float64Array;
  /** Energy split by kind (`coulomb`, `shortRange`), eV; sums to `energy`. */
  parts: Record<string, number>;
}

export interface EnergyModel {
  readonly name: string;
  compute(structure: Structure, order?: DerivativeOrder): EnergyResult;
}

/**
 * Derivatives of a model's energy and first derivatives with respect to its own named parameters,
 * for the analytic Jacobian of the fit. For each parameter p (in the order asked):
 * `dEnergy[p]` = ∂E/∂p, `dFirst[p]` = ∂/∂p of [gradient (3N), strain (6)] (length 3N + 6).
 */
export interface ParameterDerivatives {
  names: string[];
  dEnergy: Float64Array;
  dFirst: Float64Array[];
}

export interface ParametrisedModel extends EnergyModel {
  /** Names of the parameters this model depends on (e.g. `Cd-Se.A`): the fixed index of its values. */
  readonly parameterNames: readonly string[];
  /** The current values, in `parameterNames` order. */
  parameterValues(): Float64Array;
  /**
   * The same model with the values `values` (in `parameterNames` order). What depends on no
   * parameter (the Ewald sum, neighbour tables, species tables) is shared, not rebuilt.
   */
  withParameterValues(values: ArrayLike<number>): ParametrisedModel;
  parameterDerivatives(structure: Structure, names: readonly string[]): ParameterDerivatives;
}

/** True for a model that answers parameter questions. */
export function isParametrised(model: EnergyModel): model is ParametrisedModel {
  const m = model as Partial<ParametrisedModel>;
  return Array.isArray(m.parameterNames) && typeof m.parameterDerivatives === 'function' && typeof m.withParameterValues === 'function';
}

/** Allocate an empty result of the given order for N atoms. */
export function emptyResult(n: number, order: DerivativeOrder): EnergyResult {
  const r: EnergyResult = { energy: 0, parts: {} };
  if (order >= 1) {
    r.gradient = new Float64Array(3 * n);
    r.strain = new Float64Array(6);
  }
  if (order >= 2) {
    const m = 3 * n + 6;
    r.hessian = new Float64Array(m * m);
  }
  return r;
}

/** Add `src` into `dst` (same N, same order). */
export function accumulate(dst: EnergyResult, src: EnergyResult): void {
  dst.energy += src.energy;
  for (const [k, v] of Object.entries(src.parts)) dst.parts[k] = (dst.parts[k] ?? 0) + v;
  if (dst.gradient && src.gradient) for (let i = 0; i < dst.gradient.length; i++) dst.gradient[i]! += src.gradient[i]!;
  if (dst.strain && src.strain) for (let i = 0; i < 6; i++) dst.strain[i]! += src.strain[i]!;
  if (dst.hessian && src.hessian) for (let i = 0; i < dst.hessian.length; i++) dst.hessian[i]! += src.hessian[i]!;
}

/**
 * A sum of models (TorchSim `SumModel`, JAX-MD `coulomb = direct + reciprocal`). It answers every
 * question of its parts, parameter derivatives included: its parameters are those of its
 * parametrised parts, concatenated in order (a name must belong to one part only), ∂E/∂p and
 * ∂(gradient, strain)/∂p are those of the part that owns p. Parts without parameters are shared
 * by `withParameterValues`.
 */
export class SumModel implements ParametrisedModel {
  readonly name: string;
  readonly models: readonly EnergyModel[];
  readonly parameterNames: readonly string[];
  /** part index and the index in that part of every parameter name */
  private readonly owner: ReadonlyMap<string, { part: number; index: number }>;

  constructor(models: readonly EnergyModel[], name = 'sum') {
    this.models = models;
    this.name = name;
    const owner = new Map<string, { part: number; index: number }>();
    models.forEach((m, part) => {
      if (!isParametrised(m)) return;
      m.parameterNames.forEach((n, index) => {
        if (owner.has(n)) throw new DomainError('INVALID_POTENTIAL', `parameter ${n} belongs to two parts of the model ${name}`, { parameter: n });
        owner.set(n, { part, index });
      });
    });
    this.owner = owner;
    this.parameterNames = Object.freeze([...owner.keys()]);
  }

  compute(structure: Structure, order: DerivativeOrder = 0): EnergyResult {
    const total = emptyResult(structure.numAtoms, order);
    for (const m of this.models) accumulate(total, m.compute(structure, order));
    return total;
  }

  parameterValues(): Float64Array {
    const out = new Float64Array(this.parameterNames.length);
    let k = 0;
    for (const m of this.models) if (isParametrised(m)) for (const v of m.parameterValues()) out[k++] = v;
    return out;
  }

  withParameterValues(values: ArrayLike<number>): SumModel {
    if (values.length !== this.parameterNames.length) throw new RangeError(`${this.name}: ${values.length} values for ${this.parameterNames.length} parameters`);
    let k = 0;
    const parts = this.models.map((m) => {
      if (!isParametrised(m) || m.parameterNames.length === 0) return m;
      const slice = Array.prototype.slice.call(values, k, k + m.parameterNames.length) as number[];
      k += m.parameterNames.length;
      return m.withParameterValues(slice);
    });
    return new SumModel(parts, this.name);
  }

  parameterDerivatives(structure: Structure, names: readonly string[]): ParameterDerivatives {
    const n = structure.numAtoms;
    const dEnergy = new Float64Array(names.length);
    const dFirst: Float64Array[] = names.map(() => new Float64Array(3 * n + 6));
    const asked = this.models.map(() => [] as number[]);
    names.forEach((name, q) => {
      const o = this.owner.get(name);
      if (!o) throw new DomainError('UNKNOWN_PARAMETER', `unknown parameter ${name} (known: ${this.parameterNames.join(', ')})`, { parameter: name });
      asked[o.part]!.push(q);
    });
    asked.forEach((qs, part) => {
      if (qs.length === 0) return;
      const pd = (this.models[part] as ParametrisedModel).parameterDerivatives(structure, qs.map((q) => names[q]!));
      qs.forEach((q, k) => {
        dEnergy[q] = pd.dEnergy[k]!;
        dFirst[q] = pd.dFirst[k]!;
      });
    });
    return { names: [...names], dEnergy, dFirst };
  }
}
