/**
 * Use case: the `defects` block of a job document (docs/defects.md). Relaxes each structure it
 * names (its conventional cell, cell free, by L-BFGS from the symmetric input so the symmetry is
 * kept), builds the supercells, computes every listed defect (at each supercell size with
 * `finiteSize`) and every mixed-phase composition, and returns plain data for the CLI, the job
 * workers and the reports (Tables S10 and S11, the Figure S26 data in `mixing`).
 */
import { DomainError, throwIfAborted } from '../errors.js';
import { parseJob } from '../document/parse.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import type { DefectsBlock, SupercellSpecInput } from '../document/defects-schema.js';
import { Structure } from '../crystal/structure.js';
import { Lattice } from '../crystal/lattice.js';
import { writeCif } from '../io/cif-write.js';
import { writeLammpsData } from '../io/lammps.js';
import { buildSupercell, hexagonalSetting, hexagonalSupercellMatrix } from '../crystal/supercell.js';
import { det3, type Mat3 } from '../math/linalg.js';
import type { CostItem } from '../document/limits.js';
import type { ParsedJob } from '../document/parse.js';
import { buildEnergyModel, type EnergyModel } from '../potentials/index.js';
import { LBFGS_DEFAULTS, relaxLbfgs } from '../relaxation/lbfgs.js';
import { GPA_PER_EV_PER_A3, gpaToEvPerA3 } from '../units/index.js';
import { formationEnergy, type DefectKind } from '../defects/formation.js';
import { DEFAULT_INTERSTITIAL_STARTS, DEFAULT_SITE_CLASSES, type InterstitialStartSite } from '../defects/build.js';
import { mixingPoint } from '../defects/mixing.js';

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

function matrixOf(spec: SupercellSpecInput, unit: Structure, path: string): Mat3 {
  if ('hexagonal' in spec) return hexagonalSupercellMatrix(unit.lattice, spec.hexagonal as [number, number, number], path);
  if ('multiples' in spec) return [[spec.multiples[0]!, 0, 0], [0, spec.multiples[1]!, 0], [0, 0, spec.multiples[2]!]];
  return spec.matrix as Mat3;
}

/**
 * The further work of a defects block, for the cost estimate before the job is queued
 * (`estimateJobCost`): each listed defect is a relaxation of its supercell (every size with
 * `finiteSize`; a swap also in its partner's; an interstitial or a Frenkel pair one per site class
 * and start, DEFAULT_SITE_CLASSES × `interstitialStarts`), each mixing point `configurations` relaxations of
 * the mixing supercell; a relaxation counts its worst case, `maxIterations` evaluations (the
 * block's, else L-BFGS's default), as a fit counts its maxIterations, plus one evaluation of the
 * perfect supercell. Supercells are sized from the unrelaxed conventional cells; references the block
 * does not resolve are left to the run's own checks.
 */
export function defectsCostItems(job: ParsedJob, block: DefectsBlock): CostItem[] {
  const byId = new Map(job.structures.map((s) => [s.id, s.structure]));
  const items: CostItem[] = [];
  const relaxation = block.maxIterations ?? LBFGS_DEFAULTS.maxIterations;
  const cell = (id: string, spec: SupercellSpecInput, path: string, evaluations: number, what: string): void => {
    const unit = byId.get(id);
    if (!unit) return;
    const n = Math.abs(det3(matrixOf(spec, unit, path)));
    items.push({ what, atoms: unit.numAtoms * n, volume: unit.lattice.volume * n, evaluations });
  };
  const starts = block.interstitialStarts ?? DEFAULT_INTERSTITIAL_STARTS;
  for (const d of block.list ?? []) {
    const candidates = d.kind === 'interstitial' || d.kind.startsWith('frenkel') ? DEFAULT_SITE_CLASSES * starts : 1;
    for (const id of d.kind === 'swap' && d.partner ? [d.structure, d.partner] : [d.structure]) {
      const specs = block.supercells[id] ?? [];
      (block.finiteSize ? specs : specs.slice(0, 1)).forEach((spec, k) => cell(id, spec, `/defects/supercells/${id}/${k}`, candidates * relaxation + 1, 'defect supercells'));
    }
  }
  (block.mixing ?? []).forEach((m, i) => cell(m.structure, m.supercell, `/defects/mixing/${i}/supercell`, m.x.length * (m.configurations ?? 3) * relaxation, 'mixing supercells'));
  return items;
}

/** Run the `defects` block of a job document (untrusted JSON). */
export async function defectsResult(doc: unknown, opts: DefectsOptions = {}): Promise<DefectsResult> {
  const t0 = Date.now();
  const job = parseJob(doc);
  const block = (doc as { defects?: DefectsBlock }).defects;
  if (!block) throw new DomainError('INVALID_DOCUMENT', 'the document has no "defects" block', { path: '/defects' });
  const model: EnergyModel = buildEnergyModel({ ...job.forceField, coulomb: { accuracy: block.coulombAccuracy ?? 1e-7 } });
  const byId = new Map(job.structures.map((s) => [s.id, s]));
  const crystal = (id: string, path: string): SymmetrizedCrystal => {
    const c = byId.get(id);
    if (!c) throw new DomainError('UNKNOWN_REFERENCE', `no structure "${id}" in the document`, { path });
    return c;
  };
  /** eV/Å³: a structure's own pressure (structures[].pressure), else the job's. */
  const pressureOf = (id: string): number => byId.get(id)?.pressure ?? job.options.pressure;
  const relaxOptsAt = (id: string) => ({
    ...(block.forceTolerance !== undefined ? { forceTolerance: block.forceTolerance } : {}),
    ...(block.stressToleranceGPa !== undefined ? { stressTolerance: gpaToEvPerA3(block.stressToleranceGPa) } : {}),
    ...(block.maxIterations !== undefined ? { maxIterations: block.maxIterations } : {}),
    ...(block.relaxCell ? { relaxCell: true, pressure: pressureOf(id) } : {}),
  });
  /** Structures that enter one energy difference (a swap's partner, mixing references) must be at one pressure. */
  const samePressure = (host: string, other: string, path: string): void => {
    if (pressureOf(host) !== pressureOf(other)) throw new DomainError('INVALID_DOCUMENT', `${other} is computed at ${(pressureOf(other) * GPA_PER_EV_PER_A3).toPrecision(4)} GPa and ${host} at ${(pressureOf(host) * GPA_PER_EV_PER_A3).toPrecision(4)} GPa: an energy difference between them needs one pressure (structures[].pressure)`, { path });
  };
  const warnings: string[] = [];

  // check every reference and supercell before any work
  const list = block.list ?? [];
  const mixing = block.mixing ?? [];
  list.forEach((d, i) => {
    crystal(d.structure, `/defects/list/${i}/structure`);
    if (!block.supercells[d.structure]) throw new DomainError('INVALID_DOCUMENT', `no supercell for ${d.structure} under defects.supercells`, { path: `/defects/list/${i}/structure` });
    if (d.kind === 'swap') {
      if (!d.partner) throw new DomainError('INVALID_DOCUMENT', 'a swap needs a partner structure', { path: `/defects/list/${i}/partner` });
      crystal(d.partner, `/defects/list/${i}/partner`);
      samePressure(d.structure, d.partner, `/defects/list/${i}/partner`);
      if (!block.supercells[d.partner]) throw new DomainError('INVALID_DOCUMENT', `no supercell for ${d.partner} under defects.supercells`, { path: `/defects/list/${i}/partner` });
    }
  });
  mixing.forEach((m, i) => {
    crystal(m.structure, `/defects/mixing/${i}/structure`);
    for (const sp of m.species) {
      const ref = m.references[sp];
      if (!ref) throw new DomainError('INVALID_DOCUMENT', `no reference structure for ${sp}`, { path: `/defects/mixing/${i}/references` });
      crystal(ref, `/defects/mixing/${i}/references/${sp}`);
      samePressure(m.structure, ref, `/defects/mixing/${i}/references/${sp}`);
    }
  });

  const sizes = block.finiteSize ? (id: string) => block.supercells[id]!.length : () => 1;
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
      s = buildSupercell(unit(id).s, matrixOf(block.supercells[id]![k]!, unit(id).s, path), path);
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
      const partner = d.kind === 'swap' ? supercell(d.partner!, Math.min(k, block.supercells[d.partner!]!.length - 1)) : undefined;
      const out = formationEnergy({ model, charges, relax: relaxOptsAt(d.structure), ...(opts.signal ? { signal: opts.signal } : {}) }, perfect, {
        kind: d.kind,
        ...(d.species ? { species: d.species } : {}),
        ...(d.by ? { by: d.by } : {}),
        ...(d.separation ? { separation: d.separation } : {}),
        ...(block.interstitialStarts !== undefined ? { starts: block.interstitialStarts } : {}),
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
    const host = crystal(m.structure, `/defects/mixing/${i}/structure`);
    const u = unit(m.structure);
    const path = `/defects/mixing/${i}/supercell`;
    const sc = buildSupercell(u.s, matrixOf(m.supercell, u.s, path), path);
    const hostSpecies = m.species.find((sp) => sc.species.includes(sp));
    if (!hostSpecies) throw new DomainError('INVALID_DOCUMENT', `the host ${m.structure} holds neither ${m.species.join(' nor ')}`, { path: `/defects/mixing/${i}/species` });
    const other = m.species.find((sp) => sp !== hostSpecies)!;
    const eFrom = unit(m.references[hostSpecies]!).e, eTo = unit(m.references[other]!).e;
    const cubicParent = 'hexagonal' in m.supercell && hexagonalSetting(host.structure.lattice)[2][0] !== 0;
    for (const [j, x] of m.x.entries()) {
      throwIfAborted(opts.signal);
      progress(`mixing ${m.phase} x = ${x}`);
      // x is the fraction of species[0]; the host holds hostSpecies on every site
      const fractionOther = other === m.species[0] ? x : 1 - x;
      const pt = mixingPoint({ model, host: sc, from: hostSpecies, to: other, x: fractionOther, configurations: m.configurations ?? 3, seed: (m.seed ?? 1) + 7919 * j, referenceFrom: eFrom, referenceTo: eTo, relax: { ...relaxOptsAt(m.structure), pressure: pressureOf(m.structure) }, ...(opts.signal ? { signal: opts.signal } : {}) });
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
