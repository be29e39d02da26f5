/**
 * The `md` use case: relax the chosen structures, run LAMMPS MD of each at T and P on a supercell
 * chosen from the cut-off, and report the mean cell and the rms displacements beside the classical
 * harmonic ξ of the same supercell at the same temperature (`dynamics/`).
 *
 * The request is the job document with a top-level `md` block, split off, checked and resolved at
 * the door (`document/md.ts`: `parseMdJob`, or `readMdBlock` then `mdRequest`) into an `MdRequest`
 * (settings in K, eV/Å³, fs; the crystals to run); `runMd` takes that and checks nothing of the
 * document. Without `md.structures`, the structures whose properties carry an `md` value or
 * `rmsdAt300K`, else all of them.
 *
 * Output: a properties-kind result (so `latticefit report` renders it) whose structures carry
 *   md: { temperature, pressure, a, b, c, alpha, beta, gamma, volume, enthalpy, xi: { species: {value, error} },
 *         xiPerAxis, displacements (all three definitions), supercell, atoms, samples, steps, wallTimeMs }
 *   harmonic: { temperature, mesh, xi: { species: number }, perAxis }
 * `md.xi` is the 3-D rms displacement about the lattice site (definitions in engines/lammps/md.ts).
 */
import type { ParsedJob } from '../document/parse.js';
import { parseMdJob, type MdBlock, type MdRequest } from '../document/md.js';
import type { CostItem } from '../document/limits.js';
import { isDomainError } from '../errors.js';
import { buildEnergyModel } from '../potentials/index.js';
import { prepareCrystal, relaxCrystal, conventionalStructure, describeCrystal } from '../properties/crystal.js';
import { harmonicDisplacements } from '../dynamics/index.js';
import { parameterRows, resultSettings, type PropertiesResult, type StructureReport } from './results.js';
import { runLammpsMd, resolveMdOptions, lammpsMdOptions, type MdRunResult, type Estimate, type MdProgress } from '../engines/lammps/md.js';
import { supercellForCutoff } from './md-supercell.js';

/** The door's reading of the block, named here too for its callers. */
export { hasMdBlock, splitMdBlock as splitMdRequest, type MdBlock, type MdRequest } from '../document/md.js';

export interface MdWorkflowOptions {
  /** Overrides of the document's `md` block (the CLI flags; pressure in GPa, as the block). */
  overrides?: Partial<MdBlock>;
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

/**
 * The MD runs of a request, for the cost estimate before the job is queued: each chosen
 * structure's supercell (as the run sizes it, from the unrelaxed conventional cell) for
 * equilibration + production steps, one evaluation each.
 */
export function mdCostItems(job: ParsedJob, md: MdRequest): CostItem[] {
  return md.structures.map((c) => {
    const n = (md.supercell ?? supercellForCutoff(c.structure, job.forceField)).reduce((a, b) => a * b, 1);
    return { what: 'md', atoms: c.structure.numAtoms * n, volume: c.structure.lattice.volume * n, evaluations: md.settings.equilibrationSteps + md.settings.productionSteps };
  });
}

/** Run the `md` block of a request (untrusted JSON): parsed and resolved at the door, then `runMd`. */
export async function mdResult(doc: unknown, opts: MdWorkflowOptions = {}): Promise<MdResult> {
  const t0 = Date.now();
  const { job, md } = parseMdJob(doc, { ...(opts.overrides ? { overrides: opts.overrides } : {}) });
  return runMd(job, md, opts, t0);
}

/** The md use case on a parsed job and its resolved md request (`wallTimeMs` counts from `t0`, the parse included when the caller parsed). */
export async function runMd(job: ParsedJob, md: MdRequest, opts: MdWorkflowOptions = {}, t0 = Date.now()): Promise<MdResult> {
  const { settings, supercell } = md;
  // the adapter's options: the pressure converted to its GPa there
  const runOptions = lammpsMdOptions(settings, { ...(md.lmp !== undefined ? { lmp: md.lmp } : {}), ...(md.masses !== undefined ? { masses: md.masses } : {}) });
  const resolved = resolveMdOptions(runOptions);
  const model = buildEnergyModel(job.forceField);
  const chosen = md.structures;
  const structures: StructureReport[] = [];
  const warnings: string[] = [];
  for (const [index, input] of chosen.entries()) {
    const report: StructureReport = { id: input.id, label: input.label, formula: input.formula, spaceGroup: { symbol: input.spaceGroup.symbol, number: input.spaceGroup.number }, properties: {} };
    try {
      const relaxed = relaxCrystal(model, prepareCrystal(input), {
        pressure: settings.pressure,
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
        warnings.push(`${input.id}: LAMMPS's energy of the static supercell differs from the project's by ${run.staticEnergy.differencePerAtom.toExponential(2)} eV/atom (kspaceAccuracy ${settings.kspaceAccuracy}): MD does not run on the lattice-statics energy surface`);
      try {
        const h = harmonicDisplacements(model, conv, reps, settings.temperature, { ...(opts.signal ? { signal: opts.signal } : {}), ...(md.masses ? { masses: md.masses } : {}) });
        report.harmonic = { temperature: settings.temperature, mesh: h.mesh, xi: h.xi, perAxis: h.perAxis };
      } catch (e) {
        if (isDomainError(e) && e.code === 'CANCELLED') throw e;
        report.harmonic = { temperature: settings.temperature, error: { code: isDomainError(e) ? e.code : 'INTERNAL_ERROR', message: (e as Error).message } };
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
