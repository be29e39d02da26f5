/**
 * From a job document (untrusted JSON) to domain objects: a force field, crystals, targets and
 * resolved options. Every problem is a `DomainError` with a stable code and the JSON pointer of
 * the offending field, raised before any calculation starts.
 */
import { CONSTRAINT_GUARDS, type ConstraintGuard } from '../fitting/guards.js';
import { parseFace } from '../surface/face.js';
import type { SurfaceTarget } from '../fitting/observables.js';
import { createRequire } from 'node:module';
import { DomainError } from '../errors.js';
import { getSpaceGroup } from '../crystal/spacegroups/index.js';
import { checkOverlaps } from '../potentials/neighbours.js';
import { type ChargeTies, type ForceField, type PairPotentialSpec, PAIR_PARAMETERS, chargeName, pairKey } from '../potentials/forcefield.js';
import { EWALD_DEFAULTS } from '../potentials/ewald/parameters.js';
import { type SymmetrizedCrystal, latticeOfCell, symmetrizedCrystal } from '../crystal/crystal.js';
import { gpaToEvPerA3 } from '../units/index.js';
import type { JobDocument } from './schema.js';
import { Check as checkJobDocument, SCHEMA as JOB_DOCUMENT_SCHEMA } from './job-validator.generated.js';
import { DEFAULT_WEIGHTS, PROPERTIES, REPORT_ONLY_PROPERTIES, type PropertyTarget, type ReportExtras, type StructureTargets, type WeightClass } from '../properties/vocabulary.js';
import { type CostInput, DEFAULT_MAX_ATOMS, centringMultiplicity, checkJobCost, slabCostItems, checkRanges, checkSiteCount, checkSizes, checkSpeciesName } from './limits.js';

export interface Limits {
  maxStructures: number;
  /** atoms in one conventional cell */
  maxAtoms: number;
  maxIterations: number;
  /** Estimated pair terms of the whole job (`estimateJobCost` in limits.ts). */
  maxJobCost: number;
}

export const DEFAULT_LIMITS: Limits = { maxStructures: 64, maxAtoms: DEFAULT_MAX_ATOMS, maxIterations: 10_000, maxJobCost: 1e12 };

export interface ParseOptions {
  limits?: Partial<Limits>;
  /** What the document is for (the cost estimate differs); default 'fit'. */
  kind?: 'fit' | 'properties' | 'defects';
  /** Atoms closer than this are overlapping, Å (default 0.5). */
  overlapDistance?: number;
}

/** A face whose surface energy is asked for (`structures[].surfaces[]`), the face checked; `fit` makes it a target. */
export type SurfaceSpec = SurfaceTarget;

export interface ResolvedJobOptions {
  relax: boolean;
  /** External pressure, eV/Å³ (the document's `options.pressure` is in GPa). */
  pressure: number;
  weights: Record<WeightClass, number>;
  bulkModulus: 'reuss' | 'voigt' | 'hill';
  shearModulus: 'reuss' | 'voigt' | 'hill';
  maxIterations: number;
  starts: number;
  seed: number;
  normalizeDft: boolean;
  /** Guards the fit respects as constraints (`options.guards`: true = all of them; fitting/guards.ts). */
  guards: ConstraintGuard[];
  /** The equation of state of every structure; undefined: the use case's default (properties yes, fit no). */
  equationOfState?: boolean;
  /** Search the transition pressures the targets ask for. */
  transitionPressures: boolean;
  /** 'p1': relax without symmetry */
  symmetry: 'keep' | 'p1';
  /** Elastic constants at a non-zero pressure (properties/elastic.ts `ElasticDefinition`). */
  elasticConstants: 'energy' | 'stress-strain' | 'gulp';
  /** Where a property relaxation on a cut-off kink ends (relaxation/branch.ts `KinkMode`). */
  kink: 'lowest-enthalpy' | 'stationary';
  /** false: the ions relax in the given cell (constant volume and shape). */
  relaxCell: boolean;
}

/**
 * A job document parsed once into domain inputs: the force field, the symmetrised crystals, their
 * targets (in the same order) and the options resolved. `document` is the input as given, for
 * the doors that write it out again (exports); nothing in the domain reads it.
 */
export interface ParsedJob {
  name: string;
  forceField: ForceField;
  /** Parameter names to fit (`Cd-Se.A`), in document order. */
  vary: string[];
  bounds: Record<string, [number, number]>;
  structures: SymmetrizedCrystal[];
  /** What the document says of each structure's properties, in the order of `structures`. */
  targets: StructureTargets[];
  options: ResolvedJobOptions;
  /** The faces whose surface energies each structure asks for, in the order of `structures` (src/workflows/surfaces.ts). */
  surfaces?: SurfaceSpec[][];
  /** What the cost estimate was made of (a use case with further work checks it again with its `extra`). */
  cost: CostInput;
  document: JobDocument;
}

/**
 * The schema's check is compiled ahead of time (`job-validator.generated.ts`, from `schema.ts`),
 * so that a command does not load TypeBox to build and compile the schema at start-up. A
 * document that fails it is compiled against once more, by TypeBox, to say where and why.
 */
interface SchemaError { instancePath: string; keyword: string; message: string; params: unknown }
let explainer: { Errors(value: unknown): Iterable<SchemaError> } | undefined;
function schemaErrors(doc: unknown): SchemaError[] {
  if (!explainer) {
    const { Compile } = createRequire(import.meta.url)('typebox/compile') as { Compile(schema: unknown): { Errors(value: unknown): Iterable<SchemaError> } };
    explainer = Compile(JOB_DOCUMENT_SCHEMA);
  }
  return [...explainer.Errors(doc)];
}

/** Schema check only: throws INVALID_DOCUMENT with the path of the first problem. */
export function checkSchema(doc: unknown): asserts doc is JobDocument {
  if (checkJobDocument(doc)) return;
  const errors = schemaErrors(doc);
  // prefer the most specific error (deepest path), skip the generic "schema is false" echoes
  const useful = errors.filter((e) => e.keyword !== 'boolean');
  const first = (useful.length ? useful : errors).sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  let path = first?.instancePath ?? '';
  let message = first?.message ?? 'invalid document';
  if (first?.keyword === 'additionalProperties') {
    // point at the unknown field itself
    const fields = (first.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    message = `unknown field(s) ${JSON.stringify(fields)}`;
    if (fields[0] !== undefined) path = `${path}/${fields[0].replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  if (/^\/structures\/\d+\/properties\/[^/]+\/fit$/.test(path) && valueAt(doc, path) === 'md')
    message = 'an md value is a finite-temperature result, reported in parentheses beside the fit: a fit targets exp, dft or dftNormalized (MD never runs inside a fit)';
  throw new DomainError('INVALID_DOCUMENT', `${path || '/'}: ${message}`, { path: path || '/', errors: errors.slice(0, 20).map((e) => ({ path: e.instancePath, message: e.message })) });
}

/** The value at a JSON pointer (undefined when the path does not exist). */
function valueAt(doc: unknown, pointer: string): unknown {
  let v: unknown = doc;
  for (const k of pointer.split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export function parseJob(input: unknown, opts: ParseOptions = {}): ParsedJob {
  checkSchema(input);
  const doc = input;
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  checkSizes(doc, limits);
  checkRanges(doc);
  const overlap = opts.overlapDistance ?? 0.5;

  // species
  const charges: Record<string, number> = {};
  for (const [name, sp] of Object.entries(doc.species)) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new DomainError('INVALID_DOCUMENT', `species name "${name}" must start with a letter and contain only letters, digits and _`, { path: `/species/${name}` });
    checkSpeciesName(name, `/species/${name}`);
    charges[name] = sp.charge;
  }
  const knownSpecies = (s: string, path: string): void => {
    if (!Object.hasOwn(charges, s)) throw new DomainError('UNKNOWN_SPECIES', `species "${s}" is not declared under "species"`, { path });
  };

  // charges that are fit parameters (`species.X.vary: ["charge"]`) and the ties of the others
  const vary: string[] = [];
  const bounds: Record<string, [number, number]> = {};
  const chargeTies = parseChargeTies(doc, charges);
  if (chargeTies) for (const f of chargeTies.free) vary.push(chargeName(f));
  for (const [name, sp] of Object.entries(doc.species)) {
    const b = sp.bounds?.charge as [number, number] | undefined;
    if (!b) continue;
    const path = `/species/${name}/bounds/charge`;
    if (!(b[0] < b[1])) throw new DomainError('INVALID_DOCUMENT', `bounds of ${name}.charge must have lower < upper`, { path });
    if (!(sp.charge >= b[0] && sp.charge <= b[1])) throw new DomainError('INVALID_DOCUMENT', `${name}.charge = ${sp.charge} lies outside its bounds [${b[0]}, ${b[1]}]`, { path });
    if (!chargeTies?.free.includes(name)) throw new DomainError('INVALID_DOCUMENT', `bounds of ${name}.charge, which is not varied (add "vary": ["charge"])`, { path });
    bounds[chargeName(name)] = [b[0], b[1]];
  }

  // potentials
  const pairs: PairPotentialSpec[] = [];
  const seen = new Set<string>();
  doc.potentials.forEach((p, i) => {
    const path = `/potentials/${i}`;
    p.species.forEach((s, k) => knownSpecies(s, `${path}/species/${k}`));
    const key = pairKey(p.species[0]!, p.species[1]!);
    if (seen.has(key)) throw new DomainError('INVALID_POTENTIAL', `a second potential for the pair ${key}`, { path: `${path}/species` });
    seen.add(key);
    const params: Record<string, number> = {};
    if (p.type === 'buckingham') {
      for (const k of ['A', 'rho', 'C'] as const) {
        const v = p[k];
        if (v === undefined) throw new DomainError('INVALID_POTENTIAL', `buckingham ${key} needs ${k}`, { path: `${path}/${k}` });
        params[k] = v;
      }
      for (const k of ['B', 'epsilon', 'sigma'] as const)
        if (p[k] !== undefined) throw new DomainError('INVALID_POTENTIAL', `${k} is not a buckingham parameter`, { path: `${path}/${k}` });
    } else {
      if (p.epsilon !== undefined || p.sigma !== undefined) {
        if (p.epsilon === undefined || p.sigma === undefined) throw new DomainError('INVALID_POTENTIAL', 'lennard-jones needs both epsilon and sigma (or A and B)', { path: `${path}/${p.epsilon === undefined ? 'epsilon' : 'sigma'}` });
        if (p.A !== undefined || p.B !== undefined) throw new DomainError('INVALID_POTENTIAL', 'give lennard-jones as A, B or as epsilon, sigma, not both', { path: `${path}/A` });
        params.A = 4 * p.epsilon * p.sigma ** 12;
        params.B = 4 * p.epsilon * p.sigma ** 6;
      } else {
        for (const k of ['A', 'B'] as const) {
          const v = p[k];
          if (v === undefined) throw new DomainError('INVALID_POTENTIAL', `lennard-jones ${key} needs ${k}`, { path: `${path}/${k}` });
          params[k] = v;
        }
      }
      for (const k of ['rho', 'C'] as const)
        if (p[k] !== undefined) throw new DomainError('INVALID_POTENTIAL', `${k} is not a lennard-jones parameter`, { path: `${path}/${k}` });
    }
    const allowed = PAIR_PARAMETERS[p.type];
    (p.vary ?? []).forEach((v, k) => {
      if (!allowed.includes(v)) throw new DomainError('UNKNOWN_PARAMETER', `"${v}" is not a parameter of ${p.type} (${allowed.join(', ')})`, { path: `${path}/vary/${k}` });
      vary.push(`${key}.${v}`);
    });
    for (const [k, b] of Object.entries(p.bounds ?? {})) {
      if (!allowed.includes(k)) throw new DomainError('UNKNOWN_PARAMETER', `bounds for "${k}", which is not a parameter of ${p.type}`, { path: `${path}/bounds/${k}` });
      const [lo, hi] = b as [number, number];
      if (!(lo < hi)) throw new DomainError('INVALID_POTENTIAL', `bounds of ${k} must have lower < upper`, { path: `${path}/bounds/${k}` });
      if (!(params[k]! >= lo && params[k]! <= hi)) throw new DomainError('INVALID_POTENTIAL', `${k} = ${params[k]} lies outside its bounds [${lo}, ${hi}]`, { path: `${path}/bounds/${k}` });
      bounds[`${key}.${k}`] = [lo, hi];
    }
    // cut-off treatment: the potential's own, else the job's default (`options.cutoffMode`, `options.taperWidth`)
    const cutoffMode = p.cutoffMode ?? doc.options?.cutoffMode;
    const taperWidth = p.taperWidth ?? doc.options?.taperWidth;
    const cutoff = p.cutoff ?? 12;
    if ((cutoffMode ?? 'truncate') === 'taper' && taperWidth !== undefined && !(taperWidth < cutoff))
      throw new DomainError('INVALID_POTENTIAL', `taperWidth ${taperWidth} Å must be smaller than the cut-off ${cutoff} Å`, { path: p.taperWidth !== undefined ? `${path}/taperWidth` : '/options/taperWidth' });
    pairs.push({ type: p.type, species: [p.species[0]!, p.species[1]!], params, cutoff, ...(cutoffMode && cutoffMode !== 'truncate' ? { cutoffMode } : {}), ...(taperWidth !== undefined && cutoffMode === 'taper' ? { taperWidth } : {}) });
  });

  // structures
  if (doc.structures.length > limits.maxStructures) throw new DomainError('LIMIT_EXCEEDED', `${doc.structures.length} structures; the limit is ${limits.maxStructures}`, { path: '/structures' });
  const ids = new Map<string, number>();
  const targets: StructureTargets[] = [];
  const surfaces: SurfaceSpec[][] = [];
  const structures: SymmetrizedCrystal[] = doc.structures.map((sd, i) => {
    const path = `/structures/${i}`;
    if (ids.has(sd.id)) throw new DomainError('INVALID_DOCUMENT', `duplicate structure id "${sd.id}"`, { path: `${path}/id` });
    ids.set(sd.id, i);
    sd.sites.forEach((s, k) => knownSpecies(s.species, `${path}/sites/${k}/species`));
    const sg = getSpaceGroup(sd.spaceGroup ?? 1, { originChoice: sd.origin, rhombohedralAxes: sd.rhombohedralAxes }, `${path}/spaceGroup`);
    const lattice = latticeOfCell(sg, sd.cell, `${path}/cell`);
    checkSiteCount(sg, sd.sites.length, limits.maxAtoms, sd.id, path);
    const crystal = symmetrizedCrystal({
      id: sd.id,
      ...(sd.label !== undefined ? { label: sd.label } : {}),
      index: i,
      spaceGroup: sg,
      lattice,
      sites: sd.sites,
      ...(sd.pressure !== undefined ? { pressure: gpaToEvPerA3(sd.pressure) } : {}),
      path: `${path}/sites`,
      maxAtoms: limits.maxAtoms,
    });
    const { structure } = crystal;
    checkOverlaps(structure, crystal.siteOfAtom, overlap, path);
    let q = 0;
    for (const s of structure.species) q += charges[s]!;
    if (Math.abs(q) > 1e-8) throw new DomainError('NOT_CHARGE_NEUTRAL', `the cell of ${sd.id} carries a net charge of ${+q.toFixed(10)} e`, { path: `${path}/sites`, structure: sd.id, charge: q });
    if (chargeTies) checkTiesKeepNeutral(chargeTies, structure.species, sd.id, path);
    const properties: Record<string, PropertyTarget> = {};
    const extras: ReportExtras = {};
    for (const [name, value] of Object.entries(sd.properties ?? {})) {
      const ppath = `${path}/properties/${name}`;
      if (REPORT_ONLY_PROPERTIES.includes(name)) {
        extras[name] = value as Record<string, Record<string, number>>;
        continue;
      }
      if (!PROPERTIES.has(name)) throw new DomainError('UNKNOWN_PROPERTY', `unknown property "${name}"; known: ${[...PROPERTIES.keys(), ...REPORT_ONLY_PROPERTIES].join(', ')}`, { path: ppath });
      const t = value as PropertyTarget;
      if (typeof t !== 'object' || t === null || Object.values(t).some((v) => typeof v === 'object')) throw new DomainError('INVALID_DOCUMENT', `property "${name}" must be an object of values by source`, { path: ppath });
      if (t.fit !== undefined && t[t.fit] === undefined) throw new DomainError('INVALID_DOCUMENT', `"${name}" is fitted to "${t.fit}" but has no ${t.fit} value`, { path: `${ppath}/fit` });
      if (name === 'relativeEnergy' && !t.reference) throw new DomainError('UNKNOWN_REFERENCE', 'relativeEnergy needs "reference": the id of the structure it is measured from', { path: `${ppath}/reference` });
      if (name === 'transitionPressure' && !t.to) throw new DomainError('UNKNOWN_REFERENCE', 'transitionPressure needs "to": the id of the other polymorph', { path: `${ppath}/to` });
      properties[name] = { ...t };
    }
    targets.push({ id: sd.id, properties, extras });
    surfaces.push(
      (sd.surfaces ?? []).map((x, k) => {
        const spath = `${path}/surfaces/${k}`;
        if (typeof x.fit === 'string' && x[x.fit] === undefined) throw new DomainError('INVALID_DOCUMENT', `the surface energy of face ${JSON.stringify(x.face)} of ${sd.id} is fitted to "${x.fit}" but has no ${x.fit} value`, { path: `${spath}/fit` });
        if (x.weight !== undefined && x.fit === undefined) throw new DomainError('INVALID_DOCUMENT', `a weight without fit: the surface energy of face ${JSON.stringify(x.face)} of ${sd.id} is not a fit target (give "fit": a target in J/m², or "exp"/"dft")`, { path: `${spath}/weight` });
        return { ...x, structureId: sd.id, face: parseFace(x.face, `${spath}/face`), path: spath };
      }),
    );
    return crystal;
  });

  // references between structures
  for (const [k, s] of structures.entries()) {
    for (const [name, key] of [['relativeEnergy', 'reference'], ['transitionPressure', 'to']] as const) {
      const t = targets[k]!.properties[name];
      const ref = t?.[key];
      if (!ref) continue;
      const path = `/structures/${s.index}/properties/${name}/${key}`;
      const other = structures.find((o) => o.id === ref);
      if (!other) throw new DomainError('UNKNOWN_REFERENCE', `"${ref}" is not the id of a structure in this document`, { path });
      if (other.compositionKey !== s.compositionKey) throw new DomainError('UNKNOWN_REFERENCE', `"${ref}" (${other.formula}) does not have the composition of ${s.id} (${s.formula})`, { path });
      if (other.id === s.id) throw new DomainError('UNKNOWN_REFERENCE', `a structure cannot be its own ${key}`, { path });
    }
  }

  const o = doc.options ?? {};
  const maxIterations = o.maxIterations ?? 200;
  if (maxIterations > limits.maxIterations) throw new DomainError('LIMIT_EXCEEDED', `maxIterations ${maxIterations} exceeds the limit ${limits.maxIterations}`, { path: '/options/maxIterations' });
  const options: ResolvedJobOptions = {
    relax: o.relax ?? true,
    pressure: gpaToEvPerA3(o.pressure ?? 0),
    weights: { ...DEFAULT_WEIGHTS, ...(o.defaultWeights as Partial<Record<WeightClass, number>> | undefined) },
    bulkModulus: o.bulkModulus ?? 'reuss',
    shearModulus: o.shearModulus ?? 'hill',
    maxIterations,
    starts: o.starts ?? 1,
    seed: o.seed ?? 1,
    normalizeDft: o.normalizeDft ?? true,
    guards: o.guards === true ? [...CONSTRAINT_GUARDS] : Array.isArray(o.guards) ? [...new Set(o.guards as ConstraintGuard[])] : [],
    ...(o.equationOfState !== undefined ? { equationOfState: o.equationOfState } : {}),
    transitionPressures: o.transitionPressures ?? true,
    symmetry: o.symmetry ?? 'keep',
    elasticConstants: o.elasticConstants ?? 'energy',
    kink: o.kink ?? 'lowest-enthalpy',
    relaxCell: o.relaxCell ?? true,
  };

  const cutoff = Math.max(0, ...pairs.map((p) => p.cutoff ?? 12));
  const atomsAndVolumes = structures.map((s) => ({ atoms: s.structure.numAtoms, volume: s.structure.lattice.volume }));
  const cost: CostInput = { kind: opts.kind ?? 'fit', structures: atomsAndVolumes, cutoff, relax: options.relax, maxIterations: options.maxIterations, starts: options.starts, vary: vary.length };
  // the slabs of the surface energies asked for (structures[].surfaces)
  const slabs = structures.flatMap((c, k) =>
    (surfaces[k] ?? []).flatMap((f) => slabCostItems({ atoms: c.structure.numAtoms, volume: c.structure.lattice.volume, latticePoints: centringMultiplicity(c.spaceGroup), reciprocal: c.structure.lattice.reciprocal }, f.face.miller)),
  );
  if (slabs.length) cost.extra = slabs;
  checkJobCost(cost, limits.maxJobCost);

  return {
    name: doc.name ?? 'latticefit job',
    forceField: { charges, pairs, coulomb: { accuracy: o.coulombAccuracy ?? EWALD_DEFAULTS.accuracy }, ...(chargeTies ? { chargeTies } : {}) },
    vary,
    bounds,
    structures,
    targets,
    surfaces,
    options,
    cost,
    document: doc,
  };
}


/**
 * The charge parameters of a document: free species (`vary: ["charge"]`) and how every other
 * charge follows (docs/fitsuite.md). A species with `tiedTo` follows the varied species it names,
 * q = Σ ratio q_f (and must equal its given charge at the start). With exactly one varied charge
 * and no `tiedTo` anywhere, every other charged species follows in proportion, ratio = q_s⁰/q_f⁰,
 * which keeps every neutral structure neutral; otherwise species without `tiedTo` keep their
 * charge. Undefined when no charge is varied.
 */
function parseChargeTies(doc: JobDocument, charges: Record<string, number>): ChargeTies | undefined {
  const entries = Object.entries(doc.species);
  const free = entries.filter(([, sp]) => sp.vary?.includes('charge')).map(([name]) => name);
  for (const [name, sp] of entries) if (sp.tiedTo && !free.length) throw new DomainError('INVALID_DOCUMENT', `${name} is tied to varied charges, but no species varies its charge (add "vary": ["charge"] to one)`, { path: `/species/${name}/tiedTo` });
  if (!free.length) return undefined;
  const tied: Record<string, Record<string, number>> = {};
  const anyTie = entries.some(([, sp]) => sp.tiedTo);
  for (const [name, sp] of entries) {
    if (!sp.tiedTo) continue;
    const path = `/species/${name}/tiedTo`;
    if (free.includes(name)) throw new DomainError('INVALID_DOCUMENT', `${name} varies its charge and is tied as well: give one or the other`, { path });
    const ratios: Record<string, number> = {};
    for (const [f, r] of Object.entries(sp.tiedTo)) {
      if (!free.includes(f)) throw new DomainError('INVALID_DOCUMENT', `${name} is tied to ${f}, whose charge is not varied (tie to one of ${free.join(', ')})`, { path: `${path}/${f.replace(/~/g, '~0').replace(/\//g, '~1')}` });
      ratios[f] = r;
    }
    const start = Object.entries(ratios).reduce((sum, [f, r]) => sum + r * charges[f]!, 0);
    if (Math.abs(start - sp.charge) > 1e-8 * Math.max(1, Math.abs(sp.charge)))
      throw new DomainError('INVALID_DOCUMENT', `${name}.charge ${sp.charge} is not what its tie gives at the start (${+start.toPrecision(12)}): make them agree`, { path: `/species/${name}/charge` });
    tied[name] = ratios;
  }
  if (free.length === 1 && !anyTie) {
    const f = free[0]!;
    const q0 = charges[f]!;
    if (q0 === 0) throw new DomainError('INVALID_DOCUMENT', `${f}.charge starts at 0: the other charges cannot follow it in proportion (give tiedTo)`, { path: `/species/${f}/charge` });
    for (const [name] of entries) if (name !== f && charges[name] !== 0) tied[name] = { [f]: charges[name]! / q0 };
  }
  return { free, tied };
}

/** NOT_CHARGE_NEUTRAL, at the varied charge, when moving it would charge a structure. */
function checkTiesKeepNeutral(ties: ChargeTies, species: readonly string[], id: string, path: string): void {
  for (const f of ties.free) {
    let net = 0;
    for (const s of species) net += s === f ? 1 : (ties.tied[s]?.[f] ?? 0);
    if (Math.abs(net) > 1e-9)
      throw new DomainError('NOT_CHARGE_NEUTRAL', `varying ${f}.charge changes the net charge of ${id} (${path}) by ${+net.toPrecision(6)} e per e: tie the other charges to it (tiedTo) so that every structure stays neutral`, { path: `/species/${f}/vary`, structure: id, charge: net });
  }
}
