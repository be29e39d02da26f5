/** The shape of a pair form (Buckingham, Lennard-Jones); `pair.ts` builds them and sums them. */
import type { PairType } from './forcefield.js';

/** A pair form φ(r) with its first two radial derivatives and its parameter derivatives. */
export interface PairForm {
  readonly type: PairType;
  /** Parameter names in `PAIR_PARAMETERS` order (`A`, `rho`, `C` for Buckingham). */
  readonly parameterNames: readonly string[];
  phi(r: number): number;
  dphi(r: number): number;
  d2phi(r: number): number;
  /** out[0] = φ(r), out[1] = φ'(r), out[2] = φ''(r), sharing one exponential. */
  evaluate(r: number, out: Float64Array): void;
  /** out[0] = ∂φ/∂p_k, out[1] = ∂φ'/∂p_k at r, for the k-th parameter. */
  parameterDerivative(k: number, r: number, out: Float64Array): void;
}
