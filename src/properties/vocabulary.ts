/**
 * The property vocabulary of job documents and results: names, units, weight classes.
 *
 * | property                | unit              | weight class   |
 * |-------------------------|-------------------|----------------|
 * | a, b, c                 | Å                 | length         |
 * | alpha, beta, gamma      | degrees           | angle          |
 * | u                       | fraction of c     | internal       |
 * | volume                  | Å³ per formula unit | volume       |
 * | C11 … C66 (i ≤ j)       | GPa               | elastic        |
 * | B, BVoigt, BReuss, BHill| GPa               | bulkModulus    |
 * | G, GVoigt, GReuss, GHill| GPa               | shearModulus   |
 * | latticeEnergy           | eV per formula unit | energy       |
 * | relativeEnergy          | eV per formula unit (needs `reference`) | energy |
 * | transitionPressure      | GPa (needs `to`)  | pressure       |
 *
 * `B` means the Reuss bulk modulus unless `options.bulkModulus` says otherwise (GULP's default);
 * `G` likewise follows `options.shearModulus` (default Hill).
 * Report-only entries (never fitted): `rmsdAt300K` (Å, per species) and `surfaceEnergy`
 * (J/m², per surface label) hold values by source for the tables.
 */

export const ELASTIC_NAMES: readonly string[] = (() => {
  const out: string[] = [];
  for (let i = 1; i <= 6; i++) for (let j = i; j <= 6; j++) out.push(`C${i}${j}`);
  return out;
})();

export type WeightClass =
  | 'length'
  | 'angle'
  | 'internal'
  | 'volume'
  | 'elastic'
  | 'bulkModulus'
  | 'shearModulus'
  | 'energy'
  | 'pressure';

export const WEIGHT_CLASSES: readonly WeightClass[] = [
  'length', 'angle', 'internal', 'volume', 'elastic', 'bulkModulus', 'shearModulus', 'energy', 'pressure',
];

export interface PropertyInfo {
  unit: string;
  weightClass: WeightClass;
  /** Human label for tables. */
  label: string;
}

const entries: [string, PropertyInfo][] = [
  ['a', { unit: 'Å', weightClass: 'length', label: 'a' }],
  ['b', { unit: 'Å', weightClass: 'length', label: 'b' }],
  ['c', { unit: 'Å', weightClass: 'length', label: 'c' }],
  ['alpha', { unit: '°', weightClass: 'angle', label: 'α' }],
  ['beta', { unit: '°', weightClass: 'angle', label: 'β' }],
  ['gamma', { unit: '°', weightClass: 'angle', label: 'γ' }],
  ['u', { unit: '', weightClass: 'internal', label: 'u' }],
  ['volume', { unit: 'Å³/f.u.', weightClass: 'volume', label: 'V' }],
  ...ELASTIC_NAMES.map((n): [string, PropertyInfo] => [n, { unit: 'GPa', weightClass: 'elastic', label: n }]),
  ['B', { unit: 'GPa', weightClass: 'bulkModulus', label: 'B' }],
  ['BVoigt', { unit: 'GPa', weightClass: 'bulkModulus', label: 'B (Voigt)' }],
  ['BReuss', { unit: 'GPa', weightClass: 'bulkModulus', label: 'B (Reuss)' }],
  ['BHill', { unit: 'GPa', weightClass: 'bulkModulus', label: 'B (Hill)' }],
  ['G', { unit: 'GPa', weightClass: 'shearModulus', label: 'G' }],
  ['GVoigt', { unit: 'GPa', weightClass: 'shearModulus', label: 'G (Voigt)' }],
  ['GReuss', { unit: 'GPa', weightClass: 'shearModulus', label: 'G (Reuss)' }],
  ['GHill', { unit: 'GPa', weightClass: 'shearModulus', label: 'G (Hill)' }],
  ['latticeEnergy', { unit: 'eV/f.u.', weightClass: 'energy', label: 'E_latt' }],
  ['relativeEnergy', { unit: 'eV/f.u.', weightClass: 'energy', label: 'ΔE' }],
  ['transitionPressure', { unit: 'GPa', weightClass: 'pressure', label: 'P_T' }],
];

export const PROPERTIES: ReadonlyMap<string, PropertyInfo> = new Map(entries);

/** Entries a document may carry for the tables only. */
export const REPORT_ONLY_PROPERTIES: readonly string[] = ['rmsdAt300K', 'surfaceEnergy'];

export const SOURCES = ['exp', 'dft', 'dftNormalized', 'md'] as const;
export type Source = (typeof SOURCES)[number];
/** The sources a fit may target: `md` (a finite-temperature value) is a report column only. */
export type FitSource = Exclude<Source, 'md'>;

/** GULP gives every observable weight 1 unless told otherwise; so do we. */
export const DEFAULT_WEIGHTS: Readonly<Record<WeightClass, number>> = {
  length: 1, angle: 1, internal: 1, volume: 1, elastic: 1, bulkModulus: 1, shearModulus: 1, energy: 1, pressure: 1,
};

/**
 * What is known of one property of one structure: values by source, which source (if any) is the
 * fit target and with what weight, and for the properties between two structures the other one
 * (`reference` of a relative energy, `to` of a transition pressure). Units of the table above.
 */
export interface PropertyTarget {
  exp?: number;
  dft?: number;
  dftNormalized?: number;
  md?: number;
  fit?: FitSource;
  weight?: number;
  reference?: string;
  to?: string;
}

/** Report-only nested values by source (rmsdAt300K per species, surfaceEnergy per surface). */
export type ReportExtras = Record<string, Record<string, Record<string, number>>>;

/** The targets of one structure (`id`), by property name, and its report-only values. */
export interface StructureTargets {
  id: string;
  properties: Record<string, PropertyTarget>;
  extras: ReportExtras;
}

/** Structures another structure's properties refer to (relative-energy reference, transition partner). */
export function referencesOf(t: StructureTargets | undefined): string[] {
  return [t?.properties.relativeEnergy?.reference, t?.properties.transitionPressure?.to].filter((x): x is string => !!x);
}
