/**
 * The surface-energy use case: for every structure of a job that lists `surfaces`, relax the bulk
 * under the job's force field and compute each face's relaxed and unrelaxed E_surf, converged in
 * thickness (src/surface). Polar faces are refused before any work starts (setup error with the
 * JSON pointer of the entry). The properties use case calls `attachSurfaces` with one line; the
 * report of each structure gains `surfaces[]`.
 */
import { DomainError } from '../errors.js';
import type { ParsedJob, SurfaceSpec } from '../document/parse.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import type { StructureReport } from './results.js';
import { buildEnergyModel, type ForceField } from '../potentials/index.js';
import { conventionalStructure, prepareCrystal, relaxCrystal, type CrystalGeometry } from '../properties/crystal.js';
import type { Structure } from '../crystal/structure.js';
import { formatFace, orientedUnit, parseFace, surfaceEnergy, terminations, type SurfaceEnergyResult } from '../surface/index.js';
import { writeCif } from '../io/cif-write.js';
import { writeLammpsData, writeLammpsPair } from '../io/lammps.js';

/** One face in `structures[].surfaces[]` of the properties output. */
export interface SurfaceReport {
  face: number[];
  /** Relaxed E_surf at the converged thickness, J/m². */
  energy?: number;
  unrelaxedEnergy?: number;
  termination?: number;
  terminationLabel?: string;
  tasker?: 'I' | 'II' | 'III';
  /** Repeat units of the final slab. */
  layers?: number;
  converged?: boolean;
  /** Slab height (Å), atoms, in-plane area (Å²), last thickness change (J/m²). */
  thickness?: number;
  atoms?: number;
  area?: number;
  lastChange?: number;
  exp?: number;
  dft?: number;
  history?: { layers: number; energy: number; unrelaxedEnergy: number }[];
  warnings?: string[];
  error?: { code: string; message: string };
}

/** The faces structure `c` of `job` asks for. */
function facesOf(job: ParsedJob, c: SymmetrizedCrystal): SurfaceSpec[] {
  return job.surfaces?.[job.structures.indexOf(c)] ?? [];
}

/** Throw POLAR_SURFACE (with the entry's path) for a face that has no non-polar termination unless accepted. */
export function checkSurfaces(job: ParsedJob): void {
  for (const c of job.structures)
    for (const s of facesOf(job, c)) {
      const ts = terminations(orientedUnit(c.structure, s.face).unit, job.forceField.charges);
      if (s.termination !== undefined) {
        const t = ts[s.termination];
        if (!t) throw new DomainError('INVALID_DOCUMENT', `face ${formatFace(s.face.indices)} of ${c.id} has ${ts.length} termination(s), numbered from 0 (got ${s.termination})`, { path: `${s.path}/termination`, structure: c.id });
        if (t.tasker === 'III' && !s.acceptDipole) throw new DomainError('POLAR_SURFACE', `termination ${t.index} (${t.label}) of face ${formatFace(s.face.indices)} of ${c.id} is polar (Tasker type III, dipole ${t.dipole.toFixed(4)} e·Å per cell); set acceptDipole: true to compute it anyway`, { path: s.path, structure: c.id, face: s.face.indices });
      } else if (ts.every((t) => t.tasker === 'III')) {
        throw new DomainError('POLAR_SURFACE', `face ${formatFace(s.face.indices)} of ${c.id} is polar: every termination is Tasker type III (${ts.map((t) => `${t.index}: ${t.label}, dipole ${t.dipole.toFixed(4)} e·Å`).join('; ')}); name a termination and set acceptDipole: true to compute it anyway`, { path: s.path, structure: c.id, face: s.face.indices });
      }
    }
}

/** The conventional relaxed bulk of a crystal under `ff` (at the job's pressure). */
export function relaxedBulk(job: ParsedJob, c: SymmetrizedCrystal, ff: ForceField = job.forceField): Structure {
  const r = relaxCrystal(buildEnergyModel(ff), prepareCrystal(c), {
    pressure: c.pressure ?? job.options.pressure,
    relax: job.options.relax,
    ...(job.options.kink === 'stationary' ? { kink: { mode: 'stationary' as const, forceField: ff } } : {}),
  });
  return conventionalStructure(r);
}

/**
 * Every face of one structure, all cut from one relaxed bulk: `relaxed` (the geometry the
 * properties of the structure were computed at) when given, else the bulk relaxed here once.
 * A failure is reported on the face, not thrown.
 */
export function surfaceReportsOf(job: ParsedJob, c: SymmetrizedCrystal, signal?: AbortSignal, relaxed?: CrystalGeometry): { reports: SurfaceReport[]; results: (SurfaceEnergyResult | undefined)[] } {
  const faces = facesOf(job, c);
  if (faces.length === 0) return { reports: [], results: [] };
  const bulk = relaxed ? conventionalStructure(relaxed) : relaxedBulk(job, c);
  const results: (SurfaceEnergyResult | undefined)[] = [];
  const reports = faces.map((s): SurfaceReport => {
    const src = { ...(s.exp !== undefined ? { exp: s.exp } : {}), ...(s.dft !== undefined ? { dft: s.dft } : {}) };
    try {
      const r = surfaceEnergy(job.forceField, bulk, s.face, {
        structureId: c.id,
        path: s.path,
        ...(s.termination !== undefined ? { termination: s.termination } : {}),
        ...(s.acceptDipole !== undefined ? { acceptDipole: s.acceptDipole } : {}),
        ...(s.tolerance !== undefined ? { tolerance: s.tolerance } : {}),
        ...(signal ? { signal } : {}),
      });
      results.push(r);
      return {
        face: r.face,
        energy: r.energy,
        unrelaxedEnergy: r.unrelaxedEnergy,
        termination: r.termination,
        terminationLabel: r.terminationLabel,
        tasker: r.tasker,
        layers: r.layers,
        converged: r.converged,
        thickness: r.thickness,
        atoms: r.atoms,
        area: r.area,
        lastChange: r.lastChange,
        ...src,
        history: r.history.map((h) => ({ layers: h.repeats, energy: h.energy, unrelaxedEnergy: h.unrelaxedEnergy })),
        warnings: r.warnings,
      };
    } catch (e) {
      if (!(e instanceof DomainError) || e.code === 'CANCELLED') throw e;
      results.push(undefined);
      return { face: [...s.face.indices], ...src, error: { code: e.code, message: e.message } };
    }
  });
  return { reports, results };
}

/**
 * Add `surfaces[]` to the report of every structure that asks for surface energies. `relaxed`:
 * the bulk geometries the properties were computed at, by id (the slabs are cut from them, so the
 * bulk is relaxed once for its properties and all of its faces).
 */
export function attachSurfaces(job: ParsedJob, structures: StructureReport[], signal?: AbortSignal, relaxed?: ReadonlyMap<string, CrystalGeometry>): void {
  checkSurfaces(job);
  for (const c of job.structures) {
    if (facesOf(job, c).length === 0) continue;
    const report = structures.find((s) => s.id === c.id);
    if (report) report.surfaces = surfaceReportsOf(job, c, signal, relaxed?.get(c.id)).reports;
  }
}

/**
 * `latticefit export cif|lammps JOB --structure ID --surface 1,0,-1,0`: the relaxed, thickness-
 * converged slab of one face as a CIF (P1) or a LAMMPS data file (+ the force-field commands;
 * the Ewald there has no dipole correction: add `kspace_modify slab 3.0` for the slab geometry).
 */
export function exportSurfaceText(kind: 'cif' | 'lammps', job: ParsedJob, structureId: string | undefined, faceText: string): string {
  const c = structureId === undefined ? job.structures[0] : job.structures.find((s) => s.id === structureId);
  if (!c) throw new DomainError('UNKNOWN_REFERENCE', `no structure "${structureId}" (structures: ${job.structures.map((x) => x.id).join(', ')})`, { path: '/structures' });
  const indices = faceText.split(/[\s,]+/).filter(Boolean).map(Number);
  const face = parseFace(indices, '/surface');
  const spec = facesOf(job, c).find((s) => s.face.indices.join() === face.indices.join());
  const r = surfaceEnergy(job.forceField, relaxedBulk(job, c), face, {
    structureId: c.id,
    ...(spec?.termination !== undefined ? { termination: spec.termination } : {}),
    ...(spec?.acceptDipole !== undefined ? { acceptDipole: spec.acceptDipole } : {}),
    ...(spec?.tolerance !== undefined ? { tolerance: spec.tolerance } : {}),
  });
  const title = `${c.id} ${formatFace(face.indices)} slab, termination ${r.termination} (${r.terminationLabel}), ${r.layers} repeat units, relaxed; E_surf ${r.energy.toFixed(4)} J/m²`;
  const id = `${c.id}_${face.indices.join('_').replace(/-/g, 'm')}`;
  if (kind === 'cif') return writeCif(r.slab, { id, title });
  return `# ==== in.forcefield: include after read_data (add kspace_modify slab 3.0) ====\n${writeLammpsPair(job.forceField, { ewaldAccuracy: 1e-10 })}\n# ==== ${id}.data ====\n${writeLammpsData(r.slab, job.forceField.charges, { title })}`;
}
