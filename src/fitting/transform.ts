/**
 * Well-conditioned internal variables for the fit.
 *
 * Buckingham A spans orders of magnitude (1e3 … 1e10 eV) and is strongly correlated with ρ;
 * fitting ln A instead makes a unit step mean the same relative change for every pair. Every
 * other parameter p is scaled by its starting magnitude, z = p / s with s = |p₀| (or 1 if p₀ = 0),
 * so all internal variables are of order one and one finite-difference step suits them all.
 *
 * Bounds: the document's `bounds` when given; otherwise physical ones: A > 0 (implied by ln A),
 * ρ ∈ [0.01, 2] Å, C ≥ 0 and B ≥ 0 (attractive dispersion).
 */
import { parseParameterName } from '../potentials/forcefield.js';

export interface ParameterTransform {
  names: string[];
  /** physical → internal */
  toInternal(p: readonly number[]): number[];
  /** internal → physical */
  toPhysical(z: readonly number[]): number[];
  /** dp/dz per parameter at z (diagonal Jacobian of the map). */
  dPhysical(z: readonly number[]): number[];
  /** internal bounds */
  lower: number[];
  upper: number[];
  /** which parameters are log-transformed */
  log: boolean[];
}

export function makeTransform(names: readonly string[], start: readonly number[], bounds: Record<string, [number, number]>): ParameterTransform {
  const log: boolean[] = [];
  const scale: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  names.forEach((name, i) => {
    const param = parseParameterName(name)!.param;
    const p0 = start[i]!;
    const isLog = param === 'A' && p0 > 0;
    log.push(isLog);
    scale.push(isLog ? 1 : Math.abs(p0) || 1);
    const b = bounds[name] ?? defaultBounds(param);
    const toZ = (p: number): number => (isLog ? (p > 0 ? Math.log(p) : -Infinity) : p / scale[i]!);
    lower.push(toZ(b[0]));
    upper.push(toZ(b[1]));
  });
  return {
    names: [...names],
    log,
    lower,
    upper,
    toInternal: (p) => p.map((v, i) => (log[i] ? Math.log(v) : v / scale[i]!)),
    toPhysical: (z) => z.map((v, i) => (log[i] ? Math.exp(v) : v * scale[i]!)),
    dPhysical: (z) => z.map((v, i) => (log[i] ? Math.exp(v) : scale[i]!)),
  };
}

function defaultBounds(param: string): [number, number] {
  switch (param) {
    case 'rho':
      return [0.01, 2];
    case 'C':
    case 'B':
      return [0, Number.POSITIVE_INFINITY];
    case 'A':
      return [0, Number.POSITIVE_INFINITY];
    default:
      return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  }
}
