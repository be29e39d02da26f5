/**
 * Cell parameters a space group implies.
 *
 * The metric of a lattice is fixed in part by its crystal system (International Tables Vol. A,
 * Table 2.1.2.1): a job document gives only the free parameters, the rest follow.
 *
 * | system (setting)                    | given               | implied                          |
 * |-------------------------------------|---------------------|----------------------------------|
 * | triclinic                           | a b c α β γ         |                                  |
 * | monoclinic (unique axis b)          | a b c β             | α = γ = 90                       |
 * | orthorhombic                        | a b c               | α = β = γ = 90                   |
 * | tetragonal                          | a c                 | b = a, α = β = γ = 90            |
 * | trigonal, hexagonal (hexagonal axes)| a c                 | b = a, α = β = 90, γ = 120       |
 * | rhombohedral axes (R groups)        | a α                 | b = c = a, β = γ = α             |
 * | cubic                               | a                   | b = c = a, α = β = γ = 90        |
 *
 * An implied parameter may still be given, but must then agree with what it is implied to be
 * (within `CELL_LENGTH_REL_TOL` relative for lengths and `CELL_ANGLE_TOL_DEG` for angles), so that a
 * document that says "cubic" and gives b ≠ a is reported rather than silently overridden.
 */
import { DomainError } from '../errors.js';
import type { LatticeParameters } from './lattice.js';
import type { SpaceGroup } from './spacegroups/index.js';

/** Relative agreement required of a given length with the one it is implied to equal. */
export const CELL_LENGTH_REL_TOL = 1e-5;
/** Agreement (degrees) required of a given angle with the one it is implied to equal. */
export const CELL_ANGLE_TOL_DEG = 1e-4;

type Key = keyof LatticeParameters;
/** An implied parameter: a fixed angle, or equal to another (given) parameter. */
type Rule = number | Key;

interface Metric {
  /** Human name, for messages. */
  name: string;
  given: Key[];
  implied: Partial<Record<Key, Rule>>;
}

const ANGLES_90: Partial<Record<Key, Rule>> = { alpha: 90, beta: 90, gamma: 90 };

function metricOf(sg: SpaceGroup): Metric {
  if (sg.rhombohedralAxes) return { name: 'rhombohedral (rhombohedral axes)', given: ['a', 'alpha'], implied: { b: 'a', c: 'a', beta: 'alpha', gamma: 'alpha' } };
  switch (sg.crystalSystem) {
    case 'triclinic':
      return { name: 'triclinic', given: ['a', 'b', 'c', 'alpha', 'beta', 'gamma'], implied: {} };
    case 'monoclinic':
      return { name: 'monoclinic (unique axis b)', given: ['a', 'b', 'c', 'beta'], implied: { alpha: 90, gamma: 90 } };
    case 'orthorhombic':
      return { name: 'orthorhombic', given: ['a', 'b', 'c'], implied: ANGLES_90 };
    case 'tetragonal':
      return { name: 'tetragonal', given: ['a', 'c'], implied: { b: 'a', ...ANGLES_90 } };
    case 'trigonal':
    case 'hexagonal':
      return { name: `${sg.crystalSystem} (hexagonal axes)`, given: ['a', 'c'], implied: { b: 'a', alpha: 90, beta: 90, gamma: 120 } };
    case 'cubic':
      return { name: 'cubic', given: ['a'], implied: { b: 'a', c: 'a', ...ANGLES_90 } };
  }
}

const isAngle = (k: Key): boolean => k === 'alpha' || k === 'beta' || k === 'gamma';

/**
 * Complete a partial set of cell parameters (Å, degrees) for a space group.
 *
 * Throws INVALID_CELL with the path of the field (`${path}/c`) when a free parameter is missing or
 * a given implied one disagrees with the crystal system. Positivity and the angle ranges are left
 * to `Lattice.fromParameters`.
 */
export function completeCell(sg: SpaceGroup, cell: Partial<LatticeParameters>, path = '/cell'): LatticeParameters {
  const metric = metricOf(sg);
  const what = `the ${metric.name} cell of ${sg.symbol} (${sg.number})`;
  const out: Partial<LatticeParameters> = {};
  for (const k of metric.given) {
    const v = cell[k];
    if (v === undefined || v === null) throw new DomainError('INVALID_CELL', `${what} needs ${k} (give ${metric.given.join(', ')})`, { path: `${path}/${k}` });
    out[k] = v;
  }
  for (const [k, rule] of Object.entries(metric.implied) as [Key, Rule][]) {
    const expected = typeof rule === 'number' ? rule : out[rule]!;
    const v = cell[k];
    if (v !== undefined && v !== null) {
      const tol = isAngle(k) ? CELL_ANGLE_TOL_DEG : CELL_LENGTH_REL_TOL * Math.abs(expected);
      if (!(Math.abs(v - expected) <= tol)) {
        const should = typeof rule === 'number' ? `${rule}` : `${rule} (${expected})`;
        throw new DomainError('INVALID_CELL', `${k} = ${v} is inconsistent with ${what}: ${k} must equal ${should}`, { path: `${path}/${k}` });
      }
    }
    out[k] = expected;
  }
  return out as LatticeParameters;
}
