/**
 * Symmetry operations as values, and their 'x,y,z' text form (as in the International Tables and
 * CIF `_space_group_symop_operation_xyz`).
 *
 * An operation maps a COLUMN vector of fractional coordinates x to x' = R x + t, with R stored
 * row-major (R[3i + j] is row i, column j) and t in [0, 1).
 */
import { DomainError } from '../../errors.js';

export interface SymOp {
  /** 9 integers, row-major. */
  readonly rot: readonly number[];
  /** Translation, each component in [0, 1). */
  readonly trans: readonly [number, number, number];
}

const AXES = ['x', 'y', 'z'] as const;

function fraction(t: number): string {
  for (const d of [1, 2, 3, 4, 6, 8, 12]) {
    const n = Math.round(t * d);
    if (Math.abs(n - t * d) < 1e-9) return d === 1 ? `${n}` : `${n}/${d}`;
  }
  return `${t}`;
}

/** 'x,y,z' form of an operation: '-y+1/2,x-y,z+1/3'. */
export function operationToXyz(op: SymOp): string {
  const parts: string[] = [];
  for (let i = 0; i < 3; i++) {
    let s = '';
    for (let j = 0; j < 3; j++) {
      const c = op.rot[3 * i + j]!;
      if (c === 0) continue;
      const sign = c < 0 ? '-' : s ? '+' : '';
      s += `${sign}${Math.abs(c) === 1 ? '' : Math.abs(c)}${AXES[j]}`;
    }
    const t = op.trans[i]!;
    if (t !== 0) s += `+${fraction(t)}`;
    parts.push(s || '0');
  }
  return parts.join(',');
}

/**
 * Read an operation in 'x,y,z' form ('-y+1/2, x-y, z+1/3', '1/2+x,y,-z', 'X,Y,Z'); the translation
 * is wrapped into [0, 1). Throws PARSE_ERROR naming the text.
 */
export function operationFromXyz(text: string, path?: string): SymOp {
  const fail = (why: string): DomainError => new DomainError('PARSE_ERROR', `cannot read symmetry operation '${text}': ${why}`, path ? { path } : {});
  const parts = text.replace(/\s+/g, '').toLowerCase().split(',');
  if (parts.length !== 3) throw fail('expected three comma-separated components');
  const rot = new Array<number>(9).fill(0);
  const trans: [number, number, number] = [0, 0, 0];
  parts.forEach((part, i) => {
    if (!part) throw fail(`component ${i + 1} is empty`);
    const terms = part.match(/[+-]?[^+-]+/g) ?? [];
    if (terms.join('') !== part) throw fail(`cannot read component '${part}'`);
    for (const term of terms) {
      const m = /^([+-]?)(?:(\d*\.?\d*)\*?([xyz])|(\d+(?:\.\d+)?)(?:\/(\d+))?)$/.exec(term);
      if (!m) throw fail(`cannot read term '${term}'`);
      const sign = m[1] === '-' ? -1 : 1;
      if (m[3]) rot[3 * i + AXES.indexOf(m[3] as 'x')] += sign * (m[2] ? Number(m[2]) : 1);
      else trans[i] += (sign * Number(m[4])) / (m[5] ? Number(m[5]) : 1);
    }
  });
  for (let i = 0; i < 3; i++) {
    const w = trans[i]! - Math.floor(trans[i]!);
    trans[i] = w >= 1 - 1e-12 ? 0 : w;
  }
  if (!rot.every(Number.isInteger)) throw fail('rotation coefficients must be integers');
  return { rot, trans };
}
