/**
 * Other programs' files: GULP input and libraries, CIF, LAMMPS data and force fields.
 *
 * Readers return job-document parts (and list what they could not translate); writers take job
 * documents, structures and force fields. All are pure functions of text and values.
 */
export { readGulp, type GulpReadResult } from './gulp-read.js';
export { writeGulpInput, writeGulpLibrary } from './gulp-write.js';
export { readCif, type CifReadResult } from './cif-read.js';
export { writeCif, type CifWriteOptions } from './cif-write.js';
export { writeLammpsData, writeLammpsPair, lammpsBox, ATOMIC_MASSES, type LammpsDataOptions, type LammpsPairOptions } from './lammps.js';
export { exportSource, type ExportSource, type ExportCrystal } from './sources.js';
export { crystalOf, type UntranslatedLine } from './common.js';
