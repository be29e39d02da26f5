/**
 * Test cells shared by the model tests: the independent engine's cells (fixtures/reference) and
 * small hand-made low-symmetry cells.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { Lattice } from '../../src/crystal/lattice.js';
import { Structure } from '../../src/crystal/structure.js';
import type { Mat3 } from '../../src/math/linalg.js';
import type { LatticeParameters } from '../../src/crystal/lattice.js';
import type { SpaceGroup } from '../../src/crystal/spacegroups/index.js';
import type { ForceField } from '../../src/potentials/forcefield.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
/** Reference data kept in the repository (origins in fixtures/README.md). */
export const FIXTURES = resolve(ROOT, 'fixtures');

export interface ReferenceCell {
  lattice: number[][];
  species: string[];
  cartesian: number[][];
  energy: number;
  coulombEnergy: number;
  shortRangeEnergy: number;
  forces: number[][];
  pressureTensorGPa: number[][];
  note: string;
}

export function referenceCells(): Record<string, ReferenceCell> {
  return JSON.parse(readFileSync(resolve(FIXTURES, 'reference/independent-energies.json'), 'utf8')).structures;
}

export function referenceStructure(id: string): Structure {
  const c = referenceCells()[id]!;
  return Structure.fromCartesian(Lattice.fromVectors(c.lattice as Mat3), c.species, c.cartesian.flat());
}

/** The published Pb-Se-Cd model, as plain data. */
export const PUBLISHED = {
  charges: { Cd: 0.8, Pb: 0.8, Se: -0.8 } as Record<string, number>,
  pairs: [
    { type: 'buckingham' as const, species: ['Cd', 'Se'] as [string, string], params: { A: 2.64e9, rho: 0.108, C: 64.4 }, cutoff: 12 },
    { type: 'buckingham' as const, species: ['Pb', 'Se'] as [string, string], params: { A: 4.88e6, rho: 0.173, C: 211 }, cutoff: 12 },
    { type: 'buckingham' as const, species: ['Se', 'Se'] as [string, string], params: { A: 5200, rho: 0.384, C: 127 }, cutoff: 12 },
  ],
};

/** A small triclinic, rattled two-species cell with no symmetry (4 atoms, neutral for ±0.8). */
export function triclinicCell(): Structure {
  const lat = Lattice.fromParameters({ a: 4.6, b: 5.1, c: 5.5, alpha: 81, beta: 97, gamma: 103 });
  return Structure.fromFractional(lat, ['Cd', 'Se', 'Cd', 'Se'], [
    [0.01, 0.02, -0.01],
    [0.26, 0.24, 0.27],
    [0.49, 0.52, 0.03],
    [0.77, 0.74, 0.51],
  ]);
}

/** Free cell parameters of each crystal system, generic values (Å, degrees). */
export const GENERIC_CELL: Record<SpaceGroup['crystalSystem'], Partial<LatticeParameters>> = {
  triclinic: { a: 5.1, b: 6.2, c: 7.3, alpha: 81, beta: 97, gamma: 103 },
  monoclinic: { a: 5.1, b: 6.2, c: 7.3, beta: 104 },
  orthorhombic: { a: 5.1, b: 6.2, c: 7.3 },
  tetragonal: { a: 5.1, c: 7.3 },
  trigonal: { a: 5.1, c: 7.3 },
  hexagonal: { a: 5.1, c: 7.3 },
  cubic: { a: 5.1 },
};

/**
 * A second chemistry for the tests: rigid-ion MgO of G. V. Lewis and C. R. A. Catlow, J. Phys. C 18
 * (1985) 1149, doi:10.1088/0022-3719/18/6/010, without the oxygen shell; formal charges, 10 Å cut-off.
 */
export const MGO_LEWIS_CATLOW: ForceField = {
  charges: { Mg: 2, O: -2 },
  pairs: [
    { type: 'buckingham', species: ['Mg', 'O'], params: { A: 1428.5, rho: 0.2945, C: 0 }, cutoff: 10 },
    { type: 'buckingham', species: ['O', 'O'], params: { A: 22764, rho: 0.149, C: 27.88 }, cutoff: 10 },
  ],
};
