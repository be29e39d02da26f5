/**
 * Asymmetric-unit expansion, primitive cells, Cartesian operations and completion of cell
 * parameters.
 */
import { GENERIC_CELL } from './helpers/cells.js';
import { describe, it, expect } from 'vitest';
import { getSpaceGroup, type SpaceGroupOptions, type Centring } from '../src/crystal/spacegroups/index.js';
import { completeCell } from '../src/crystal/cell-parameters.js';
import { applyOperation, wrapFrac, expandSites, siteSymmetryOrder, primitiveTransform, cartesianOperations, toPrimitive, type AsymmetricSite } from '../src/crystal/expand.js';
import { Lattice, type LatticeParameters } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { det3, inv3, mul3, transpose3, vecMat, matVec, add3, sub3, type Mat3, type Vec3 } from '../src/math/linalg.js';
import { TOL } from './helpers/tolerances.js';

function build(symbol: string, cell: Partial<LatticeParameters>, sites: AsymmetricSite[], options: SpaceGroupOptions = {}) {
  const sg = getSpaceGroup(symbol, options);
  const lattice = Lattice.fromParameters(completeCell(sg, cell));
  const expanded = expandSites(sg, lattice, sites);
  return { sg, lattice, expanded, structure: Structure.fromFractional(lattice, expanded.species, expanded.frac) };
}

const wurtzite = () => build('P6_3mc', { a: 4.30, c: 7.02 }, [{ species: 'Cd', frac: [1 / 3, 2 / 3, 0] }, { species: 'Se', frac: [1 / 3, 2 / 3, 0.375] }]);
const zincBlende = () => build('F-43m', { a: 6.08 }, [{ species: 'Cd', frac: [0, 0, 0] }, { species: 'Se', frac: [1 / 4, 1 / 4, 1 / 4] }]);
const rockSalt = () => build('Fm-3m', { a: 6.12 }, [{ species: 'Pb', frac: [0, 0, 0] }, { species: 'Se', frac: [1 / 2, 1 / 2, 1 / 2] }]);
const honeycomb = () => build('P6_3/mmc', { a: 4.30, c: 7.02 }, [{ species: 'Cd', frac: [1 / 3, 2 / 3, 1 / 4] }, { species: 'Se', frac: [1 / 3, 2 / 3, 3 / 4] }]);
/** ThCr2Si2 type, I4/mmm: 2a, 4d, 4e. */
const thcr2si2 = () =>
  build('I4/mmm', { a: 4.04, c: 10.5 }, [{ species: 'Th', frac: [0, 0, 0] }, { species: 'Cr', frac: [0, 1 / 2, 1 / 4] }, { species: 'Si', frac: [0, 0, 0.38] }]);
/** Delafossite CuFeO2, R-3m on hexagonal axes: 3a, 3b, 6c. */
const delafossite = () =>
  build('R-3m', { a: 3.03, c: 17.1 }, [{ species: 'Cu', frac: [0, 0, 0] }, { species: 'Fe', frac: [0, 0, 1 / 2] }, { species: 'O', frac: [0, 0, 0.1066] }]);

const isInteger = (v: number): boolean => Math.abs(v - Math.round(v)) < TOL.symmetryExact * 1e3;

describe('expanding an asymmetric unit', () => {
  it('wurtzite (P6_3mc, Cd 2b, Se 2b) gives 4 atoms', () => {
    expect(wurtzite().expanded.species).toEqual(['Cd', 'Cd', 'Se', 'Se']);
  });

  it('zinc blende (F-43m, 4a + 4c) gives 8 atoms', () => {
    expect(zincBlende().expanded.species).toHaveLength(8);
  });

  it('rock salt (Fm-3m, 4a + 4b) gives 8 atoms', () => {
    expect(rockSalt().expanded.species).toHaveLength(8);
  });

  it('the P6_3/mmc honeycomb (2c + 2d) gives 4 atoms', () => {
    expect(honeycomb().expanded.species).toHaveLength(4);
  });

  it('multiplicity lists the atoms each site gives', () => {
    expect(zincBlende().expanded.multiplicity).toEqual([4, 4]);
  });

  it('site gives the asymmetric-unit index of each atom, site 0 first', () => {
    expect(wurtzite().expanded.site).toEqual([0, 0, 1, 1]);
  });

  it('the first atom of each site is its identity image', () => {
    const { expanded } = wurtzite();
    expect([expanded.frac[0], expanded.frac[2]]).toEqual([[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.375]]);
  });

  it('fractional coordinates are wrapped into [0, 1)', () => {
    const { expanded } = build('Pnma', { a: 5, b: 6, c: 7 }, [{ species: 'X', frac: [-0.2, 1.25, 2.1] }]);
    expect(expanded.frac.flat().every((f) => f >= 0 && f < 1)).toBe(true);
  });

  it('the expanded wurtzite cell is mapped onto itself by every Cartesian operation', () => {
    const { sg, lattice, structure } = wurtzite();
    const ops = cartesianOperations(sg, lattice);
    const onAtom = (r: Vec3, species: string): boolean =>
      structure.species.some((s, j) => s === species && lattice.cartToFrac(sub3(r, structure.position(j))).every(isInteger));
    expect(ops.every((op) => structure.species.every((s, i) => onAtom(add3(matVec(op.R, structure.position(i)), op.t), s)))).toBe(true);
  });

  it('a site typed to 4 decimals (0.3333, 0.6667) is moved onto the special position 1/3, 2/3', () => {
    const { expanded } = build('P6_3mc', { a: 4.3, c: 7.02 }, [{ species: 'Cd', frac: [0.3333, 0.6667, 0] }]);
    expect(Math.abs(expanded.frac[0]![0] - 1 / 3) + Math.abs(expanded.frac[0]![1] - 2 / 3)).toBeLessThan(TOL.symmetryExact);
  });

  it('a site typed to 4 decimals gives the multiplicity of the special position', () => {
    expect(build('P6_3mc', { a: 4.3, c: 7.02 }, [{ species: 'Cd', frac: [0.3333, 0.6667, 0] }]).expanded.multiplicity).toEqual([2]);
  });

  it('a larger tolerance merges images that the default keeps apart', () => {
    const sg = getSpaceGroup('P6_3mc');
    const lattice = Lattice.fromParameters(completeCell(sg, { a: 4.3, c: 7.02 }));
    expect(expandSites(sg, lattice, [{ species: 'Cd', frac: [0.333, 0.667, 0] }], { tolerance: 0.02 }).multiplicity).toEqual([2]);
  });

  it('a site whose images merge only in part throws INVALID_STRUCTURE with its path', () => {
    // P4, a = 10 Å: images of (0.001, 0, 0) are a square of side 0.0141 Å and diagonal 0.02 Å.
    const sg = getSpaceGroup('P4');
    const lattice = Lattice.fromParameters(completeCell(sg, { a: 10, c: 5 }));
    expect(() => expandSites(sg, lattice, [{ species: 'X', frac: [0.001, 0, 0] }], { tolerance: 0.017, path: '/structures/1/sites' })).toThrow(
      expect.objectContaining({ code: 'INVALID_STRUCTURE', path: '/structures/1/sites/0/frac' }),
    );
  });

  it('coordinates that are not three numbers throw INVALID_STRUCTURE with the path', () => {
    const sg = getSpaceGroup(1);
    const lattice = Lattice.fromParameters({ a: 3, b: 3, c: 3, alpha: 90, beta: 90, gamma: 90 });
    expect(() => expandSites(sg, lattice, [{ species: 'X', frac: [0, 0, 0] }, { species: 'Y', frac: [0, 0] }])).toThrow(
      expect.objectContaining({ code: 'INVALID_STRUCTURE', path: '/sites/1/frac' }),
    );
  });

  it('a general position in Fm-3m gives all 192 images, pairwise apart, each the image of its operation', () => {
    const { sg, lattice } = rockSalt();
    const x: Vec3 = [0.1234, 0.0567, 0.2891];
    const e = expandSites(sg, lattice, [{ species: 'X', frac: x }]);
    expect(e.multiplicity).toEqual([192]);
    let closest = Infinity;
    for (let i = 0; i < e.frac.length; i++)
      for (let j = 0; j < i; j++) {
        const d = sub3(e.frac[i]!, e.frac[j]!).map((v) => v - Math.round(v)) as Vec3;
        closest = Math.min(closest, Math.hypot(...vecMat(d, lattice.matrix)));
      }
    expect(closest).toBeGreaterThan(0.01);
    sg.operations.forEach((op, k) => {
      const img = applyOperation(op, x).map(wrapFrac);
      expect(e.frac[k]).toEqual(img);
    });
  });

  it('with maxAtoms the expansion stops at the first site that exceeds it (LIMIT_EXCEEDED, the sites path)', () => {
    const { sg, lattice } = rockSalt();
    // 128 general positions × 192 operations = 24,576 atoms: stops after 3 sites (576 > 512)
    const sites = Array.from({ length: 128 }, (_, i) => ({ species: 'X', frac: [0.01 + 0.9 * ((i * 0.618) % 1), 0.013 + 0.9 * ((i * 0.414) % 1), 0.017 + 0.9 * ((i * 0.732) % 1)] }));
    expect(() => expandSites(sg, lattice, sites, { maxAtoms: 512, path: '/structures/0/sites' })).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', path: '/structures/0/sites', message: expect.stringMatching(/first 3 of 128 sites .* 576 atoms/) }),
    );
    // at the limit exactly, nothing is refused
    expect(expandSites(sg, lattice, sites.slice(0, 2), { maxAtoms: 384 }).species).toHaveLength(384);
  });

  it('the site symmetry of 4a in Fm-3m has order 48 (m-3m)', () => {
    const { sg, lattice } = rockSalt();
    expect(siteSymmetryOrder(sg, lattice, [0, 0, 0])).toBe(48);
  });
});

describe('primitive cells', () => {
  const CENTRINGS: [Centring, boolean, number][] = [
    ['P', false, 1],
    ['A', false, 2],
    ['B', false, 2],
    ['C', false, 2],
    ['I', false, 2],
    ['F', false, 4],
    ['R', false, 3],
    ['R', true, 1],
  ];
  const centringVectors: Record<Centring, Vec3[]> = {
    P: [],
    A: [[0, 1 / 2, 1 / 2]],
    B: [[1 / 2, 0, 1 / 2]],
    C: [[1 / 2, 1 / 2, 0]],
    I: [[1 / 2, 1 / 2, 1 / 2]],
    F: [[0, 1 / 2, 1 / 2], [1 / 2, 0, 1 / 2], [1 / 2, 1 / 2, 0]],
    R: [[2 / 3, 1 / 3, 1 / 3], [1 / 3, 2 / 3, 2 / 3]],
  };

  it.each(CENTRINGS)('the %s transform (rhombohedral axes %s) has det 1/%i', (c, rh, k) => {
    expect(det3(primitiveTransform(c, rh))).toBeCloseTo(1 / k, 12);
  });

  it.each(CENTRINGS.filter(([, rh]) => !rh))('the %s centring vectors are lattice vectors of the primitive cell', (c) => {
    const pInv = inv3(primitiveTransform(c, false));
    expect(centringVectors[c].every((v) => vecMat(v, pInv).every(isInteger))).toBe(true);
  });

  it('rock salt (F) reduces to 2 atoms', () => {
    expect(toPrimitive(rockSalt().structure, 'F', false).structure.species).toEqual(['Pb', 'Se']);
  });

  it('the primitive cell of an F lattice has a quarter of the volume', () => {
    const { structure } = rockSalt();
    expect(toPrimitive(structure, 'F', false).structure.lattice.volume).toBeCloseTo(structure.lattice.volume / 4, 10);
  });

  it('the primitive cell of cubic F is the 60° rhombohedron of edge a/√2', () => {
    const p = toPrimitive(rockSalt().structure, 'F', false).structure.lattice.parameters;
    expect([p.a, p.b, p.c, p.alpha, p.beta, p.gamma].map((v) => +v.toFixed(9))).toEqual([...Array(3).fill(+(6.12 / Math.SQRT2).toFixed(9)), 60, 60, 60]);
  });

  it('fromConventional names the conventional atom each primitive atom comes from', () => {
    expect(toPrimitive(rockSalt().structure, 'F', false).fromConventional).toEqual([0, 4]);
  });

  it('primitive atoms stay in the same Cartesian frame (they differ from their origins by lattice vectors)', () => {
    const { structure } = thcr2si2();
    const prim = toPrimitive(structure, 'I', false);
    expect(prim.fromConventional.every((j, i) => prim.structure.lattice.cartToFrac(sub3(prim.structure.position(i), structure.position(j))).every(isInteger))).toBe(true);
  });

  it('ThCr2Si2 (I4/mmm) reduces from 10 atoms to 5 in half the volume', () => {
    const { structure } = thcr2si2();
    const prim = toPrimitive(structure, 'I', false).structure;
    expect([prim.numAtoms, +(prim.lattice.volume / structure.lattice.volume).toFixed(12)]).toEqual([5, 0.5]);
  });

  it('delafossite (R-3m, hexagonal axes) reduces from 12 atoms to 4 in a third of the volume', () => {
    const { structure } = delafossite();
    const prim = toPrimitive(structure, 'R', false).structure;
    expect([prim.numAtoms, +(prim.lattice.volume / structure.lattice.volume).toFixed(12)]).toEqual([4, +(1 / 3).toFixed(12)]);
  });

  it('the primitive cell of an R lattice is the rhombohedron a_R² = a²/3 + c²/9, cos α = (2c² − 3a²)/(2c² + 6a²)', () => {
    const a = 3.03, c = 17.1;
    const p = toPrimitive(delafossite().structure, 'R', false).structure.lattice.parameters;
    const aR = Math.sqrt((a * a) / 3 + (c * c) / 9);
    const alpha = (Math.acos((2 * c * c - 3 * a * a) / (2 * c * c + 6 * a * a)) * 180) / Math.PI;
    expect([p.a, p.b, p.c, p.alpha, p.beta, p.gamma].map((v) => +v.toFixed(9))).toEqual([aR, aR, aR, alpha, alpha, alpha].map((v) => +v.toFixed(9)));
  });

  it('delafossite on rhombohedral axes (1a, 1b, 2c) has as many atoms as its primitive hexagonal cell', () => {
    const { expanded } = build('R-3m', { a: 6.0, alpha: 29.4 }, [{ species: 'Cu', frac: [0, 0, 0] }, { species: 'Fe', frac: [1 / 2, 1 / 2, 1 / 2] }, { species: 'O', frac: [0.1066, 0.1066, 0.1066] }], { rhombohedralAxes: true });
    expect(expanded.species).toHaveLength(toPrimitive(delafossite().structure, 'R', false).structure.numAtoms);
  });

  it('a structure without the centring throws INVALID_STRUCTURE', () => {
    expect(() => toPrimitive(wurtzite().structure, 'C', false)).toThrow(expect.objectContaining({ code: 'INVALID_STRUCTURE' }));
  });
});

describe('Cartesian operations', () => {
  const FREE = GENERIC_CELL;
  const settings: [string, number, SpaceGroupOptions][] = [
    ...Array.from({ length: 230 }, (_, i): [string, number, SpaceGroupOptions] => [`${i + 1}`, i + 1, {}]),
    ...[146, 148, 155, 160, 161, 166, 167].map((n): [string, number, SpaceGroupOptions] => [`${n} (rhombohedral axes)`, n, { rhombohedralAxes: true }]),
  ];
  const orthogonalityError = (m: Mat3): number => {
    const p = mul3(m, transpose3(m));
    return Math.max(...p.flatMap((row, i) => row.map((v, j) => Math.abs(v - (i === j ? 1 : 0)))));
  };

  it.each(settings)('group %s: every rotation is orthogonal in a cell completed for its system', (_, n, opt) => {
    const sg = getSpaceGroup(n, opt);
    const lattice = Lattice.fromParameters(completeCell(sg, sg.rhombohedralAxes ? { a: 5.2, alpha: 57.3 } : FREE[sg.crystalSystem]));
    expect(Math.max(...cartesianOperations(sg, lattice).map((op) => orthogonalityError(op.R)))).toBeLessThan(TOL.symmetryExact);
  });

  it('the translation of P6_3mc 6_3 is c/2 along z', () => {
    const { sg, lattice } = wurtzite();
    const screw = cartesianOperations(sg, lattice)[sg.operations.findIndex((op) => op.trans[2] === 0.5 && op.rot[0] === 1 && op.rot[1] === -1)]!;
    expect(screw.t.map((v) => +v.toFixed(12))).toEqual([0, 0, 3.51]);
  });
});

describe('completing cell parameters', () => {
  it('a cubic cell needs only a', () => {
    expect(completeCell(getSpaceGroup('Fm-3m'), { a: 6.1 })).toEqual({ a: 6.1, b: 6.1, c: 6.1, alpha: 90, beta: 90, gamma: 90 });
  });

  it('a hexagonal cell takes a and c and sets gamma to 120', () => {
    expect(completeCell(getSpaceGroup('P6_3mc'), { a: 4.3, c: 7.0 })).toEqual({ a: 4.3, b: 4.3, c: 7.0, alpha: 90, beta: 90, gamma: 120 });
  });

  it('a trigonal cell on hexagonal axes takes a and c and sets gamma to 120', () => {
    expect(completeCell(getSpaceGroup('R-3m'), { a: 3.0, c: 17.1 })).toEqual({ a: 3.0, b: 3.0, c: 17.1, alpha: 90, beta: 90, gamma: 120 });
  });

  it('a rhombohedral-axes cell takes a and alpha', () => {
    expect(completeCell(getSpaceGroup('R-3m', { rhombohedralAxes: true }), { a: 6.0, alpha: 29.4 })).toEqual({ a: 6.0, b: 6.0, c: 6.0, alpha: 29.4, beta: 29.4, gamma: 29.4 });
  });

  it('a tetragonal cell takes a and c', () => {
    expect(completeCell(getSpaceGroup('I4/mmm'), { a: 4.0, c: 10.5 })).toEqual({ a: 4.0, b: 4.0, c: 10.5, alpha: 90, beta: 90, gamma: 90 });
  });

  it('an orthorhombic cell takes a, b and c', () => {
    expect(completeCell(getSpaceGroup('Pnma'), { a: 5, b: 6, c: 7 })).toEqual({ a: 5, b: 6, c: 7, alpha: 90, beta: 90, gamma: 90 });
  });

  it('a monoclinic cell takes a, b, c and beta', () => {
    expect(completeCell(getSpaceGroup('P2_1/c'), { a: 5, b: 6, c: 7, beta: 101 })).toEqual({ a: 5, b: 6, c: 7, alpha: 90, beta: 101, gamma: 90 });
  });

  it('implied values may be given when they agree', () => {
    expect(completeCell(getSpaceGroup('Fm-3m'), { a: 6.1, b: 6.1, c: 6.1, alpha: 90 }).c).toBe(6.1);
  });

  it('a hexagonal cell without c throws INVALID_CELL at /cell/c', () => {
    expect(() => completeCell(getSpaceGroup('P6_3mc'), { a: 4.3 })).toThrow(expect.objectContaining({ code: 'INVALID_CELL', path: '/cell/c' }));
  });

  it('the path prefix is the one given', () => {
    expect(() => completeCell(getSpaceGroup('P6_3mc'), { a: 4.3 }, '/structures/2/cell')).toThrow(expect.objectContaining({ path: '/structures/2/cell/c' }));
  });

  it('a triclinic cell without gamma throws INVALID_CELL at /cell/gamma', () => {
    expect(() => completeCell(getSpaceGroup(1), { a: 5, b: 6, c: 7, alpha: 80, beta: 90 })).toThrow(expect.objectContaining({ code: 'INVALID_CELL', path: '/cell/gamma' }));
  });

  it('a cubic cell with b ≠ a throws INVALID_CELL at /cell/b', () => {
    expect(() => completeCell(getSpaceGroup('Fm-3m'), { a: 6.1, b: 6.2 })).toThrow(expect.objectContaining({ code: 'INVALID_CELL', path: '/cell/b' }));
  });

  it('a hexagonal cell with gamma 90 throws INVALID_CELL at /cell/gamma', () => {
    expect(() => completeCell(getSpaceGroup('P6_3mc'), { a: 4.3, c: 7, gamma: 90 })).toThrow(expect.objectContaining({ code: 'INVALID_CELL', path: '/cell/gamma' }));
  });

  it('a monoclinic cell with gamma ≠ 90 (unique axis c) throws INVALID_CELL at /cell/gamma', () => {
    expect(() => completeCell(getSpaceGroup('P2_1/c'), { a: 5, b: 6, c: 7, beta: 101, gamma: 95 })).toThrow(expect.objectContaining({ code: 'INVALID_CELL', path: '/cell/gamma' }));
  });

  it('the error message names the crystal system and the group', () => {
    expect(() => completeCell(getSpaceGroup('P6_3mc'), { a: 4.3 })).toThrow(/hexagonal .*P6_3mc/);
  });
});
