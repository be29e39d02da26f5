/**
 * Space groups: the 230 groups of the International Tables for Crystallography Vol. A, their
 * complete lists of operations (centring translations included), generated from Hall symbols.
 *
 * Settings. By default: the standard setting, unique axis b and cell choice 1 for the monoclinic
 * groups, origin choice 1 for the 24 groups with two origins (GULP's default), hexagonal axes for
 * the 7 R groups. `originChoice: 2` puts the origin on a centre of inversion; `rhombohedralAxes:
 * true` gives the primitive rhombohedral cell of an R group (a = b = c, α = β = γ). A suffix ':1',
 * ':2', ':H' or ':R' on the symbol or number does the same.
 *
 * Operations act on column vectors of fractional coordinates, x' = R x + t, with t in [0, 1)
 * (see `ops.ts`). The identity comes first; the list is the coset representatives repeated for each
 * centring translation, as the International Tables list the general position.
 */
import { DomainError } from '../../errors.js';
import { hallOperations } from './hall.js';
import { resolveSymbol } from './symbols.js';
import { SPACE_GROUP_TABLE, type SpaceGroupEntry } from './table.js';
import type { SymOp } from './ops.js';

export type { SymOp } from './ops.js';
export { operationToXyz, operationFromXyz } from './ops.js';
export { SPACE_GROUP_TABLE, type SpaceGroupEntry } from './table.js';
export { compactSymbol } from './symbols.js';

export type CrystalSystem = 'triclinic' | 'monoclinic' | 'orthorhombic' | 'tetragonal' | 'trigonal' | 'hexagonal' | 'cubic';
export type Centring = 'P' | 'A' | 'B' | 'C' | 'I' | 'F' | 'R';

export interface SpaceGroup {
  number: number;
  /** Short Hermann-Mauguin symbol, underscores for screws, no spaces: 'P6_3mc', 'Fm-3m'. */
  symbol: string;
  /** Hall symbol of this setting. */
  hall: string;
  crystalSystem: CrystalSystem;
  /** Lattice letter of the Hermann-Mauguin symbol (R also on rhombohedral axes). */
  centring: Centring;
  /** An R group on its primitive rhombohedral axes (no centring translations then). */
  rhombohedralAxes: boolean;
  /** Set for the groups the International Tables give with two origins. */
  originChoice?: 1 | 2;
  /** Complete list of operations, centring translations included; the identity first. */
  operations: readonly SymOp[];
}

export interface SpaceGroupOptions {
  /** 1 (default) or 2, for the groups with two origins. */
  originChoice?: 1 | 2;
  /** Rhombohedral instead of hexagonal axes, for the R groups (default false). */
  rhombohedralAxes?: boolean;
}

/** Crystal system from the space-group number (ITA Table 2.1.2.1 ranges). */
export function crystalSystemOf(number: number): CrystalSystem {
  if (number <= 2) return 'triclinic';
  if (number <= 15) return 'monoclinic';
  if (number <= 74) return 'orthorhombic';
  if (number <= 142) return 'tetragonal';
  if (number <= 167) return 'trigonal';
  if (number <= 194) return 'hexagonal';
  return 'cubic';
}

const cache = new Map<string, SpaceGroup>();

/**
 * The space group with this number (1-230, number or numeric string) or Hermann-Mauguin symbol
 * ('P6_3mc', 'P 63 m c', 'P6(3)mc', 'Fm-3m', 'Fm3m', 'P 1 21/c 1', 'Cmca', 'Fd-3m:2'), in the
 * setting the options (or a symbol suffix) ask for. Results are cached and frozen.
 *
 * Throws UNKNOWN_SPACE_GROUP, with `path`, for an unknown symbol or a setting the group does not
 * have (origin choice 2 of a group with one origin, rhombohedral axes of a non-R group).
 */
export function getSpaceGroup(id: string | number, options: SpaceGroupOptions = {}, path?: string): SpaceGroup {
  const detail = path === undefined ? {} : { path };
  const resolved = resolveSymbol(id);
  if (resolved.number === undefined) {
    const hint = resolved.suggestion ? ` (did you mean '${resolved.suggestion}'? lattice and glide letters are case-sensitive)` : '';
    throw new DomainError(
      'UNKNOWN_SPACE_GROUP',
      `unknown space group '${id}'${hint}: give a number from 1 to 230 or the Hermann-Mauguin symbol of a standard setting, e.g. 'P6_3mc', 'Fm-3m', 'P2_1/c' (monoclinic groups with unique axis b, cell choice 1)`,
      detail,
    );
  }
  const entry = SPACE_GROUP_TABLE[resolved.number - 1]!;
  const originChoice = pick(id, 'originChoice', options.originChoice, resolved.setting.originChoice, detail);
  const rhombohedralAxes = pick(id, 'rhombohedralAxes', options.rhombohedralAxes, resolved.setting.rhombohedralAxes, detail);
  const label = `space group ${entry.number} (${entry.symbol})`;
  if (originChoice !== undefined && originChoice !== 1 && originChoice !== 2)
    throw new DomainError('UNKNOWN_SPACE_GROUP', `origin choice must be 1 or 2 (got ${String(originChoice)})`, detail);
  if (originChoice === 2 && !entry.origin2)
    throw new DomainError('UNKNOWN_SPACE_GROUP', `${label} has a single origin; origin choice 2 does not exist`, detail);
  if (rhombohedralAxes && !entry.rhombohedral)
    throw new DomainError('UNKNOWN_SPACE_GROUP', `${label} is not rhombohedral; only R groups can be given on rhombohedral axes`, detail);
  return build(entry, entry.origin2 ? (originChoice ?? 1) : undefined, rhombohedralAxes === true);
}

/** An explicit option and a symbol suffix must agree; either may be absent. */
function pick<T>(id: string | number, name: string, option: T | undefined, suffix: T | undefined, detail: { path?: string }): T | undefined {
  if (option !== undefined && suffix !== undefined && option !== suffix)
    throw new DomainError('UNKNOWN_SPACE_GROUP', `space group '${id}': the symbol's setting suffix contradicts ${name}=${String(option)}`, detail);
  return option ?? suffix;
}

function build(entry: SpaceGroupEntry, originChoice: 1 | 2 | undefined, rhombohedralAxes: boolean): SpaceGroup {
  const key = `${entry.number}:${originChoice ?? 0}:${rhombohedralAxes ? 'R' : 'H'}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const hall = rhombohedralAxes ? entry.rhombohedral! : originChoice === 2 ? entry.origin2! : entry.hall;
  const operations = hallOperations(hall).map((op): SymOp =>
    Object.freeze({ rot: Object.freeze([...op.r]), trans: Object.freeze(op.t.map((k) => k / 12)) as readonly [number, number, number] }),
  );
  const sg: SpaceGroup = Object.freeze({
    number: entry.number,
    symbol: entry.symbol,
    hall,
    crystalSystem: crystalSystemOf(entry.number),
    centring: entry.symbol.charAt(0) as Centring,
    rhombohedralAxes,
    ...(originChoice === undefined ? {} : { originChoice }),
    operations: Object.freeze(operations),
  });
  cache.set(key, sg);
  return sg;
}
