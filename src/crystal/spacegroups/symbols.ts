/**
 * Reading Hermann-Mauguin symbols as people write them.
 *
 * The 230 short symbols stay distinct when whitespace, underscores and parentheses are dropped
 * ('P6_3mc', 'P 63 m c', 'P6(3)mc', 'P 6_3 m c' all read 'P63mc'; the cubic symbols always carry
 * their 3 in the second place, so 'P432' and 'P4332' cannot be confused). That compact form is the
 * lookup key. Inputs that miss it are tried again as
 *
 * - full symbols, reduced to short ones as the International Tables do: the 1s of the monoclinic
 *   unique-axis-b symbol go ('P 1 21/c 1' → 'P21/c'), and of a rotation/reflection pair 'X/Y' only
 *   the reflection stays, except for the principal axis of a tetragonal or hexagonal group
 *   ('P 21/n 21/m 21/a' → 'Pnma', 'P 42/m 21/n 2/m' → 'P42/mnm', 'F 4/m -3 2/m' → 'Fm-3m');
 * - old cubic symbols without the bar on the 3 ('Fm3m' → 'Fm-3m', 'Ia3d' → 'Ia-3d');
 * - pre-2002 symbols with a or b in place of the double glide e ('Cmca' → 'Cmce').
 *
 * A setting suffix in the style of the International Tables Vol. B and CIF, ':1', ':2' (origin
 * choice) or ':H', ':R' (hexagonal or rhombohedral axes), may follow a symbol or a number.
 * The lattice letter and glide letters are case-sensitive.
 */
import { SPACE_GROUP_TABLE } from './table.js';

export interface SymbolSetting {
  originChoice?: 1 | 2;
  rhombohedralAxes?: boolean;
}

export interface ResolvedSymbol {
  /** Space-group number, or undefined when the input is not recognised. */
  number: number | undefined;
  /** Setting named by a suffix (':2', ':R'), if any. */
  setting: SymbolSetting;
  /** A near miss (same letters in another case), to name in an error message. */
  suggestion?: string;
}

/** Drop whitespace, underscores and parentheses: the lookup key of a symbol. */
export const compactSymbol = (s: string): string => s.replace(/[\s_()]/g, '');

let byKey: Map<string, number> | undefined;
let byLowerKey: Map<string, string> | undefined;

function keys(): Map<string, number> {
  if (byKey) return byKey;
  byKey = new Map();
  byLowerKey = new Map();
  for (const e of SPACE_GROUP_TABLE) {
    for (const s of [e.symbol, e.oldSymbol]) {
      if (!s) continue;
      const k = compactSymbol(s);
      if (byKey.has(k)) throw new Error(`space-group table: symbol key '${k}' is not unique`);
      byKey.set(k, e.number);
      byLowerKey.set(k.toLowerCase(), e.symbol);
    }
  }
  return byKey;
}

/** Short form of a full symbol given as whitespace-separated tokens, or undefined. */
function reduceFullSymbol(text: string): string | undefined {
  const tokens = text
    .trim()
    .split(/\s+/)
    .map((t) => t.replace(/[_()]/g, ''))
    .filter((t) => t.length > 0);
  if (tokens.length < 2) return undefined;
  const lattice = tokens[0]!.charAt(0);
  let rest = [tokens[0]!.slice(1), ...tokens.slice(1)].filter((t) => t.length > 0);
  if (rest.length === 3 && rest[0] === '1' && rest[2] === '1') rest = [rest[1]!];
  if (rest.length >= 2) {
    const cubic = rest[1] === '3' || rest[1] === '-3';
    rest = rest.map((tok, i) => {
      const m = /^([^/]+)\/([^/]+)$/.exec(tok);
      if (!m) return tok;
      const principal = i === 0 && !cubic && /^[46]/.test(m[1]!);
      return principal ? tok : m[2]!;
    });
  }
  return lattice + rest.join('');
}

/** Recognise a space-group number or Hermann-Mauguin symbol, with an optional setting suffix. */
export function resolveSymbol(input: string | number): ResolvedSymbol {
  const setting: SymbolSetting = {};
  if (typeof input === 'number') return { number: Number.isInteger(input) && input >= 1 && input <= 230 ? input : undefined, setting };
  let text = input.trim();
  const suffix = /:\s*([12HRhr])\s*$/.exec(text);
  if (suffix) {
    const s = suffix[1]!.toUpperCase();
    if (s === '1' || s === '2') setting.originChoice = Number(s) as 1 | 2;
    else setting.rhombohedralAxes = s === 'R';
    text = text.slice(0, suffix.index).trim();
  }
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return { number: n >= 1 && n <= 230 ? n : undefined, setting };
  }
  const table = keys();
  const compact = compactSymbol(text);
  const candidates = [compact];
  const full = reduceFullSymbol(text);
  if (full) candidates.push(full);
  const mono = /^([PABCI])1(.+)1$/.exec(compact);
  if (mono) candidates.push(mono[1]! + mono[2]!);
  for (const c of [...candidates]) {
    const oldCubic = /^([PIF][a-z])3(.*)$/.exec(c);
    if (oldCubic) candidates.push(`${oldCubic[1]}-3${oldCubic[2]}`);
  }
  for (const c of candidates) {
    const n = table.get(c);
    if (n !== undefined) return { number: n, setting };
  }
  for (const c of candidates) {
    const near = byLowerKey!.get(c.toLowerCase());
    if (near) return { number: undefined, setting, suggestion: near };
  }
  return { number: undefined, setting };
}
