/**
 * `latticefit export gulp|gulp-library|lammps|cif JOB_OR_RESULT.json [--structure ID]`: print a job
 * document or a fit / properties result in another program's format.
 *
 * - `gulp`: a GULP input that reruns the job (for a result: its job with the fitted parameters; a
 *   result without its job gives an `opti conp prop` input of the relaxed structures);
 * - `gulp-library`: the force field as a GULP library;
 * - `lammps`: the LAMMPS force-field commands, then one data file per structure (the input
 *   structures of a job, the relaxed ones of a result), each section headed by a `# ====` line
 *   naming the file it is meant to be;
 * - `cif`: one CIF data block per structure (asymmetric unit and operations when the structure
 *   has a space group).
 */
import { DomainError } from '../../errors.js';
import { EXPORT_KINDS, exportText, type ExportKind, type ExportOptions } from '../../workflows/export.js';
import { readJson } from '../io.js';

export { EXPORT_KINDS };

export function exportCommand(kind: string, file: string, options: ExportOptions = {}): string {
  if (!(EXPORT_KINDS as readonly string[]).includes(kind)) throw new DomainError('INVALID_DOCUMENT', `export format must be one of ${EXPORT_KINDS.join(', ')} (got "${kind}")`, { path: '/format' });
  return exportText(kind as ExportKind, readJson(file), options);
}

