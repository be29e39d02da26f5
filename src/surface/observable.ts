/**
 * `surfaceEnergy` by central differences, for use outside a fit: E_surf of a face at the bulk
 * relaxed under the trial parameters, and its derivatives with respect to named parameters by
 * central differences of fully relaxed calculations (bulk and slab relaxed again at p ± h). The
 * fit itself uses the analytic route (`derivatives.ts`, through `fitting/evaluator.ts`), which
 * needs no slab Hessian: the slab's ionic response drops out at its minimum. Step
 * h = `relativeStep` · |p| (default 1e-3; E_surf is relaxed to forces 1e-5 eV/Å, noise ~1e-8
 * J/m², so the difference is good to ~1e-5 relative).
 *
 * The bulk relaxation is a callback so that this module stays below `properties` (symmetry-kept
 * bulk relaxation lives there): `relaxBulk(ff)` returns the relaxed bulk in the cell the face's
 * indices refer to. The thickness is fixed at the one converged at the central parameters, so the
 * derivative is smooth in p.
 */
import type { Structure } from '../crystal/structure.js';
import { type ForceField, getParameter, withParameters } from '../potentials/index.js';
import type { Face } from './face.js';
import { surfaceEnergy, type SurfaceOptions } from './energy.js';

export interface SurfaceObservable {
  /** Relaxed E_surf, J/m². */
  value: number;
  /** ∂E_surf/∂p for each requested name, J/m² per unit of p. */
  derivatives: Record<string, number>;
  layers: number;
  termination: number;
}

export function surfaceEnergyObservable(
  ff: ForceField,
  relaxBulk: (ff: ForceField) => Structure,
  face: Face,
  names: readonly string[],
  options: SurfaceOptions & { relativeStep?: number } = {},
): SurfaceObservable {
  const { relativeStep = 1e-3, ...o } = options;
  const centre = surfaceEnergy(ff, relaxBulk(ff), face, o);
  const fixed: SurfaceOptions = { ...o, termination: centre.termination, minRepeats: centre.layers, maxThickness: Math.max(1e-3, (centre.layers - 1) * centre.spacing) };
  const at = (f: ForceField): number => surfaceEnergy(f, relaxBulk(f), face, fixed).energy;
  const derivatives: Record<string, number> = {};
  for (const name of names) {
    const p = getParameter(ff, name);
    if (p === undefined) throw new RangeError(`unknown parameter ${name}`);
    const h = relativeStep * (Math.abs(p) || 1);
    derivatives[name] = (at(withParameters(ff, { [name]: p + h })) - at(withParameters(ff, { [name]: p - h }))) / (2 * h);
  }
  return { value: centre.energy, derivatives, layers: centre.layers, termination: centre.termination };
}
