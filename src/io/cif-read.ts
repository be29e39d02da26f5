/**
 * CIF (Crystallographic Information File, CIF 1.1 syntax; Hall, Allen & Brown, Acta Cryst. A47
 * (1991) 655, doi:10.1107/S010876739101067X) → structure documents.
 *
 * The reader takes what a crystal needs from each data block: the cell (`_cell_length_a` ...,
 * standard uncertainties in parentheses such as `4.2996(3)` dropped), the symmetry and the atom
 * sites (`_atom_site_fract_x/y/z`, `_atom_site_type_symbol` or else the element letters of
 * `_atom_site_label`, `_atom_site_occupancy`, which must be 1). Loops may come in any order, with
 * their columns in any order; values may be bare, 'single-' or "double-quoted" or `;` text fields;
 * `#` starts a comment. Tags are matched without regard to case, and the DDLm dotted form
 * (`_cell.length_a`) is accepted for the underscore form.
 *
 * Symmetry. Operations from `_space_group_symop_operation_xyz` or `_symmetry_equiv_pos_as_xyz`
 * are compared with the space groups in their standard settings (origin choices 1 and 2, hexagonal
 * or rhombohedral axes for R): when they are one of them, the document names that group and keeps
 * the asymmetric unit as given; otherwise the sites are expanded with the operations and the
 * document is P1 with every atom. Without operations, `_symmetry_space_group_name_H-M`,
 * `_space_group_name_H-M_alt` or `_space_group_IT_number` name the group (standard setting
 * assumed). With neither, the sites are the whole cell (P1).
 *
 * Every data block with a cell and atom sites gives one structure, its id made from the block name.
 */
import { isDomainError } from '../errors.js';
import type { StructureDocument } from '../document/schema.js';
import { Lattice, type LatticeParameters } from '../crystal/lattice.js';
import { getSpaceGroup, operationFromXyz, SPACE_GROUP_TABLE, type SpaceGroup, type SymOp } from '../crystal/spacegroups/index.js';
import { expandSites } from '../crystal/expand.js';
import { elementOf, parseError, parseNumber, reduceCell, sanitizeId } from './common.js';

export interface CifReadResult {
  structures: StructureDocument[];
}

interface Token {
  value: string;
  quoted: boolean;
  line: number;
}

interface Loop {
  tags: string[];
  rows: Token[][];
  line: number;
}

interface Block {
  name: string;
  line: number;
  items: Map<string, Token>;
  loops: Loop[];
}

/** Distance (Å) within which symmetry images of a site are one atom, for CIF coordinates of 4-5 digits. */
const CIF_SITE_TOLERANCE = 0.01;

export function readCif(text: string): CifReadResult {
  const blocks = parseBlocks(tokenize(text));
  const structures: StructureDocument[] = [];
  const ids = new Set<string>();
  for (const b of blocks) {
    const hasCell = b.items.has('_cell_length_a');
    const hasSites = b.loops.some((l) => l.tags.includes('_atom_site_fract_x'));
    if (!hasCell && !hasSites) continue; // a block of publication data, say
    if (!hasCell) throw parseError(`data block "${b.name}" has atom sites but no _cell_length_a`, b.line, { block: b.name });
    if (!hasSites) throw parseError(`data block "${b.name}" has a cell but no _atom_site_fract_x loop`, b.line, { block: b.name });
    const sd = blockStructure(b);
    let id = sd.id;
    for (let n = 2; ids.has(id); n++) id = `${sd.id}-${n}`;
    ids.add(id);
    structures.push({ ...sd, id });
  }
  if (!structures.length) throw parseError('no data block with a cell and atom sites');
  return { structures };
}

/** CIF 1.1 tokens: bare words, quoted strings (closed by the quote before whitespace), text fields. */
function tokenize(text: string): Token[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: Token[] = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.startsWith(';')) {
      const start = n + 1;
      const parts = [line.slice(1)];
      n++;
      while (n < lines.length && !lines[n]!.startsWith(';')) parts.push(lines[n++]!);
      if (n >= lines.length) throw parseError('text field opened with ";" is never closed', start);
      out.push({ value: parts.join('\n').trim(), quoted: true, line: start });
      continue;
    }
    let i = 0;
    while (i < line.length) {
      const ch = line[i]!;
      if (/\s/.test(ch)) {
        i++;
        continue;
      }
      if (ch === '#') break;
      if (ch === "'" || ch === '"') {
        let j = i + 1;
        while (j < line.length && !(line[j] === ch && (j + 1 === line.length || /\s/.test(line[j + 1]!)))) j++;
        if (j >= line.length) throw parseError(`unclosed ${ch === "'" ? 'single' : 'double'} quote`, n + 1);
        out.push({ value: line.slice(i + 1, j), quoted: true, line: n + 1 });
        i = j + 1;
        continue;
      }
      let j = i;
      while (j < line.length && !/\s/.test(line[j]!)) j++;
      out.push({ value: line.slice(i, j), quoted: false, line: n + 1 });
      i = j;
    }
  }
  return out;
}

const normTag = (t: string): string => t.toLowerCase().replace(/\./g, '_');
const isTag = (t: Token): boolean => !t.quoted && t.value.startsWith('_');
const isReserved = (t: Token): boolean => !t.quoted && /^(data_|loop_$|save_|global_$|stop_$)/i.test(t.value);

function parseBlocks(tokens: Token[]): Block[] {
  const blocks: Block[] = [];
  let cur: Block | undefined;
  let i = 0;
  const need = (t: Token): Block => {
    if (!cur) throw parseError(`"${t.value}" before the first data_ block`, t.line);
    return cur;
  };
  while (i < tokens.length) {
    const t = tokens[i++]!;
    if (!t.quoted && /^data_/i.test(t.value)) {
      cur = { name: t.value.slice(5), line: t.line, items: new Map(), loops: [] };
      blocks.push(cur);
    } else if (!t.quoted && /^loop_$/i.test(t.value)) {
      const b = need(t);
      const tags: string[] = [];
      while (i < tokens.length && isTag(tokens[i]!)) tags.push(normTag(tokens[i++]!.value));
      if (!tags.length) throw parseError('loop_ without tags', t.line);
      const values: Token[] = [];
      while (i < tokens.length && !isTag(tokens[i]!) && !isReserved(tokens[i]!)) values.push(tokens[i++]!);
      if (values.length % tags.length !== 0)
        throw parseError(`loop of ${tags.join(', ')} has ${values.length} values, not a multiple of its ${tags.length} columns`, t.line);
      const rows: Token[][] = [];
      for (let k = 0; k < values.length; k += tags.length) rows.push(values.slice(k, k + tags.length));
      b.loops.push({ tags, rows, line: t.line });
    } else if (isTag(t)) {
      const b = need(t);
      const v = tokens[i++];
      if (!v || isTag(v) || isReserved(v)) throw parseError(`tag ${t.value} has no value`, t.line);
      b.items.set(normTag(t.value), v);
    } else if (!t.quoted && /^(save_|global_$|stop_$)/i.test(t.value)) {
      // save frames (dictionaries) and STAR keywords: no crystal data
    } else {
      throw parseError(`unexpected value "${t.value}" outside a loop`, t.line);
    }
  }
  return blocks;
}

const missing = (t: Token | undefined): boolean => !t || (!t.quoted && (t.value === '?' || t.value === '.'));

function numberOf(t: Token | undefined, what: string, block: Block): number | undefined {
  if (missing(t)) return undefined;
  const v = parseNumber(t!.value);
  if (v === undefined) throw parseError(`${what} "${t!.value}" in data block "${block.name}" is not a number`, t!.line, { block: block.name });
  return v;
}

/** A column of the loop that has `tag`, or undefined. */
function column(b: Block, tag: string): { loop: Loop; index: number } | undefined {
  for (const loop of b.loops) {
    const index = loop.tags.indexOf(tag);
    if (index >= 0) return { loop, index };
  }
  return undefined;
}

function blockStructure(b: Block): StructureDocument {
  const cell: Partial<LatticeParameters> = {};
  for (const [k, tag] of [
    ['a', '_cell_length_a'],
    ['b', '_cell_length_b'],
    ['c', '_cell_length_c'],
    ['alpha', '_cell_angle_alpha'],
    ['beta', '_cell_angle_beta'],
    ['gamma', '_cell_angle_gamma'],
  ] as const) {
    const v = numberOf(b.items.get(tag), tag, b);
    if (v === undefined) {
      if (k === 'alpha' || k === 'beta' || k === 'gamma') cell[k] = 90;
      else throw parseError(`data block "${b.name}" has no ${tag}`, b.line, { block: b.name });
    } else cell[k] = v;
  }
  const params = cell as LatticeParameters;

  // atom sites
  const fx = column(b, '_atom_site_fract_x')!;
  const loop = fx.loop;
  const col = (tag: string): number => loop.tags.indexOf(tag);
  const [ix, iy, iz] = ['_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z'].map(col);
  if (iy! < 0 || iz! < 0) throw parseError(`data block "${b.name}": the atom-site loop needs _atom_site_fract_y and _atom_site_fract_z`, loop.line, { block: b.name });
  const iLabel = col('_atom_site_label');
  const iType = col('_atom_site_type_symbol');
  const iOcc = col('_atom_site_occupancy');
  const sites = loop.rows.map((row, k) => {
    const label = iLabel >= 0 && !missing(row[iLabel]) ? row[iLabel]!.value : undefined;
    const name = label ?? `site ${k + 1}`;
    const typeText = iType >= 0 && !missing(row[iType]) ? row[iType]!.value : label;
    const species = typeText === undefined ? undefined : elementOf(typeText);
    if (!species) throw parseError(`atom site ${name} in data block "${b.name}": no element in its type symbol or label`, row[ix!]!.line, { block: b.name, site: name });
    const occ = iOcc >= 0 ? numberOf(row[iOcc], `occupancy of ${name}`, b) : undefined;
    if (occ !== undefined && Math.abs(occ - 1) > 1e-3)
      throw parseError(`atom site ${name} in data block "${b.name}" has occupancy ${occ}: partially occupied sites are not supported, every occupancy must be 1`, row[iOcc]!.line, {
        block: b.name,
        site: name,
      });
    const frac = [ix!, iy!, iz!].map((c) => {
      const v = numberOf(row[c], `coordinate of ${name}`, b);
      if (v === undefined) throw parseError(`atom site ${name} in data block "${b.name}" has no fractional coordinate`, row[c]!.line, { block: b.name, site: name });
      return v;
    });
    return { species, frac, ...(label !== undefined ? { label } : {}) };
  });
  if (!sites.length) throw parseError(`data block "${b.name}" has no atom sites`, loop.line, { block: b.name });

  // symmetry
  const opsColumn = column(b, '_space_group_symop_operation_xyz') ?? column(b, '_symmetry_equiv_pos_as_xyz');
  const single = b.items.get('_space_group_symop_operation_xyz') ?? b.items.get('_symmetry_equiv_pos_as_xyz');
  const opTokens = opsColumn ? opsColumn.loop.rows.map((r) => r[opsColumn.index]!) : single ? [single] : undefined;
  const ops = opTokens?.map((t) => {
    try {
      return operationFromXyz(t.value);
    } catch (e) {
      if (isDomainError(e)) throw parseError(e.message, t.line, { block: b.name });
      throw e;
    }
  });
  const named = namedGroup(b);

  const id = sanitizeId(b.name, 'structure');
  const label = textItem(b, '_chemical_name_mineral') ?? textItem(b, '_chemical_name_structure_type');
  const base = { id, ...(label ? { label } : {}) };
  let sg: SpaceGroup | undefined;
  if (ops) {
    sg = matchGroup(ops, named);
    if (!sg) {
      // not a standard setting: expand with the operations given and describe the cell in P1
      const lattice = Lattice.fromParameters(params, `/${b.name}/cell`);
      const custom: SpaceGroup = { number: 1, symbol: 'P1', hall: '', crystalSystem: 'triclinic', centring: 'P', rhombohedralAxes: false, operations: ops };
      const ex = expandSites(custom, lattice, sites, { tolerance: CIF_SITE_TOLERANCE });
      return {
        ...base,
        spaceGroup: 'P1',
        cell: { ...params },
        sites: ex.frac.map((f, k) => ({ species: ex.species[k]!, frac: [f[0], f[1], f[2]] })),
      };
    }
  } else sg = named;
  if (!sg) return { ...base, spaceGroup: 'P1', cell: { ...params }, sites };
  return {
    ...base,
    spaceGroup: sg.symbol,
    ...(sg.originChoice === 2 ? { origin: 2 as const } : {}),
    ...(sg.rhombohedralAxes ? { rhombohedralAxes: true } : {}),
    cell: reduceCell(sg, params),
    sites,
  };
}

function textItem(b: Block, tag: string): string | undefined {
  const t = b.items.get(tag);
  return missing(t) ? undefined : t!.value.replace(/\s+/g, ' ').trim();
}

/** The group the block names by symbol or number, if any (standard setting). */
function namedGroup(b: Block): SpaceGroup | undefined {
  for (const tag of ['_space_group_name_h-m_alt', '_symmetry_space_group_name_h-m', '_space_group_it_number', '_symmetry_int_tables_number']) {
    const t = b.items.get(tag);
    if (missing(t)) continue;
    const value = t!.value.trim();
    try {
      return getSpaceGroup(/^\d+$/.test(value) ? Number(value) : value);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      // e.g. a symbol with a setting suffix the table does not know: the operations decide
      const tags = ['_space_group_symop_operation_xyz', '_symmetry_equiv_pos_as_xyz'];
      if (!tags.some((g) => column(b, g) || b.items.has(g)))
        throw parseError(`data block "${b.name}": ${e.message}`, t!.line, { block: b.name });
    }
  }
  return undefined;
}

const opKey = (op: SymOp): string => `${op.rot.join(',')}|${op.trans.map((t) => (((Math.round(t * 24) % 24) + 24) % 24).toString()).join(',')}`;

function settingsOf(n: number): SpaceGroup[] {
  const e = SPACE_GROUP_TABLE[n - 1]!;
  const out = [getSpaceGroup(n)];
  if (e.origin2) out.push(getSpaceGroup(n, { originChoice: 2 }));
  if (e.rhombohedral) out.push(getSpaceGroup(n, { rhombohedralAxes: true }));
  return out;
}

/** The standard-setting group whose operations are exactly `ops` (the named group tried first). */
function matchGroup(ops: SymOp[], named: SpaceGroup | undefined): SpaceGroup | undefined {
  const keys = new Set(ops.map(opKey));
  const same = (sg: SpaceGroup): boolean => sg.operations.length === keys.size && sg.operations.every((o) => keys.has(opKey(o)));
  const candidates = named ? settingsOf(named.number) : [];
  for (const sg of candidates) if (same(sg)) return sg;
  for (let n = 1; n <= 230; n++) for (const sg of settingsOf(n)) if (sg.operations.length === keys.size && same(sg)) return sg;
  return undefined;
}
