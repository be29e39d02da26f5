/**
 * Helpers for the relaxation tests: the published Pb-Se-Cd model, the eight polymorphs of the job
 * document built through the space groups, and small perturbations.
 */
import { readFileSync } from 'node:fs';
import { buildEnergyModel } from '../../src/potentials/index.js';
import type { EnergyModel } from '../../src/potentials/model.js';
import { getSpaceGroup } from '../../src/crystal/spacegroups/index.js';
import { completeCell } from '../../src/crystal/cell-parameters.js';
import { expandSites, cartesianOperations, type AsymmetricSite } from '../../src/crystal/expand.js';
import { Lattice, type LatticeParameters } from '../../src/crystal/lattice.js';
import { Structure } from '../../src/crystal/structure.js';
import type { CartesianOperation } from '../../src/relaxation/index.js';
import type { Mat3 } from '../../src/math/linalg.js';
import { FIXTURES, PUBLISHED } from './cells.js';

export interface SymmetricCell {
  structure: Structure;
  operations: CartesianOperation[];
}

/** The published model (Ewald + Buckingham), scaled: `scale['Cd-Se.A']` multiplies that parameter. */
export function publishedModel(scale: Record<string, number> = {}): EnergyModel {
  const pairs = PUBLISHED.pairs.map((p) => {
    const key = [...p.species].sort().join('-');
    const params = Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, v * (scale[`${key}.${k}`] ?? 1)]));
    return { ...p, params };
  });
  return buildEnergyModel({ charges: PUBLISHED.charges, pairs });
}

/** A structure from its space group, free cell parameters and asymmetric sites, with its Cartesian operations. */
export function build(symbol: string, cell: Partial<LatticeParameters>, sites: AsymmetricSite[]): SymmetricCell {
  const sg = getSpaceGroup(symbol);
  const lattice = Lattice.fromParameters(completeCell(sg, cell));
  const ex = expandSites(sg, lattice, sites);
  return { structure: Structure.fromFractional(lattice, ex.species, ex.frac), operations: cartesianOperations(sg, lattice) };
}

/** Wurtzite, P6_3mc: M at 2b (1/3, 2/3, 0), X at 2b (1/3, 2/3, u); atoms M, M, X, X. */
export const wurtzite = (a: number, c: number, u: number, m = 'Cd', x = 'Se'): SymmetricCell =>
  build('P6_3mc', { a, c }, [{ species: m, frac: [1 / 3, 2 / 3, 0] }, { species: x, frac: [1 / 3, 2 / 3, u] }]);

/** Rock salt, Fm-3m, conventional 8-atom cell. */
export const rockSalt = (a: number, m = 'Pb', x = 'Se'): SymmetricCell =>
  build('Fm-3m', { a }, [{ species: m, frac: [0, 0, 0] }, { species: x, frac: [0.5, 0.5, 0.5] }]);

/** Zinc blende, F-43m, conventional 8-atom cell. */
export const zincBlende = (a: number, m = 'Cd', x = 'Se'): SymmetricCell =>
  build('F-43m', { a }, [{ species: m, frac: [0, 0, 0] }, { species: x, frac: [0.25, 0.25, 0.25] }]);

/** u of a wurtzite-like cell with atoms M, M, X, X: z(X₀) − z(M₀), fractional. */
export function wurtziteU(s: Structure): number {
  const f = s.fractional;
  return f[8]! - f[2]!;
}

interface JobStructure {
  id: string;
  spaceGroup: string;
  cell: Partial<LatticeParameters>;
  sites: AsymmetricSite[];
}

/** The eight polymorphs of fixtures/pbcdse-published.json, built through their space groups. */
export function publishedPolymorphs(): (SymmetricCell & { id: string; spaceGroup: string })[] {
  const doc = JSON.parse(readFileSync(`${FIXTURES}/pbcdse-published.json`, 'utf8')) as { structures: JobStructure[] };
  return doc.structures.map((s) => ({ id: s.id, spaceGroup: s.spaceGroup, ...build(s.spaceGroup, s.cell, s.sites) }));
}

/** Hexagonal Cartesian operations of a space group for a cell with a along x and c along z. */
export function hexagonalOperations(symbol: string, a: number, c: number): CartesianOperation[] {
  return cartesianOperations(getSpaceGroup(symbol), Lattice.fromParameters({ a, b: a, c, alpha: 90, beta: 90, gamma: 120 }));
}

/** Displace every atom (uniform in ±amplitude, Å) and strain the cell (each e_k in ±strain), deterministically. */
export function rattle(s: Structure, amplitude: number, strain = 0, seed = 1): Structure {
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const x = Float64Array.from(s.positions, (v) => v + 2 * amplitude * rand());
  const e = Array.from({ length: 6 }, () => 2 * strain * rand());
  const F: Mat3 = [
    [1 + e[0]!, e[5]! / 2, e[4]! / 2],
    [e[5]! / 2, 1 + e[1]!, e[3]! / 2],
    [e[4]! / 2, e[3]! / 2, 1 + e[2]!],
  ];
  return s.withPositions(x).deformed(F);
}
