/**
 * Cheap checks of a job document that run before anything expensive (symmetry expansion,
 * neighbour searches, a job in the queue):
 *
 * - `checkRanges(doc)`: every number of the document lies in a physical, documented range
 *   (`NUMBER_RANGES`, the table in the README). Out of range is INVALID_DOCUMENT with the JSON
 *   pointer of the number as the user sent it, so 1e308 or 1e-300 never reaches a calculation.
 * - `checkSpeciesName(name, path)`: a species may not be named like a member of every JavaScript
 *   object (`constructor`, `toString`, `valueOf`, ...): such names would alias inherited members in
 *   the plain-object tables keyed by species.
 * - `checkSiteCount(...)`: a lower bound on the atoms of a cell from its sites and its centring,
 *   before the sites are expanded by every operation of the space group.
 * - `estimateJobCost(...)`: pair terms the job will evaluate (atoms × neighbours within the
 *   cut-off × evaluations), compared with a budget before the job is queued.
 */
import { DomainError } from '../errors.js';
import type { SpaceGroup } from '../crystal/spacegroups/index.js';
import type { JobDocument } from './schema.js';

export interface NumberRange {
  /** Where the number lives, as a JSON-pointer pattern (`*` for any index or key). */
  pointer: string;
  min: number;
  max: number;
  /** The lower end is excluded (e.g. lengths that must be positive). */
  exclusiveMin?: boolean;
  unit: string;
  why: string;
  /** Error code when out of range (default INVALID_DOCUMENT). */
  code?: 'INVALID_CELL';
}

/** |x| ≤ LARGE for values with no narrower physical range (targets of the vocabulary, in their units). */
const LARGE = 1e6;

export const NUMBER_RANGES: readonly NumberRange[] = [
  { pointer: '/species/*/charge', min: -10, max: 10, unit: 'e', why: 'ionic charges are a few e' },
  { pointer: '/species/*/bounds/charge/*', min: -10, max: 10, unit: 'e', why: 'as the charge itself' },
  { pointer: '/species/*/tiedTo/*', min: -100, max: 100, unit: '1 (e per e)', why: 'ratios of charges; a formal-charge oxide needs at most a few (e.g. O = −(Sr + Ti)/3)' },
  { pointer: '/species/*/mass', min: 0, max: 1000, exclusiveMin: true, unit: 'u', why: 'atomic masses' },
  { pointer: '/potentials/*/A', min: -1e12, max: 1e12, unit: 'eV (buckingham) or eV·Å¹² (lennard-jones)', why: 'the reference Pb–Pb repulsion is 1.3e9 eV; larger ones overflow the energy of any close pair' },
  { pointer: '/potentials/*/rho', min: 0, max: 2, exclusiveMin: true, unit: 'Å', why: 'Born-Mayer hardness; ionic fits give 0.1–0.5' },
  { pointer: '/potentials/*/C', min: -1e6, max: 1e6, unit: 'eV·Å⁶', why: 'dispersion; ionic fits give 0–500' },
  { pointer: '/potentials/*/B', min: -1e7, max: 1e7, unit: 'eV·Å⁶', why: 'lennard-jones attraction' },
  { pointer: '/potentials/*/epsilon', min: 0, max: 100, unit: 'eV', why: 'well depth' },
  { pointer: '/potentials/*/sigma', min: 0, max: 20, exclusiveMin: true, unit: 'Å', why: 'zero crossing' },
  { pointer: '/potentials/*/cutoff', min: 0, max: 50, exclusiveMin: true, unit: 'Å', why: 'short-range interactions are negligible beyond ~20 Å; cost grows as the cube' },
  { pointer: '/potentials/*/taperWidth', min: 0, max: 50, exclusiveMin: true, unit: 'Å', why: 'a switching range inside the cut-off (checked against the pair’s cut-off: below it)' },
  { pointer: '/options/taperWidth', min: 0, max: 50, exclusiveMin: true, unit: 'Å', why: 'as a pair’s taperWidth, the default of every pair' },
  { pointer: '/potentials/*/bounds/*/*', min: -1e12, max: 1e12, unit: 'unit of the parameter', why: 'as the parameter itself' },
  { pointer: '/structures/*/cell/a', min: 1, max: 1000, unit: 'Å', why: 'crystal cells; shorter than 1 Å every atom overlaps its image', code: 'INVALID_CELL' },
  { pointer: '/structures/*/cell/b', min: 1, max: 1000, unit: 'Å', why: 'as a', code: 'INVALID_CELL' },
  { pointer: '/structures/*/cell/c', min: 1, max: 1000, unit: 'Å', why: 'as a', code: 'INVALID_CELL' },
  { pointer: '/structures/*/cell/alpha', min: 5, max: 175, unit: '°', why: 'flatter cells are not lattices one can sum over', code: 'INVALID_CELL' },
  { pointer: '/structures/*/cell/beta', min: 5, max: 175, unit: '°', why: 'as alpha', code: 'INVALID_CELL' },
  { pointer: '/structures/*/cell/gamma', min: 5, max: 175, unit: '°', why: 'as alpha', code: 'INVALID_CELL' },
  { pointer: '/structures/*/cell/vectors/*/*', min: -1000, max: 1000, unit: 'Å', why: 'as the cell lengths', code: 'INVALID_CELL' },
  { pointer: '/structures/*/sites/*/frac/*', min: -10, max: 10, unit: 'fraction of the cell', why: 'coordinates are wrapped into the cell; far outside it they lose precision' },
  { pointer: '/structures/*/properties/*/weight', min: 0, max: 1e6, unit: '1', why: 'relative weights; the class defaults are 1' },
  { pointer: '/structures/*/properties/*/*', min: -LARGE, max: LARGE, unit: 'unit of the property (Å, °, GPa, eV/f.u., Å³/f.u.)', why: 'no property of the vocabulary is larger than 10⁶ in its unit' },
  { pointer: '/structures/*/properties/*/*/*', min: -LARGE, max: LARGE, unit: 'Å or J/m²', why: 'report-only values' },
  { pointer: '/options/pressure', min: -100, max: 1000, unit: 'GPa', why: 'beyond the Earth’s core (360 GPa) with margin; below -100 GPa any crystal has failed' },
  { pointer: '/options/defaultWeights/*', min: 0, max: 1e6, unit: '1', why: 'relative weights' },
  { pointer: '/options/coulombAccuracy', min: 1e-16, max: 1e-2, unit: 'eV per atom', why: 'machine precision to a hundredth of an eV' },
  { pointer: '/options/seed', min: -(2 ** 31), max: 2 ** 32 - 1, unit: '1', why: 'a 32-bit seed' },
  { pointer: '/options/maxIterations', min: 0, max: 100_000, unit: '1', why: 'fit iterations (also capped by LATTICEFIT_MAX_ITERATIONS)' },
  { pointer: '/options/starts', min: 1, max: 256, unit: '1', why: 'multi-start fits: each start is a fit' },
  { pointer: '/structures/*/spaceGroup', min: 1, max: 230, unit: '1', why: 'the number of a space group' },
  { pointer: '/structures/*/origin', min: 1, max: 2, unit: '1', why: 'origin choice' },
  { pointer: '/structures/*/pressure', min: -100, max: 1000, unit: 'GPa', why: 'as options.pressure' },
  { pointer: '/structures/*/surfaces/*/face/*', min: -20, max: 20, unit: '1', why: 'Miller indices; the slab of a higher-index face is too thick to converge' },
  { pointer: '/structures/*/surfaces/*/exp', min: 0, max: 100, unit: 'J/m²', why: 'surface energies of ionic crystals are 0.1–5 J/m²' },
  { pointer: '/structures/*/surfaces/*/dft', min: 0, max: 100, unit: 'J/m²', why: 'as exp' },
  { pointer: '/structures/*/surfaces/*/fit', min: 0, max: 100, unit: 'J/m²', why: 'a surface-energy target, as exp' },
  { pointer: '/structures/*/surfaces/*/weight', min: 0, max: 1e6, unit: '1', why: 'relative weights, as those of the properties' },
  { pointer: '/structures/*/surfaces/*/termination', min: 0, max: 1000, unit: '1', why: 'index into the terminations of the face (a few)' },
  { pointer: '/structures/*/surfaces/*/tolerance', min: 0, max: 1, exclusiveMin: true, unit: 'J/m²', why: 'thickness convergence; the default is 0.001' },
  { pointer: '/defects/supercells/*/*/multiples/*', min: 1, max: 20, unit: '1', why: 'supercell multiples; 20³ cells of a few atoms are already beyond the atom limit' },
  { pointer: '/defects/supercells/*/*/hexagonal/*', min: 1, max: 20, unit: '1', why: 'as multiples' },
  { pointer: '/defects/supercells/*/*/matrix/*/*', min: -20, max: 20, unit: '1', why: 'integer combinations of the cell vectors, as multiples' },
  { pointer: '/defects/mixing/*/supercell/multiples/*', min: 1, max: 20, unit: '1', why: 'as the defect supercells' },
  { pointer: '/defects/mixing/*/supercell/hexagonal/*', min: 1, max: 20, unit: '1', why: 'as the defect supercells' },
  { pointer: '/defects/mixing/*/supercell/matrix/*/*', min: -20, max: 20, unit: '1', why: 'as the defect supercells' },
  { pointer: '/defects/list/*/dft', min: -1000, max: 1000, unit: 'eV', why: 'defect formation energies are a few eV to tens of eV' },
  { pointer: '/defects/mixing/*/x/*', min: 0, max: 1, unit: '1', why: 'a fraction' },
  { pointer: '/defects/mixing/*/configurations', min: 1, max: 50, unit: '1', why: 'random configurations per x' },
  { pointer: '/defects/interstitialStarts', min: 1, max: 12, unit: '1', why: 'starts per interstitial site class (hole, face, split, then rattled copies); each is a relaxation the cost estimate counts' },
  { pointer: '/defects/mixing/*/seed', min: -(2 ** 31), max: 2 ** 32 - 1, unit: '1', why: 'a 32-bit seed' },
  { pointer: '/defects/mixing/*/dft/*/x', min: 0, max: 1, unit: '1', why: 'a fraction' },
  { pointer: '/defects/mixing/*/dft/*/formationEnergy', min: -1000, max: 1000, unit: 'eV', why: 'mixing energies are meV to eV per formula unit' },
  { pointer: '/defects/mixing/*/dft/*/a', min: 1, max: 1000, unit: 'Å', why: 'as the cell lengths' },
  { pointer: '/defects/mixing/*/dft/*/c', min: 1, max: 1000, unit: 'Å', why: 'as the cell lengths' },
  { pointer: '/defects/forceTolerance', min: 0, max: 1, exclusiveMin: true, unit: 'eV/Å', why: 'relaxation convergence; the default is 1e-3' },
  { pointer: '/defects/stressToleranceGPa', min: 0, max: 10, exclusiveMin: true, unit: 'GPa', why: 'relaxation convergence; the default is 1e-2' },
  { pointer: '/defects/maxIterations', min: 1, max: 100_000, unit: '1', why: 'relaxation steps per defect' },
  { pointer: '/defects/coulombAccuracy', min: 1e-16, max: 1e-2, unit: 'eV per atom', why: 'as options.coulombAccuracy' },
];

const escape = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

const PATTERNS = NUMBER_RANGES.map((r) => ({ range: r, segments: r.pointer.split('/').slice(1) }));

/** The range of a pointer: the first pattern that matches it segment by segment. */
function rangeOf(segments: readonly string[]): NumberRange | undefined {
  outer: for (const p of PATTERNS) {
    if (p.segments.length !== segments.length) continue;
    for (let i = 0; i < segments.length; i++) if (p.segments[i] !== '*' && p.segments[i] !== segments[i]) continue outer;
    return p.range;
  }
  return undefined;
}

/** The range of a number at `pointer` (a JSON pointer or a pattern with `*`), if any row covers it. */
export function rangeFor(pointer: string): NumberRange | undefined {
  return rangeOf(pointer.split('/').slice(1));
}

/** A prefix of some pattern? (Subtrees no pattern reaches, like labels, are not walked.) */
function reachable(segments: readonly string[]): boolean {
  outer: for (const p of PATTERNS) {
    if (p.segments.length < segments.length) continue;
    for (let i = 0; i < segments.length; i++) if (p.segments[i] !== '*' && p.segments[i] !== segments[i]) continue outer;
    return true;
  }
  return false;
}

const fmtRange = (r: NumberRange): string => `${r.exclusiveMin ? '(' : '['}${r.min}, ${r.max}] ${r.unit}`;

/**
 * INVALID_DOCUMENT at the first number (document order) outside its range. Linear in the size of
 * the document (the schema has fixed depth; arrays of numbers share one pattern match).
 */
export function checkRanges(doc: JobDocument): void {
  const fail = (segments: string[], value: number, r: NumberRange): never => {
    const path = '/' + segments.map(escape).join('/');
    throw new DomainError(r.code ?? 'INVALID_DOCUMENT', `${path}: ${value} is outside the range ${fmtRange(r)} (${r.why})`, { path, range: [r.min, r.max] });
  };
  const inRange = (v: number, r: NumberRange): boolean => Number.isFinite(v) && (r.exclusiveMin ? v > r.min : v >= r.min) && v <= r.max;
  const walk = (value: unknown, segments: string[]): void => {
    if (typeof value === 'number') {
      const r = rangeOf(segments);
      if (r && !inRange(value, r)) fail(segments, value, r);
      return;
    }
    if (value === null || typeof value !== 'object' || !reachable(segments)) return;
    if (Array.isArray(value)) {
      // arrays of numbers (coordinates, vectors, bounds): one match for all elements
      if (value.every((x) => typeof x === 'number')) {
        const r = rangeOf([...segments, '0']);
        if (r) value.forEach((x: number, i) => inRange(x, r) || fail([...segments, String(i)], x, r));
        return;
      }
      value.forEach((x, i) => walk(x, [...segments, String(i)]));
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, [...segments, k]);
  };
  walk(doc, []);
}

/** The markdown table of ranges for the README. */
export function renderRangeTable(): string {
  const rows = NUMBER_RANGES.map((r) => `| \`${r.pointer}\` | ${fmtRange(r)} | ${r.why} |`);
  return ['| field | range | why |', '|---|---|---|', ...rows].join('\n') + '\n';
}

/** Names every JavaScript object inherits (`constructor`, `toString`, `valueOf`, `__proto__`, ...). */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

export function checkSpeciesName(name: string, path: string): void {
  if (INHERITED.has(name)) throw new DomainError('INVALID_DOCUMENT', `"${name}" cannot be a species name (it is reserved in JavaScript objects); rename it, e.g. "${name}1"`, { path });
}

/**
 * LIMIT_EXCEEDED for more structures, or more sites in one structure, than the limits allow: the
 * first check after the schema, before anything else walks the document.
 */
export function checkSizes(doc: JobDocument, limits: { maxStructures: number; maxAtoms: number }): void {
  if (doc.structures.length > limits.maxStructures) throw new DomainError('LIMIT_EXCEEDED', `${doc.structures.length} structures; the limit is ${limits.maxStructures}`, { path: '/structures' });
  doc.structures.forEach((s, i) => {
    if (s.sites.length > limits.maxAtoms) throw new DomainError('LIMIT_EXCEEDED', `structure ${s.id} lists ${s.sites.length} sites; the limit is ${limits.maxAtoms} atoms in the cell`, { path: `/structures/${i}/sites` });
  });
}

/**
 * The same counts on a body not yet checked against the schema (anything JSON.parse returns):
 * the first check at the door, right after the JSON syntax, so that a document of 10,000 sites
 * is refused before the schema walks it or it is copied to the validation thread. Shapes the
 * schema would refuse are left to the schema.
 */
export function checkSizesBeforeSchema(body: unknown, limits: { maxStructures: number; maxAtoms: number }): void {
  if (body === null || typeof body !== 'object') return;
  const structures = (body as { structures?: unknown }).structures;
  if (!Array.isArray(structures)) return;
  if (structures.length > limits.maxStructures) throw new DomainError('LIMIT_EXCEEDED', `${structures.length} structures; the limit is ${limits.maxStructures}`, { path: '/structures' });
  structures.forEach((s: unknown, i) => {
    const sites = s !== null && typeof s === 'object' ? (s as { sites?: unknown }).sites : undefined;
    if (Array.isArray(sites) && sites.length > limits.maxAtoms) {
      const id = typeof (s as { id?: unknown }).id === 'string' ? `structure ${(s as { id: string }).id}` : `structure ${i}`;
      throw new DomainError('LIMIT_EXCEEDED', `${id} lists ${sites.length} sites; the limit is ${limits.maxAtoms} atoms in the cell`, { path: `/structures/${i}/sites` });
    }
  });
}

/** Lattice points per conventional cell: every site gives at least this many atoms. */
export function centringMultiplicity(sg: SpaceGroup): number {
  if (sg.rhombohedralAxes) return 1;
  return { P: 1, A: 2, B: 2, C: 2, I: 2, F: 4, R: 3 }[sg.centring];
}

/**
 * LIMIT_EXCEEDED before expanding when even the fewest atoms the sites can give (each on its most
 * special position: one per lattice point) exceed the limit. Costs nothing; the exact count follows
 * the expansion.
 */
/** Atoms in one conventional cell, by default (`Limits.maxAtoms`). */
export const DEFAULT_MAX_ATOMS = 512;

export function checkSiteCount(sg: SpaceGroup, sites: number, maxAtoms: number, id: string, path: string): void {
  const atLeast = sites * centringMultiplicity(sg);
  if (atLeast > maxAtoms)
    throw new DomainError('LIMIT_EXCEEDED', `structure ${id}: ${sites} sites in ${sg.symbol} give at least ${atLeast} atoms in the cell; the limit is ${maxAtoms}`, { path: `${path}/sites` });
}

/** Energy and gradient evaluations of one relaxation, assumed for the estimate. */
export const RELAX_EVALUATIONS = 50;

/** Further work of a job beyond the fit or properties of its structures: defect supercells, MD runs. */
export interface CostItem {
  /** What it is, for the message (`defect supercells`, `md`). */
  what: string;
  /** Atoms and volume (Å³) of the cell computed. */
  atoms: number;
  volume: number;
  /** Energy and gradient evaluations (or MD steps) of that cell. */
  evaluations: number;
}

export interface CostInput {
  kind: 'fit' | 'properties' | 'defects';
  /** Atoms and volume (Å³) of each structure's cell. */
  structures: { atoms: number; volume: number }[];
  /** Largest short-range cut-off, Å. */
  cutoff: number;
  relax: boolean;
  maxIterations: number;
  starts: number;
  /** Parameters fitted (each adds a Jacobian column per iteration). */
  vary: number;
  /** Defect supercells and their relaxations, MD steps (`CostItem`). */
  extra?: CostItem[];
}

export interface CostEstimate {
  /** Pair terms per evaluation of every structure. */
  pairTerms: number;
  /** Evaluations of every structure over the job. */
  evaluations: number;
  /** Pair terms of the further work, by `CostItem.what`. */
  extra: Record<string, number>;
  /** pairTerms × evaluations + the further work. */
  total: number;
}

/** The slab thickness at which a surface energy's convergence stops at the latest, Å (`SurfaceEnergyOptions.maxThickness`). */
export const SURFACE_MAX_THICKNESS = 60;
/** The first slab is at least this thick, Å. */
export const SURFACE_MIN_THICKNESS = 8;
/** L-BFGS iterations of one slab relaxation at the worst (its default maxIterations). */
export const SLAB_RELAX_EVALUATIONS = 2000;

/**
 * The slabs of one face, for the cost estimate, at the worst: every thickness from 8 Å to 60 Å in
 * steps of d_hkl (the spacing of the face's planes in the conventional cell, 2π / |h a* + k b* + l c*|),
 * each relaxed for SLAB_RELAX_EVALUATIONS. A slab of thickness t holds (N / V) × A × t atoms,
 * A = V_primitive / d_hkl the area of its surface cell (V_primitive = V / lattice points).
 * Higher indices make d smaller and A larger: more and wider slabs.
 */
export function slabCostItems(cell: { atoms: number; volume: number; latticePoints: number; reciprocal: readonly (readonly number[])[] }, miller: readonly number[]): CostItem[] {
  const g = [0, 1, 2].map((j) => miller[0]! * cell.reciprocal[0]![j]! + miller[1]! * cell.reciprocal[1]![j]! + miller[2]! * cell.reciprocal[2]![j]!);
  const d = (2 * Math.PI) / Math.hypot(g[0]!, g[1]!, g[2]!);
  const area = cell.volume / cell.latticePoints / d;
  const density = cell.atoms / cell.volume;
  const items: CostItem[] = [];
  for (let t = Math.max(SURFACE_MIN_THICKNESS, 2 * d); t <= SURFACE_MAX_THICKNESS + d; t += d) {
    const atoms = Math.max(1, density * area * t);
    items.push({ what: 'surface slabs', atoms, volume: atoms / density, evaluations: SLAB_RELAX_EVALUATIONS });
  }
  return items;
}

/** Pair terms of one evaluation of a cell: atoms × the neighbours within the cut-off at its density (at least one each). */
export function cellPairTerms(atoms: number, volume: number, cutoff: number): number {
  return atoms * Math.max(1, (atoms / volume) * (4 / 3) * Math.PI * cutoff ** 3);
}

/**
 * Pair terms a job evaluates: Σ atoms × (atoms / volume) × 4/3 π rc³ over structures (the
 * neighbours within the cut-off at the cell's density; each structure's elastic constants and
 * properties cost a few relaxations more, folded into the constant) times the evaluations:
 * fit: maxIterations × starts × (vary + 1) × (relax ? RELAX_EVALUATIONS : 1);
 * properties and defects: RELAX_EVALUATIONS; plus the pair terms of the further work (`extra`:
 * each cell's pair terms × its evaluations). Ewald sums are not counted apart: with the split of
 * the real and reciprocal sums chosen per cell, their cost per atom grows as the pair terms do.
 */
export function estimateJobCost(c: CostInput): CostEstimate {
  let pairTerms = 0;
  for (const s of c.structures) pairTerms += cellPairTerms(s.atoms, s.volume, c.cutoff);
  const perStep = c.relax ? RELAX_EVALUATIONS : 1;
  const evaluations = c.kind !== 'fit' ? RELAX_EVALUATIONS : Math.max(1, c.maxIterations) * c.starts * (c.vary + 1) * perStep;
  const extra: Record<string, number> = {};
  let total = pairTerms * evaluations;
  for (const x of c.extra ?? []) {
    const t = cellPairTerms(x.atoms, x.volume, c.cutoff) * x.evaluations;
    extra[x.what] = (extra[x.what] ?? 0) + t;
    total += t;
  }
  return { pairTerms, evaluations, extra, total };
}

/** LIMIT_EXCEEDED saying by how much the estimate exceeds the budget. */
export function checkJobCost(c: CostInput, budget: number, path = '/'): CostEstimate {
  const e = estimateJobCost(c);
  if (e.total > budget) {
    const times = e.total / budget;
    const parts = [`${e.pairTerms.toExponential(2)} per evaluation of the structures × ${e.evaluations} evaluations`, ...Object.entries(e.extra).map(([what, t]) => `${t.toExponential(2)} for the ${what}`)];
    const reduce = Object.keys(e.extra).length ? 'reduce the cut-off, the atoms, the Miller indices of the faces, the supercells, the MD steps or the number of defects' : 'reduce the cut-off, the atoms, maxIterations, starts or the parameters varied';
    throw new DomainError(
      'LIMIT_EXCEEDED',
      `the job would evaluate about ${e.total.toExponential(2)} pair terms (${parts.join(', plus ')}), ${times.toFixed(times < 10 ? 1 : 0)}× the budget of ${budget.toExponential(2)}: ${reduce}`,
      { path, estimate: e.total, budget, factor: times },
    );
  }
  return e;
}
