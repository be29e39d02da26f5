/**
 * Checks that compare a relaxed structure with its input and say when the relaxation changed the
 * character of the structure (the warnings of `relax`).
 *
 * - Coordination: d_min is the shortest contact between unlike species (any pair when there is
 *   one species); neighbours are counted within 1.2 d_min. For every ordered species pair (A, B)
 *   the mean number of B neighbours of an A atom is compared before and after. Rock salt has
 *   Cd–Se 6, zinc blende and wurtzite 4, the five-fold hexagonal structure 5 (3 in the plane at
 *   a/√3, 2 along c at c/2, within 1.2 of each other in the published polymorphs). 1.2 separates the
 *   first shell from the next: in rock salt the like shell is at √2 d and the next unlike one at
 *   √3 d; in zinc blende at √(8/3) d and √(11/3) d.
 * - Symmetry raised: the operations of the structure are searched among candidate rotations
 *   (`findSymmetryOperations`) before and after. More operations after means a free coordinate
 *   reached a special value: wurtzite's u → 1/2 creates the mirror z → −z of the five-fold
 *   hexagonal structure, a c/a reaching √(8/3) with ideal u does not (the space group stays
 *   P6₃mc), a P1 relaxation restoring the full group does.
 */
import type { Structure } from '../crystal/structure.js';
import { forEachPair } from '../potentials/neighbours.js';
import { describeRotation, findSymmetryOperations } from './symmetry.js';

export interface Coordination {
  /** The shortest unlike-species contact (Å) and the counting radius 1.2× it. */
  shortestContact: number;
  radius: number;
  /** `A-B`: mean number of B atoms within `radius` of an A atom. */
  mean: Record<string, number>;
}

/** Shortest interatomic distance over the pairs `accept` allows (Å), Infinity if none. */
function shortestDistance(structure: Structure, accept: (i: number, j: number) => boolean): number {
  const n = structure.numAtoms;
  const v = Math.abs(structure.lattice.volume);
  let rc = Math.max(1, 1.5 * Math.cbrt(v / Math.max(1, n)));
  const widths = structure.lattice.perpendicularWidths;
  const cap = 2 * Math.max(...widths) + rc;
  for (;;) {
    let best = Infinity;
    forEachPair(structure, rc, (i, j, _dx, _dy, _dz, r2) => {
      if (accept(i, j) && r2 < best * best) best = Math.sqrt(r2);
    });
    if (best < Infinity || rc > cap) return best;
    rc *= 2;
  }
}

/** Coordination numbers per species pair within 1.2× the shortest unlike contact. */
export function coordination(structure: Structure, factor = 1.2): Coordination {
  const sp = structure.species;
  const mixed = new Set(sp).size > 1;
  const dmin = shortestDistance(structure, (i, j) => !mixed || sp[i] !== sp[j]);
  const radius = factor * dmin;
  const total: Record<string, number> = {};
  const count: Record<string, number> = {};
  for (const s of sp) count[s] = (count[s] ?? 0) + 1;
  const kinds = Object.keys(count);
  for (const a of kinds) for (const b of kinds) total[`${a}-${b}`] = 0;
  if (Number.isFinite(radius)) {
    forEachPair(structure, radius, (i, j) => {
      total[`${sp[i]}-${sp[j]}`]! += 1;
      total[`${sp[j]}-${sp[i]}`]! += 1;
    });
  }
  const mean: Record<string, number> = {};
  for (const k of Object.keys(total)) mean[k] = total[k]! / count[k.split('-')[0]!]!;
  return { shortestContact: dmin, radius, mean };
}

/** The coordination of an input structure, remembered (structures are immutable; a fit compares each trial relaxation with the same input). */
const inputCoordinations = new WeakMap<Structure, Coordination>();

function inputCoordination(structure: Structure): Coordination {
  let c = inputCoordinations.get(structure);
  if (!c) inputCoordinations.set(structure, (c = coordination(structure)));
  return c;
}

/** Species pairs whose mean coordination differs (by more than 0.01) between two structures. */
export function coordinationChanges(before: Structure, after: Structure): { pair: string; before: number; after: number }[] {
  const a = inputCoordination(before).mean;
  const b = coordination(after).mean;
  const out: { pair: string; before: number; after: number }[] = [];
  for (const k of Object.keys(a)) if (Math.abs(a[k]! - (b[k] ?? 0)) > 0.01) out.push({ pair: k, before: a[k]!, after: b[k] ?? 0 });
  return out;
}

/** Operation descriptions per structure (structures are immutable; the input is checked again and again by a fit). */
const described = new WeakMap<Structure, Map<number, Map<string, number>>>();

function operationCensus(structure: Structure, tolerance: number): Map<string, number> {
  let byTol = described.get(structure);
  if (!byTol) described.set(structure, (byTol = new Map()));
  let census = byTol.get(tolerance);
  if (!census) {
    census = new Map<string, number>();
    for (const op of findSymmetryOperations(structure, tolerance)) {
      const d = describeRotation(op.R);
      census.set(d, (census.get(d) ?? 0) + 1);
    }
    byTol.set(tolerance, census);
  }
  return census;
}

/**
 * Whether the relaxed structure has more symmetry operations than the input (operations counted as
 * distinct rotation + atom map, pure translations included), and which kinds of operation are new.
 */
export function raisedSymmetry(before: Structure, after: Structure, tolerance = 1e-4): { before: number; after: number; gained: string[] } {
  const cb = operationCensus(before, tolerance);
  const ca = operationCensus(after, tolerance);
  const total = (c: Map<string, number>): number => [...c.values()].reduce((x, y) => x + y, 0);
  const nb = total(cb), na = total(ca);
  if (na <= nb) return { before: nb, after: na, gained: [] };
  const gained = [...ca].filter(([d, k]) => k > (cb.get(d) ?? 0)).map(([d]) => d);
  return { before: nb, after: na, gained };
}
