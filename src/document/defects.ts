/**
 * The `defects` block of a job document (docs/defects.md) resolved at the door: every structure it
 * names checked against the parsed job, the defaults filled in and the tolerances in internal
 * units, so that the use case (`workflows/defects.ts`) takes a `DefectsRequest` and checks nothing.
 * Every problem is a `DomainError` with a stable code and the JSON pointer of the field, raised
 * before any calculation starts.
 */
import { DomainError } from '../errors.js';
import { GPA_PER_EV_PER_A3, gpaToEvPerA3 } from '../units/index.js';
import type { Structure } from '../crystal/structure.js';
import { hexagonalSupercellMatrix } from '../crystal/supercell.js';
import { det3, type Mat3 } from '../math/linalg.js';
import { LBFGS_DEFAULTS } from '../relaxation/lbfgs.js';
import type { DefectKind } from '../defects/formation.js';
import { DEFAULT_INTERSTITIAL_STARTS, DEFAULT_SITE_CLASSES } from '../defects/build.js';
import type { DefectsBlock, SupercellSpecInput } from './defects-schema.js';
import type { CostItem } from './limits.js';
import type { ParsedJob } from './parse.js';

/** A supercell of a structure's conventional cell, as the document gives it (no unit). */
export type SupercellSpec = SupercellSpecInput;

/** One defect to compute: its structures exist and have supercells; a swap has a partner at the same pressure. */
export interface DefectRequest {
  kind: DefectKind;
  structure: string;
  partner?: string;
  species?: string;
  by?: string;
  separation?: 'separated' | 'bound';
  /** DFT formation energy, eV (reported beside) */
  dft?: number;
}

/** One mixed phase: host and references exist and share the host's pressure; the host's species found. */
export interface MixingRequest {
  phase: string;
  structure: string;
  supercell: SupercellSpec;
  /** x is the fraction of species[0] */
  species: [string, string];
  /** structure id of the reference phase of each species */
  references: Record<string, string>;
  x: number[];
  /** random configurations per x (default 3) */
  configurations: number;
  /** seed of the first configuration (default 1) */
  seed: number;
  dft?: { x: number; formationEnergy: number; a?: number; c?: number }[];
  /** the one of `species` the host holds (on every site of that sublattice) */
  hostSpecies: string;
  /** the other one, put in */
  otherSpecies: string;
}

export interface DefectsRequest {
  /** per structure id: the supercell of the tables, then (finiteSize) more sizes */
  supercells: Record<string, SupercellSpec[]>;
  list: DefectRequest[];
  mixing: MixingRequest[];
  finiteSize: boolean;
  /** defects at constant pressure instead of the perfect crystal's cell */
  relaxCell: boolean;
  /** eV/Å; undefined: the relaxation's default */
  forceTolerance?: number;
  /** eV/Å³ (the document's `stressToleranceGPa`); undefined: the relaxation's default */
  stressTolerance?: number;
  maxIterations?: number;
  /** starts per interstitial site class; undefined: the placement's default */
  interstitialStarts?: number;
  /** Ewald accuracy of the supercells, eV per atom (default 1e-7) */
  coulombAccuracy: number;
  /** eV/Å³: the pressure of every structure the block names (its own `structures[].pressure`, else the job's) */
  pressure: Record<string, number>;
}

/** The matrix of a supercell spec on a unit cell (rows: new vectors in the cell's vectors). */
export function supercellMatrix(spec: SupercellSpec, unit: Structure, path: string): Mat3 {
  if ('hexagonal' in spec) return hexagonalSupercellMatrix(unit.lattice, spec.hexagonal as [number, number, number], path);
  if ('multiples' in spec) return [[spec.multiples[0]!, 0, 0], [0, spec.multiples[1]!, 0], [0, 0, spec.multiples[2]!]];
  return spec.matrix as Mat3;
}

/**
 * The job's `defects` block resolved against its structures. `missing` is the message when the
 * document has none (the service's door and the use case say it differently).
 */
export function defectsRequest(job: ParsedJob, missing = 'the document has no "defects" block'): DefectsRequest {
  const block = job.document.defects;
  if (!block) throw new DomainError('INVALID_DOCUMENT', missing, { path: '/defects' });
  const byId = new Map(job.structures.map((s) => [s.id, s]));
  const pressure: Record<string, number> = {};
  const crystal = (id: string, path: string): void => {
    const c = byId.get(id);
    if (!c) throw new DomainError('UNKNOWN_REFERENCE', `no structure "${id}" in the document`, { path });
    pressure[id] = c.pressure ?? job.options.pressure;
  };
  /** Structures that enter one energy difference (a swap's partner, mixing references) must be at one pressure. */
  const samePressure = (host: string, other: string, path: string): void => {
    if (pressure[host] !== pressure[other]) throw new DomainError('INVALID_DOCUMENT', `${other} is computed at ${(pressure[other]! * GPA_PER_EV_PER_A3).toPrecision(4)} GPa and ${host} at ${(pressure[host]! * GPA_PER_EV_PER_A3).toPrecision(4)} GPa: an energy difference between them needs one pressure (structures[].pressure)`, { path });
  };
  const list: DefectRequest[] = (block.list ?? []).map((d, i) => {
    crystal(d.structure, `/defects/list/${i}/structure`);
    if (!block.supercells[d.structure]) throw new DomainError('INVALID_DOCUMENT', `no supercell for ${d.structure} under defects.supercells`, { path: `/defects/list/${i}/structure` });
    if (d.kind === 'swap') {
      if (!d.partner) throw new DomainError('INVALID_DOCUMENT', 'a swap needs a partner structure', { path: `/defects/list/${i}/partner` });
      crystal(d.partner, `/defects/list/${i}/partner`);
      samePressure(d.structure, d.partner, `/defects/list/${i}/partner`);
      if (!block.supercells[d.partner]) throw new DomainError('INVALID_DOCUMENT', `no supercell for ${d.partner} under defects.supercells`, { path: `/defects/list/${i}/partner` });
    }
    return { ...d };
  });
  // the references of every mixed phase first (as the use case checked them), then each host's species
  (block.mixing ?? []).forEach((m, i) => {
    crystal(m.structure, `/defects/mixing/${i}/structure`);
    for (const sp of m.species) {
      const ref = m.references[sp];
      if (!ref) throw new DomainError('INVALID_DOCUMENT', `no reference structure for ${sp}`, { path: `/defects/mixing/${i}/references` });
      crystal(ref, `/defects/mixing/${i}/references/${sp}`);
      samePressure(m.structure, ref, `/defects/mixing/${i}/references/${sp}`);
    }
  });
  const mixing: MixingRequest[] = (block.mixing ?? []).map((m, i) => {
    // a supercell holds the species of its cell
    const species = byId.get(m.structure)!.structure.species;
    const hostSpecies = m.species.find((sp) => species.includes(sp));
    if (!hostSpecies) throw new DomainError('INVALID_DOCUMENT', `the host ${m.structure} holds neither ${m.species.join(' nor ')}`, { path: `/defects/mixing/${i}/species` });
    return {
      phase: m.phase,
      structure: m.structure,
      supercell: m.supercell,
      species: [m.species[0]!, m.species[1]!],
      references: { ...m.references },
      x: [...m.x],
      configurations: m.configurations ?? 3,
      seed: m.seed ?? 1,
      ...(m.dft ? { dft: m.dft.map((q) => ({ ...q })) } : {}),
      hostSpecies,
      otherSpecies: m.species.find((sp) => sp !== hostSpecies)!,
    };
  });
  return {
    supercells: block.supercells,
    list,
    mixing,
    finiteSize: block.finiteSize ?? false,
    relaxCell: block.relaxCell ?? false,
    ...(block.forceTolerance !== undefined ? { forceTolerance: block.forceTolerance } : {}),
    ...(block.stressToleranceGPa !== undefined ? { stressTolerance: gpaToEvPerA3(block.stressToleranceGPa) } : {}),
    ...(block.maxIterations !== undefined ? { maxIterations: block.maxIterations } : {}),
    ...(block.interstitialStarts !== undefined ? { interstitialStarts: block.interstitialStarts } : {}),
    coulombAccuracy: block.coulombAccuracy ?? 1e-7,
    pressure,
  };
}

/**
 * The further work of a defects block, for the cost estimate before the job is queued
 * (`estimateJobCost`): each listed defect is a relaxation of its supercell (every size with
 * `finiteSize`; a swap also in its partner's; an interstitial or a Frenkel pair one per site class
 * and start, DEFAULT_SITE_CLASSES × `interstitialStarts`), each mixing point `configurations` relaxations of
 * the mixing supercell; a relaxation counts its worst case, `maxIterations` evaluations (the
 * block's, else L-BFGS's default), as a fit counts its maxIterations, plus one evaluation of the
 * perfect supercell. Supercells are sized from the unrelaxed conventional cells; structures the
 * block names but the job lacks count nothing (`defectsRequest` refuses them).
 */
export function defectsCostItems(job: ParsedJob, block: DefectsBlock): CostItem[] {
  const byId = new Map(job.structures.map((s) => [s.id, s.structure]));
  const items: CostItem[] = [];
  const relaxation = block.maxIterations ?? LBFGS_DEFAULTS.maxIterations;
  const cell = (id: string, spec: SupercellSpec, path: string, evaluations: number, what: string): void => {
    const unit = byId.get(id);
    if (!unit) return;
    const n = Math.abs(det3(supercellMatrix(spec, unit, path)));
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
