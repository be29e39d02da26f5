/**
 * The Buckingham "catastrophe" check.
 *
 * A exp(−r/ρ) − C/r⁶ has a maximum at a short distance r_t (where φ'(r_t) = 0); closer than r_t
 * the pair energy plunges to −∞ and a relaxation or MD run that crosses it collapses. A fit can
 * drift into parameters whose r_t creeps up towards the real contacts, so after every fit we
 * report each pair's turnover and the shortest contact of that pair in the relaxed structures,
 * and flag pairs whose shortest contact is within `margin` × r_t (default 1.3: less than 30%
 * of headroom; thermal vibrations at 300 K reach a few tenths of an Å).
 */
import type { Structure } from '../crystal/structure.js';
import { forEachPair } from '../potentials/neighbours.js';
import { buckinghamTurnover } from '../potentials/buckingham.js';
import { pairKey, type ForceField } from '../potentials/forcefield.js';

export interface PairTurnover {
  pair: string;
  /** Å; undefined when the pair has no turnover (C = 0) */
  turnover?: number;
  /** shortest contact of this pair in any relaxed structure, Å */
  shortestContact?: number;
  structure?: string;
  /** the pair has no repulsive barrier at all: it collapses from any distance */
  collapses?: boolean;
  /** true when the shortest contact comes within the margin of the turnover */
  nearTurnover: boolean;
}

/** Shortest contact per species pair (Å) within `cutoff`. */
export function shortestContacts(structure: Structure, cutoff = 6): Map<string, number> {
  const out = new Map<string, number>();
  forEachPair(structure, cutoff, (i, j, _dx, _dy, _dz, r2) => {
    const k = pairKey(structure.species[i]!, structure.species[j]!);
    const r = Math.sqrt(r2);
    if (r < (out.get(k) ?? Infinity)) out.set(k, r);
  });
  return out;
}

export function catastropheCheck(ff: ForceField, structures: readonly { id: string; structure: Structure }[], margin = 1.3): PairTurnover[] {
  const contacts = structures.map((s) => ({ id: s.id, c: shortestContacts(s.structure) }));
  return ff.pairs.map((p) => {
    const key = pairKey(p.species[0], p.species[1]);
    const turnover = p.type === 'buckingham' ? buckinghamTurnover(p.params.A!, p.params.rho!, p.params.C!) : undefined;
    let shortest: number | undefined;
    let where: string | undefined;
    for (const { id, c } of contacts) {
      const r = c.get(key);
      if (r !== undefined && (shortest === undefined || r < shortest)) {
        shortest = r;
        where = id;
      }
    }
    // Infinity: no barrier at all (the attraction wins at every distance)
    if (turnover === Infinity) return { pair: key, collapses: true, nearTurnover: true, ...(shortest !== undefined ? { shortestContact: shortest, structure: where } : {}) };
    return {
      pair: key,
      ...(turnover !== undefined ? { turnover } : {}),
      ...(shortest !== undefined ? { shortestContact: shortest, structure: where } : {}),
      nearTurnover: turnover !== undefined && shortest !== undefined && shortest < margin * turnover,
    };
  });
}
