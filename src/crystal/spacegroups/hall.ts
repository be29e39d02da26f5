/**
 * Hall symbols: parse an explicit-origin space-group symbol and generate the complete group.
 *
 * Method (S. R. Hall, "Space-group notation with an explicit origin", Acta Cryst. A37 (1981)
 * 517-525, doi:10.1107/S0567739481001228; erratum A37 (1981) 921):
 *
 *   symbol = L N₁^T₁ N₂^T₂ ... Nₚ^Tₚ V
 *
 * - L is the lattice letter (P A B C I R F), preceded by '-' when the inversion centre lies at
 *   the origin. It contributes the centring translations (R is the obverse setting on hexagonal
 *   axes: (2/3,1/3,1/3) and (1/3,2/3,2/3)).
 * - Each Nᵀ is a generator: the order N ∈ {1,2,3,4,6} (preceded by '-' for the improper operation
 *   −R), an optional screw subscript s (translation s/N along the axis), an optional axis symbol
 *   x, y, z, ' (a−b type), " (a+b type) or * (the body diagonal a+b+c), and translation letters
 *   a b c (½ along an axis), n (½,½,½), u v w (¼ along an axis), d (¼,¼,¼), which add.
 * - Axes left out follow Hall's defaults: the first generator is along z; the second, when it is
 *   a 2-fold, is along x after a 2- or 4-fold and along ' (a−b, relative to the first axis) after a
 *   3- or 6-fold; the third, when it is a 3-fold, is along *.
 * - V = (vx vy vz) shifts the origin by v/12: every operation S becomes V S V⁻¹, that is
 *   (R, t) → (R, t + v − R v).
 *
 * The group is the closure of the generators, the centring translations and (for '-L') the
 * inversion under composition (R₁,t₁)(R₂,t₂) = (R₁R₂, R₁t₂ + t₁), with translations taken modulo
 * the lattice. Every translation that occurs is a multiple of 1/12, so the closure is done in exact
 * integer arithmetic on twelfths.
 *
 * Rotation matrices act on column vectors of fractional coordinates, x' = R x + t, and are those
 * of Hall's Table 3 (hexagonal-basis 3- and 6-folds along z, x and y).
 */
import { DomainError } from '../../errors.js';

/** A symmetry operation in exact form: R (row-major, 9 integers) and t in twelfths (mod 12). */
export interface SeitzOp {
  readonly r: readonly number[];
  readonly t: readonly [number, number, number];
}

type Axis = 'x' | 'y' | 'z' | "'" | '"' | '*';

const I3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Proper rotations along the principal axes, Hall (1981) Table 3. */
const PRINCIPAL: Record<'x' | 'y' | 'z', Record<2 | 3 | 4 | 6, number[]>> = {
  x: {
    2: [1, 0, 0, 0, -1, 0, 0, 0, -1],
    3: [1, 0, 0, 0, 0, -1, 0, 1, -1],
    4: [1, 0, 0, 0, 0, -1, 0, 1, 0],
    6: [1, 0, 0, 0, 1, -1, 0, 1, 0],
  },
  y: {
    2: [-1, 0, 0, 0, 1, 0, 0, 0, -1],
    3: [-1, 0, 1, 0, 1, 0, -1, 0, 0],
    4: [0, 0, 1, 0, 1, 0, -1, 0, 0],
    6: [0, 0, 1, 0, 1, 0, -1, 0, 1],
  },
  z: {
    2: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
    3: [0, -1, 0, 1, -1, 0, 0, 0, 1],
    4: [0, -1, 0, 1, 0, 0, 0, 0, 1],
    6: [1, -1, 0, 1, 0, 0, 0, 0, 1],
  },
};

/** 2-folds along face diagonals, by reference axis: ' is along b−c, c−a, a−b; " along b+c, c+a, a+b. */
const DIAGONAL_TWOFOLD: Record<'x' | 'y' | 'z', { "'": number[]; '"': number[] }> = {
  x: { "'": [-1, 0, 0, 0, 0, -1, 0, -1, 0], '"': [-1, 0, 0, 0, 0, 1, 0, 1, 0] },
  y: { "'": [0, 0, -1, 0, -1, 0, -1, 0, 0], '"': [0, 0, 1, 0, -1, 0, 1, 0, 0] },
  z: { "'": [0, -1, 0, -1, 0, 0, 0, 0, -1], '"': [0, 1, 0, 1, 0, 0, 0, 0, -1] },
};

/** 3-fold along a+b+c: (x, y, z) → (z, x, y). */
const BODY_DIAGONAL_THREEFOLD = [0, 0, 1, 1, 0, 0, 0, 1, 0];

/** Translation letters, in twelfths. */
const TRANSLATION: Record<string, [number, number, number]> = {
  a: [6, 0, 0],
  b: [0, 6, 0],
  c: [0, 0, 6],
  n: [6, 6, 6],
  u: [3, 0, 0],
  v: [0, 3, 0],
  w: [0, 0, 3],
  d: [3, 3, 3],
};

/** Centring translations of each lattice letter, in twelfths (the zero vector first). */
export const CENTRING_TWELFTHS: Record<string, [number, number, number][]> = {
  P: [[0, 0, 0]],
  A: [[0, 0, 0], [0, 6, 6]],
  B: [[0, 0, 0], [6, 0, 6]],
  C: [[0, 0, 0], [6, 6, 0]],
  I: [[0, 0, 0], [6, 6, 6]],
  R: [[0, 0, 0], [8, 4, 4], [4, 8, 8]],
  F: [[0, 0, 0], [0, 6, 6], [6, 0, 6], [6, 6, 0]],
};

export interface ParsedHall {
  /** Lattice letter. */
  lattice: string;
  /** Inversion at the origin ('-' before the lattice letter). */
  centrosymmetric: boolean;
  /** The explicit generators, in order. */
  generators: SeitzOp[];
  /** Origin shift in twelfths (V), zero when absent. */
  originShift: [number, number, number];
}

const mod12 = (x: number): number => ((x % 12) + 12) % 12;

const bad = (symbol: string, why: string): DomainError =>
  new DomainError('UNKNOWN_SPACE_GROUP', `invalid Hall symbol '${symbol}': ${why}`);

/** Parse a Hall symbol into its lattice, generators and origin shift (no group closure yet). */
export function parseHall(symbol: string): ParsedHall {
  let body = symbol.trim();
  let originShift: [number, number, number] = [0, 0, 0];
  const shift = /\(([^)]*)\)\s*$/.exec(body);
  if (shift) {
    const parts = shift[1]!.trim().split(/\s+/);
    if (parts.length !== 3 || !parts.every((p) => /^-?\d+$/.test(p)))
      throw bad(symbol, 'the change of basis must be an origin shift "(vx vy vz)" in twelfths');
    originShift = parts.map((p) => Number(p)) as [number, number, number];
    body = body.slice(0, shift.index).trim();
  }
  const tokens = body.split(/\s+/).filter((s) => s.length > 0);
  const head = /^(-?)([PABCIRF])$/.exec(tokens[0] ?? '');
  if (!head) throw bad(symbol, 'it must start with a lattice letter P, A, B, C, I, R or F (optionally preceded by -)');
  const generators: SeitzOp[] = [];
  let prevOrder = 0;
  let prevAxis: Axis | undefined;
  for (let i = 1; i < tokens.length; i++) {
    const m = /^(-?)([12346])([1-5]?)([xyz'"*]?)([abcnuvwd]*)$/.exec(tokens[i]!);
    if (!m) throw bad(symbol, `cannot read the operator '${tokens[i]}'`);
    const improper = m[1] === '-';
    const order = Number(m[2]) as 1 | 2 | 3 | 4 | 6;
    const screw = m[3] ? Number(m[3]) : 0;
    let axis = (m[4] || undefined) as Axis | undefined;
    const k = i - 1;
    if (axis === undefined && order !== 1) {
      if (k === 0) axis = 'z';
      else if (k === 1 && order === 2 && (prevOrder === 2 || prevOrder === 4)) axis = 'x';
      else if (k === 1 && order === 2 && (prevOrder === 3 || prevOrder === 6)) axis = "'";
      else if (k === 2 && order === 3) axis = '*';
      else throw bad(symbol, `the axis of '${tokens[i]}' is not implied and not given`);
    }
    // ' and " are taken relative to the preceding principal axis (z when it was not x or y).
    const ref: 'x' | 'y' | 'z' = prevAxis === 'x' || prevAxis === 'y' ? prevAxis : 'z';
    let r: number[];
    if (order === 1) r = I3;
    else if (axis === "'" || axis === '"') {
      if (order !== 2) throw bad(symbol, `only 2-folds may lie along ' or " (got '${tokens[i]}')`);
      r = DIAGONAL_TWOFOLD[ref][axis];
    } else if (axis === '*') {
      if (order !== 3) throw bad(symbol, `only 3-folds may lie along * (got '${tokens[i]}')`);
      r = BODY_DIAGONAL_THREEFOLD;
    } else r = PRINCIPAL[axis!][order];
    if (improper) r = r.map((x) => -x);
    const t: [number, number, number] = [0, 0, 0];
    if (screw) {
      if (screw >= order || order === 1 || !(axis === 'x' || axis === 'y' || axis === 'z'))
        throw bad(symbol, `screw subscript ${screw} is not valid on '${tokens[i]}'`);
      t['xyz'.indexOf(axis)] += (12 * screw) / order;
    }
    for (const ch of m[5]!) {
      const d = TRANSLATION[ch]!;
      for (let j = 0; j < 3; j++) t[j] += d[j]!;
    }
    generators.push({ r, t: t.map(mod12) as [number, number, number] });
    prevOrder = order;
    if (order !== 1) prevAxis = axis;
  }
  return { lattice: head[2]!, centrosymmetric: head[1] === '-', generators, originShift };
}

/** (R₁,t₁)(R₂,t₂) = (R₁R₂, R₁t₂ + t₁), translations mod 12. */
export function composeSeitz(a: SeitzOp, b: SeitzOp): SeitzOp {
  const r = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) r[3 * i + j] = a.r[3 * i]! * b.r[j]! + a.r[3 * i + 1]! * b.r[3 + j]! + a.r[3 * i + 2]! * b.r[6 + j]!;
  const t = [0, 1, 2].map((i) => mod12(a.r[3 * i]! * b.t[0] + a.r[3 * i + 1]! * b.t[1] + a.r[3 * i + 2]! * b.t[2] + a.t[i]!)) as [number, number, number];
  return { r, t };
}

const seitzKey = (op: SeitzOp): string => `${op.r.join(',')}|${op.t.join(',')}`;

/**
 * All operations of the group a Hall symbol describes, modulo lattice translations, in exact form.
 *
 * Order: the coset representatives (identity first, then in order of generation, each with the
 * simplest translation among its centring-equivalent forms), repeated for each centring
 * translation, as in the International Tables' "(0,0,0)+ (½,½,0)+ ..." listing.
 */
export function hallOperations(symbol: string): SeitzOp[] {
  const parsed = parseHall(symbol);
  const centring = CENTRING_TWELFTHS[parsed.lattice]!;
  const gens: SeitzOp[] = [...parsed.generators];
  if (parsed.centrosymmetric) gens.push({ r: I3.map((x) => -x), t: [0, 0, 0] });
  for (const c of centring.slice(1)) gens.push({ r: I3, t: c });

  // Closure: breadth-first products with the generators; finite, so left products suffice.
  const identity: SeitzOp = { r: I3, t: [0, 0, 0] };
  const seen = new Map<string, SeitzOp>([[seitzKey(identity), identity]]);
  const queue: SeitzOp[] = [identity];
  for (let q = 0; q < queue.length; q++) {
    for (const g of gens) {
      const p = composeSeitz(g, queue[q]!);
      const key = seitzKey(p);
      if (!seen.has(key)) {
        if (seen.size >= 192) throw bad(symbol, 'the generators do not close in a space group');
        seen.set(key, p);
        queue.push(p);
      }
    }
  }

  // Origin shift V: (R, t) → (R, t + v − R v).
  const v = parsed.originShift;
  const shifted = queue.map((op) => {
    const rv = [0, 1, 2].map((i) => op.r[3 * i]! * v[0] + op.r[3 * i + 1]! * v[1] + op.r[3 * i + 2]! * v[2]);
    return { r: op.r, t: [0, 1, 2].map((i) => mod12(op.t[i]! + v[i]! - rv[i]!)) as [number, number, number] };
  });

  // Coset representatives modulo the centring translations.
  const simplicity = (t: readonly number[]): number => t.filter((x) => x !== 0).length * 100 + t[0]! + t[1]! + t[2]!;
  const reps: SeitzOp[] = [];
  const covered = new Set<string>();
  for (const op of shifted) {
    if (covered.has(seitzKey(op))) continue;
    const coset = centring.map((c) => ({ r: op.r, t: [0, 1, 2].map((i) => mod12(op.t[i]! + c[i]!)) as [number, number, number] }));
    for (const e of coset) covered.add(seitzKey(e));
    // The identity (simplicity 0) represents its own coset and comes first.
    reps.push(coset.reduce((best, e) => (simplicity(e.t) < simplicity(best.t) ? e : best)));
  }
  // (x + 0 turns the −0 of a negated matrix into 0.)
  const out: SeitzOp[] = [];
  for (const c of centring)
    for (const op of reps) out.push({ r: op.r.map((x) => x + 0), t: [0, 1, 2].map((i) => mod12(op.t[i]! + c[i]!)) as [number, number, number] });
  return out;
}
