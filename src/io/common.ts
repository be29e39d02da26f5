/**
 * Helpers shared by the file-format readers and writers: number formatting that survives a round
 * trip, number tokens as other programs write them, the crystal of one structure document, and
 * the free cell parameters of a space group.
 */
import { DomainError } from '../errors.js';
import { DEFAULT_MAX_ATOMS, checkSiteCount } from '../document/limits.js';
import { type SymmetrizedCrystal, latticeOfCell, symmetrizedCrystal } from '../crystal/crystal.js';
import { getSpaceGroup } from '../crystal/spacegroups/index.js';
import { checkOverlaps } from '../potentials/neighbours.js';
import type { StructureDocument } from '../document/schema.js';
import type { LatticeParameters } from '../crystal/lattice.js';
import type { SpaceGroup } from '../crystal/spacegroups/index.js';
import { centringMultiplicity } from '../crystal/expand.js';
import type { PairPotentialSpec } from '../potentials/forcefield.js';

/** A line of an input file that was read but not translated, and why. */
export interface UntranslatedLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
  reason: string;
}

/**
 * Shortest decimal text that reads back as the same double (`String(x)`), with −0 written as 0.
 * Every writer uses it, so job → file → job reproduces numbers exactly.
 */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot write the non-finite number ${x}`);
  return Object.is(x, -0) ? '0' : String(x);
}

/**
 * A number as other programs write it: `12`, `-0.5`, `.25`, `1e-3`, Fortran's `1.0d-3`, a fraction
 * `1/3`, and CIF's standard uncertainty in parentheses `4.2996(3)`. Undefined for anything else.
 */
export function parseNumber(token: string): number | undefined {
  const t = token.replace(/\(\d+\)$/, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/.test(t)) return Number(t.replace(/[dD]/, 'e'));
  const f = /^([+-]?\d+)\/(\d+)$/.exec(t);
  if (f && Number(f[2]) !== 0) return Number(f[1]) / Number(f[2]);
  return undefined;
}

/**
 * The crystal of one structure document, built as a job builds it (the domain's builders: space
 * group, completed cell, expanded sites, formula units) with the same checks of the geometry
 * (atom limit, overlapping atoms closer than 0.5 Å); its targets are not read. `path` is the JSON
 * pointer of the structure in what the user sent, for the errors.
 */
export function crystalOf(sd: StructureDocument, path = ''): SymmetrizedCrystal {
  const sg = getSpaceGroup(sd.spaceGroup ?? 1, { originChoice: sd.origin, rhombohedralAxes: sd.rhombohedralAxes }, `${path}/spaceGroup`);
  const lattice = latticeOfCell(sg, sd.cell, `${path}/cell`);
  checkSiteCount(sg, sd.sites.length, DEFAULT_MAX_ATOMS, sd.id, path);
  const c = symmetrizedCrystal({ id: sd.id, ...(sd.label !== undefined ? { label: sd.label } : {}), spaceGroup: sg, lattice, sites: sd.sites, path: `${path}/sites` });
  if (c.structure.numAtoms > DEFAULT_MAX_ATOMS) throw new DomainError('LIMIT_EXCEEDED', `structure ${sd.id} has ${c.structure.numAtoms} atoms in its cell; the limit is ${DEFAULT_MAX_ATOMS}`, { path: `${path}/sites` });
  checkOverlaps(c.structure, c.siteOfAtom, 0.5, path);
  return c;
}

type CellKey = keyof LatticeParameters;
export const CELL_KEYS: readonly CellKey[] = ['a', 'b', 'c', 'alpha', 'beta', 'gamma'];

/** The cell parameters a space group leaves free (see `crystal/cell-parameters.ts`). */
export function freeCellKeys(sg: SpaceGroup): CellKey[] {
  if (sg.rhombohedralAxes) return ['a', 'alpha'];
  switch (sg.crystalSystem) {
    case 'triclinic':
      return ['a', 'b', 'c', 'alpha', 'beta', 'gamma'];
    case 'monoclinic':
      return ['a', 'b', 'c', 'beta'];
    case 'orthorhombic':
      return ['a', 'b', 'c'];
    case 'tetragonal':
    case 'trigonal':
    case 'hexagonal':
      return ['a', 'c'];
    case 'cubic':
      return ['a'];
  }
}

/** Only the free parameters of a complete cell, in the order a, b, c, alpha, beta, gamma. */
export function reduceCell(sg: SpaceGroup, cell: LatticeParameters): Partial<LatticeParameters> {
  const out: Partial<LatticeParameters> = {};
  for (const k of freeCellKeys(sg)) out[k] = cell[k];
  return out;
}

/**
 * Formula units in the primitive cell: GULP works on the primitive cell of a centred space group
 * (its "Primitive unit cell" energy), so its energies are per primitive cell.
 */
export function primitiveFormulaUnits(c: SymmetrizedCrystal): number {
  return c.z / centringMultiplicity(c.spaceGroup.centring, c.spaceGroup.rhombohedralAxes);
}

/** A structure id the job schema accepts, made from any name (`CdSe WZ (exp)` → `CdSe_WZ_exp`). */
export function sanitizeId(name: string, fallback: string): string {
  const s = name.trim().replace(/[^A-Za-z0-9_.:+-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 100);
  return s || fallback;
}

/** Element symbol at the start of a species name or label: `Se`, `Se1`, `O_w`, `Cd2+` → Se, Se, O, Cd. */
export function elementOf(name: string): string | undefined {
  const m = /^([A-Z][a-z]?)/.exec(name.trim()) ?? /^([a-z][a-z]?)/i.exec(name.trim());
  if (!m) return undefined;
  const s = m[1]!;
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/** PARSE_ERROR with the line number (1-based) in `detail.line`. */
export function parseError(message: string, line?: number, extra: Record<string, unknown> = {}): DomainError {
  return new DomainError('PARSE_ERROR', line === undefined ? message : `line ${line}: ${message}`, { ...(line === undefined ? {} : { line }), ...extra });
}

/**
 * Comment lines for pairs with a smooth cut-off (`cutoffMode` shifted-force or taper): this file
 * writes them plainly truncated, so near the cut-off its energies differ from latticefit's.
 */
export function smoothCutoffNotes(pairs: readonly PairPotentialSpec[]): string[] {
  return pairs
    .filter((p) => p.cutoffMode && p.cutoffMode !== 'truncate')
    .map((p) => `# NOTE: ${p.species.join('-')} uses cutoffMode ${p.cutoffMode}${p.cutoffMode === 'taper' ? ` (width ${p.taperWidth ?? 1} Ang)` : ''} in latticefit; written here plainly truncated at ${p.cutoff} Ang, so energies near the cut-off differ`);
}
