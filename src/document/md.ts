/**
 * The `md` block of a job document (`latticefit md`, a properties job with MD) resolved at the
 * door: its fields checked, the defaults filled in, the pressure in eV/Å³, the structures it names
 * found in the parsed job. The use case (`workflows/md.ts`) takes an `MdRequest` and checks
 * nothing of the document; the LAMMPS adapter (`engines/lammps/md.ts`) converts the pressure to
 * its own units (bar) at its edge.
 *
 *   "md": { "temperature": 300, "pressure": 0, "structures": ["CdSe-WZ"], "equilibrationSteps": 10000,
 *           "productionSteps": 20000, "timestepFs": 2, "sampleEvery": 20, "blocks": 5,
 *           "ensemble": "npt", "thermostat": "nose-hoover", "kspace": "pppm", "kspaceAccuracy": 1e-6,
 *           "supercell": [4, 4, 4], "seed": 12345, "lmp": "/usr/bin/lmp" }
 * every field optional; `pressure` in GPa, as `options.pressure`. The block is not part of the fit's
 * schema: it is split off the document before `parseJob`.
 */
import { DomainError } from '../errors.js';
import { gpaToEvPerA3 } from '../units/index.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import { parseJob, type ParseOptions, type ParsedJob } from './parse.js';

/** The `md` block as the document gives it (untrusted; `pressure` in GPa). */
export interface MdBlock {
  /** K */
  temperature?: number;
  /** GPa */
  pressure?: number;
  structures?: string[];
  supercell?: [number, number, number];
  ensemble?: 'npt' | 'nvt';
  thermostat?: 'nose-hoover' | 'langevin';
  timestepFs?: number;
  equilibrationSteps?: number;
  productionSteps?: number;
  sampleEvery?: number;
  blocks?: number;
  thermostatDamp?: number;
  barostatDamp?: number;
  kspace?: 'pppm' | 'ewald';
  kspaceAccuracy?: number;
  seed?: number;
  lmp?: string;
  /** u per species */
  masses?: Record<string, number>;
}

/** The settings of an MD run, complete and in internal units. */
export interface MdSettings {
  /** K */
  temperature: number;
  /** eV/Å³ */
  pressure: number;
  /** 'nvt' keeps the box */
  ensemble: 'npt' | 'nvt';
  thermostat: 'nose-hoover' | 'langevin';
  /** fs */
  timestepFs: number;
  equilibrationSteps: number;
  productionSteps: number;
  /** steps between samples */
  sampleEvery: number;
  /** blocks of the block-average errors */
  blocks: number;
  /** timesteps */
  thermostatDamp: number;
  /** timesteps */
  barostatDamp: number;
  kspace: 'pppm' | 'ewald';
  /** relative force accuracy of the k-space sum */
  kspaceAccuracy: number;
  /** velocity seed */
  seed: number;
}

/** A resolved md request: the run's settings and the crystals it runs, in the job's terms. */
export interface MdRequest {
  settings: MdSettings;
  /** the structures it names, else those whose targets carry MD values, else all */
  structures: SymmetrizedCrystal[];
  /** copies of the conventional cell; undefined: from the cut-off (`workflows/md-supercell.ts`) */
  supercell?: [number, number, number];
  /** the LAMMPS binary the document asks for (the CLI's; the service refuses it) */
  lmp?: string;
  /** u per species */
  masses?: Record<string, number>;
}

/** Defaults of the block (pressure 0, so the same in GPa and eV/Å³). */
export const MD_DEFAULTS: MdSettings = {
  temperature: 300,
  pressure: 0,
  ensemble: 'npt',
  thermostat: 'nose-hoover',
  timestepFs: 2,
  equilibrationSteps: 10000,
  productionSteps: 20000,
  sampleEvery: 20,
  blocks: 5,
  thermostatDamp: 100,
  barostatDamp: 1000,
  kspace: 'pppm',
  kspaceAccuracy: 1e-6,
  seed: 12345,
};

export const MD_KEYS = new Set(['temperature', 'pressure', 'structures', 'supercell', 'ensemble', 'thermostat', 'timestepFs', 'equilibrationSteps', 'productionSteps', 'sampleEvery', 'blocks', 'thermostatDamp', 'barostatDamp', 'kspace', 'kspaceAccuracy', 'seed', 'lmp', 'masses']);

export const hasMdBlock = (doc: unknown): boolean => !!doc && typeof doc === 'object' && 'md' in doc;

/** Split a request into the job document and its `md` block (checked: unknown fields are refused). */
export function splitMdBlock(doc: unknown): { document: Record<string, unknown>; md: MdBlock } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new DomainError('INVALID_DOCUMENT', 'the request must be a JSON object', { path: '/' });
  const { md, ...document } = doc as Record<string, unknown>;
  if (md === undefined) return { document, md: {} };
  if (!md || typeof md !== 'object' || Array.isArray(md)) throw new DomainError('INVALID_DOCUMENT', 'md must be an object', { path: '/md' });
  for (const k of Object.keys(md)) if (!MD_KEYS.has(k)) throw new DomainError('INVALID_DOCUMENT', `unknown field "${k}" in md (known: ${[...MD_KEYS].join(', ')})`, { path: `/md/${k}` });
  return { document, md: md as MdBlock };
}

/**
 * The run settings of a block: defaults filled in, every field checked (INVALID_DOCUMENT at
 * `/md/<field>`), the pressure from GPa to eV/Å³. The LAMMPS adapter's own option check
 * (`resolveMdOptions`) is this one.
 */
export function mdSettings(block: Omit<MdBlock, 'structures' | 'supercell' | 'lmp' | 'masses'>): MdSettings {
  const given = Object.fromEntries(Object.entries(block).filter(([k, v]) => v !== undefined && MD_KEYS.has(k))) as Partial<MdBlock>;
  const { pressure: pressureGPa = 0, ...rest } = given;
  const r = { ...MD_DEFAULTS, ...rest } as MdSettings & Record<string, unknown>;
  delete r.structures, delete r.supercell, delete r.lmp, delete r.masses;
  const bad = (path: string, msg: string): never => {
    throw new DomainError('INVALID_DOCUMENT', msg, { path: `/md/${path}` });
  };
  if (!(r.temperature > 0 && r.temperature < 1e5)) bad('temperature', `temperature must be between 0 and 1e5 K (got ${r.temperature})`);
  if (!(Number.isFinite(pressureGPa) && pressureGPa >= -100 && pressureGPa <= 1000)) bad('pressure', `pressure must be between -100 and 1000 GPa, as options.pressure (got ${pressureGPa})`);
  if (!(r.timestepFs > 0 && r.timestepFs <= 10)) bad('timestepFs', `timestep must be in (0, 10] fs (got ${r.timestepFs})`);
  for (const k of ['equilibrationSteps', 'productionSteps', 'sampleEvery', 'blocks', 'thermostatDamp', 'barostatDamp', 'seed'] as const)
    if (!(Number.isInteger(r[k]) && r[k] >= (k === 'equilibrationSteps' ? 0 : k === 'blocks' ? 2 : 1))) bad(k, `${k} must be a whole number${k === 'blocks' ? ' of at least 2' : ''} (got ${r[k]})`);
  if (r.productionSteps / r.sampleEvery < 2 * r.blocks) bad('productionSteps', `production of ${r.productionSteps} steps sampled every ${r.sampleEvery} gives fewer than 2 samples per block for ${r.blocks} blocks`);
  if (!(r.kspaceAccuracy > 0 && r.kspaceAccuracy < 1)) bad('kspaceAccuracy', 'kspaceAccuracy must be in (0, 1)');
  if (r.ensemble !== 'npt' && r.ensemble !== 'nvt') bad('ensemble', 'ensemble is npt or nvt');
  if (r.thermostat !== 'nose-hoover' && r.thermostat !== 'langevin') bad('thermostat', 'thermostat is nose-hoover or langevin');
  if (r.kspace !== 'pppm' && r.kspace !== 'ewald') bad('kspace', 'kspace is pppm or ewald');
  r.pressure = gpaToEvPerA3(pressureGPa);
  return r;
}

/** The block split off a request, merged with the caller's overrides and its settings resolved: what is known before the job is parsed. */
export interface MdBlockRead {
  document: Record<string, unknown>;
  block: MdBlock;
  settings: MdSettings;
}

export interface ReadMdOptions {
  /** Fields that replace the block's (the CLI flags; undefined values are ignored). */
  overrides?: Partial<MdBlock>;
  /**
   * The service's door: a request does not choose the program the server runs, so `md.lmp` is
   * refused (the server's LATTICEFIT_LMP, else `lmp` on its PATH, is used); the CLI takes it.
   */
  service?: boolean;
}

/** Split off and check the `md` block of a request (setup errors with pointers, before the document is parsed). */
export function readMdBlock(doc: unknown, opts: ReadMdOptions = {}): MdBlockRead {
  const { document, md } = splitMdBlock(doc);
  if (opts.service && md.lmp !== undefined)
    throw new DomainError('INVALID_DOCUMENT', 'md.lmp cannot be set through the service: the server runs the LAMMPS binary of its own configuration (LATTICEFIT_LMP, else lmp on its PATH)', { path: '/md/lmp' });
  const overrides = Object.fromEntries(Object.entries(opts.overrides ?? {}).filter(([, v]) => v !== undefined)) as Partial<MdBlock>;
  const block: MdBlock = { ...md, ...overrides };
  return { document, block, settings: mdSettings(block) };
}

/** The block resolved against the parsed job: the structures it runs (UNKNOWN_REFERENCE at `/md/structures/i`). */
export function mdRequest(job: ParsedJob, read: MdBlockRead): MdRequest {
  const { block } = read;
  const byId = new Map(job.structures.map((s) => [s.id, s]));
  const wanted = block.structures;
  for (const [i, id] of (wanted ?? []).entries()) if (!byId.has(id)) throw new DomainError('UNKNOWN_REFERENCE', `md.structures names "${id}", which is not a structure of the document`, { path: `/md/structures/${i}` });
  // by default the structures whose targets carry MD values (RMSD rows or an `md` source)
  const flagged = job.structures.filter((_, k) => {
    const t = job.targets[k];
    return t !== undefined && (t.extras.rmsdAt300K !== undefined || Object.values(t.properties).some((v) => v.md !== undefined));
  });
  const structures = wanted ? wanted.map((id) => byId.get(id)!) : flagged.length ? flagged : job.structures;
  return {
    settings: read.settings,
    structures,
    ...(block.supercell !== undefined ? { supercell: block.supercell } : {}),
    ...(block.lmp !== undefined ? { lmp: block.lmp } : {}),
    ...(block.masses !== undefined ? { masses: block.masses } : {}),
  };
}

/** A request with an `md` block parsed once: the job (without the block) and the resolved md request. */
export function parseMdJob(doc: unknown, opts: ReadMdOptions & { parse?: ParseOptions } = {}): { job: ParsedJob; md: MdRequest } {
  const read = readMdBlock(doc, opts);
  const job = parseJob(read.document, opts.parse);
  return { job, md: mdRequest(job, read) };
}
