/**
 * What GULP and a latticefit job document have in common, shared by the GULP reader and writer.
 *
 * Observables. GULP's `observables` block (GULP's fitword.F90, Gale 1997, doi:10.1039/A606455H)
 * holds one entry per line after a sub-keyword: `elastic [n]` then `i j value [weight]` lines
 * (GPa, Voigt indices), `bulk_modulus` and `shear_modulus` then `value [weight]` (GPa), `energy
 * [units]` then `value [weight]` (eV), and the global `reaction [n]` then `nconf value [weight]
 * cfg1 coeff1 cfg2 coeff2 ...` lines (a linear combination of configuration energies). In relax
 * fitting (`fit relax`) the input structure itself is observed: every cell parameter and coordinate
 * the optimisation flags free becomes an observable fitted to its input value, with the class
 * weights `default_weight cell_length | cell_angle | frac`.
 *
 * Energies. GULP works on the primitive cell of a centred space group and its configuration
 * energies are per primitive cell; latticefit's latticeEnergy and relativeEnergy are per formula
 * unit. So `energy` = latticeEnergy · Z_prim, and a relativeEnergy of s from r is the reaction
 * E_s/Z_prim(s) − E_r/Z_prim(r).
 *
 * Moduli. GULP fits `bulk_modulus` as the Reuss bound and `shear_modulus` as the Hill average,
 * latticefit's defaults for `B` and `G` (vocabulary.ts).
 */
import type { PropertyTarget } from '../document/schema.js';
import type { WeightClass } from '../properties/vocabulary.js';

/** GULP's default weights when no `default_weight` line is given (GULP's initial values). */
export const GULP_DEFAULT_WEIGHTS = {
  cell_length: 1000,
  cell_angle: 1000,
  frac: 10000,
  elastic: 0.01,
  energy: 1,
  modulus: 1,
} as const;

export type GulpWeightName = keyof typeof GULP_DEFAULT_WEIGHTS;

/** The latticefit weight class each GULP default weight sets. */
export const GULP_WEIGHT_CLASSES: Record<GulpWeightName, WeightClass[]> = {
  cell_length: ['length'],
  cell_angle: ['angle'],
  frac: ['internal'],
  elastic: ['elastic'],
  energy: ['energy'],
  modulus: ['bulkModulus', 'shearModulus'],
};

/** Match a `default_weight` sub-word as GULP does (by prefix). */
export function gulpWeightName(word: string): GulpWeightName | undefined {
  const w = word.toLowerCase();
  if (w.startsWith('cell_l')) return 'cell_length';
  if (w.startsWith('cell_a')) return 'cell_angle';
  if (w.startsWith('frac')) return 'frac';
  if (w.startsWith('elas')) return 'elastic';
  if (w.startsWith('ener')) return 'energy';
  if (w.startsWith('mod')) return 'modulus';
  return undefined;
}

export type GulpObservableKind = 'elastic' | 'bulk_modulus' | 'shear_modulus' | 'energy' | 'reaction' | 'cell';

export interface ObservableContext {
  /** The job varies parameters (GULP keyword `fit`). */
  fitting: boolean;
  /** Relaxed fitting (GULP `fit relax`). */
  relax: boolean;
  bulkModulus: 'reuss' | 'voigt' | 'hill';
  shearModulus: 'reuss' | 'voigt' | 'hill';
  /** Cell parameters the structure's space group leaves free. */
  freeCell: readonly string[];
}

/**
 * How GULP can state a fitted target, or undefined when it cannot (then the target travels in
 * the `#latticefit` metadata only). Targets that are not fitted are never GULP observables.
 */
export function gulpObservableKind(name: string, t: PropertyTarget, ctx: ObservableContext): GulpObservableKind | undefined {
  if (!ctx.fitting || t.fit === undefined || t[t.fit] === undefined) return undefined;
  if (/^C[1-6][1-6]$/.test(name)) return 'elastic';
  if (name === 'BReuss' || (name === 'B' && ctx.bulkModulus === 'reuss')) return 'bulk_modulus';
  if (name === 'GHill' || (name === 'G' && ctx.shearModulus === 'hill')) return 'shear_modulus';
  if (name === 'latticeEnergy') return 'energy';
  if (name === 'relativeEnergy') return 'reaction';
  if (ctx.relax && ctx.freeCell.includes(name)) return 'cell';
  return undefined;
}

/** The GULP weight class of an observable kind (for the resolved default weight). */
export const OBSERVABLE_WEIGHT_CLASS: Record<Exclude<GulpObservableKind, 'cell'>, WeightClass> = {
  elastic: 'elastic',
  bulk_modulus: 'bulkModulus',
  shear_modulus: 'shearModulus',
  energy: 'energy',
  reaction: 'energy',
};

/** Metadata the writer leaves in `#latticefit job {...}` comments. */
export interface JobMeta {
  /** `options` of the original document, or null when it had none. */
  options?: Record<string, unknown> | null;
  /** The original potentials in document order, with what GULP cannot say. */
  potentials?: PotentialMeta[];
  /** Fitted charges: `vary`, `bounds` and `tiedTo` per species (the input holds the charges fixed). */
  species?: Record<string, { vary?: string[]; bounds?: Record<string, number[]>; tiedTo?: Record<string, number> }>;
}

export interface PotentialMeta {
  species: [string, string];
  type: 'buckingham' | 'lennard-jones';
  /** The document gave no cut-off (the default, 12 Å, was written). */
  cutoffOmitted?: boolean;
  epsilon?: number;
  sigma?: number;
  bounds?: Record<string, number[]>;
  vary?: string[];
}

/** Metadata the writer leaves in `#latticefit structure {...}` after a structure's `name`. */
export interface StructureMeta {
  label?: string;
  /** The space group as the document spelled it. */
  spaceGroup?: string | number;
  origin?: 1 | 2;
  rhombohedralAxes?: boolean;
  /** The document's cell, when it differs in form or value from the `cell` line. */
  cell?: Record<string, unknown>;
  siteLabels?: (string | null)[];
  /** Every property of the document's structure, fitted or not. */
  properties?: Record<string, unknown>;
}

export const META_PREFIX = '#latticefit';
