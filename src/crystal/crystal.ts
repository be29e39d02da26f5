/**
 * A crystal with its symmetry (pymatgen's `SymmetrizedStructure`): the conventional cell with
 * every atom, the space group it was built with, which asymmetric-unit site each atom comes
 * from, the asymmetric unit itself, and the formula. A value with no targets in it: what the
 * property calculators and the fitter take.
 */
import { DomainError } from '../errors.js';
import type { Mat3, Vec3 } from '../math/linalg.js';
import type { SpaceGroup } from './spacegroups/index.js';
import { Structure, composition, compositionKey } from './structure.js';
import { Lattice, type LatticeParameters } from './lattice.js';
import { completeCell } from './cell-parameters.js';
import { expandSites } from './expand.js';

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
  /** The pressure this crystal is computed at (`structures[].pressure`), eV/Å³, when it has its own; else the job's. */
  pressure?: number;
}

/** A cell as the doors give it: three row vectors (space group P1 only), or the parameters its space group leaves free. */
export type CellInput = { vectors?: readonly (readonly number[])[] } & Partial<LatticeParameters>;

/**
 * The lattice of `cell` in space group `sg`: vectors as given (P1 only), or the free parameters
 * completed by the space group's metric (`completeCell`). `path` is the JSON pointer of the cell
 * in what the user sent, for the errors (INVALID_CELL, INVALID_STRUCTURE).
 */
export function latticeOfCell(sg: SpaceGroup, cell: CellInput, path = '/cell'): Lattice {
  if (cell.vectors) {
    if (sg.number !== 1) throw new DomainError('INVALID_CELL', 'cell vectors are accepted with space group P1 only; give a, b, c, alpha, beta, gamma', { path: `${path}/vectors` });
    return Lattice.fromVectors(cell.vectors as unknown as Mat3, `${path}/vectors`);
  }
  const { vectors: _v, ...params } = cell;
  return Lattice.fromParameters(completeCell(sg, params, path), path);
}

/** What a symmetrised crystal is built from: the space group, its lattice and the asymmetric unit. */
export interface CrystalSpec {
  id: string;
  label?: string;
  index?: number;
  spaceGroup: SpaceGroup;
  lattice: Lattice;
  /** The asymmetric unit, fractional coordinates of `lattice`. */
  sites: readonly { species: string; frac: readonly number[]; label?: string }[];
  /** eV/Å³ (see `SymmetrizedCrystal.pressure`). */
  pressure?: number;
  /** JSON pointer of the sites, for the errors of the expansion (default `/sites`). */
  path?: string;
  /** The expansion stops with LIMIT_EXCEEDED once the cell has more atoms than this (`ExpandOptions.maxAtoms`). */
  maxAtoms?: number;
}

/**
 * The symmetrised crystal of `spec`: the asymmetric unit expanded by the space group into the
 * conventional cell (`expandSites`), its formula and formula units. The builder every door uses
 * (job documents, GULP and CIF files, results read for export). Checks of the door's own (atom
 * limits, overlaps, charge neutrality) are the door's.
 */
export function symmetrizedCrystal(spec: CrystalSpec): SymmetrizedCrystal {
  const sites = spec.sites.map((s) => ({ species: s.species, frac: [s.frac[0]!, s.frac[1]!, s.frac[2]!] as Vec3, ...(s.label ? { label: s.label } : {}) }));
  const expanded = expandSites(spec.spaceGroup, spec.lattice, sites, { id: spec.id, ...(spec.path ? { path: spec.path } : {}), ...(spec.maxAtoms !== undefined ? { maxAtoms: spec.maxAtoms } : {}) });
  const structure = Structure.fromFractional(spec.lattice, expanded.species, expanded.frac);
  const comp = composition(structure.species);
  return {
    id: spec.id,
    label: spec.label ?? spec.id,
    index: spec.index ?? 0,
    spaceGroup: spec.spaceGroup,
    structure,
    siteOfAtom: expanded.site,
    sites,
    formula: comp.formula,
    compositionKey: compositionKey(comp.counts),
    z: comp.z,
    ...(spec.pressure !== undefined ? { pressure: spec.pressure } : {}),
  };
}
