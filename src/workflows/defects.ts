/**
 * Use case: the `defects` block of a job document (docs/defects.md). Relaxes each structure it
 * names (its conventional cell, cell free, by L-BFGS from the symmetric input so the symmetry is
 * kept), builds the supercells, computes every listed defect (at each supercell size with
 * `finiteSize`) and every mixed-phase composition, and returns plain data for the CLI, the job
 * workers and the reports (Tables S10 and S11, the Figure S26 data in `mixing`).
 *
 * The block is checked and resolved at the door (`document/defects.ts` `defectsRequest`: every
 * reference, supercell and pressure, the defaults, the stress tolerance in eV/Å³); `runDefects`
 * takes that typed request and checks nothing of the document.
 */
import { throwIfAborted } from '../errors.js';
import { parseJob, type ParsedJob } from '../document/parse.js';
import { defectsRequest, supercellMatrix, type DefectsRequest } from '../document/defects.js';
import { Structure } from '../crystal/structure.js';
import { Lattice } from '../crystal/lattice.js';
import { writeCif } from '../io/cif-write.js';
import { writeLammpsData } from '../io/lammps.js';
import { buildSupercell, hexagonalSetting } from '../crystal/supercell.js';
import type { Mat3 } from '../math/linalg.js';
import { buildEnergyModel, type EnergyModel } from '../potentials/index.js';
import { relaxLbfgs } from '../relaxation/lbfgs.js';
import { gpaToEvPerA3 } from '../units/index.js';
import { formationEnergy, type DefectKind } from '../defects/formation.js';
import type { InterstitialStartSite } from '../defects/build.js';
import { mixingPoint } from '../defects/mixing.js';

/** The cost estimate of a block lives at the door (document/defects.ts); named here too for its callers. */
export { defectsCostItems } from '../document/defects.js';

/** One row of Figure S26 / Table S11: ΔE(x) per formula unit of a phase. */
export type MixingRow = {
  phase: string;
  x: number;
  formationEnergy: { mean: number; spread: number };
  a?: number;
  c?: number;
  configurations: number;
};

export interface MixingResultRow extends MixingRow {
  structure: string;
  atoms: number;
  converged: boolean;
  volumePerFormulaUnit: number;
  /** eV per formula unit of each configuration */
  energies: number[];
  dft?: { formationEnergy: number; a?: number; c?: number };
  /** id of the relaxed cell of the first configuration in `cells` */
  cell: string;
}

/** One size of a finite-size series. */
export interface FiniteSizePoint {
  atoms: number;
  /** eV */
  formationEnergy: number;
  converged: boolean;
  /** Å between the two parts of a pair, as placed in this cell */
  distance?: number;
}

export interface DefectRow {
  kind: DefectKind;
  structure: string;
  partner?: string;
  species?: string;
  by?: string;
  separation?: 'separated' | 'bound';
  /** atoms of the perfect supercell */
  atoms: number;
  /** eV */
  formationEnergy: number;
  unrelaxedEnergy: number;
  converged: boolean;
  /** charge of the defect, e (0 for the neutral combinations) */
  charge: number;
  /** Å between the two parts of a Schottky or Frenkel pair */
  distance?: number;
  /** interstitial site class and the start (`hole`, `face`, `split`, `… rattled (seed k)`) of the lowest candidate */
  site?: InterstitialStartSite;
  /** candidate cells relaxed (site classes × interstitialStarts for interstitials and Frenkel pairs) */
  candidates: number;
  iterations: number;
  /** Frenkel pair that recombined from every candidate site (formation energy ≈ 0) */
  recombined?: boolean;
  dft?: number;
  /** the same defect at every supercell size, smallest first (with `finiteSize`) */
  finiteSize?: FiniteSizePoint[];
  /** change between the two largest sizes, eV */
  finiteSizeTrend?: number;
  /** ids of the relaxed cells in `cells` */
  cells: string[];
}

export interface ExportedCell {
  id: string;
  /** lattice rows, Å */
  lattice: number[][];
  species: string[];
  /** Cartesian, Å */
  positions: number[][];
}

export interface DefectsResult {
  kind: 'defects';
  name: string;
  charges: Record<string, number>;
  wallTimeMs: number;
  /** relaxed perfect crystals */
  references: { structure: string; energyPerFormulaUnit: number; a: number; b: number; c: number; converged: boolean }[];
  defects: DefectRow[];
  mixing: MixingResultRow[];
  cells: ExportedCell[];
  warnings: string[];
}

export interface DefectsProgress {
  done: number;
  total: number;
  message: string;
}

export interface DefectsOptions {
  signal?: AbortSignal;
  onProgress?: (p: DefectsProgress) => void;
}

const exportCell = (id: string, s: Structure): ExportedCell => ({
  id,
  lattice: s.lattice.matrix.map((r) => [...r]),
  species: [...s.species],
  positions: Array.from({ length: s.numAtoms }, (_, i) => s.position(i)),
});

/** Run the `defects` block of a job document (untrusted JSON): parsed and resolved at the door, then `runDefects`. */
export async function defectsResult(doc: unknown, opts: DefectsOptions = {}): Promise<DefectsResult> {
  const t0 = Date.now();
  const job = parseJob(doc);
  return runDefects(job, defectsRequest(job), opts, t0);
}

/** The defects use case on a parsed job and its resolved `defects` block (`wallTimeMs` counts from `t0`, the parse included when the caller parsed). */
export async function runDefects(job: ParsedJob, request: DefectsRequest, opts: DefectsOptions = {}, t0 = Date.now()): Promise<DefectsResult> {
  const model: EnergyModel = buildEnergyModel({ ...job.forceField, coulomb: { accuracy: request.coulombAccuracy } });
  const byId = new Map(job.structures.map((s) => [s.id, s]));
  /** eV/Å³: a structure's own pressure (structures[].pressure), else the job's (resolved at the door). */
  const pressureOf = (id: string): number => request.pressure[id]!;
  const relaxOptsAt = (id: string) => ({
    ...(request.forceTolerance !== undefined ? { forceTolerance: request.forceTolerance } : {}),
    ...(request.stressTolerance !== undefined ? { stressTolerance: request.stressTolerance } : {}),
    ...(request.maxIterations !== undefined ? { maxIterations: request.maxIterations } : {}),
    ...(request.relaxCell ? { relaxCell: true, pressure: pressureOf(id) } : {}),
  });
  const warnings: string[] = [];
  const { list, mixing } = request;

  const sizes = request.finiteSize ? (id: string) => request.supercells[id]!.length : () => 1;
  const total = list.reduce((n, d) => n + sizes(d.structure), 0) + mixing.reduce((n, m) => n + m.x.length, 0);
  let done = 0;
  const progress = (message: string): void => opts.onProgress?.({ done, total, message });

  // relaxed perfect crystals (conventional cells, cell free)
  const relaxedUnit = new Map<string, { s: Structure; e: number }>();
  const references: DefectsResult['references'] = [];
  const unit = (id: string): { s: Structure; e: number } => {
    let u = relaxedUnit.get(id);
    if (!u) {
      const c = byId.get(id)!;
      const r = relaxLbfgs(model, c.structure, { relaxCell: true, pressure: pressureOf(id), forceTolerance: 1e-6, stressTolerance: gpaToEvPerA3(1e-5), ...(opts.signal ? { signal: opts.signal } : {}) });
      if (!r.converged) warnings.push(`the perfect crystal ${id} did not converge (${r.stopReason})`);
      u = { s: r.structure, e: r.enthalpy / c.z };
      relaxedUnit.set(id, u);
      const p = r.structure.lattice.parameters;
      references.push({ structure: id, energyPerFormulaUnit: u.e, a: p.a, b: p.b, c: p.c, converged: r.converged });
    }
    return u;
  };
  const supercells = new Map<string, Structure>();
  const supercell = (id: string, k: number): Structure => {
    const key = `${id}#${k}`;
    let s = supercells.get(key);
    if (!s) {
      const path = `/defects/supercells/${id}/${k}`;
      s = buildSupercell(unit(id).s, supercellMatrix(request.supercells[id]![k]!, unit(id).s, path), path);
      supercells.set(key, s);
    }
    return s;
  };
  const cells: ExportedCell[] = [];
  const defects: DefectRow[] = [];
  const charges = job.forceField.charges;
  for (const [i, d] of list.entries()) {
    const series: FiniteSizePoint[] = [];
    let main: DefectRow | undefined;
    for (let k = 0; k < sizes(d.structure); k++) {
      throwIfAborted(opts.signal);
      progress(`${d.kind} in ${d.structure} (size ${k + 1})`);
      const perfect = supercell(d.structure, k);
      const partner = d.kind === 'swap' ? supercell(d.partner!, Math.min(k, request.supercells[d.partner!]!.length - 1)) : undefined;
      const out = formationEnergy({ model, charges, relax: relaxOptsAt(d.structure), ...(opts.signal ? { signal: opts.signal } : {}) }, perfect, {
        kind: d.kind,
        ...(d.species ? { species: d.species } : {}),
        ...(d.by ? { by: d.by } : {}),
        ...(d.separation ? { separation: d.separation } : {}),
        ...(request.interstitialStarts !== undefined ? { starts: request.interstitialStarts } : {}),
      }, partner);
      series.push({ atoms: perfect.numAtoms, formationEnergy: out.formationEnergy, converged: out.converged, ...(out.separation !== undefined ? { distance: out.separation } : {}) });
      if (!out.converged) warnings.push(`${d.kind} in ${d.structure} (${perfect.numAtoms} atoms) did not converge (${out.stopReason ?? 'stopped'}): largest force ${out.maxForce.toExponential(2)} eV/Å`);
      if (out.recombined) warnings.push(`${d.kind} (${d.separation ?? 'separated'}) in ${d.structure} (${perfect.numAtoms} atoms): the interstitial fell back into the vacancy from every candidate site`);
      done++;
      if (k === 0) {
        const ids = out.structures.map((s, j) => `defect-${i}-${d.kind}-${d.structure}${j ? `-${j}` : ''}`);
        out.structures.forEach((s, j) => cells.push(exportCell(ids[j]!, s)));
        main = {
          kind: d.kind,
          structure: d.structure,
          ...(d.partner ? { partner: d.partner } : {}),
          ...(d.species ? { species: d.species } : {}),
          ...(d.by ? { by: d.by } : {}),
          ...(d.kind.startsWith('frenkel') ? { separation: d.separation ?? 'separated' } : {}),
          atoms: perfect.numAtoms,
          formationEnergy: out.formationEnergy,
          unrelaxedEnergy: out.unrelaxedEnergy,
          converged: out.converged,
          charge: Math.abs(out.charge) < 1e-12 ? 0 : out.charge,
          ...(out.separation !== undefined ? { distance: out.separation } : {}),
          ...(out.site ? { site: out.site } : {}),
          candidates: out.candidates,
          iterations: out.iterations,
          ...(out.recombined ? { recombined: true } : {}),
          ...(d.dft !== undefined ? { dft: d.dft } : {}),
          cells: ids,
        };
      }
    }
    if (series.length > 1) {
      const sorted = [...series].sort((a, b) => a.atoms - b.atoms);
      main!.finiteSize = sorted;
      main!.finiteSizeTrend = sorted[sorted.length - 1]!.formationEnergy - sorted[sorted.length - 2]!.formationEnergy;
    }
    defects.push(main!);
  }

  const mixingRows: MixingResultRow[] = [];
  for (const [i, m] of mixing.entries()) {
    const host = byId.get(m.structure)!;
    const u = unit(m.structure);
    const path = `/defects/mixing/${i}/supercell`;
    const sc = buildSupercell(u.s, supercellMatrix(m.supercell, u.s, path), path);
    const { hostSpecies, otherSpecies: other } = m;
    const eFrom = unit(m.references[hostSpecies]!).e, eTo = unit(m.references[other]!).e;
    const cubicParent = 'hexagonal' in m.supercell && hexagonalSetting(host.structure.lattice)[2][0] !== 0;
    for (const [j, x] of m.x.entries()) {
      throwIfAborted(opts.signal);
      progress(`mixing ${m.phase} x = ${x}`);
      // x is the fraction of species[0]; the host holds hostSpecies on every site
      const fractionOther = other === m.species[0] ? x : 1 - x;
      const pt = mixingPoint({ model, host: sc, from: hostSpecies, to: other, x: fractionOther, configurations: m.configurations, seed: m.seed + 7919 * j, referenceFrom: eFrom, referenceTo: eTo, relax: { ...relaxOptsAt(m.structure), pressure: pressureOf(m.structure) }, ...(opts.signal ? { signal: opts.signal } : {}) });
      done++;
      const xFirst = other === m.species[0] ? pt.x : 1 - pt.x;
      const id = `mixing-${m.phase}-${xFirst.toFixed(3)}`;
      cells.push(exportCell(id, pt.structure));
      const lat: { a?: number; c?: number } = {};
      if ('hexagonal' in m.supercell) {
        const n = m.supercell.hexagonal;
        if (cubicParent) lat.a = Math.cbrt(4 * pt.volumePerFormulaUnit);
        else (lat.a = (pt.lattice.a / n[0]! + pt.lattice.b / n[1]!) / 2, lat.c = pt.lattice.c / n[2]!);
      }
      const dft = m.dft?.find((q) => Math.abs(q.x - xFirst) < 0.02);
      if (!pt.converged) warnings.push(`mixing ${m.phase} x = ${xFirst.toFixed(3)}: ${pt.failures.length} configuration(s) did not converge (${pt.failures.join('; ')})`);
      mixingRows.push({
        phase: m.phase,
        structure: m.structure,
        x: xFirst,
        formationEnergy: pt.formationEnergy,
        ...lat,
        configurations: pt.configurations,
        atoms: sc.numAtoms,
        converged: pt.converged,
        volumePerFormulaUnit: pt.volumePerFormulaUnit,
        energies: pt.energies,
        ...(dft ? { dft: { formationEnergy: dft.formationEnergy, ...(dft.a !== undefined ? { a: dft.a } : {}), ...(dft.c !== undefined ? { c: dft.c } : {}) } } : {}),
        cell: id,
      });
    }
  }
  progress('done');
  return { kind: 'defects', name: job.name, charges, wallTimeMs: Date.now() - t0, references, defects, mixing: mixingRows, cells, warnings };
}

/** The structure of a relaxed cell of a result. */
export const cellStructure = (c: ExportedCell): Structure => Structure.fromCartesian(Lattice.fromVectors(c.lattice as Mat3), c.species, c.positions.flat());

/** Every relaxed defect and mixed cell of a result as files: `ID.cif` (P1) and `ID.data` (LAMMPS). */
export function defectCellFiles(result: DefectsResult): { name: string; text: string }[] {
  return result.cells.flatMap((c) => {
    const s = cellStructure(c);
    return [
      { name: `${c.id}.cif`, text: writeCif(s, { id: c.id }) },
      { name: `${c.id}.data`, text: writeLammpsData(s, result.charges, { title: c.id }) },
    ];
  });
}
