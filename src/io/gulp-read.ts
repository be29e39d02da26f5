/**
 * GULP input (.gin) → job document.
 *
 * Read: the keyword line (`fit`, `relax`, `opti`, `conp`, `prop`/`property`; keywords that change
 * the physics, such as `conv`, `c6`, `free`, `shell`, are refused; others are listed), `title`,
 * `name`, `cell` (six numbers, optional flags), `vectors`, `fractional` / `cartesian` core lines
 * (`Cd core x y z [q] [occ] [radius] [flags]` or `Cd x y z`), `space` / `spacegroup` (symbol or
 * number, same or next line), `origin`, `species`, `buckingham` with `A rho C [rmin] rmax [flags]`
 * and `lennard` (12 6 only) as `A B` or `epsilon sigma` (GULP's `lennard epsilon [zero]`), each
 * with an energy unit (`ev`, `kcal`, `kjmol`, `au`: `GULP_ENERGY_UNITS`), `observables`
 * (`elastic`, `bulk_modulus`, `shear_modulus`, `energy`, `reaction` where it is a relative energy
 * per formula unit, `weight`), `default_weight`, `pressure` (per configuration, as GULP's
 * `presscfg`), `ditto`, `library` (through `GulpReadOptions.library`), `supercell` (the input
 * cell is kept and the note says so), `#` comments and `&` continuation. Several structures follow
 * one another, each started by a new `name`, `cell` or `ditto` as GULP allows. In relax fitting the
 * input cell is observed (see `gulp-common.ts`): its free parameters become fitted targets.
 *
 * Each option line is handled by the first entry of `OPTION_HANDLERS` whose test matches its first
 * word. Anything not translated is returned in `untranslated` with its line and the reason; anything
 * whose omission would change the answer (an unknown potential option or unit, a potential form,
 * temperature, cut-off options, a missing library, shells) throws PARSE_ERROR naming the line.
 * Comment lines `#latticefit ...` written by `writeGulpInput` restore what GULP cannot say; GULP's
 * own content wins wherever both speak.
 */
import { DomainError, isDomainError } from '../errors.js';
import type { JobDocument, PotentialDocument, PropertyTarget, StructureDocument } from '../document/schema.js';
import { DEFAULT_WEIGHTS, type WeightClass } from '../properties/vocabulary.js';
import { Lattice, type LatticeParameters } from '../crystal/lattice.js';
import { getSpaceGroup, type SpaceGroup } from '../crystal/spacegroups/index.js';
import { completeCell } from '../crystal/cell-parameters.js';
import type { Mat3, Vec3 } from '../math/linalg.js';
import { pairKey } from '../potentials/forcefield.js';
import { CELL_KEYS, crystalOf, freeCellKeys, parseError, parseNumber, primitiveFormulaUnits, reduceCell, sanitizeId, type UntranslatedLine } from './common.js';
import {
  GULP_DEFAULT_WEIGHTS,
  GULP_WEIGHT_CLASSES,
  META_PREFIX,
  gulpObservableKind,
  gulpWeightName,
  type GulpWeightName,
  type JobMeta,
  type ObservableContext,
  type StructureMeta,
} from './gulp-common.js';

export type { UntranslatedLine } from './common.js';

export interface GulpReadResult {
  document: JobDocument;
  untranslated: UntranslatedLine[];
}

export interface GulpReadOptions {
  /**
   * The text of the library file a `library NAME` line names (GULP looks beside the input, then in
   * $GULP_LIB, and adds `.lib` when the name has no extension), or undefined when there is none:
   * then the import fails (PARSE_ERROR), since the potentials would be missing.
   */
  library?: (name: string) => string | undefined;
}

/**
 * Energy units GULP accepts on a potential's option line (GULP 6.1 Src/modules.F90 and
 * Src/potword21.F90: words starting `kc`, `kj`, `au`), in eV: kcal/mol, kJ/mol, hartree.
 */
export const GULP_ENERGY_UNITS: Readonly<Record<'ev' | 'kcal' | 'kjmol' | 'au', number>> = {
  ev: 1,
  kcal: 4.3364432032e-2,
  kjmol: 1.0364348e-2,
  au: 27.211386245988,
};

/**
 * GULP's bohr in Å (Src/modules.F90 `autoangs`), for `cell au`, `vectors au` and `cartesian au`,
 * which GULP reads in bohr.
 */
export const GULP_BOHR_ANGSTROM = 0.529177;

/** The length unit words after `cell`, `vectors`, `cartesian`: `au` (bohr) as GULP reads them, else Å. */
const lengthScale = (words: string[]): number => (words.some((w) => w.toLowerCase().startsWith('au')) ? GULP_BOHR_ANGSTROM : 1);

/** The unit word of a potential option, or undefined. */
function unitOf(word: string): keyof typeof GULP_ENERGY_UNITS | undefined {
  const w = word.toLowerCase();
  if (w === 'ev') return 'ev';
  if (w.startsWith('kc')) return 'kcal';
  if (w.startsWith('kj')) return 'kjmol';
  if (w === 'au') return 'au';
  return undefined;
}

/** Option words of a potential that only matter for molecules (`molecule` is refused): harmless on a crystal. */
const MOLECULAR_SCOPE = /^(inte|intr|both)/;

/**
 * Options, keywords and potentials GULP accepts that change the physics latticefit would compute:
 * the import fails with the line and this reason rather than give a silently different answer.
 */
const REFUSED_OPTIONS: [RegExp, string][] = [
  [/^temp/, 'temperature: latticefit is a static-lattice code (no free energy, no thermal expansion)'],
  [/^cutp/, 'cutp: a global potential cut-off (and taper) changes every pair potential; give each potential its own cut-off instead'],
  [/^cuts/, 'cuts: core-shell cut-off of a shell model (latticefit is rigid-ion)'],
  [/^(stress|strain)$/, `applied stress or strain: latticefit applies a hydrostatic pressure only`],
  [/^anis/, 'anisotropic pressure: latticefit applies a hydrostatic pressure only'],
  [/^(qeq|eem|pacha|smel|qelect)/, 'variable-charge models are not supported'],
  [/^(moli|mole|molm|molq)$/, 'molecule keywords: latticefit has no molecular connectivity'],
  [/^(spri|thre|four|tors|morse|harm|gene|buck4|bsm|tang)/, 'this potential form is not supported (latticefit has Buckingham and Lennard-Jones pair potentials and Ewald Coulomb)'],
  [/^(eam|manyb|tersoff|reaxff|brenner|edip|meam|epsilon|atomab|c6)/, 'this potential or energy term is not supported (rigid-ion pair potentials only)'],
  [/^(fiel|exte)/, 'an external field is not supported'],
  [/^scal/, 'scale: a factor on the lattice vectors and cartesian coordinates that follow; apply it to the numbers instead'],
  [/^symmetry_(o|c)/, 'symmetry operators given by hand: give the space group (space) instead'],
  [/^(qwol|cwol)/, 'the Wolf sum replaces the Ewald sum of the Coulomb (qwolf) or dispersion (cwolf) energy with a truncated, shifted one: another energy'],
  [/^pola/, 'polarisability: point-ion polarisabilities are not supported (rigid point charges only)'],
  [/^transl/, 'translate: GULP repeats the calculation with atoms moved step by step along a vector (a scan); latticefit computes each structure once, as given'],
  [/^scan_c/, 'scan_cell: GULP repeats the calculation over a series of strained cells (a scan); latticefit computes each structure once, as given'],
];
const REFUSED_KEYWORDS: Record<string, string> = {
  c6: 'the C6 Ewald sum changes the dispersion energy (latticefit truncates each pair at its cut-off)',
  free: 'free-energy minimisation: latticefit is a static-lattice code',
  zsisa: 'free-energy minimisation: latticefit is a static-lattice code',
  noel: 'noelectrostatics switches the Coulomb energy off; latticefit always includes it',
  qeq: 'variable charges are not supported',
  eem: 'variable charges are not supported',
  breathe: 'breathing shells are not supported',
  shell: 'shells are not supported (rigid-ion model only)',
  molecule: 'molecules are not supported',
  molq: 'molecules are not supported',
  molmec: 'molecules are not supported',
  rigid: 'rigid molecules are not supported',
  md: 'molecular dynamics is not supported',
  dipo: 'dipole adds a correction for the dipole moment of the cell to the energy; latticefit sums the Coulomb energy with tin-foil boundary conditions and no such term',
  zdip: 'zdipole adds a correction for the dipole moment of the cell to the energy; latticefit sums the Coulomb energy with tin-foil boundary conditions and no such term',
  cosm: 'COSMO solvation is not supported',
  norea: 'noreal leaves the real-space part of the Ewald sum out; latticefit always sums all of it',
  noreci: 'norecip leaves the reciprocal-space part of the Ewald sum out; latticefit always sums all of it',
};

interface Line {
  line: number;
  text: string;
  tokens: string[];
  meta?: { kind: string; data: unknown };
}

interface Coord {
  species: string;
  xyz: Vec3;
  cartesian: boolean;
  charge?: number;
  line: number;
}

type Obs =
  | { kind: 'elastic'; i: number; j: number; value: number; weight?: number; line: number }
  | { kind: 'bulk_modulus' | 'shear_modulus' | 'energy'; value: number; weight?: number; line: number };

interface Reaction {
  value: number;
  weight?: number;
  terms: { cfg: number; coeff: number }[];
  line: number;
  text: string;
}

interface Config {
  line: number;
  name?: string;
  cell?: { values: number[]; line: number };
  vectors?: { rows: Vec3[]; line: number };
  coords: Coord[];
  space?: { value: string; line: number };
  origin?: 1 | 2;
  /** `origin x y z` (fractions) or `origin ix iy iz` (24ths): the given coordinates plus this shift are the standard setting's. */
  originShift?: { shift: Vec3; line: number; text: string };
  observables: Obs[];
  meta?: StructureMeta;
  /** `pressure` given inside this configuration, GPa. */
  pressure?: number;
  /** `supercell n1 n2 n3`. */
  supercell?: { n: [number, number, number]; line: number };
}

/**
 * GULP recognises a keyword by the start of the word (`optimisation` is opti, `properties` prop,
 * `relaxed` relax, `eharmonic` ehar): these prefixes, each mapped to the name this reader uses.
 */
const KEYWORD_PREFIXES: readonly [string, string][] = [['opti', 'opti'], ['prop', 'prop'], ['rela', 'relax'], ['fit', 'fit'], ['conp', 'conp'], ['conv', 'conv'], ['ehar', 'eharmonic']];
/** The reader's name of a keyword word (lower case): by its GULP prefix, else the word. */
const keywordName = (w: string): string => KEYWORD_PREFIXES.find(([p]) => w.startsWith(p))?.[1] ?? w;
const TRANSLATED_KEYWORDS = new Set(['fit', 'relax', 'opti', 'conp', 'conv', 'prop']);
/** Keywords (reader's names) that may continue a keyword line. */
const KNOWN_KEYWORDS = new Set([...TRANSLATED_KEYWORDS, 'eharmonic', 'simul', 'simultaneous', 'single', 'comp', 'nosym', 'full', 'phon', 'noden']);
const KEYWORD_REASONS: Record<string, string> = {
  simul: 'simultaneous fitting of shell positions: latticefit is a rigid-ion code and always relaxes all ions',
  simultaneous: 'simultaneous fitting of shell positions: latticefit is a rigid-ion code and always relaxes all ions',
  single: 'single-point run: latticefit computes properties at the relaxed structure',
  eharmonic:
    'translated as a single point (options.relax false): GULP does not optimise with eharmonic either; the harmonic estimate of the relaxation energy, which GULP adds to its total lattice energy ("Harmonic relaxation energy"), is not computed: latticefit reports the energy of the structure as given',
};

/** A data line of a GULP block starts with a species label (`Cd`, `O2`, `O_w`) or an atomic number. */
const isDataLine = (t: string[]): boolean => t.length > 0 && (/^[A-Za-z]{1,2}(\d\w*|_\w*)?$/.test(t[0]!) || parseNumber(t[0]!) !== undefined);

/** Core and shell markers after a species (`c` and `s` in lower case only: `C` and `S` are elements). */
const CORE = /^((core|cor|bcor|bco)|c)$/i;
const SHELL = /^((shel|shell|she|bshe|bsh)|s)$/i;
const isCore = (w: string | undefined): boolean => w !== undefined && w !== 'C' && CORE.test(w);
const isShell = (w: string | undefined): boolean => w !== undefined && w !== 'S' && SHELL.test(w);

export function readGulp(text: string, readOptions: GulpReadOptions = {}): GulpReadResult {
  const lines = logicalLines(text);
  const untranslated: UntranslatedLine[] = [];
  const skip = (l: Line, reason: string): void => {
    untranslated.push({ line: l.line, text: l.text.trim(), reason });
  };

  const keywords = new Set<string>();
  let title: string | undefined;
  let jobMeta: JobMeta | undefined;
  const configs: Config[] = [];
  const species = new Map<string, number>();
  const potentials: (PotentialDocument & { line: number })[] = [];
  const reactions: Reaction[] = [];
  const weightsSet: Partial<Record<GulpWeightName, number>> = {};
  let pressure: number | undefined;
  let maxIterations: number | undefined;
  /** Explicit observables in input order (GULP numbers them for `weight`); null: untranslated. */
  const numbered: (Obs | Reaction | null)[] = [];
  const pendingWeights: { index: number; weight: number; line: Line }[] = [];

  let cur: Config | undefined;
  const newConfig = (line: number): Config => {
    cur = { line, coords: [], observables: [] };
    configs.push(cur);
    return cur;
  };
  const config = (line: number): Config => cur ?? newConfig(line);

  let i = 0;
  const peek = (): Line | undefined => lines[i];
  const dataLines = (): Line[] => {
    const out: Line[] = [];
    while (i < lines.length && !lines[i]!.meta && isDataLine(lines[i]!.tokens)) out.push(lines[i++]!);
    return out;
  };

  // keyword line: the first line, unless it is already an option
  const first = lines.find((l) => !l.meta);
  if (first && !isOption(first.tokens[0]!)) {
    for (const k of first.tokens) {
      const w = keywordName(k.toLowerCase());
      keywords.add(w);
      const refused = Object.entries(REFUSED_KEYWORDS).find(([p]) => w.startsWith(p) && (w.length >= 3 || w === p));
      if (refused) throw parseError(`keyword "${k}": ${refused[1]}`, first.line);
      if (!TRANSLATED_KEYWORDS.has(w)) skip({ ...first, text: k }, KEYWORD_REASONS[w] ?? `keyword "${k}" has no latticefit equivalent`);
    }
    i = lines.indexOf(first) + 1;
    // a keyword line may continue on following lines made only of known keywords
    while (i < lines.length && !lines[i]!.meta && lines[i]!.tokens.every((t) => KNOWN_KEYWORDS.has(keywordName(t.toLowerCase())))) {
      for (const k of lines[i]!.tokens) keywords.add(keywordName(k.toLowerCase()));
      i++;
    }
  }
  const fitting = keywords.has('fit');
  if (fitting && keywords.has('conv')) {
    throw parseError('keyword "conv" with "fit": latticefit fits at constant pressure only (the fixed cell of conv, options.relaxCell false, is for properties jobs); remove conv to import the fit', first!.line);
  }

  /**
   * What each option line does, in GULP's order of precedence: the first entry whose test matches
   * the line's first word (lower case) handles it and the data lines that follow.
   */
  const OPTION_HANDLERS: [(word: string, l: Line) => boolean, (l: Line, word: string, rest: string[]) => void][] = [
    [
      (word) => word.startsWith('titl'),
      (l, word, rest) => {
        const t: string[] = [];
        while (i < lines.length && lines[i]!.tokens[0]?.toLowerCase() !== 'end') t.push(lines[i++]!.text.trim());
        i++;
        title = t.join(' ');
      },
    ],
    [
      (word) => word === 'name',
      (l, word, rest) => {
        const c = cur && (cur.cell || cur.vectors || cur.coords.length || cur.name !== undefined) ? newConfig(l.line) : config(l.line);
        c.name = rest.join(' ');
      },
    ],
    [
      (word) => word === 'cell',
      (l, word, rest) => {
        const c = cur && (cur.cell || cur.vectors) ? newConfig(l.line) : config(l.line);
        let nums: (number | undefined)[] = rest.map(parseNumber).filter((x) => x !== undefined);
        let at = l;
        if (nums.length === 0) {
          at = lines[i++] ?? l;
          nums = at.tokens.map(parseNumber);
        }
        if (nums.length < 6 || nums.slice(0, 6).some((x) => x === undefined)) throw parseError('cell needs six numbers: a b c alpha beta gamma [six flags]', at.line);
        const scale = lengthScale(rest);
        c.cell = { values: (nums.slice(0, 6) as number[]).map((x, k) => (k < 3 ? x * scale : x)), line: at.line };
        if (nums.length > 6 && nums.length !== 12) skip(at, 'cell flags: expected six');
      },
    ],
    [
      (word) => word.startsWith('vect'),
      (l, word, rest) => {
        const c = cur && (cur.cell || cur.vectors) ? newConfig(l.line) : config(l.line);
        const rows: Vec3[] = [];
        for (let k = 0; k < 3; k++) {
          const r = lines[i++];
          const v = r?.tokens.map(parseNumber) ?? [];
          if (!r || v.length < 3 || v.slice(0, 3).some((x) => x === undefined)) throw parseError('vectors needs three lines of three numbers', r?.line ?? l.line);
          rows.push(v.slice(0, 3).map((x) => x! * lengthScale(rest)) as Vec3);
        }
        // optional line of six strain flags
        const f = peek();
        if (f && !f.meta && f.tokens.length === 6 && f.tokens.every((t) => /^[01]$/.test(t))) i++;
        c.vectors = { rows, line: l.line };
      },
    ],
    [
      (word) => word.startsWith('frac') || word.startsWith('cart'),
      (l, word, rest) => {
        const c = config(l.line);
        const cartesian = word.startsWith('cart');
        // GULP: a number is a region only after the word region (a bare number is an atom count, ignored)
        const region = rest.some((w) => w.toLowerCase().startsWith('regi')) ? rest.map(parseNumber).find((x) => x !== undefined) : undefined;
        if (region !== undefined && region !== 1) skip(l, `region ${region}: latticefit has no regions; its atoms are read as part of the crystal`);
        const scale = cartesian ? lengthScale(rest) : 1;
        for (const d of dataLines()) {
          const a = readCoord(d, cartesian, skip);
          c.coords.push(scale === 1 ? a : { ...a, xyz: a.xyz.map((x) => x * scale) as Vec3 });
        }
      },
    ],
    [
      (word) => word.startsWith('spac'),
      (l, word, rest) => {
        const c = config(l.line);
        if (rest.length) c.space = { value: rest.join(' '), line: l.line };
        else {
          const s = lines[i++];
          if (!s || s.meta) throw parseError('space needs a symbol or number on the next line', l.line);
          c.space = { value: s.tokens.join(' '), line: s.line };
        }
      },
    ],
    [
      (word) => word.startsWith('orig'),
      (l, word, rest) => {
        // GULP: one number is the origin choice; three are a shift of the origin, each read as a
        // fraction when below 1 and as 24ths otherwise, rounded to 24ths (so 0 0 16 is 0 0 2/3)
        let at: Line = l;
        let nums = rest.map(parseNumber);
        if (!rest.length && lines[i] && !lines[i]!.meta) {
          at = lines[i++]!;
          nums = at.tokens.map(parseNumber);
        }
        const c = config(l.line);
        if (nums.length === 1 && (nums[0] === 1 || nums[0] === 2)) {
          c.origin = nums[0];
          delete c.originShift;
        } else if (nums.length >= 3 && nums.slice(0, 3).every((x) => x !== undefined)) {
          const shift = nums.slice(0, 3).map((x) => Math.round(x! < 1 ? 24 * x! : x!) / 24) as Vec3;
          c.originShift = { shift, line: at.line, text: at === l ? l.text.trim() : `${l.text.trim()} ${at.text.trim()}` };
          delete c.origin;
        } else throw parseError('origin needs the origin choice (1 or 2) or a shift of three numbers (fractions, or 24ths)', l.line);
      },
    ],
    [
      (word) => word.startsWith('spec'),
      (l, word, rest) => {
        const n = parseNumber(rest[0] ?? '');
        const block = n !== undefined ? lines.slice(i, i + n) : dataLines();
        if (n !== undefined) i += n;
        for (const d of block) {
          const t = d.tokens;
          let k = 1;
          if (isShell(t[1])) throw parseError(`shells are not supported (rigid-ion model only): "${d.text.trim()}"`, d.line);
          if (isCore(t[1])) k = 2;
          const q = parseNumber(t[k] ?? '');
          if (q === undefined) throw parseError(`species line needs a charge: "${d.text.trim()}"`, d.line);
          species.set(t[0]!, q);
          if (t.length > k + 1) skip(d, `extra fields after the charge of ${t[0]} are ignored`);
        }
      },
    ],
    [
      (word) => word.startsWith('buck') && !word.startsWith('buck4'),
      (l, word, rest) => {
        const { units } = potentialOptions(l, rest, [], skip);
        for (const d of dataLines()) {
          const p = readPair(d, 'buckingham', fitting, skip, units);
          if (p) potentials.push(p);
        }
      },
    ],
    [
      (word) => word.startsWith('lenn'),
      (l, word, rest) => {
        const nums = rest.map(parseNumber).filter((x): x is number => x !== undefined);
        if (!(nums.length === 0 || (nums[0] === 12 && (nums[1] ?? 6) === 6))) throw parseError(`lennard ${nums.join(' ')}: latticefit has the 12-6 form only`, l.line);
        const { units, flags } = potentialOptions(l, rest, ['epsilon', 'zero'], skip);
        // GULP: E = epsilon (c1 (sigma/r)^12 - c2 (sigma/r)^6); c1 = 1, c2 = 2 (sigma at the minimum)
        // by default, c1 = c2 = 4 with `zero` (sigma where E = 0). Both are A/r^12 - B/r^6.
        const form = flags.has('epsilon') ? (flags.has('zero') ? { a: 4, b: 4 } : { a: 1, b: 2 }) : undefined;
        if (!form && flags.has('zero')) skip(l, 'zero applies to the epsilon form only');
        for (const d of dataLines()) {
          const p = readPair(d, 'lennard-jones', fitting, skip, units, form);
          if (p) potentials.push(p);
        }
      },
    ],
    [
      (word) => word.startsWith('obse'),
      (l, word, rest) => {
        i = readObservables(lines, i, l, config, reactions, numbered, pendingWeights, skip);
      },
    ],
    [
      (word) => word.startsWith('defa'),
      (l, word, rest) => {
        const name = gulpWeightName(rest[0] ?? '');
        const v = parseNumber(rest[1] ?? '');
        if (name && v !== undefined) weightsSet[name] = Math.abs(v);
        else skip(l, `default_weight ${rest[0] ?? ''}: no latticefit weight class`);
      },
    ],
    [
      (word) => word.startsWith('pres'),
      (l, word, rest) => {
        const v = parseNumber(rest[0] ?? '');
        const unit = (rest[1] ?? 'gpa').toLowerCase();
        const factor: Record<string, number> = { gpa: 1, mpa: 1e-3, kpa: 1e-6, pa: 1e-9, kbar: 0.1, bar: 1e-4, atm: 1.01325e-4 };
        if (v === undefined || factor[unit] === undefined) throw parseError('pressure: expected a value and a unit (GPa, MPa, kPa, Pa, kbar, bar, atm)', l.line);
        // GULP's pressure belongs to the configuration it follows; before any, to all of them
        if (cur) cur.pressure = v * factor[unit]!;
        else pressure = v * factor[unit]!;
      },
    ],
    [
      (word) => word.startsWith('maxc'),
      (l, word, rest) => {
        // maxcyc [opt|fit] N: the fit's cycle limit becomes options.maxIterations; the optimiser's
        // has no counterpart (relaxations run to convergence)
        const which = (rest[0] ?? '').toLowerCase();
        const v = parseNumber(which.startsWith('fit') || which.startsWith('opt') ? (rest[1] ?? '') : which);
        if (which.startsWith('fit') && v !== undefined && Number.isInteger(v) && v >= 0) maxIterations = v;
        else skip(l, which.startsWith('fit') ? 'maxcyc fit: expected a whole number' : 'maxcyc for the optimiser: latticefit relaxes to convergence (its own iteration limit is not in the job document)');
      },
    ],
    [
      (word) => word.startsWith('ditt'),
      (l, word, rest) => {
        // ditto [structure] [n]: a new configuration with the structure of configuration n (default: the last)
        const n = rest.map(parseNumber).find((x) => x !== undefined);
        const src = n !== undefined ? configs[n - 1] : cur;
        if (!src || !(src.cell || src.vectors)) throw parseError(`ditto: there is no configuration ${n ?? ''} to copy`.replace('  ', ' '), l.line);
        const c = newConfig(l.line);
        if (src.cell) c.cell = { ...src.cell };
        if (src.vectors) c.vectors = { ...src.vectors };
        c.coords = src.coords.map((a) => ({ ...a }));
        if (src.space) c.space = { ...src.space };
        if (src.origin !== undefined) c.origin = src.origin;
        if (src.originShift) c.originShift = { ...src.originShift };
        if (src.name !== undefined) c.name = `${src.name}-${configs.length}`;
      },
    ],
    [
      (word) => word.startsWith('libr'),
      (l, word, rest) => {
        const name = rest[0];
        const body = name !== undefined ? readOptions.library?.(name) : undefined;
        if (body === undefined) throw parseError(`library ${name ?? ''}: the library file is not available to the import (its potentials and charges would be missing)`, l.line);
        // GULP reads the library's species and potentials as if they stood here
        const libLines = logicalLines(body).map((x) => ({ ...x, line: l.line, text: `${name}: ${x.text.trim()}` }));
        lines.splice(i, 0, ...libLines);
      },
    ],
    [
      (word) => word.startsWith('supe'),
      (l, word, rest) => {
        const n = rest.map(parseNumber);
        if (n.length !== 3 || n.some((x) => x === undefined || !Number.isInteger(x) || x < 1)) throw parseError('supercell needs three whole numbers', l.line);
        config(l.line).supercell = { n: n as [number, number, number], line: l.line };
      },
    ],
    [
      (word) => REFUSED_OPTIONS.some(([re]) => re.test(word)),
      (l, word, rest) => {
        throw parseError(`option "${l.tokens[0]}": ${REFUSED_OPTIONS.find(([re]) => re.test(word))![1]}`, l.line);
      },
    ],
    [
      (word) => word === 'end',
      (l, word, rest) => {
        // a stray end closes nothing
      },
    ],
    [
      (word, l) => isDataLine(l.tokens),
      (l, word, rest) => {
        skip(l, 'data line outside a block');
      },
    ],
  ];

  while (i < lines.length) {
    const l = lines[i++]!;
    if (l.meta) {
      if (l.meta.kind === 'job') jobMeta = l.meta.data as JobMeta;
      else if (l.meta.kind === 'structure') config(l.line).meta = l.meta.data as StructureMeta;
      else skip(l, `unknown ${META_PREFIX} metadata "${l.meta.kind}"`);
      continue;
    }
    const word = l.tokens[0]!.toLowerCase();
    const rest = l.tokens.slice(1);
    const handler = OPTION_HANDLERS.find(([matches]) => matches(word, l));
    if (handler) handler[1](l, word, rest);
    else {
      skip(l, `option "${l.tokens[0]}" has no latticefit equivalent`);
      for (const d of dataLines()) skip(d, `data of the untranslated option "${l.tokens[0]}"`);
    }
  }

  // weights given by observable number
  for (const w of pendingWeights) {
    const o = numbered[w.index - 1];
    if (o) o.weight = w.weight;
    else skip(w.line, `weight of observable ${w.index}: it is not a translated observable (structural observables of relax fitting are numbered by GULP after the explicit ones)`);
  }

  // species
  const charges = new Map(species);
  for (const c of configs)
    for (const a of c.coords)
      if (!charges.has(a.species)) {
        if (a.charge !== undefined) charges.set(a.species, a.charge);
        else {
          charges.set(a.species, 0);
          untranslated.push({ line: a.line, text: a.species, reason: `no charge is given for ${a.species} (no species line, no charge on its coordinates): set to 0` });
        }
      }

  // one pressure in every configuration is the job's
  const withStructure = configs.filter((c) => (c.cell || c.vectors) && c.coords.length);
  const firstPressure = withStructure[0]?.pressure;
  if (pressure === undefined && firstPressure !== undefined && withStructure.every((c) => c.pressure === firstPressure)) {
    pressure = firstPressure;
    for (const c of withStructure) delete c.pressure;
  }
  // GULP's conventional fit (fit without relax) also fits each structure's strain and internal
  // derivatives at its given geometry (its "Derivative" observables, weight 1); latticefit's
  // conventional fit has no such targets, so a GULP input would end at other parameters. A file
  // latticefit wrote (its metadata present) means latticefit's conventional fit and stays translated.
  if (fitting && !keywords.has('relax') && !jobMeta) {
    throw parseError(
      'keyword "fit" without "relax": GULP\'s conventional fit also fits the strain and internal derivatives of each structure at its given geometry, which latticefit\'s conventional fit (options.relax false) does not, so the fit would end at other parameters; use "fit relax" (relaxed fitting, translated) or a job document with options.relax false',
      first?.line,
    );
  }
  const options = buildOptions(keywords, weightsSet, pressure, jobMeta);
  if (maxIterations !== undefined) options.maxIterations = maxIterations;
  // GULP's elastic constants at a non-zero pressure are its own definition (properties/elastic.ts)
  if (!jobMeta && ((pressure ?? 0) !== 0 || configs.some((c) => (c.pressure ?? 0) !== 0))) {
    if (options.elasticConstants === undefined) options.elasticConstants = 'gulp';
  }
  const resolvedWeights = { ...DEFAULT_WEIGHTS, ...(options.defaultWeights as Partial<Record<WeightClass, number>> | undefined) };
  const octxBase = {
    fitting,
    relax: options.relax !== false,
    bulkModulus: (options.bulkModulus as ObservableContext['bulkModulus'] | undefined) ?? 'reuss',
    shearModulus: (options.shearModulus as ObservableContext['shearModulus'] | undefined) ?? 'hill',
  };

  // structures
  const usable = configs.filter((c) => {
    if ((c.cell || c.vectors) && c.coords.length) return true;
    untranslated.push({ line: c.line, text: c.name ?? '(unnamed configuration)', reason: c.cell || c.vectors ? 'configuration without atoms' : 'configuration without a cell (latticefit handles 3-D crystals only)' });
    return false;
  });
  if (!usable.length) throw parseError('no structure: a 3-D configuration needs a cell (or vectors) and fractional or cartesian coordinates');
  const ids = new Set<string>();
  const built = usable.map((c, n) => buildStructure(c, n, ids, octxBase, resolvedWeights));
  // pressures of their own, and supercells
  const jobPressure = pressure ?? 0;
  for (const b of built) {
    const c = b.config;
    if (c.pressure !== undefined && c.pressure !== jobPressure) b.sd.pressure = c.pressure;
    if (c.originShift) {
      const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
      const frac = (x: number): string => {
        const n = Math.round(x * 24);
        const d = gcd(Math.abs(n), 24);
        return n === 0 ? '0' : d === 24 ? `${n / 24}` : `${n / d}/${24 / d}`;
      };
      untranslated.push({
        line: c.originShift.line,
        text: c.originShift.text,
        reason: `translated: the coordinates of ${b.sd.id} are moved by (${c.originShift.shift.map(frac).join(', ')}) into the setting of ${b.sg.symbol}${b.sg.originChoice ? ` (origin choice ${b.sg.originChoice})` : ''} latticefit uses, where GULP shifts the symmetry operators instead (the same crystal, translated); latticefit reports coordinates in that setting`,
      });
    }
    if (c.supercell) {
      const [n1, n2, n3] = c.supercell.n;
      untranslated.push({
        line: c.supercell.line,
        text: `supercell ${n1} ${n2} ${n3}`,
        reason: `translated as the input cell of ${b.sd.id}: a perfect crystal's ${n1}×${n2}×${n3} supercell has the same cell per formula unit, Cij and moduli, and latticefit reports the input (conventional) cell and energies per formula unit; GULP reports the supercell (its energy ${n1 * n2 * n3}× that of the input cell, its edges ${n1}a, ${n2}b, ${n3}c)`,
      });
      b.sd.label = `${b.sd.label ?? b.sd.id} (GULP supercell ${n1}×${n2}×${n3} of this cell)`;
    }
  }
  // relax fitting: GULP also observes each free fractional coordinate at its input value (weight
  // `frac`); latticefit has no coordinate target, so say which are left out (none when the weight is 0)
  const fracWeight = weightsSet.frac ?? GULP_DEFAULT_WEIGHTS.frac;
  if (fitting && keywords.has('relax') && !jobMeta && fracWeight !== 0) {
    for (const b of built) {
      b.config.coords.forEach((a, k) => {
        const n = freeCoordinates(b.sg, b.sd.sites[k]!.frac as Vec3);
        if (n > 0)
          untranslated.push({
            line: a.line,
            text: `${a.species} ${a.xyz.join(' ')}`,
            reason: `relax fitting: GULP also fits the ${n} free fractional coordinate${n > 1 ? 's' : ''} of this site of ${b.sd.id} to ${n > 1 ? 'their' : 'its'} input value (default_weight frac ${fracWeight}); latticefit has no coordinate target, so its fit leaves ${n > 1 ? 'them' : 'it'} out (with default_weight frac 0 both fits agree)`,
          });
      });
    }
  }
  const crystals = built.map((b) => {
    try {
      return crystalOf(b.sd);
    } catch (e) {
      if (isDomainError(e)) throw parseError(`structure ${b.sd.id}: ${e.message}`, b.config.line, { code: e.code });
      throw e;
    }
  });

  // energies: GULP's are per primitive cell
  built.forEach((b, n) => {
    const zp = primitiveFormulaUnits(crystals[n]!);
    for (const o of b.config.observables)
      if (o.kind === 'energy') setTarget(b, 'latticeEnergy', o.value / zp, o.weight, 'energy', resolvedWeights);
  });
  for (const r of reactions) {
    const terms = r.terms.map((t) => ({ ...t, n: usable.indexOf(configs[t.cfg - 1]!) }));
    const fail = (why: string): void => {
      untranslated.push({ line: r.line, text: r.text, reason: `reaction ${why}` });
    };
    if (terms.some((t) => t.n < 0)) {
      fail('refers to a configuration that is not translated');
      continue;
    }
    const pos = terms.filter((t) => t.coeff > 0);
    const neg = terms.filter((t) => t.coeff < 0);
    if (terms.length !== 2 || pos.length !== 1 || neg.length !== 1) {
      fail('is not a relative energy of two structures (one positive and one negative coefficient)');
      continue;
    }
    const s = pos[0]!, ref = neg[0]!;
    const ks = s.coeff * primitiveFormulaUnits(crystals[s.n]!);
    const kr = -ref.coeff * primitiveFormulaUnits(crystals[ref.n]!);
    if (Math.abs(ks - kr) > 1e-6 * Math.max(ks, kr)) {
      fail('weighs the two structures unequally per formula unit: not a relative energy per formula unit');
      continue;
    }
    if (crystals[s.n]!.formula !== crystals[ref.n]!.formula) {
      fail(`relates ${crystals[s.n]!.formula} and ${crystals[ref.n]!.formula}: a relative energy needs one composition`);
      continue;
    }
    const b = built[s.n]!;
    setTarget(b, 'relativeEnergy', r.value / ks, r.weight, 'energy', resolvedWeights, { reference: built[ref.n]!.sd.id });
  }

  // order properties as the metadata had them, observables after
  for (const b of built) {
    const mp = b.meta?.properties;
    if (!b.props || !Object.keys(b.props).length) continue;
    const ordered: Record<string, unknown> = {};
    for (const k of Object.keys(mp ?? {})) if (k in b.props) ordered[k] = b.props[k];
    for (const [k, v] of Object.entries(b.props)) if (!(k in ordered)) ordered[k] = v;
    b.sd.properties = ordered as StructureDocument['properties'];
  }

  const doc: JobDocument = {
    ...(title !== undefined ? { name: title } : {}),
    species: Object.fromEntries([...charges].map(([s, q]) => [s, { charge: q, ...(jobMeta?.species?.[s] ?? {}) }])) as JobDocument['species'],
    potentials: orderPotentials(potentials, jobMeta, untranslated),
    structures: built.map((b) => orderStructure(b.sd)),
  };
  if (Object.keys(options).length || (jobMeta && jobMeta.options)) doc.options = options as JobDocument['options'];
  return { document: doc, untranslated: untranslated.sort((a, b) => a.line - b.line) };
}

/** Lines without comments, `&` continuations joined; `#latticefit` comments kept as metadata. */
function logicalLines(text: string): Line[] {
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  const out: Line[] = [];
  for (let n = 0; n < raw.length; n++) {
    const r = raw[n]!;
    if (r.startsWith(META_PREFIX + ' ')) {
      const m = /^#latticefit\s+(\S+)\s+(.*)$/.exec(r);
      let data: unknown;
      try {
        data = m ? JSON.parse(m[2]!) : undefined;
      } catch {
        data = undefined;
      }
      if (m && data !== undefined) out.push({ line: n + 1, text: r, tokens: ['#latticefit'], meta: { kind: m[1]!, data } });
      continue;
    }
    let t = r.replace(/#.*$/, '');
    const line = n + 1;
    while (/&\s*$/.test(t) && n + 1 < raw.length) t = t.replace(/&\s*$/, ' ') + raw[++n]!.replace(/#.*$/, '');
    t = t.replace(/&\s*$/, '');
    const tokens = t.trim().split(/\s+/).filter(Boolean);
    if (tokens.length) out.push({ line, text: t, tokens });
  }
  return out;
}

/** Words GULP reads as options (by their first letters, as GULP does). */
function isOption(word: string): boolean {
  const w = word.toLowerCase();
  return ['titl', 'name', 'cell', 'vect', 'frac', 'cart', 'spac', 'orig', 'spec', 'buck', 'lenn', 'obse', 'defa', 'pres', 'libr', 'dump', 'outp', 'maxc', 'cutp', 'cuts', 'swit', 'elem', 'vari', 'supe', 'accu', 'temp', 'star', 'stop', 'end'].some(
    (p) => w.startsWith(p) && w.length >= Math.min(p.length, 3),
  );
}

function readCoord(d: Line, cartesian: boolean, skip: (l: Line, reason: string) => void): Coord {
  const t = d.tokens;
  if (parseNumber(t[0]!) !== undefined) throw parseError(`atomic numbers as labels are not supported; give the species symbol: "${d.text.trim()}"`, d.line);
  let k = 1;
  const kind = t[1];
  if (isShell(kind)) throw parseError('shells are not supported (rigid-ion model only)', d.line, { text: d.text.trim() });
  if (isCore(kind)) k = 2;
  const words = t.slice(k).filter((w) => parseNumber(w) === undefined);
  if (words.length) skip(d, `markers ${words.join(' ')} after the coordinates are ignored`);
  let nums = t.slice(k).map(parseNumber).filter((x): x is number => x !== undefined);
  if (nums.length > 6) nums = nums.slice(0, nums.length - 3); // trailing three optimisation flags
  if (nums.length < 3) throw parseError(`coordinates need x y z: "${d.text.trim()}"`, d.line);
  const occ = nums[4];
  if (occ !== undefined && Math.abs(occ - 1) > 1e-6) throw parseError(`partial occupancy ${occ} of ${t[0]} is not supported: every site must be fully occupied`, d.line);
  if (nums[5] !== undefined && nums[5] !== 0) skip(d, `radius ${nums[5]} of ${t[0]} (breathing ions) is ignored`);
  return { species: t[0]!, xyz: [nums[0]!, nums[1]!, nums[2]!], cartesian, ...(nums[3] !== undefined ? { charge: nums[3] } : {}), line: d.line };
}

/**
 * The option words of a potential line (`buckingham kcal`, `lennard epsilon zero kjmol`): the energy
 * unit, the form words `allowed` and the molecular scope words, which are harmless on a crystal.
 * Any other word (energy/gradient shifts, tapers, combination rules, bonding) changes the potential:
 * PARSE_ERROR naming the line.
 */
function potentialOptions(l: Line, rest: string[], allowed: string[], skip: (l: Line, reason: string) => void): { units: number; flags: Set<string> } {
  let unit: keyof typeof GULP_ENERGY_UNITS | undefined;
  const flags = new Set<string>();
  for (const raw of rest) {
    if (parseNumber(raw) !== undefined) continue;
    const w = raw.toLowerCase();
    const u = unitOf(w);
    const form = allowed.find((a) => a.startsWith(w.slice(0, 3)) && w.length >= 3 && a.startsWith(w.slice(0, Math.min(w.length, a.length))));
    if (u) {
      if (unit && unit !== u) throw parseError(`${l.tokens[0]}: two energy units (${unit}, ${u})`, l.line);
      unit = u;
    } else if (form) flags.add(form);
    else if (MOLECULAR_SCOPE.test(w)) skip({ ...l, text: `${l.tokens[0]} ${raw}` }, `${raw}: latticefit has no molecules, so its pair potentials act between all atoms (as GULP's without a molecule directive)`);
    else throw parseError(`${l.tokens[0]} option "${raw}" is not translated: latticefit's ${l.tokens[0]} is plain (no energy or gradient shift, taper, combination rule or bonding), in eV, kcal, kjmol or au`, l.line);
  }
  return { units: GULP_ENERGY_UNITS[unit ?? 'ev'], flags };
}

function readPair(
  d: Line,
  type: 'buckingham' | 'lennard-jones',
  fitting: boolean,
  skip: (l: Line, reason: string) => void,
  units = 1,
  epsilonForm?: { a: number; b: number },
): (PotentialDocument & { line: number }) | undefined {
  const t = d.tokens;
  const sp: string[] = [];
  let k = 0;
  while (sp.length < 2 && k < t.length) {
    const w = t[k++]!;
    if (parseNumber(w) !== undefined) throw parseError(`potential line needs two species before its parameters: "${d.text.trim()}"`, d.line);
    sp.push(w);
    const next = t[k];
    if (isShell(next)) throw parseError('shells are not supported (rigid-ion model only)', d.line, { text: d.text.trim() });
    if (isCore(next)) k++;
  }
  const nums = t.slice(k).map(parseNumber);
  if (nums.some((x) => x === undefined) || sp.length < 2) {
    skip(d, 'unreadable potential line');
    return undefined;
  }
  const v = nums as number[];
  const ncoef = type === 'buckingham' ? 3 : 2;
  const names = type === 'buckingham' ? ['A', 'rho', 'C'] : ['A', 'B'];
  let flags: number[] = [];
  let body = v;
  if (v.length > ncoef + 2) {
    flags = v.slice(v.length - ncoef);
    body = v.slice(0, v.length - ncoef);
  }
  if (body.length < ncoef) throw parseError(`${type} needs ${names.join(', ')} and a cut-off: "${d.text.trim()}"`, d.line);
  const coef = body.slice(0, ncoef);
  const radii = body.slice(ncoef);
  const p: PotentialDocument & { line: number } = { type, species: [sp[0]!, sp[1]!], line: d.line };
  // energies in eV: A and C of a Buckingham, A and B (or epsilon) of a Lennard-Jones; rho and sigma are lengths
  if (type === 'buckingham') coef.splice(0, 3, coef[0]! * units, coef[1]!, coef[2]! * units);
  else if (epsilonForm) {
    const [eps, sigma] = [coef[0]! * units, coef[1]!];
    coef.splice(0, 2, epsilonForm.a * eps * sigma ** 12, epsilonForm.b * eps * sigma ** 6);
    if (fitting && flags.some((f) => f === 1)) throw parseError('fitting epsilon and sigma of a Lennard-Jones is not translated (latticefit fits its A and B)', d.line);
  } else coef.splice(0, 2, coef[0]! * units, coef[1]! * units);
  names.forEach((n, j) => ((p as unknown as Record<string, number>)[n] = coef[j]!));
  if (radii.length === 0) skip(d, 'no cut-off given: latticefit uses 12 Å');
  else {
    const rmin = radii.length === 2 ? radii[0]! : 0;
    p.cutoff = radii[radii.length - 1]!;
    if (rmin !== 0) skip(d, `inner cut-off rmin = ${rmin}: latticefit pair potentials act from r = 0`);
  }
  if (fitting && flags.length) {
    const vary = names.filter((_, j) => flags[j] === 1);
    if (vary.length) p.vary = vary;
  }
  return p;
}

function readObservables(
  lines: Line[],
  start: number,
  head: Line,
  config: (line: number) => Config,
  reactions: Reaction[],
  numbered: (Obs | Reaction | null)[],
  pendingWeights: { index: number; weight: number; line: Line }[],
  skip: (l: Line, reason: string) => void,
): number {
  let i = start;
  const next = (what: string, at: Line): Line => {
    const l = lines[i++];
    if (!l || l.meta) throw parseError(`observables: ${what} is missing its data line`, at.line);
    return l;
  };
  while (i < lines.length) {
    const l = lines[i++]!;
    if (l.meta) {
      i--;
      break;
    }
    const w = l.tokens[0]!.toLowerCase();
    const nums = l.tokens.slice(1).map(parseNumber).filter((x): x is number => x !== undefined);
    if (w === 'end') return i;
    if (w.startsWith('elas')) {
      const n = nums[0] ?? 1;
      for (let k = 0; k < n; k++) {
        const d = next('elastic', l);
        const v = d.tokens.map(parseNumber);
        if (v.length < 3 || v.slice(0, 3).some((x) => x === undefined)) throw parseError('elastic constant needs i j value [weight]', d.line);
        const [a, b, value, weight] = v as number[];
        if (!(a! >= 1 && a! <= 6 && b! >= 1 && b! <= 6)) throw parseError(`elastic constant indices ${a} ${b} must lie in 1..6`, d.line);
        const o: Obs = { kind: 'elastic', i: Math.min(a!, b!), j: Math.max(a!, b!), value: value!, line: d.line, ...(weight !== undefined ? { weight } : {}) };
        config(d.line).observables.push(o);
        numbered.push(o);
      }
    } else if (w.startsWith('bulk') || w.startsWith('shea') || w.startsWith('ener')) {
      const kind = w.startsWith('bulk') ? 'bulk_modulus' : w.startsWith('shea') ? 'shear_modulus' : 'energy';
      let unit = 1;
      let words = l.tokens.slice(1).filter((t) => parseNumber(t) === undefined).map((t) => t.toLowerCase());
      let v = nums;
      if (!v.length) {
        const d = next(kind, l);
        v = d.tokens.map(parseNumber).filter((x): x is number => x !== undefined);
        words = words.concat(d.tokens.filter((t) => parseNumber(t) === undefined).map((t) => t.toLowerCase()));
      }
      if (!v.length) throw parseError(`${kind} needs a value`, l.line);
      if (kind === 'energy') {
        if (words.some((x) => x.startsWith('kc'))) unit = 0.0433641;
        else if (words.some((x) => x.startsWith('kj'))) unit = 0.01036427;
        else if (words.some((x) => x === 'au')) unit = 27.211386;
      }
      const o: Obs = { kind, value: v[0]! * unit, line: l.line, ...(v[1] !== undefined ? { weight: v[1] } : {}) };
      config(l.line).observables.push(o);
      numbered.push(o);
    } else if (w.startsWith('reac')) {
      const n = nums[0] ?? 1;
      for (let k = 0; k < n; k++) {
        const d = next('reaction', l);
        const v = d.tokens.map(parseNumber);
        const nr = v[0];
        if (nr === undefined || v.some((x) => x === undefined) || v.length < 2 * nr + 2) throw parseError('reaction needs: number of configurations, value, [weight], then configuration and coefficient pairs', d.line);
        const x = v as number[];
        const hasWeight = x.length >= 2 * nr + 3;
        const off = hasWeight ? 3 : 2;
        const r: Reaction = {
          value: x[1]!,
          terms: Array.from({ length: nr }, (_, j) => ({ cfg: x[off + 2 * j]!, coeff: x[off + 2 * j + 1]! })),
          line: d.line,
          text: d.text.trim(),
          ...(hasWeight ? { weight: x[2]! } : {}),
        };
        reactions.push(r);
        numbered.push(r);
      }
    } else if (w.startsWith('weig')) {
      const n = nums[0] ?? parseNumber(next('weight', l).tokens[0]!)!;
      if (n === 0) {
        skip(next('weight', l), 'a global weight for all observables has no latticefit equivalent');
        continue;
      }
      const idx: number[] = [];
      const wts: number[] = [];
      while (idx.length < n) idx.push(...next('weight', l).tokens.map((t) => parseNumber(t)!));
      while (wts.length < n) wts.push(...next('weight', l).tokens.map((t) => parseNumber(t)!));
      idx.forEach((k, j) => pendingWeights.push({ index: k, weight: wts[j]!, line: l }));
    } else {
      // untranslated observable: it and its data lines (up to the next sub-keyword) are listed
      skip(l, `observable "${l.tokens[0]}" has no latticefit equivalent`);
      const n = Math.max(1, nums[0] ?? 1);
      // a count from the file: never more numbered slots than the file has lines (`cutp 1e9` here grew an array to 1e9)
      if (!(n <= lines.length)) throw parseError(`observable "${l.tokens[0]}" announces ${nums[0]} data items, more than the file has lines`, l.line);
      let counted = 0;
      while (i < lines.length && !lines[i]!.meta && parseNumber(lines[i]!.tokens[0]!) !== undefined) {
        skip(lines[i]!, `data of the untranslated observable "${l.tokens[0]}"`);
        i++;
        counted++;
      }
      for (let k = 0; k < Math.max(n, counted); k++) numbered.push(null);
    }
  }
  throw parseError('observables block has no end', head.line);
}

interface Built {
  config: Config;
  sd: StructureDocument;
  sg: SpaceGroup;
  meta?: StructureMeta;
  props: Record<string, unknown>;
}

function resolveSpaceGroup(c: Config, meta: StructureMeta | undefined): { sg: SpaceGroup; spelled: string | number } {
  const opts = { originChoice: c.origin ?? meta?.origin, rhombohedralAxes: meta?.rhombohedralAxes };
  if (!c.space) return { sg: getSpaceGroup(1, opts), spelled: 1 };
  const raw = c.space.value.trim();
  const asNumber = parseNumber(raw);
  const tries: (string | number)[] = asNumber !== undefined ? [asNumber] : [raw, raw.charAt(0).toUpperCase() + raw.slice(1).toLowerCase()];
  for (const t of tries) {
    try {
      let sg = getSpaceGroup(t, opts);
      // GULP shifts the origin from its own table's setting, which for the groups with two origin
      // choices is the second (the origin on a centre of inversion): GULP's `origin 0 0 0` is `origin 2`
      if (c.originShift && sg.originChoice !== undefined) sg = getSpaceGroup(sg.number, { originChoice: 2, rhombohedralAxes: sg.rhombohedralAxes });
      return { sg, spelled: sg.symbol };
    } catch (e) {
      if (!isDomainError(e)) throw e;
    }
  }
  throw new DomainError('PARSE_ERROR', `line ${c.space.line}: unknown space group "${raw}"`, { line: c.space.line });
}

function buildStructure(
  c: Config,
  n: number,
  ids: Set<string>,
  octxBase: Omit<ObservableContext, 'freeCell'>,
  weights: Record<WeightClass, number>,
): Built {
  const meta = c.meta;
  let { sg, spelled } = resolveSpaceGroup(c, meta);
  // an R group with a rhombohedral cell (a = b = c, alpha = beta = gamma != 90) is on rhombohedral axes, as GULP takes it
  const v = c.cell?.values;
  if (sg.centring === 'R' && !sg.rhombohedralAxes && v && v[0] === v[1] && v[1] === v[2] && v[3] === v[4] && v[4] === v[5] && v[3] !== 90) {
    sg = getSpaceGroup(sg.number, { originChoice: sg.originChoice, rhombohedralAxes: true });
    spelled = sg.symbol;
  }
  let id = sanitizeId(c.name ?? '', `structure-${n + 1}`);
  while (ids.has(id)) id = `${id}-${n + 1}`;
  ids.add(id);

  const sd: StructureDocument = { id, cell: {}, sites: [] };
  if (meta?.label !== undefined) sd.label = meta.label;
  else if (c.name !== undefined && id !== c.name.trim()) sd.label = c.name.trim();
  if (c.space) {
    const same = meta?.spaceGroup !== undefined && safeNumber(meta.spaceGroup, sg) === sg.number;
    sd.spaceGroup = same ? meta!.spaceGroup! : spelled;
  }
  const origin = c.originShift ? sg.originChoice : (c.origin ?? meta?.origin);
  if (origin !== undefined && (origin === 2 || meta?.origin !== undefined)) sd.origin = origin;
  if (meta?.rhombohedralAxes !== undefined) sd.rhombohedralAxes = meta.rhombohedralAxes;
  else if (sg.rhombohedralAxes) sd.rhombohedralAxes = true;

  // the lattice
  let lattice: Lattice;
  let cellLine: LatticeParameters | undefined;
  const path = `line ${c.line}`;
  try {
    if (c.vectors && !c.cell) {
      lattice = Lattice.fromVectors(c.vectors.rows as Mat3, path);
      if (sg.number === 1) sd.cell = { vectors: c.vectors.rows.map((r) => [...r]) };
      else {
        cellLine = lattice.parameters;
        sd.cell = reduceCell(sg, cellLine);
        lattice = Lattice.fromParameters(completeCell(sg, sd.cell), path);
      }
    } else {
      const v = c.cell!.values;
      cellLine = { a: v[0]!, b: v[1]!, c: v[2]!, alpha: v[3]!, beta: v[4]!, gamma: v[5]! };
      lattice = Lattice.fromParameters(completeCell(sg, cellLine), path);
      sd.cell = reduceCell(sg, cellLine);
    }
  } catch (e) {
    if (isDomainError(e)) throw parseError(`structure ${id}: ${e.message}`, c.cell?.line ?? c.vectors?.line ?? c.line);
    throw e;
  }

  const shift = c.originShift?.shift ?? [0, 0, 0];
  sd.sites = c.coords.map((a, k) => {
    const g = a.cartesian ? lattice.cartToFrac(a.xyz) : a.xyz;
    const f = g.map((x, j) => x + shift[j]!);
    const label = meta?.siteLabels?.[k];
    return { species: a.species, frac: [f[0], f[1], f[2]], ...(label ? { label } : {}) };
  });

  // properties: GULP observables win; the metadata restores sources, reported values and the rest
  const freeCell: string[] = sd.cell.vectors ? [...CELL_KEYS] : freeCellKeys(sg);
  const octx: ObservableContext = { ...octxBase, freeCell };
  const mprops = (meta?.properties ?? {}) as Record<string, unknown>;
  const props: Record<string, unknown> = {};
  const isTarget = (t: unknown): t is PropertyTarget => typeof t === 'object' && t !== null && Object.values(t).every((x) => typeof x !== 'object');
  for (const [name, t] of Object.entries(mprops)) if (!isTarget(t) || gulpObservableKind(name, t, octx) === undefined) props[name] = t;
  const built: Built = { config: c, sd, sg, props, ...(meta ? { meta } : {}) };

  for (const o of c.observables) {
    if (o.kind === 'elastic') setTarget(built, `C${o.i}${o.j}`, o.value, o.weight, 'elastic', weights);
    else if (o.kind === 'bulk_modulus') setTarget(built, octx.bulkModulus === 'reuss' && !isFitted(mprops.BReuss) ? 'B' : 'BReuss', o.value, o.weight, 'bulkModulus', weights);
    else if (o.kind === 'shear_modulus') setTarget(built, octx.shearModulus === 'hill' && !isFitted(mprops.GHill) ? 'G' : 'GHill', o.value, o.weight, 'shearModulus', weights);
  }
  // relax fitting observes the cell line
  if (octx.fitting && octx.relax && cellLine) {
    for (const k of freeCell) {
      const m = mprops[k];
      const value = cellLine[k as keyof LatticeParameters];
      if (meta) {
        if (isTarget(m) && gulpObservableKind(k, m, octx) === 'cell') props[k] = { ...m, [m.fit!]: value };
      } else props[k] = { exp: value, fit: 'exp' };
    }
  }
  // the document's own cell, when the cell line is that cell with the fitted values put in
  if (meta?.cell && cellLine) {
    try {
      const given: Partial<LatticeParameters> = reduceCell(sg, completeCell(sg, meta.cell as Partial<LatticeParameters>));
      for (const k of freeCell) {
        const t = mprops[k];
        if (isTarget(t) && gulpObservableKind(k, t, octx) === 'cell') given[k as keyof LatticeParameters] = t[t.fit!] as number;
      }
      const expected = completeCell(sg, given);
      const full = completeCell(sg, cellLine);
      if (CELL_KEYS.every((k) => Math.abs(full[k] - expected[k]) <= 1e-12 * Math.max(1, Math.abs(expected[k])))) sd.cell = meta.cell as StructureDocument['cell'];
    } catch {
      // the metadata does not fit this structure: the cell line stands
    }
  }
  return built;
}

/**
 * How many fractional coordinates of a site its site symmetry leaves free: 3 − rank of the stacked
 * (R − I) of the operations that map the site onto itself (modulo lattice translations).
 */
function freeCoordinates(sg: SpaceGroup, f: Readonly<Vec3>): number {
  const rows: number[][] = [];
  for (const op of sg.operations) {
    const r = op.rot;
    const img = [0, 1, 2].map((k) => r[3 * k]! * f[0] + r[3 * k + 1]! * f[1] + r[3 * k + 2]! * f[2] + op.trans[k]!);
    if (!img.every((x, k) => Math.abs(x - f[k]! - Math.round(x - f[k]!)) < 1e-4)) continue; // coordinates such as 0.333333
    for (let k = 0; k < 3; k++) rows.push([0, 1, 2].map((j) => r[3 * k + j]! - (j === k ? 1 : 0)));
  }
  // rank by Gaussian elimination (integer entries, at most 3 columns)
  let rank = 0;
  for (let col = 0; col < 3 && rank < rows.length; col++) {
    const piv = rows.findIndex((row, i) => i >= rank && Math.abs(row[col]!) > 1e-9);
    if (piv < 0) continue;
    [rows[rank], rows[piv]] = [rows[piv]!, rows[rank]!];
    for (let i = 0; i < rows.length; i++) {
      if (i === rank) continue;
      const m = rows[i]![col]! / rows[rank]![col]!;
      for (let j = 0; j < 3; j++) rows[i]![j]! -= m * rows[rank]![j]!;
    }
    rank++;
  }
  return 3 - rank;
}

const isFitted = (t: unknown): boolean => typeof t === 'object' && t !== null && (t as PropertyTarget).fit !== undefined;

function safeNumber(id: string | number, sg: SpaceGroup): number | undefined {
  try {
    return getSpaceGroup(id, { originChoice: sg.originChoice, rhombohedralAxes: sg.rhombohedralAxes }).number;
  } catch {
    return undefined;
  }
}

/**
 * Put an observed value on a structure: the metadata's entry gives the source it was fitted to and
 * the values reported beside it; GULP gives the value and the weight. A weight GULP needed only to
 * state the class default (shear moduli) is not made explicit.
 */
function setTarget(
  b: Built,
  name: string,
  value: number,
  weight: number | undefined,
  cls: WeightClass,
  weights: Record<WeightClass, number>,
  extra: Partial<PropertyTarget> = {},
): void {
  const m = b.meta?.properties?.[name] as PropertyTarget | undefined;
  const src = m?.fit ?? 'exp';
  const t: PropertyTarget = { ...(m ?? {}), ...extra, [src]: value, fit: src };
  delete t.weight;
  const implicit = m !== undefined && m.weight === undefined && weight === weights[cls];
  if (weight !== undefined && !implicit) t.weight = weight;
  b.props[name] = t;
}

function buildOptions(keywords: Set<string>, set: Partial<Record<GulpWeightName, number>>, pressure: number | undefined, meta: JobMeta | undefined): Record<string, unknown> {
  const orig = (meta?.options ?? {}) as Record<string, unknown>;
  const fitting = keywords.has('fit');
  // eharmonic: GULP estimates the relaxation energy from the Hessian and does not optimise
  const harmonic = keywords.has('eharmonic');
  const relax = fitting ? keywords.has('relax') : !harmonic && keywords.has('opti');
  const out: Record<string, unknown> = {};
  // non-GULP options come from the metadata
  for (const [k, v] of Object.entries(orig)) if (!['relax', 'pressure', 'defaultWeights'].includes(k)) out[k] = v;
  if (!(meta && orig.relax === undefined && relax)) out.relax = relax;
  // conv: the ions relax in the given cell (a fit with conv is refused above)
  if (keywords.has('conv') && !fitting) out.relaxCell = false;
  // GULP stops where the gradient of the branch it is on vanishes, also next to a cut-off kink
  if (!meta && relax && !fitting) out.kink = 'stationary';
  const p = pressure ?? 0;
  if (!(meta && orig.pressure === undefined && p === 0) && (pressure !== undefined || meta)) out.pressure = p;

  if (fitting) {
    const origW = (orig.defaultWeights ?? {}) as Record<string, number | undefined>;
    const dw: Record<string, number> = {};
    for (const [g, classes] of Object.entries(GULP_WEIGHT_CLASSES) as [GulpWeightName, WeightClass[]][]) {
      const v = set[g] ?? GULP_DEFAULT_WEIGHTS[g];
      for (const cls of classes) {
        // GULP has one `modulus` weight; a separate shear default lives in the metadata
        const value = cls === 'shearModulus' && meta ? (origW.shearModulus ?? DEFAULT_WEIGHTS.shearModulus) : v;
        if (meta && origW[cls] === undefined && value === DEFAULT_WEIGHTS[cls]) continue;
        dw[cls] = value;
      }
    }
    for (const cls of ['volume', 'pressure'] as const) if (origW[cls] !== undefined) dw[cls] = origW[cls]!;
    const order = Object.keys(origW);
    const sorted: Record<string, number> = {};
    for (const k of order) if (k in dw) sorted[k] = dw[k]!;
    for (const [k, v] of Object.entries(dw)) if (!(k in sorted)) sorted[k] = v;
    if (Object.keys(sorted).length) out.defaultWeights = sorted;
  } else if (orig.defaultWeights !== undefined) out.defaultWeights = orig.defaultWeights;

  // keep the metadata's key order
  const ordered: Record<string, unknown> = {};
  for (const k of Object.keys(orig)) if (k in out) ordered[k] = out[k];
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

function orderPotentials(ps: (PotentialDocument & { line: number })[], meta: JobMeta | undefined, untranslated: UntranslatedLine[]): PotentialDocument[] {
  const seen = new Map<string, PotentialDocument & { line: number }>();
  for (const p of ps) {
    const key = pairKey(p.species[0]!, p.species[1]!);
    if (seen.has(key)) untranslated.push({ line: p.line, text: `${p.species.join(' ')}`, reason: `a second potential for ${key}: latticefit allows one per pair; the first is kept` });
    else seen.set(key, p);
  }
  const strip = (p: PotentialDocument & { line: number }): PotentialDocument => {
    const { line: _line, ...rest } = p;
    return rest;
  };
  const out: PotentialDocument[] = [];
  for (const m of meta?.potentials ?? []) {
    const key = pairKey(m.species[0], m.species[1]);
    const p = seen.get(key);
    if (!p || p.type !== m.type) continue;
    seen.delete(key);
    const d = strip(p);
    d.species = [...m.species];
    if (m.cutoffOmitted && d.cutoff === 12) delete d.cutoff;
    if (m.type === 'lennard-jones' && m.epsilon !== undefined && m.sigma !== undefined) {
      const A = 4 * m.epsilon * m.sigma ** 12;
      const B = 4 * m.epsilon * m.sigma ** 6;
      if (Math.abs(A - d.A!) <= 1e-12 * Math.abs(A) && Math.abs(B - d.B!) <= 1e-12 * Math.abs(B)) {
        delete d.A;
        delete d.B;
        d.epsilon = m.epsilon;
        d.sigma = m.sigma;
      }
    }
    if (m.bounds) d.bounds = m.bounds as PotentialDocument['bounds'];
    if (d.vary && m.vary && [...d.vary].sort().join() === [...m.vary].sort().join()) d.vary = [...m.vary];
    out.push(reorder(d));
  }
  for (const p of seen.values()) out.push(reorder(strip(p)));
  return out;
}

/** Fields in the schema's order. */
function orderStructure(sd: StructureDocument): StructureDocument {
  const keys = ['id', 'label', 'spaceGroup', 'origin', 'rhombohedralAxes', 'cell', 'pressure', 'sites', 'properties'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (sd[k] !== undefined) out[k] = sd[k];
  return out as StructureDocument;
}

/** Fields in the schema's order (type, species, parameters, cutoff, vary, bounds). */
function reorder(p: PotentialDocument): PotentialDocument {
  const keys = ['type', 'species', 'A', 'rho', 'C', 'B', 'epsilon', 'sigma', 'cutoff', 'vary', 'bounds'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (p[k] !== undefined) out[k] = p[k];
  return out as PotentialDocument;
}
