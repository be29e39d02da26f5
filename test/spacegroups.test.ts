/**
 * Space groups: the operation sets of all 230 groups (group axioms and the general-position
 * multiplicities of the International Tables), Wyckoff multiplicities of special positions, and
 * the reading of Hermann-Mauguin symbols.
 */
import { GENERIC_CELL } from './helpers/cells.js';
import { describe, it, expect } from 'vitest';
import {
  getSpaceGroup,
  SPACE_GROUP_TABLE,
  compactSymbol,
  operationToXyz,
  operationFromXyz,
  type SpaceGroup,
  type SpaceGroupOptions,
  type SymOp,
} from '../src/crystal/spacegroups/index.js';
import { parseHall } from '../src/crystal/spacegroups/hall.js';
import { completeCell } from '../src/crystal/cell-parameters.js';
import { expandSites, siteSymmetryOrder } from '../src/crystal/expand.js';
import { Lattice } from '../src/crystal/lattice.js';
import { DomainError } from '../src/errors.js';
import { TOL } from './helpers/tolerances.js';

const NUMBERS = Array.from({ length: 230 }, (_, i) => i + 1);

/**
 * General-position multiplicity of each group (International Tables Vol. A, standard setting,
 * hexagonal axes for R): the order of the point group times the number of lattice points per cell.
 */
const GENERAL_MULTIPLICITY = [
  /*   1- 10 */   1,   2,   2,   2,   4,   2,   2,   4,   4,   4,
  /*  11- 20 */   4,   8,   4,   4,   8,   4,   4,   4,   4,   8,
  /*  21- 30 */   8,  16,   8,   8,   4,   4,   4,   4,   4,   4,
  /*  31- 40 */   4,   4,   4,   4,   8,   8,   8,   8,   8,   8,
  /*  41- 50 */   8,  16,  16,   8,   8,   8,   8,   8,   8,   8,
  /*  51- 60 */   8,   8,   8,   8,   8,   8,   8,   8,   8,   8,
  /*  61- 70 */   8,   8,  16,  16,  16,  16,  16,  16,  32,  32,
  /*  71- 80 */  16,  16,  16,  16,   4,   4,   4,   4,   8,   8,
  /*  81- 90 */   4,   8,   8,   8,   8,   8,  16,  16,   8,   8,
  /*  91-100 */   8,   8,   8,   8,   8,   8,  16,  16,   8,   8,
  /* 101-110 */   8,   8,   8,   8,   8,   8,  16,  16,  16,  16,
  /* 111-120 */   8,   8,   8,   8,   8,   8,   8,   8,  16,  16,
  /* 121-130 */  16,  16,  16,  16,  16,  16,  16,  16,  16,  16,
  /* 131-140 */  16,  16,  16,  16,  16,  16,  16,  16,  32,  32,
  /* 141-150 */  32,  32,   3,   3,   3,   9,   6,  18,   6,   6,
  /* 151-160 */   6,   6,   6,   6,  18,   6,   6,   6,   6,  18,
  /* 161-170 */  18,  12,  12,  12,  12,  36,  36,   6,   6,   6,
  /* 171-180 */   6,   6,   6,   6,  12,  12,  12,  12,  12,  12,
  /* 181-190 */  12,  12,  12,  12,  12,  12,  12,  12,  12,  12,
  /* 191-200 */  24,  24,  24,  24,  12,  48,  24,  12,  24,  24,
  /* 201-210 */  24,  96,  96,  48,  24,  48,  24,  24,  96,  96,
  /* 211-220 */  48,  24,  24,  48,  24,  96,  48,  24,  96,  48,
  /* 221-230 */  48,  48,  48,  48, 192, 192, 192, 192,  96,  96,
];

const ORIGIN_CHOICE_GROUPS = [48, 50, 59, 68, 70, 85, 86, 88, 125, 126, 129, 130, 133, 134, 137, 138, 141, 142, 201, 203, 222, 224, 227, 228];
const R_GROUPS = [146, 148, 155, 160, 161, 166, 167];

/** Every setting: the 230 defaults, origin choice 2 of 24 groups, rhombohedral axes of 7. */
const SETTINGS: [string, number, SpaceGroupOptions][] = [
  ...NUMBERS.map((n): [string, number, SpaceGroupOptions] => [`${n}`, n, {}]),
  ...ORIGIN_CHOICE_GROUPS.map((n): [string, number, SpaceGroupOptions] => [`${n} origin 2`, n, { originChoice: 2 }]),
  ...R_GROUPS.map((n): [string, number, SpaceGroupOptions] => [`${n} rhombohedral axes`, n, { rhombohedralAxes: true }]),
];

const isIdentity = (op: SymOp): boolean =>
  op.rot.every((x, i) => x === (i % 4 === 0 ? 1 : 0)) && op.trans.every((t) => t === 0);

const frac1 = (x: number): number => x - Math.round(x);

/** (R₁,t₁)(R₂,t₂) = (R₁R₂, R₁t₂ + t₁). */
function compose(a: SymOp, b: SymOp): SymOp {
  const rot: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) rot.push(a.rot[3 * i]! * b.rot[j]! + a.rot[3 * i + 1]! * b.rot[3 + j]! + a.rot[3 * i + 2]! * b.rot[6 + j]!);
  const trans = [0, 1, 2].map((i) => a.rot[3 * i]! * b.trans[0] + a.rot[3 * i + 1]! * b.trans[1] + a.rot[3 * i + 2]! * b.trans[2] + a.trans[i]!) as [number, number, number];
  return { rot, trans };
}

/** Whether op is in the list modulo lattice translations. */
function contains(ops: readonly SymOp[], op: SymOp): boolean {
  return ops.some((o) => o.rot.every((x, i) => x === op.rot[i]) && o.trans.every((t, i) => Math.abs(frac1(t - op.trans[i]!)) < TOL.symmetryExact));
}

function closes(sg: SpaceGroup): boolean {
  const byRot = new Map<string, SymOp[]>();
  for (const o of sg.operations) byRot.set(o.rot.join(), [...(byRot.get(o.rot.join()) ?? []), o]);
  for (const a of sg.operations)
    for (const b of sg.operations) {
      const p = compose(a, b);
      if (!contains(byRot.get(p.rot.join()) ?? [], p)) return false;
    }
  return true;
}

describe('operations of every setting', () => {
  it.each(SETTINGS)('group %s: the first operation is the identity', (_, n, opt) => {
    expect(isIdentity(getSpaceGroup(n, opt).operations[0]!)).toBe(true);
  });

  it.each(SETTINGS)('group %s: the operations close under composition modulo lattice translations', (_, n, opt) => {
    expect(closes(getSpaceGroup(n, opt))).toBe(true);
  });

  it.each(SETTINGS)('group %s: no operation is listed twice modulo lattice translations', (_, n, opt) => {
    const ops = getSpaceGroup(n, opt).operations;
    expect(ops.every((op, i) => !contains(ops.slice(0, i), op))).toBe(true);
  });

  it.each(SETTINGS)('group %s: every operation has an inverse in the list', (_, n, opt) => {
    const ops = getSpaceGroup(n, opt).operations;
    expect(ops.every((a) => ops.some((b) => isIdentity(normalise(compose(a, b)))))).toBe(true);
  });

  it.each(SETTINGS)('group %s: translations lie in [0, 1)', (_, n, opt) => {
    expect(getSpaceGroup(n, opt).operations.every((op) => op.trans.every((t) => t >= 0 && t < 1))).toBe(true);
  });
});

function normalise(op: SymOp): SymOp {
  return { rot: op.rot, trans: op.trans.map((t) => (Math.abs(frac1(t)) < TOL.symmetryExact ? 0 : t)) as [number, number, number] };
}

describe('general-position multiplicity (International Tables)', () => {
  it.each(NUMBERS)('group %i has as many operations as its general position has points', (n) => {
    expect(getSpaceGroup(n).operations.length).toBe(GENERAL_MULTIPLICITY[n - 1]);
  });

  it.each(ORIGIN_CHOICE_GROUPS)('group %i has the same number of operations in origin choice 2', (n) => {
    expect(getSpaceGroup(n, { originChoice: 2 }).operations.length).toBe(GENERAL_MULTIPLICITY[n - 1]);
  });

  it.each(R_GROUPS)('group %i on rhombohedral axes has a third of the operations (no centring)', (n) => {
    expect(getSpaceGroup(n, { rhombohedralAxes: true }).operations.length).toBe(GENERAL_MULTIPLICITY[n - 1]! / 3);
  });
});

describe('descriptive fields', () => {
  it.each(NUMBERS)('group %i: the centring is the lattice letter of the Hall symbol', (n) => {
    const sg = getSpaceGroup(n);
    expect(parseHall(sg.hall).lattice).toBe(sg.centring);
  });

  it('the crystal systems split the 230 groups 2, 13, 59, 68, 25, 27, 36', () => {
    const count: Record<string, number> = {};
    for (const n of NUMBERS) count[getSpaceGroup(n).crystalSystem] = (count[getSpaceGroup(n).crystalSystem] ?? 0) + 1;
    expect(count).toEqual({ triclinic: 2, monoclinic: 13, orthorhombic: 59, tetragonal: 68, trigonal: 25, hexagonal: 27, cubic: 36 });
  });

  it('originChoice is set exactly for the 24 groups with two origins', () => {
    expect(NUMBERS.filter((n) => getSpaceGroup(n).originChoice !== undefined)).toEqual(ORIGIN_CHOICE_GROUPS);
  });

  it('the default origin is origin choice 1 (as GULP)', () => {
    expect(getSpaceGroup(227).originChoice).toBe(1);
  });

  it('origin choice 2 of Fd-3m has the inversion centre at the origin', () => {
    const ops = getSpaceGroup(227, { originChoice: 2 }).operations;
    expect(ops.some((op) => op.rot.every((x, i) => x === (i % 4 === 0 ? -1 : 0)) && op.trans.every((t) => t === 0))).toBe(true);
  });

  it('origin choice 1 of Fd-3m has no inversion centre at the origin', () => {
    const ops = getSpaceGroup(227).operations;
    expect(ops.some((op) => op.rot.every((x, i) => x === (i % 4 === 0 ? -1 : 0)) && op.trans.every((t) => t === 0))).toBe(false);
  });

  it('the compact forms of the 230 short symbols are distinct', () => {
    expect(new Set(SPACE_GROUP_TABLE.map((e) => compactSymbol(e.symbol))).size).toBe(230);
  });

  it('results are cached: the same object comes back', () => {
    expect(getSpaceGroup('Fm-3m')).toBe(getSpaceGroup(225));
  });

  it('space groups are frozen', () => {
    expect(Object.isFrozen(getSpaceGroup(194).operations[1])).toBe(true);
  });
});

describe('x,y,z form of operations', () => {
  it('P6_3mc has the operations of the International Tables', () => {
    expect(new Set(getSpaceGroup(186).operations.map(operationToXyz))).toEqual(
      new Set(['x,y,z', '-y,x-y,z', '-x+y,-x,z', '-x,-y,z+1/2', 'y,-x+y,z+1/2', 'x-y,x,z+1/2', '-y,-x,z', '-x+y,y,z', 'x,x-y,z', 'y,x,z+1/2', 'x-y,-y,z+1/2', '-x,-x+y,z+1/2']),
    );
  });

  it('reading back the written form of every operation of Fd-3m gives the same operation', () => {
    const ops = getSpaceGroup(227).operations;
    expect(ops.map((op) => operationFromXyz(operationToXyz(op)))).toEqual(ops.map((op) => ({ rot: [...op.rot], trans: [...op.trans] })));
  });

  it('operationFromXyz wraps the translation and ignores spaces and case', () => {
    expect(operationFromXyz(' 1/2+X, -y , z-1/4')).toEqual({ rot: [1, 0, 0, 0, -1, 0, 0, 0, 1], trans: [0.5, 0, 0.75] });
  });

  it('operationFromXyz throws PARSE_ERROR for two components', () => {
    expect(() => operationFromXyz('x,y')).toThrow(expect.objectContaining({ code: 'PARSE_ERROR' }));
  });
});

// ---------------------------------------------------------------------------------------------
// Wyckoff positions

const FREE = GENERIC_CELL;

/** A cell with the metric the group requires. */
const cellFor = (sg: SpaceGroup): Lattice =>
  Lattice.fromParameters(completeCell(sg, sg.rhombohedralAxes ? { a: 5.2, alpha: 57.3 } : FREE[sg.crystalSystem]));

const x = 0.137, y = 0.291, z = 0.413;

/** [group, options, Wyckoff letter, multiplicity, representative coordinates] (ITA Vol. A). */
const WYCKOFF: [number, SpaceGroupOptions, string, number, [number, number, number]][] = [
  // triclinic
  [2, {}, '1a', 1, [0, 0, 0]],
  [2, {}, '1h', 1, [1 / 2, 1 / 2, 1 / 2]],
  [2, {}, '2i', 2, [x, y, z]],
  // monoclinic
  [14, {}, '2a', 2, [0, 0, 0]],
  [14, {}, '2b', 2, [1 / 2, 0, 0]],
  [14, {}, '2c', 2, [0, 0, 1 / 2]],
  [14, {}, '2d', 2, [1 / 2, 0, 1 / 2]],
  [14, {}, '4e', 4, [x, y, z]],
  // orthorhombic
  [62, {}, '4a', 4, [0, 0, 0]],
  [62, {}, '4b', 4, [0, 0, 1 / 2]],
  [62, {}, '4c', 4, [x, 1 / 4, z]],
  [62, {}, '8d', 8, [x, y, z]],
  // tetragonal
  [136, {}, '2a', 2, [0, 0, 0]],
  [136, {}, '2b', 2, [0, 0, 1 / 2]],
  [136, {}, '4c', 4, [0, 1 / 2, 0]],
  [136, {}, '4d', 4, [0, 1 / 2, 1 / 4]],
  [136, {}, '4e', 4, [0, 0, z]],
  [136, {}, '4f', 4, [x, x, 0]],
  [136, {}, '4g', 4, [x, -x, 0]],
  [136, {}, '8h', 8, [0, 1 / 2, z]],
  [136, {}, '8i', 8, [x, y, 0]],
  [136, {}, '8j', 8, [x, x, z]],
  [136, {}, '16k', 16, [x, y, z]],
  [141, {}, '4a', 4, [0, 0, 0]],
  [141, {}, '4b', 4, [0, 0, 1 / 2]],
  [141, {}, '8c', 8, [0, 1 / 4, 1 / 8]],
  [141, {}, '8d', 8, [0, 1 / 4, 5 / 8]],
  [141, {}, '8e', 8, [0, 0, z]],
  [141, {}, '16f', 16, [x, 3 / 4, 1 / 8]],
  [141, {}, '16g', 16, [x, x, 0]],
  [141, {}, '16h', 16, [0, y, z]],
  [141, {}, '32i', 32, [x, y, z]],
  [141, { originChoice: 2 }, '4a', 4, [0, 3 / 4, 1 / 8]],
  [141, { originChoice: 2 }, '4b', 4, [0, 1 / 4, 3 / 8]],
  [141, { originChoice: 2 }, '8c', 8, [0, 0, 0]],
  [141, { originChoice: 2 }, '8d', 8, [0, 0, 1 / 2]],
  [141, { originChoice: 2 }, '8e', 8, [0, 1 / 4, z]],
  [141, { originChoice: 2 }, '16f', 16, [x, 0, 0]],
  [141, { originChoice: 2 }, '16g', 16, [x, x + 1 / 4, 7 / 8]],
  [141, { originChoice: 2 }, '16h', 16, [0, y, z]],
  // trigonal, hexagonal axes
  [167, {}, '6a', 6, [0, 0, 1 / 4]],
  [167, {}, '6b', 6, [0, 0, 0]],
  [167, {}, '12c', 12, [0, 0, z]],
  [167, {}, '18d', 18, [1 / 2, 0, 0]],
  [167, {}, '18e', 18, [x, 0, 1 / 4]],
  [167, {}, '36f', 36, [x, y, z]],
  [166, {}, '3a', 3, [0, 0, 0]],
  [166, {}, '3b', 3, [0, 0, 1 / 2]],
  [166, {}, '6c', 6, [0, 0, z]],
  [166, {}, '9d', 9, [1 / 2, 0, 1 / 2]],
  [166, {}, '9e', 9, [1 / 2, 0, 0]],
  [166, {}, '18f', 18, [x, 0, 0]],
  [166, {}, '18g', 18, [x, 0, 1 / 2]],
  [166, {}, '18h', 18, [x, -x, z]],
  [166, {}, '36i', 36, [x, y, z]],
  // trigonal, rhombohedral axes
  [166, { rhombohedralAxes: true }, '1a', 1, [0, 0, 0]],
  [166, { rhombohedralAxes: true }, '1b', 1, [1 / 2, 1 / 2, 1 / 2]],
  [166, { rhombohedralAxes: true }, '2c', 2, [x, x, x]],
  [166, { rhombohedralAxes: true }, '3d', 3, [1 / 2, 0, 0]],
  [166, { rhombohedralAxes: true }, '3e', 3, [0, 1 / 2, 1 / 2]],
  [166, { rhombohedralAxes: true }, '6f', 6, [x, -x, 0]],
  [166, { rhombohedralAxes: true }, '6g', 6, [x, -x, 1 / 2]],
  [166, { rhombohedralAxes: true }, '6h', 6, [x, x, z]],
  [166, { rhombohedralAxes: true }, '12i', 12, [x, y, z]],
  // hexagonal
  [186, {}, '2a', 2, [0, 0, z]],
  [186, {}, '2b', 2, [1 / 3, 2 / 3, z]],
  [186, {}, '6c', 6, [x, -x, z]],
  [186, {}, '12d', 12, [x, y, z]],
  [194, {}, '2a', 2, [0, 0, 0]],
  [194, {}, '2b', 2, [0, 0, 1 / 4]],
  [194, {}, '2c', 2, [1 / 3, 2 / 3, 1 / 4]],
  [194, {}, '2d', 2, [1 / 3, 2 / 3, 3 / 4]],
  [194, {}, '4e', 4, [0, 0, z]],
  [194, {}, '4f', 4, [1 / 3, 2 / 3, z]],
  [194, {}, '6g', 6, [1 / 2, 0, 0]],
  [194, {}, '6h', 6, [x, 2 * x, 1 / 4]],
  [194, {}, '12i', 12, [x, 0, 0]],
  [194, {}, '12j', 12, [x, y, 1 / 4]],
  [194, {}, '12k', 12, [x, 2 * x, z]],
  [194, {}, '24l', 24, [x, y, z]],
  // cubic
  [216, {}, '4a', 4, [0, 0, 0]],
  [216, {}, '4b', 4, [1 / 2, 1 / 2, 1 / 2]],
  [216, {}, '4c', 4, [1 / 4, 1 / 4, 1 / 4]],
  [216, {}, '4d', 4, [3 / 4, 3 / 4, 3 / 4]],
  [216, {}, '16e', 16, [x, x, x]],
  [216, {}, '24f', 24, [x, 0, 0]],
  [216, {}, '24g', 24, [x, 1 / 4, 1 / 4]],
  [216, {}, '48h', 48, [x, x, z]],
  [216, {}, '96i', 96, [x, y, z]],
  [221, {}, '1a', 1, [0, 0, 0]],
  [221, {}, '1b', 1, [1 / 2, 1 / 2, 1 / 2]],
  [221, {}, '3c', 3, [0, 1 / 2, 1 / 2]],
  [221, {}, '3d', 3, [1 / 2, 0, 0]],
  [221, {}, '6e', 6, [x, 0, 0]],
  [221, {}, '6f', 6, [x, 1 / 2, 1 / 2]],
  [221, {}, '8g', 8, [x, x, x]],
  [221, {}, '12h', 12, [x, 1 / 2, 0]],
  [221, {}, '12i', 12, [0, y, y]],
  [221, {}, '12j', 12, [1 / 2, y, y]],
  [221, {}, '24k', 24, [0, y, z]],
  [221, {}, '24l', 24, [1 / 2, y, z]],
  [221, {}, '24m', 24, [x, x, z]],
  [221, {}, '48n', 48, [x, y, z]],
  [225, {}, '4a', 4, [0, 0, 0]],
  [225, {}, '4b', 4, [1 / 2, 1 / 2, 1 / 2]],
  [225, {}, '8c', 8, [1 / 4, 1 / 4, 1 / 4]],
  [225, {}, '24d', 24, [0, 1 / 4, 1 / 4]],
  [225, {}, '24e', 24, [x, 0, 0]],
  [225, {}, '32f', 32, [x, x, x]],
  [225, {}, '48g', 48, [x, 1 / 4, 1 / 4]],
  [225, {}, '48h', 48, [0, y, y]],
  [225, {}, '48i', 48, [1 / 2, y, y]],
  [225, {}, '96j', 96, [0, y, z]],
  [225, {}, '96k', 96, [x, x, z]],
  [225, {}, '192l', 192, [x, y, z]],
  [227, {}, '8a', 8, [0, 0, 0]],
  [227, {}, '8b', 8, [1 / 2, 1 / 2, 1 / 2]],
  [227, {}, '16c', 16, [1 / 8, 1 / 8, 1 / 8]],
  [227, {}, '16d', 16, [5 / 8, 5 / 8, 5 / 8]],
  [227, {}, '32e', 32, [x, x, x]],
  [227, {}, '48f', 48, [x, 0, 0]],
  [227, {}, '192i', 192, [x, y, z]],
  [227, { originChoice: 2 }, '8a', 8, [1 / 8, 1 / 8, 1 / 8]],
  [227, { originChoice: 2 }, '8b', 8, [3 / 8, 3 / 8, 3 / 8]],
  [227, { originChoice: 2 }, '16c', 16, [0, 0, 0]],
  [227, { originChoice: 2 }, '16d', 16, [1 / 2, 1 / 2, 1 / 2]],
  [227, { originChoice: 2 }, '32e', 32, [x, x, x]],
  [227, { originChoice: 2 }, '48f', 48, [x, 1 / 8, 1 / 8]],
  [227, { originChoice: 2 }, '96g', 96, [x, x, z]],
  [227, { originChoice: 2 }, '96h', 96, [0, y, -y]],
  [227, { originChoice: 2 }, '192i', 192, [x, y, z]],
];

const settingLabel = (o: SpaceGroupOptions): string => (o.originChoice ? ` (origin ${o.originChoice})` : o.rhombohedralAxes ? ' (rhombohedral axes)' : '');

describe('Wyckoff multiplicities (International Tables)', () => {
  it.each(WYCKOFF.map(([n, o, w, m, f]) => [`${n}${settingLabel(o)} ${w}`, n, o, m, f] as const))(
    '%s has the multiplicity of its label',
    (_, n, opt, m, f) => {
      const sg = getSpaceGroup(n, opt);
      expect(expandSites(sg, cellFor(sg), [{ species: 'X', frac: f }]).multiplicity[0]).toBe(m);
    },
  );

  it.each(WYCKOFF.map(([n, o, w, m, f]) => [`${n}${settingLabel(o)} ${w}`, n, o, m, f] as const))(
    '%s has a site-symmetry order of |G| / multiplicity',
    (_, n, opt, m, f) => {
      const sg = getSpaceGroup(n, opt);
      expect(siteSymmetryOrder(sg, cellFor(sg), f)).toBe(sg.operations.length / m);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Symbols

const VARIANTS: [string, number][] = [
  ['P6_3mc', 186],
  ['P 63 m c', 186],
  ['P6(3)mc', 186],
  ['P 6_3 m c', 186],
  ['P63mc', 186],
  ['F-43m', 216],
  ['F -4 3 m', 216],
  ['Fm-3m', 225],
  ['F m -3 m', 225],
  ['Fm3m', 225],
  ['F 4/m -3 2/m', 225],
  ['P6_3/mmc', 194],
  ['P 63/m m c', 194],
  ['P 63/m 2/m 2/c', 194],
  ['Pnma', 62],
  ['P 21/n 21/m 21/a', 62],
  ['P2_1/c', 14],
  ['P 1 21/c 1', 14],
  ['P121/c1', 14],
  ['P 21/c', 14],
  ['C 1 2/c 1', 15],
  ['I4_1/amd', 141],
  ['I 41/a m d', 141],
  ['I 41/a 2/m 2/d', 141],
  ['P 42/m 21/n 2/m', 136],
  ['R-3c', 167],
  ['R -3 2/c', 167],
  ['P -3 2/m 1', 164],
  ['Fd-3m', 227],
  ['Fd3m', 227],
  ['Ia3d', 230],
  ['Pa3', 205],
  ['P432', 207],
  ['P4_332', 212],
  ['P 43 3 2', 212],
  ['Cmce', 64],
  ['Cmca', 64],
  ['P3_121', 152],
  ['P 31 2 1', 152],
  ['P-42_1m', 113],
  ['225', 225],
  [' 186 ', 186],
];

describe('reading symbols', () => {
  it.each(VARIANTS)("'%s' is group %i", (s, n) => {
    expect(getSpaceGroup(s).number).toBe(n);
  });

  it('a number gives the same group as its symbol', () => {
    expect(getSpaceGroup(186)).toBe(getSpaceGroup('P6_3mc'));
  });

  it("the suffix ':2' selects origin choice 2", () => {
    expect(getSpaceGroup('Fd-3m:2').originChoice).toBe(2);
  });

  it("the suffix ':R' selects rhombohedral axes", () => {
    expect(getSpaceGroup('R-3m:R').rhombohedralAxes).toBe(true);
  });

  it('the option rhombohedralAxes selects the primitive rhombohedral setting', () => {
    expect(getSpaceGroup('R-3m', { rhombohedralAxes: true }).hall).toBe('-P 3* 2');
  });

  it('R groups default to hexagonal axes', () => {
    expect(getSpaceGroup('R-3m').rhombohedralAxes).toBe(false);
  });

  const UNKNOWN: (string | number)[] = ['P6_3mx', 'p6_3mc', 'fm-3m', 'Q1', 'P2_1/n', '', 0, 231, '231', 2.5];
  it.each(UNKNOWN)("'%s' throws UNKNOWN_SPACE_GROUP with the path", (s) => {
    expect(() => getSpaceGroup(s, {}, '/structures/0/spaceGroup')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SPACE_GROUP', path: '/structures/0/spaceGroup' }),
    );
  });

  it('the error message names the input', () => {
    expect(() => getSpaceGroup('P6_3mx')).toThrow(/'P6_3mx'/);
  });

  it('a wrongly cased symbol is answered with a suggestion', () => {
    expect(() => getSpaceGroup('fm-3m')).toThrow(/did you mean 'Fm-3m'/);
  });

  it('the error is a DomainError', () => {
    expect(() => getSpaceGroup('nonsense')).toThrow(DomainError);
  });

  it('origin choice 2 of a group with one origin throws UNKNOWN_SPACE_GROUP with the path', () => {
    expect(() => getSpaceGroup('Fm-3m', { originChoice: 2 }, '/sg')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SPACE_GROUP', path: '/sg' }));
  });

  it('rhombohedral axes of a non-R group throw UNKNOWN_SPACE_GROUP', () => {
    expect(() => getSpaceGroup('P6_3mc', { rhombohedralAxes: true })).toThrow(expect.objectContaining({ code: 'UNKNOWN_SPACE_GROUP' }));
  });

  it('a suffix that contradicts the options throws UNKNOWN_SPACE_GROUP', () => {
    expect(() => getSpaceGroup('Fd-3m:2', { originChoice: 1 })).toThrow(expect.objectContaining({ code: 'UNKNOWN_SPACE_GROUP' }));
  });
});

describe('Hall symbols', () => {
  it("'P 31 2c (0 0 1)' shifts the origin by c/12: the 2-fold reads -y,-x,-z+2/3", () => {
    expect(getSpaceGroup(151).operations.map(operationToXyz)).toContain('-y,-x,-z+2/3');
  });

  it('a malformed Hall symbol throws UNKNOWN_SPACE_GROUP', () => {
    expect(() => parseHall('P 5')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SPACE_GROUP' }));
  });
});
