/**
 * The export use case: a job document or a fit / properties result, in another program's format
 * (`latticefit export`, `GET /v1/{fits,properties}/{id}/structures|parameters`).
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
import { DomainError } from '../errors.js';
import type { JobDocument } from '../document/schema.js';
import { exportSource, type ExportCrystal, type ExportSource } from '../io/sources.js';
import { writeGulpInput, writeGulpLibrary } from '../io/gulp-write.js';
import { writeLammpsData, writeLammpsPair } from '../io/lammps.js';
import { writeCif } from '../io/cif-write.js';
import { exportSurfaceText } from './surfaces.js';

/** The relaxed slab of one face (`--surface`): needs the job, for the bulk relaxation. */
function exportSurface(kind: ExportKind, json: unknown, options: ExportOptions): string {
  if (kind !== 'cif' && kind !== 'lammps') throw new DomainError('INVALID_DOCUMENT', `--surface exports cif or lammps (got "${kind}")`, { path: '/format' });
  const src = exportSource(json);
  if (!src.parsed) throw new DomainError('INVALID_DOCUMENT', '--surface needs a job document (or a result that carries its job)', { path: '' });
  return exportSurfaceText(kind, src.parsed(), options.structure, options.surface!);
}

export const EXPORT_KINDS = ['gulp', 'gulp-library', 'lammps', 'cif'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportOptions {
  /** Only this structure (lammps, cif). */
  structure?: string;
  /** The relaxed slab of this face of `structure` instead (cif, lammps; a job document): `1,0,-1,0`. */
  surface?: string;
}

/** The export of a parsed JSON value (the command without the file). */
export function exportText(kind: ExportKind, json: unknown, options: ExportOptions = {}): string {
  if (options.surface !== undefined) return exportSurface(kind, json, options);
  const src = exportSource(json);
  const crystals = pick(src, options.structure);
  switch (kind) {
    case 'gulp':
      return src.job && src.parsed ? writeGulpInput(src.job, src.parsed()) : writeGulpInput(propertiesJob(src));
    case 'gulp-library':
      return writeGulpLibrary(src.forceField, src.name ?? 'force field written by latticefit');
    case 'lammps': {
      const parts = [`# ==== in.forcefield: include after read_data ====\n${writeLammpsPair(src.forceField, { ewaldAccuracy: 1e-10 })}`];
      for (const c of crystals) {
        const note = c.converged === false ? ' (relaxation not converged)' : '';
        parts.push(`# ==== ${c.id}.data${note} ====\n${writeLammpsData(c.structure, src.forceField.charges, { title: `${c.id}${c.label ? ` (${c.label})` : ''}` })}`);
      }
      return parts.join('\n');
    }
    case 'cif':
      return crystals
        .map((c) =>
          writeCif(c.structure, {
            id: c.id,
            spaceGroup: c.spaceGroup,
            title: `${c.label ?? c.id}${src.kind === 'result' ? ' (relaxed)' : ''}${c.converged === false ? ', relaxation not converged' : ''}`,
          }),
        )
        .join('\n');
  }
}

export function pick(src: ExportSource, id: string | undefined): ExportCrystal[] {
  if (id === undefined) return src.crystals;
  const c = src.crystals.filter((x) => x.id === id);
  if (!c.length) throw new DomainError('UNKNOWN_REFERENCE', `no structure "${id}" (structures: ${src.crystals.map((x) => x.id).join(', ')})`, { path: '/structures' });
  return c;
}

/** A properties-only job of a result's force field and relaxed structures. */
export function propertiesJob(src: ExportSource): JobDocument {
  return {
    ...(src.name !== undefined ? { name: src.name } : {}),
    species: Object.fromEntries(Object.entries(src.forceField.charges).map(([s, q]) => [s, { charge: q }])),
    potentials: src.forceField.pairs.map((p) => ({ type: p.type, species: [p.species[0], p.species[1]], ...p.params, cutoff: p.cutoff })),
    structures: src.crystals.map((c) => c.document),
  };
}
