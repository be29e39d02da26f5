/**
 * The `phonons` use case: relax every structure (its space group kept, on the primitive cell) and
 * report its harmonic frequencies at Γ and on a Γ-centred q-mesh (THz and cm⁻¹, imaginary ones
 * negative), the dynamical-stability verdict with every imaginary mode named by q and branch, and
 * the classical harmonic ξ per species at a temperature when the structure is stable.
 *
 * Mesh: `mesh` [n₁, n₂, n₃] of the primitive cell, or by default the smallest whose supercell is at
 * least `meshLength` Å (default 15) across in every direction.
 */
import { parseJob } from '../document/parse.js';
import { isDomainError } from '../errors.js';
import { buildEnergyModel } from '../potentials/index.js';
import { prepareCrystal, relaxCrystal } from '../properties/crystal.js';
import { forceConstants, phononReport, harmonicDisplacementsFrom, meshForLength, type PhononReport, type Mesh } from '../dynamics/index.js';

export interface PhononWorkflowOptions {
  mesh?: Mesh;
  meshLength?: number;
  /** K, for the harmonic ξ (default 300). */
  temperature?: number;
  signal?: AbortSignal;
}

export interface PhononStructure {
  id: string;
  label: string;
  spaceGroup: { symbol: string; number: number };
  atoms: number;
  converged: boolean;
  phonons?: PhononReport;
  harmonic?: { temperature: number; mesh: [number, number, number]; xi: Record<string, number>; perAxis: Record<string, [number, number, number]> };
  error?: { code: string; message: string };
}

export interface PhononResult {
  kind: 'phonons';
  name: string;
  temperature: number;
  structures: PhononStructure[];
  wallTimeMs: number;
}

export function phononsResult(doc: unknown, opts: PhononWorkflowOptions = {}): PhononResult {
  const t0 = Date.now();
  const job = parseJob(doc);
  const model = buildEnergyModel(job.forceField);
  const T = opts.temperature ?? 300;
  const structures = job.structures.map((input): PhononStructure => {
    const out: PhononStructure = { id: input.id, label: input.label, spaceGroup: { symbol: input.spaceGroup.symbol, number: input.spaceGroup.number }, atoms: 0, converged: false };
    try {
      const relaxed = relaxCrystal(model, prepareCrystal(input), {
        pressure: input.pressure ?? job.options.pressure,
        relax: job.options.relax,
        ...(job.options.relaxCell ? {} : { fixCell: true }),
        ...(job.options.kink === 'stationary' ? { kink: { mode: 'stationary' as const, forceField: job.forceField } } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      out.converged = relaxed.converged;
      const cell = relaxed.structure;
      out.atoms = cell.numAtoms;
      const mesh = opts.mesh ?? meshForLength(cell, opts.meshLength ?? 15);
      const fc = forceConstants(model, cell, mesh, { ...(opts.signal ? { signal: opts.signal } : {}) });
      out.phonons = phononReport(fc, { ...(opts.signal ? { signal: opts.signal } : {}) });
      if (out.phonons.stable) {
        const h = harmonicDisplacementsFrom(fc, T, opts.signal);
        out.harmonic = { temperature: T, mesh: h.mesh, xi: h.xi, perAxis: h.perAxis };
      }
    } catch (e) {
      if (isDomainError(e) && e.code === 'CANCELLED') throw e;
      out.error = { code: isDomainError(e) ? e.code : 'INTERNAL_ERROR', message: (e as Error).message };
    }
    return out;
  });
  return { kind: 'phonons', name: job.name, temperature: T, structures, wallTimeMs: Date.now() - t0 };
}
