/**
 * GULP's example inputs kept in fixtures/gulp-examples and GULP 6.1.2's numbers for them
 * (gulp-reference.json), read by test/gulp-examples.test.ts and scripts/gulp-compare.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ForceField } from '../../src/potentials/forcefield.js';
import { COULOMB_EV_ANGSTROM, EV_PER_A2_PER_J_PER_M2 } from '../../src/units/index.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'gulp-examples');

/** A file of fixtures/gulp-examples. */
export const readExample = (f: string): string => readFileSync(join(DIR, f), 'utf8');

/** The `library NAME` resolver of the import: a library file kept beside the inputs, or none. */
export const library = (name: string): string | undefined => {
  try {
    return readExample(name);
  } catch {
    return undefined;
  }
};

/** GULP's output for one configuration of an input. */
export interface GulpConfiguration {
  pressureGPa?: number;
  energyEV?: number;
  enthalpyEV?: number;
  gulpCell?: Record<string, number>;
  conventionalCell?: Record<string, number>;
  elasticGPa?: number[][];
  bulkModulusGPa?: { reuss: number; voigt: number; hill: number };
  shearModulusGPa?: { reuss: number; voigt: number; hill: number };
  /** `eharmonic`: GULP's total lattice energy (energyEV plus the harmonic relaxation estimate) and that estimate. */
  totalLatticeEnergyEV?: number;
  harmonicRelaxationEV?: number;
  /** GULP's dE/de (eV per strain, Voigt order) of its cell, printed beside the final cell. */
  strainDerivativesEV?: number[];
}

/** GULP's output for one input: its configurations and, for a fit, the final sum of squares and parameters. */
export interface GulpCase {
  configurations: GulpConfiguration[];
  fit?: { finalSumOfSquares: number; parameters: { original: number; final: number; type: string }[] };
}

/** Every input's GULP output, by input name (keys starting with `_` are notes). */
export const gulpReference = (): Record<string, GulpCase> => JSON.parse(readExample('gulp-reference.json')) as Record<string, GulpCase>;

/** GULP 6.1.2's constants (modules.F90): Coulomb 14.3997584 eV·Å, 1 eV = 1.6021917e-19 J. */
export const GULP_COULOMB = 14.3997584;
export const GULP_EV_TO_J = 1.6021917e-19;
/** GULP's J/m² per latticefit's J/m² (GULP's eV→J factor over the exact one). */
export const TO_GULP_J = GULP_EV_TO_J * 1e20 * EV_PER_A2_PER_J_PER_M2;
/** The same force field with charges scaled so that q²·k equals GULP's (a check of the constants only). */
export const withGulpCoulomb = (ff: ForceField): ForceField => {
  const s = Math.sqrt(GULP_COULOMB / COULOMB_EV_ANGSTROM);
  return { ...ff, charges: Object.fromEntries(Object.entries(ff.charges).map(([k, q]) => [k, q * s])) };
};
