/**
 * Static (unrelaxed) evaluation of a structure: energy split, pressure tensor, forces.
 */
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel } from '../potentials/model.js';
import { VOIGT_PAIRS } from '../math/voigt.js';
import type { Mat3 } from '../math/linalg.js';

export interface StaticEvaluation {
  energy: { total: number; perFormulaUnit: number; coulomb: number; shortRange: number };
  /** P = −(1/V) ∂E/∂ε, eV/Å³, positive = compressive (LAMMPS sign). */
  pressureTensor: Mat3;
  /** Hydrostatic pressure trace(P)/3, eV/Å³. */
  pressure: number;
  /** Largest force magnitude on any atom, eV/Å. */
  maxForce: number;
  /** Forces, eV/Å, atom-major. */
  forces: number[][];
}

export function evaluateStatic(model: EnergyModel, structure: Structure, formulaUnits: number): StaticEvaluation {
  const r = model.compute(structure, 1);
  const v = structure.lattice.volume;
  const p: Mat3 = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  VOIGT_PAIRS.forEach(([i, j], k) => {
    const val = -r.strain![k]! / v;
    p[i]![j] = val;
    p[j]![i] = val;
  });
  const forces: number[][] = [];
  let maxForce = 0;
  for (let a = 0; a < structure.numAtoms; a++) {
    const f = [-r.gradient![3 * a]!, -r.gradient![3 * a + 1]!, -r.gradient![3 * a + 2]!];
    forces.push(f);
    maxForce = Math.max(maxForce, Math.hypot(f[0]!, f[1]!, f[2]!));
  }
  return {
    energy: {
      total: r.energy,
      perFormulaUnit: r.energy / formulaUnits,
      coulomb: r.parts.coulomb ?? 0,
      shortRange: r.parts.shortRange ?? 0,
    },
    pressureTensor: p,
    pressure: (p[0][0] + p[1][1] + p[2][2]) / 3,
    maxForce,
    forces,
  };
}
