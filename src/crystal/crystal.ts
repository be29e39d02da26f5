/**
 * A crystal with its symmetry (pymatgen's `SymmetrizedStructure`): the conventional cell with
 * every atom, the space group it was built with, which asymmetric-unit site each atom comes
 * from, the asymmetric unit itself, and the formula. A value with no targets in it: what the
 * property calculators and the fitter take.
 */
import type { Vec3 } from '../math/linalg.js';
import type { SpaceGroup } from './spacegroups/index.js';
import type { Structure } from './structure.js';

export interface SymmetrizedCrystal {
  id: string;
  label: string;
  /** Position in the list it was given in (document order). */
  index: number;
  spaceGroup: SpaceGroup;
  /** Conventional cell with every atom. */
  structure: Structure;
  /** Asymmetric-unit index of every atom of `structure`. */
  siteOfAtom: number[];
  /** The asymmetric unit (species and fractional coordinates of the conventional cell). */
  sites: { species: string; frac: Vec3; label?: string }[];
  formula: string;
  /** order-independent composition (`compositionKey`): compare this, not `formula` */
  compositionKey: string;
  /** formula units per conventional cell */
  z: number;
  /** The pressure this crystal is computed at (`structures[].pressure`), GPa, when it has its own; else the job's. */
  pressureGPa?: number;
}
