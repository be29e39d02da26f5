/**
 * What the exporters read: a job document, or a fit / properties result (`latticefit fit --format
 * json`), turned into a force field and crystals.
 *
 * A result is read tolerantly: `parameters` as a list of pair rows `{species: [a, b], type, A, rho,
 * C | B, cutoff}` (or a record of named parameters `{"Cd-Se.A": ...}` when the result carries its
 * job), charges from `charges`, `species` or the embedded job document (`document`, `job`), and
 * `structures[]` with `id`, `cell` {a, b, c, alpha, beta, gamma} (or `vectors`), `sites` [{species,
 * frac}] and an optional `spaceGroup` (symbol, number or {symbol, number}): with a space group the
 * sites are taken as the asymmetric unit, unless they turn out to be the whole cell.
 */
import { DomainError, isDomainError } from '../errors.js';
import { checkSchema, parseJob } from '../document/parse.js';
import type { JobDocument, PotentialDocument, StructureDocument } from '../document/schema.js';
import type { ParsedJob } from '../document/parse.js';
import type { Structure } from '../crystal/structure.js';
import type { SpaceGroup } from '../crystal/spacegroups/index.js';
import { type ForceField, type PairPotentialSpec, type PairType, pairKey, withParameters } from '../potentials/forcefield.js';
import { CELL_KEYS, crystalOf } from './common.js';

export interface ExportCrystal {
  id: string;
  label?: string;
  structure: Structure;
  spaceGroup: SpaceGroup;
  /** The structure as a document (asymmetric unit when it has a space group). */
  document: StructureDocument;
  converged?: boolean;
}

export interface ExportSource {
  kind: 'job' | 'result';
  name?: string;
  forceField: ForceField;
  crystals: ExportCrystal[];
  /** The job document: the input, or the job a result carries with the fitted parameters put in. */
  job?: JobDocument;
  /** `job` parsed, once (memoised: a result's job is parsed only when an export needs it). */
  parsed?: () => ParsedJob;
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function isJob(v: unknown): v is JobDocument {
  try {
    checkSchema(v);
    return true;
  } catch {
    return false;
  }
}

/** Read a job document or a result for export. Throws INVALID_DOCUMENT when it is neither. */
export function exportSource(json: unknown): ExportSource {
  if (isJob(json)) {
    const job = parseJob(json);
    return {
      kind: 'job',
      ...(json.name !== undefined ? { name: json.name } : {}),
      forceField: job.forceField,
      crystals: job.structures.map((c, i) => ({ id: c.id, ...(json.structures[i]!.label !== undefined ? { label: c.label } : {}), structure: c.structure, spaceGroup: c.spaceGroup, document: json.structures[i]! })),
      job: json,
      parsed: () => job,
    };
  }
  if (!isObject(json) || !('parameters' in json) || !Array.isArray(json.structures))
    throw new DomainError('INVALID_DOCUMENT', 'neither a job document nor a result: a result has "parameters" and "structures"', { path: '/' });
  const embedded = [json.document, json.job, json.input].find(isJob);
  const embeddedParsed = embedded ? once(() => parseJob(embedded)) : undefined;
  const charges = chargesOf(json, embedded);
  const pairs = pairsOf(json.parameters, embedded, embeddedParsed);
  const forceField: ForceField = { charges, pairs };
  const crystals = (json.structures as unknown[]).map((s, i) => resultCrystal(s, i, charges));
  return {
    kind: 'result',
    ...(typeof json.name === 'string' ? { name: json.name } : embedded?.name !== undefined ? { name: embedded.name } : {}),
    forceField,
    crystals,
    ...(embedded ? fittedJob(embedded, pairs, charges) : {}),
  };
}

function fittedJob(embedded: JobDocument, pairs: PairPotentialSpec[], charges: Record<string, number>): { job: JobDocument; parsed: () => ParsedJob } {
  const job = withFittedCharges(withFittedPotentials(embedded, pairs), charges);
  return { job, parsed: once(() => parseJob(job)) };
}

function chargesOf(json: Json, job: JobDocument | undefined): Record<string, number> {
  if (isObject(json.charges) && Object.values(json.charges).every((q) => typeof q === 'number')) return { ...(json.charges as Record<string, number>) };
  const species = isObject(json.species) ? json.species : job?.species;
  if (isObject(species)) {
    const out: Record<string, number> = {};
    for (const [s, v] of Object.entries(species)) {
      const q = typeof v === 'number' ? v : isObject(v) ? v.charge : undefined;
      if (typeof q !== 'number') throw new DomainError('INVALID_DOCUMENT', `no charge for species ${s}`, { path: `/species/${s}` });
      out[s] = q;
    }
    return out;
  }
  throw new DomainError('INVALID_DOCUMENT', 'the result carries no charges ("charges", "species" or an embedded job document)', { path: '/charges' });
}

function pairsOf(parameters: unknown, job: JobDocument | undefined, parsed: (() => ParsedJob) | undefined): PairPotentialSpec[] {
  const cutoffOf = (a: string, b: string): number => job?.potentials.find((p) => pairKey(p.species[0]!, p.species[1]!) === pairKey(a, b))?.cutoff ?? 12;
  const fromRow = (r: Json, path: string, key?: string): PairPotentialSpec => {
    const sp = Array.isArray(r.species) ? r.species : key?.split('-');
    if (!sp || sp.length !== 2 || !sp.every((s) => typeof s === 'string')) throw new DomainError('INVALID_DOCUMENT', 'a parameter row needs species [a, b]', { path });
    const [a, b] = sp as [string, string];
    const type: PairType = r.type === 'lennard-jones' || r.type === 'lennard' || (r.rho === undefined && r.B !== undefined) ? 'lennard-jones' : 'buckingham';
    const names = type === 'buckingham' ? ['A', 'rho', 'C'] : ['A', 'B'];
    const params: Record<string, number> = {};
    for (const n of names) {
      if (typeof r[n] !== 'number') throw new DomainError('INVALID_DOCUMENT', `${type} ${a}-${b} needs a number ${n}`, { path: `${path}/${n}` });
      params[n] = r[n] as number;
    }
    return { type, species: [a, b], params, cutoff: typeof r.cutoff === 'number' ? r.cutoff : cutoffOf(a, b) };
  };
  if (Array.isArray(parameters)) {
    // rows of pairs, or {name, value} entries of named parameters
    if (parameters.every((r) => isObject(r) && typeof r.name === 'string' && typeof r.value === 'number'))
      return named(Object.fromEntries(parameters.map((r) => [(r as Json).name, (r as Json).value])), parsed);
    return parameters.map((r, i) => {
      if (!isObject(r)) throw new DomainError('INVALID_DOCUMENT', 'a parameter row must be an object', { path: `/parameters/${i}` });
      return fromRow(r, `/parameters/${i}`);
    });
  }
  if (isObject(parameters)) {
    const values = Object.values(parameters);
    if (values.every((v) => typeof v === 'number')) return named(parameters as Record<string, number>, parsed);
    return Object.entries(parameters).map(([k, v]) => {
      if (!isObject(v)) throw new DomainError('INVALID_DOCUMENT', `parameters of ${k} must be an object`, { path: `/parameters/${k}` });
      return fromRow(v, `/parameters/${k}`, k);
    });
  }
  throw new DomainError('INVALID_DOCUMENT', '"parameters" must be a list of pair rows or a record', { path: '/parameters' });
}

function named(values: Record<string, number>, job: (() => ParsedJob) | undefined): PairPotentialSpec[] {
  if (!job) throw new DomainError('INVALID_DOCUMENT', 'named parameters ("Cd-Se.A") need the job document in the result ("document")', { path: '/parameters' });
  try {
    return withParameters(job().forceField, values).pairs;
  } catch (e) {
    if (e instanceof RangeError) throw new DomainError('UNKNOWN_PARAMETER', e.message, { path: '/parameters' });
    throw e;
  }
}

/** The job with the result's charges (the fitted ones, when charges were varied; ties and vary kept). */
function withFittedCharges(job: JobDocument, charges: Record<string, number>): JobDocument {
  const species = Object.fromEntries(Object.entries(job.species).map(([s, sp]) => [s, charges[s] !== undefined ? { ...sp, charge: charges[s] } : sp]));
  return { ...job, species };
}

/** The job with its potentials' values replaced by the fitted ones (same pairs, same vary). */
function withFittedPotentials(job: JobDocument, pairs: PairPotentialSpec[]): JobDocument {
  const potentials = job.potentials.map((p): PotentialDocument => {
    const f = pairs.find((q) => pairKey(q.species[0], q.species[1]) === pairKey(p.species[0]!, p.species[1]!) && q.type === p.type);
    if (!f) return p;
    const out: PotentialDocument = { ...p, ...f.params };
    if (p.type === 'lennard-jones') {
      delete out.epsilon;
      delete out.sigma;
    }
    // keep the cut-off as the job states it
    return out;
  });
  const out: JobDocument = { ...job, potentials };
  return out;
}

function resultCrystal(raw: unknown, i: number, charges: Record<string, number>): ExportCrystal {
  const path = `/structures/${i}`;
  if (!isObject(raw)) throw new DomainError('INVALID_DOCUMENT', 'a structure must be an object', { path });
  const s = (isObject(raw.relaxed) ? { ...raw, ...raw.relaxed } : raw) as Json;
  const id = typeof s.id === 'string' ? s.id : `structure-${i + 1}`;
  if (s.error !== undefined && !isObject(s.cell)) throw new DomainError('INVALID_STRUCTURE', `structure ${id} failed in the calculation and has no geometry`, { path, structure: id });
  if (!isObject(s.cell) || !Array.isArray(s.sites)) throw new DomainError('INVALID_DOCUMENT', `structure ${id} needs "cell" and "sites"`, { path });
  const cell: StructureDocument['cell'] = {};
  if (Array.isArray(s.cell.vectors)) cell.vectors = s.cell.vectors as number[][];
  else for (const k of CELL_KEYS) if (typeof s.cell[k] === 'number') cell[k] = s.cell[k] as number;
  const sites = (s.sites as unknown[]).map((x, k) => {
    if (!isObject(x) || typeof x.species !== 'string' || !Array.isArray(x.frac)) throw new DomainError('INVALID_DOCUMENT', 'a site needs species and frac', { path: `${path}/sites/${k}` });
    if (!Object.hasOwn(charges, x.species)) throw new DomainError('UNKNOWN_SPECIES', `species ${x.species} has no charge`, { path: `${path}/sites/${k}/species` });
    return { species: x.species, frac: (x.frac as number[]).slice(0, 3) };
  });
  const sg = s.spaceGroup;
  const sgId = isObject(sg) ? (sg.symbol ?? sg.number) : sg;
  const label = typeof s.label === 'string' ? s.label : undefined;
  const base = { id: id.replace(/[^A-Za-z0-9_.:+-]+/g, '_'), ...(label ? { label } : {}) };
  const attempt = (sd: StructureDocument): ExportCrystal => {
    const c = crystalOf(sd, path);
    return { id, ...(label ? { label } : {}), structure: c.structure, spaceGroup: c.spaceGroup, document: sd, ...(typeof s.converged === 'boolean' ? { converged: s.converged } : {}) };
  };
  if (typeof sgId === 'string' || typeof sgId === 'number') {
    try {
      return attempt({ ...base, spaceGroup: sgId, cell: cell.vectors ? cell : { ...cell }, sites });
    } catch (e) {
      // the sites may be the whole relaxed cell rather than an asymmetric unit (P1 then needs all six parameters)
      if (!isDomainError(e) || !['OVERLAPPING_ATOMS', 'INVALID_STRUCTURE', 'INVALID_CELL'].includes(e.code)) throw e;
    }
  }
  const p1Cell = cell.vectors ? cell : completeP1(cell, id, path);
  return attempt({ ...base, cell: p1Cell, sites });
}

function completeP1(cell: StructureDocument['cell'], id: string, path: string): StructureDocument['cell'] {
  const out: StructureDocument['cell'] = {};
  for (const k of CELL_KEYS) {
    const v = cell[k];
    if (typeof v !== 'number') throw new DomainError('INVALID_CELL', `structure ${id} has no space group and gives no ${k}: a P1 cell needs all six parameters (or vectors)`, { path: `${path}/cell/${k}` });
    out[k] = v;
  }
  return out;
}
