/**
 * The `md` use case: relax the chosen structures, run LAMMPS MD of each at T and P on a supercell
 * chosen from the cut-off, and report the mean cell and the rms displacements beside the classical
 * harmonic ξ of the same supercell at the same temperature (`dynamics/`).
 *
 * The request is the job document with a top-level `md` block (read and removed here before the
 * document is parsed, so the fit's schema is untouched):
 *   "md": { "temperature": 300, "pressure": 0, "structures": ["CdSe-WZ"], "equilibrationSteps": 10000,
 *           "productionSteps": 20000, "timestepFs": 2, "sampleEvery": 20, "blocks": 5,
 *           "ensemble": "npt", "thermostat": "nose-hoover", "kspace": "pppm", "kspaceAccuracy": 1e-6,
 *           "supercell": [4, 4, 4], "seed": 12345, "lmp": "/usr/bin/lmp" }
 * every field optional. Without `structures`, the structures whose properties carry an `md` value
 * or `rmsdAt300K`, else all of them.
 *
 * Output: a properties-kind result (so `latticefit report` renders it) whose structures carry
 *   md: { temperature, pressure, a, b, c, alpha, beta, gamma, volume, enthalpy, xi: { species: {value, error} },
 *         xiPerAxis, displacements (all three definitions), supercell, atoms, samples, steps, wallTimeMs }
 *   harmonic: { temperature, mesh, xi: { species: number }, perAxis }
 * `md.xi` is the 3-D rms displacement about the lattice site (definitions in engines/lammps/md.ts).
 */
import { gpaToEvPerA3 } from '../units/index.js';
import { parseJob, type ParsedJob } from '../document/parse.js';
import type { CostItem } from '../document/limits.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import { DomainError, isDomainError } from '../errors.js';
import { buildEnergyModel } from '../potentials/index.js';
import { prepareCrystal, relaxCrystal, conventionalStructure, describeCrystal } from '../properties/crystal.js';
import { harmonicDisplacements } from '../dynamics/index.js';
import { parameterRows, resultSettings, type PropertiesResult, type StructureReport } from './results.js';
import { runLammpsMd, resolveMdOptions, type MdOptions, type MdRunResult, type Estimate, type MdProgress } from '../engines/lammps/md.js';
import { supercellForCutoff } from './md-supercell.js';

export interface MdRequest extends Omit<MdOptions, 'onProgress' | 'signal' | 'pressureGPa'> {
  /** GPa */
  pressure?: number;
  structures?: string[];
  supercell?: [number, number, number];
}

export interface MdWorkflowOptions {
  /** Overrides of the document's `md` block (the CLI flags). */
  overrides?: Partial<MdRequest>;
  onProgress?: (p: MdProgress & { structure: string; index: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface MdStructureBlock {
  temperature: Estimate;
  pressureGPa: Estimate;
  a: Estimate; b: Estimate; c: Estimate; alpha: Estimate; beta: Estimate; gamma: Estimate;
  volume: Estimate;
  enthalpy: Estimate;
  xi: Record<string, Estimate>;
  xiPerAxis: Record<string, [Estimate, Estimate, Estimate]>;
  displacements: MdRunResult['displacements'];
  /** LAMMPS's energy of the static supercell against the project's (eV; per atom). */
  staticEnergy?: MdRunResult['staticEnergy'];
  supercell: [number, number, number];
  atoms: number;
  samples: number;
  steps: { equilibration: number; production: number; timestepFs: number };
  wallTimeMs: number;
}

export type MdResult = PropertiesResult & { temperature: number; pressureGPa: number; md: MdRunResult['options'] };

/** eV/atom: above this the static check of a run is reported (the default pppm 1e-6 gives 3-6e-6). */
const STATIC_ENERGY_WARN = 1e-4;

const MD_KEYS = new Set(['temperature', 'pressure', 'structures', 'supercell', 'ensemble', 'thermostat', 'timestepFs', 'equilibrationSteps', 'productionSteps', 'sampleEvery', 'blocks', 'thermostatDamp', 'barostatDamp', 'kspace', 'kspaceAccuracy', 'seed', 'lmp', 'masses']);

/** Split a request into the job document and its `md` block (checked: unknown fields are refused). */
export function splitMdRequest(doc: unknown): { document: Record<string, unknown>; md: MdRequest } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new DomainError('INVALID_DOCUMENT', 'the request must be a JSON object', { path: '/' });
  const { md, ...document } = doc as Record<string, unknown>;
  if (md === undefined) return { document, md: {} };
  if (!md || typeof md !== 'object' || Array.isArray(md)) throw new DomainError('INVALID_DOCUMENT', 'md must be an object', { path: '/md' });
  for (const k of Object.keys(md)) if (!MD_KEYS.has(k)) throw new DomainError('INVALID_DOCUMENT', `unknown field "${k}" in md (known: ${[...MD_KEYS].join(', ')})`, { path: `/md/${k}` });
  return { document, md: md as MdRequest };
}

export const hasMdBlock = (doc: unknown): boolean => !!doc && typeof doc === 'object' && 'md' in doc;

/**
 * Check an md request at the service's door (setup errors with paths); returns the job document
 * without the block. A request does not choose the program the server runs: `md.lmp` is refused
 * here (the server's LATTICEFIT_LMP, else `lmp` on its PATH, is used); the CLI still takes it.
 */
export function validateMdRequest(doc: unknown): { document: Record<string, unknown>; md: MdRequest } {
  const { document, md } = splitMdRequest(doc);
  if (md.lmp !== undefined)
    throw new DomainError('INVALID_DOCUMENT', 'md.lmp cannot be set through the service: the server runs the LAMMPS binary of its own configuration (LATTICEFIT_LMP, else lmp on its PATH)', { path: '/md/lmp' });
  const { structures: _s, supercell: _c, pressure, ...rest } = md;
  resolveMdOptions({ ...rest, ...(pressure !== undefined ? { pressureGPa: pressure } : {}) });
  return { document, md };
}

/** The structures an md request runs: those it names, else those whose targets carry MD values, else all. */
function chosenStructures(job: ParsedJob, wanted: string[] | undefined): SymmetrizedCrystal[] {
  const byId = new Map(job.structures.map((s) => [s.id, s]));
  for (const [i, id] of (wanted ?? []).entries()) if (!byId.has(id)) throw new DomainError('UNKNOWN_REFERENCE', `md.structures names "${id}", which is not a structure of the document`, { path: `/md/structures/${i}` });
  const flagged = job.structures.filter((_, k) => {
    const t = job.targets[k];
    return t !== undefined && (t.extras.rmsdAt300K !== undefined || Object.values(t.properties).some((v) => v.md !== undefined));
  });
  return wanted ? wanted.map((id) => byId.get(id)!) : flagged.length ? flagged : job.structures;
}

/**
 * The MD runs of a request, for the cost estimate before the job is queued: each chosen
 * structure's supercell (as the run sizes it, from the unrelaxed conventional cell) for
 * equilibration + production steps, one evaluation each.
 */
export function mdCostItems(job: ParsedJob, md: MdRequest): CostItem[] {
  const { structures: _s, supercell, pressure, lmp: _l, ...rest } = md;
  const resolved = resolveMdOptions({ ...rest, ...(pressure !== undefined ? { pressureGPa: pressure } : {}) });
  return chosenStructures(job, md.structures).map((c) => {
    const n = (supercell ?? supercellForCutoff(c.structure, job.forceField)).reduce((a, b) => a * b, 1);
    return { what: 'md', atoms: c.structure.numAtoms * n, volume: c.structure.lattice.volume * n, evaluations: resolved.equilibrationSteps + resolved.productionSteps };
  });
}

export async function mdResult(doc: unknown, opts: MdWorkflowOptions = {}): Promise<MdResult> {
  const t0 = Date.now();
  const { document, md: fromDoc } = splitMdRequest(doc);
  const req: MdRequest = { ...fromDoc, ...stripUndefined(opts.overrides ?? {}) };
  const { structures: wanted, supercell, pressure, ...rest } = req;
  const runOptions: MdOptions = { ...rest, ...(pressure !== undefined ? { pressureGPa: pressure } : {}) };
  const resolved = resolveMdOptions(runOptions); // setup errors before any work
  const job = parseJob(document);
  const model = buildEnergyModel(job.forceField);
  // by default the structures whose targets carry MD values (RMSD rows or an `md` source)
  const chosen = chosenStructures(job, wanted);
  const structures: StructureReport[] = [];
  const warnings: string[] = [];
  for (const [index, input] of chosen.entries()) {
    const report: StructureReport = { id: input.id, label: input.label, formula: input.formula, spaceGroup: { symbol: input.spaceGroup.symbol, number: input.spaceGroup.number }, properties: {} };
    try {
      const relaxed = relaxCrystal(model, prepareCrystal(input), {
        pressure: gpaToEvPerA3(resolved.pressureGPa),
        ...(job.options.kink === 'stationary' ? { kink: { mode: 'stationary' as const, forceField: job.forceField } } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      report.converged = relaxed.converged;
      report.iterations = relaxed.iterations;
      const d = describeCrystal(relaxed, job.forceField.charges);
      report.cell = d.cell;
      Object.assign(report.properties, d.cell, d.u !== undefined ? { u: d.u } : {}, { volume: d.volumePerFormulaUnit, latticeEnergy: relaxed.energyPerFormulaUnit });
      const conv = conventionalStructure(relaxed);
      const reps = supercell ?? supercellForCutoff(conv, job.forceField);
      const run = await runLammpsMd(conv, reps, job.forceField, {
        ...runOptions,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: (p: MdProgress) => opts.onProgress!({ ...p, structure: input.id, index, total: chosen.length }) } : {}),
      });
      report.md = mdBlock(run);
      if (run.staticEnergy && Math.abs(run.staticEnergy.differencePerAtom) > STATIC_ENERGY_WARN)
        warnings.push(`${input.id}: LAMMPS's energy of the static supercell differs from the project's by ${run.staticEnergy.differencePerAtom.toExponential(2)} eV/atom (kspaceAccuracy ${resolved.kspaceAccuracy}): MD does not run on the lattice-statics energy surface`);
      try {
        const h = harmonicDisplacements(model, conv, reps, resolved.temperature, { ...(opts.signal ? { signal: opts.signal } : {}), ...(req.masses ? { masses: req.masses } : {}) });
        report.harmonic = { temperature: resolved.temperature, mesh: h.mesh, xi: h.xi, perAxis: h.perAxis };
      } catch (e) {
        if (isDomainError(e) && e.code === 'CANCELLED') throw e;
        report.harmonic = { temperature: resolved.temperature, error: { code: isDomainError(e) ? e.code : 'INTERNAL_ERROR', message: (e as Error).message } };
      }
    } catch (e) {
      if (isDomainError(e) && (e.code === 'CANCELLED' || e.code === 'ENGINE_UNAVAILABLE')) throw e;
      report.error = { code: isDomainError(e) ? e.code : 'INTERNAL_ERROR', message: (e as Error).message };
      warnings.push(`${input.id} failed: ${report.error.code}: ${report.error.message}`);
    }
    structures.push(report);
  }
  return {
    kind: 'properties',
    name: job.name,
    targets: job.targets,
    settings: resultSettings(job.options),
    document: job.document,
    charges: job.forceField.charges,
    parameters: parameterRows(job.forceField, job.vary),
    structures,
    normalization: [],
    warnings,
    wallTimeMs: Date.now() - t0,
    temperature: resolved.temperature,
    pressureGPa: resolved.pressureGPa,
    md: resolved,
  } as MdResult;
}

function mdBlock(r: MdRunResult): MdStructureBlock {
  const site = r.displacements.site;
  return {
    temperature: r.temperature,
    pressureGPa: r.pressureGPa,
    a: r.a, b: r.b, c: r.c, alpha: r.alpha, beta: r.beta, gamma: r.gamma,
    volume: r.volume,
    enthalpy: r.enthalpy,
    xi: Object.fromEntries(Object.entries(site).map(([s, d]) => [s, d.xi])),
    xiPerAxis: Object.fromEntries(Object.entries(site).map(([s, d]) => [s, d.perAxis])),
    displacements: r.displacements,
    ...(r.staticEnergy ? { staticEnergy: r.staticEnergy } : {}),
    supercell: r.reps,
    atoms: r.atoms,
    samples: r.samples,
    steps: { equilibration: r.options.equilibrationSteps, production: r.options.productionSteps, timestepFs: r.options.timestepFs },
    wallTimeMs: r.wallTimeMs,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
