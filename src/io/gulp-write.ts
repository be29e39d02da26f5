/**
 * Job document → GULP input (.gin), and force field → GULP library (.lib).
 *
 * The input reruns the job in GULP: keywords `fit relax conp prop` (relaxed fit), `fit conp prop`
 * (conventional fit at the given geometry) or `opti conp prop` (no parameter varied), then per
 * structure `name`, `cell` (with strain flags when fitting), `fractional` (core lines with charge,
 * occupancy, radius and coordinate flags), `space` (by number), `observables` with the fitted
 * targets, then one global `observables` block with the relative energies as `reaction`s, `species`
 * with the charges, `buckingham` / `lennard 12 6` with `rmin rmax` and fit flags, and the class
 * weights as `default_weight` lines (GULP's own defaults differ from latticefit's, so all are
 * written). See `gulp-common.ts` for the mapping of observables.
 *
 * What GULP cannot say — labels, which source a target was taken from, values reported but not
 * fitted, transition pressures, volumes, `u`, bounds — is written in comment lines starting
 * `#latticefit`, which GULP ignores and `readGulp` uses to give back the same document. Every
 * fitted target GULP cannot state is also named in a plain comment so that a GULP user sees it.
 */
import { DomainError } from '../errors.js';
import { parseJob, type ParsedJob } from '../document/parse.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import type { JobDocument, PropertyTarget, StructureDocument } from '../document/schema.js';
import type { WeightClass } from '../properties/vocabulary.js';
import type { ForceField, PairPotentialSpec } from '../potentials/forcefield.js';
import type { LatticeParameters } from '../crystal/lattice.js';
import { completeCell } from '../crystal/cell-parameters.js';
import { num, freeCellKeys, primitiveFormulaUnits, CELL_KEYS, smoothCutoffNotes } from './common.js';
import {
  gulpObservableKind,
  OBSERVABLE_WEIGHT_CLASS,
  META_PREFIX,
  type GulpWeightName,
  type JobMeta,
  type ObservableContext,
  type PotentialMeta,
  type StructureMeta,
} from './gulp-common.js';

const PAIR_ORDER: Record<PairPotentialSpec['type'], readonly string[]> = { buckingham: ['A', 'rho', 'C'], 'lennard-jones': ['A', 'B'] };

/** GULP input for any valid job document (parsed here unless its parse is given; invalid documents throw). */
export function writeGulpInput(doc: JobDocument, parsed?: ParsedJob): string {
  const job = parsed ?? parseJob(doc);
  const fitting = job.vary.length > 0;
  const relax = job.options.relax;
  const out: string[] = [];
  const keywords = fitting ? (relax ? 'fit relax conp prop' : 'fit conp prop') : relax ? (job.options.relaxCell ? 'opti conp prop' : 'opti conv prop') : 'prop';

  out.push(`# GULP input written by latticefit.`);
  out.push(
    fitting
      ? relax
        ? '# Relaxed fit: every structure is relaxed at constant pressure for each parameter set; its input cell is observed.'
        : '# Conventional fit at the given geometry.'
      : '# No parameter is varied: structures are optimised and their properties computed.',
  );
  out.push('# Units: Angstrom, degrees, e, eV, GPa. Energies in GULP are per primitive cell.');
  out.push(`# Lines starting "${META_PREFIX}" carry what GULP cannot say; \`latticefit import-gulp\` reads them back.`);
  out.push(keywords);
  if (doc.name !== undefined) out.push('title', doc.name.replace(/\n/g, ' '), 'end');
  if (fitting && doc.options?.maxIterations !== undefined) out.push(`maxcyc fit ${doc.options.maxIterations}`);

  const jobMeta: JobMeta = { options: (doc.options as Record<string, unknown> | undefined) ?? null, potentials: potentialMeta(doc) };
  // charges that are fit parameters: written at their (fitted) values, held fixed by this input
  const chargeFit = Object.fromEntries(
    Object.entries(doc.species)
      .filter(([, sp]) => sp.vary || sp.bounds || sp.tiedTo)
      .map(([name, sp]) => [name, { ...(sp.vary ? { vary: [...sp.vary] } : {}), ...(sp.bounds ? { bounds: { ...sp.bounds } } : {}), ...(sp.tiedTo ? { tiedTo: { ...sp.tiedTo } } : {}) }]),
  );
  if (Object.keys(chargeFit).length) {
    jobMeta.species = chargeFit;
    out.push(`# NOTE: latticefit fits the charge of ${Object.keys(chargeFit).filter((s) => doc.species[s]!.vary).join(', ')} (the charges tied to it follow); this input holds every charge fixed at the value below.`);
  }
  out.push(`${META_PREFIX} job ${asciiJson(jobMeta)}`);

  const weights = job.options.weights;
  const reactions: string[] = [];
  job.structures.forEach((crystal, i) => {
    const sd = doc.structures[i]!;
    out.push('#', ...structureBlock(sd, crystal, { fitting, relax, doc, weights, configOf: (id) => job.structures.findIndex((s) => s.id === id) }, reactions, job.structures));
    // GULP's pressure belongs to the configuration it follows
    const p = sd.pressure ?? doc.options?.pressure;
    if (p !== undefined) out.push(`pressure ${num(p)} GPa`);
  });
  if (reactions.length) out.push('#', '# relative energies per formula unit, as reactions between configurations (energies per primitive cell)', 'observables', ...reactions, 'end');

  out.push('#', `species ${Object.keys(doc.species).length}`);
  for (const [name, sp] of Object.entries(doc.species)) out.push(`${name} core ${num(sp.charge)}`);

  const pairs = job.forceField.pairs;
  const buck = pairs.filter((p) => p.type === 'buckingham');
  const lj = pairs.filter((p) => p.type === 'lennard-jones');
  const flagsOf = (p: PairPotentialSpec): string => {
    if (!fitting) return '';
    const d = doc.potentials.find((q) => samePair(q.species, p.species))!;
    return ' ' + PAIR_ORDER[p.type].map((k) => ((d.vary ?? []).includes(k) ? '1' : '0')).join(' ');
  };
  out.push(...smoothCutoffNotes(pairs));
  if (buck.length) {
    out.push('#', '# A (eV), rho (Ang), C (eV Ang^6), rmin, rmax (Ang)' + (fitting ? ', fit flags A rho C' : ''), 'buckingham');
    for (const p of buck) out.push(`${p.species[0]} core ${p.species[1]} core ${num(p.params.A!)} ${num(p.params.rho!)} ${num(p.params.C!)} 0 ${num(p.cutoff)}${flagsOf(p)}`);
  }
  if (lj.length) {
    out.push('#', '# E = A/r^12 - B/r^6: A (eV Ang^12), B (eV Ang^6), rmin, rmax (Ang)' + (fitting ? ', fit flags A B' : ''), 'lennard 12 6');
    for (const p of lj) out.push(`${p.species[0]} core ${p.species[1]} core ${num(p.params.A!)} ${num(p.params.B!)} 0 ${num(p.cutoff)}${flagsOf(p)}`);
  }

  if (fitting) {
    out.push('#', '# class weights (latticefit defaults are 1; GULP defaults differ, so all are given)');
    const dw: [GulpWeightName, WeightClass][] = [
      ['cell_length', 'length'],
      ['cell_angle', 'angle'],
      ['frac', 'internal'],
      ['elastic', 'elastic'],
      ['modulus', 'bulkModulus'],
      ['energy', 'energy'],
    ];
    for (const [g, c] of dw) out.push(`default_weight ${g} ${num(weights[c])}`);
  }
  return out.join('\n') + '\n';
}

interface StructureContext {
  fitting: boolean;
  relax: boolean;
  doc: JobDocument;
  weights: Record<WeightClass, number>;
  configOf: (id: string) => number;
}

function structureBlock(sd: StructureDocument, c: SymmetrizedCrystal, ctx: StructureContext, reactions: string[], all: SymmetrizedCrystal[]): string[] {
  const out: string[] = [];
  const sg = c.spaceGroup;
  const freeCell: string[] = sd.cell.vectors ? [...CELL_KEYS] : freeCellKeys(sg);
  const o = ctx.doc.options ?? {};
  const octx: ObservableContext = {
    fitting: ctx.fitting,
    relax: ctx.relax,
    bulkModulus: o.bulkModulus ?? 'reuss',
    shearModulus: o.shearModulus ?? 'hill',
    freeCell,
  };
  const props = (sd.properties ?? {}) as Record<string, PropertyTarget>;
  const isTarget = (t: unknown): t is PropertyTarget => typeof t === 'object' && t !== null && Object.values(t).every((v) => typeof v !== 'object');
  const kinds = new Map<string, ReturnType<typeof gulpObservableKind>>();
  for (const [name, t] of Object.entries(props)) if (isTarget(t)) kinds.set(name, gulpObservableKind(name, t, octx));

  out.push(`name ${sd.id}`);
  const meta: StructureMeta = {};
  if (sd.label !== undefined) meta.label = sd.label;
  if (sd.spaceGroup !== undefined && sd.spaceGroup !== sg.symbol) meta.spaceGroup = sd.spaceGroup;
  if (sd.origin !== undefined) meta.origin = sd.origin;
  if (sd.rhombohedralAxes !== undefined) meta.rhombohedralAxes = sd.rhombohedralAxes;
  if (sd.sites.some((s) => s.label !== undefined)) meta.siteLabels = sd.sites.map((s) => s.label ?? null);
  if (sd.properties) meta.properties = sd.properties as Record<string, unknown>;

  // the cell: in relax fitting GULP observes the input cell, so fitted cell targets go on the cell line
  const notes: string[] = [];
  let cellValues: number[];
  if (sd.cell.vectors) {
    cellValues = [];
  } else {
    const given: Partial<LatticeParameters> = {};
    for (const k of freeCell) given[k as keyof LatticeParameters] = sd.cell[k as keyof LatticeParameters] as number;
    let changed = false;
    for (const k of freeCell) {
      const t = props[k];
      if (kinds.get(k) === 'cell' && t?.fit) {
        const v = t[t.fit] as number;
        if (v !== given[k as keyof LatticeParameters]) {
          notes.push(`# the cell line gives the fitted ${k} = ${num(v)} (${t.fit}); the document starts from ${k} = ${num(given[k as keyof LatticeParameters]!)}`);
          changed = true;
        }
        given[k as keyof LatticeParameters] = v;
        if (t.weight !== undefined)
          notes.push(`# latticefit weighs ${k} by ${num(t.weight)}; GULP weighs it by default_weight ${['a', 'b', 'c'].includes(k) ? 'cell_length' : 'cell_angle'}`);
      }
    }
    const full = completeCell(sg, given);
    cellValues = CELL_KEYS.map((k) => full[k]);
    const keysDiffer = Object.keys(sd.cell).some((k) => !freeCell.includes(k)) || freeCell.some((k) => !(k in sd.cell));
    if (changed || keysDiffer) meta.cell = sd.cell as Record<string, unknown>;
  }
  if (Object.keys(meta).length) out.push(`${META_PREFIX} structure ${asciiJson(meta)}`);
  if (sd.label !== undefined) out.push(`# ${sd.label.replace(/\n/g, ' ')}: ${c.formula}, Z = ${c.z}`);
  out.push(...notes);

  const cellFlags = ctx.fitting ? ' ' + CELL_KEYS.map((k, i) => (i < 3 || freeCell.includes(k) ? '1' : '0')).join(' ') : '';
  if (sd.cell.vectors) {
    out.push('vectors', ...c.structure.lattice.matrix.map((r) => r.map(num).join(' ')));
    if (ctx.fitting) out.push('1 1 1 1 1 1');
  } else {
    out.push('cell', cellValues.map(num).join(' ') + cellFlags);
  }
  out.push('fractional');
  for (const s of sd.sites) {
    const q = ctx.doc.species[s.species]!.charge;
    const xyz = s.frac.map(num).join(' ');
    out.push(ctx.fitting ? `${s.species} core ${xyz} ${num(q)} 1 0 1 1 1` : `${s.species} core ${xyz}`);
  }
  if (sg.number !== 1 || sd.spaceGroup !== undefined) {
    out.push(`# space group ${sg.symbol} (${sg.number})${sg.rhombohedralAxes ? ', rhombohedral axes' : ''}`, 'space', String(sg.number));
    if (sg.originChoice === 2) out.push('origin 2');
  }

  // observables of this configuration
  const obs: string[] = [];
  const weightText = (t: PropertyTarget, cls: WeightClass): string => {
    if (t.weight !== undefined) return ` ${num(t.weight)}`;
    // GULP has one `modulus` default for bulk and shear: a different shear default is written out
    if (cls === 'shearModulus' && ctx.weights.shearModulus !== ctx.weights.bulkModulus) return ` ${num(ctx.weights.shearModulus)}`;
    return '';
  };
  const elastic: string[] = [];
  const unexpressed: string[] = [];
  for (const [name, t] of Object.entries(props)) {
    if (!isTarget(t)) continue;
    const kind = kinds.get(name);
    const value = t.fit ? t[t.fit] : undefined;
    if (kind === undefined) {
      if (ctx.fitting && t.fit !== undefined) unexpressed.push(name);
      continue;
    }
    if (kind === 'cell') continue;
    const cls = OBSERVABLE_WEIGHT_CLASS[kind];
    const w = weightText(t, cls);
    if (kind === 'elastic') elastic.push(`${name.charAt(1)} ${name.charAt(2)} ${num(value as number)}${w}`);
    else if (kind === 'bulk_modulus') obs.push('bulk_modulus', `${num(value as number)}${w}`);
    else if (kind === 'shear_modulus') obs.push('shear_modulus', `${num(value as number)}${w}`);
    else if (kind === 'energy') obs.push('energy', `${num((value as number) * primitiveFormulaUnits(c))}${w}`);
    else if (kind === 'reaction') {
      const ref = all[ctx.configOf(t.reference!)]!;
      reactions.push(
        `# ${c.id} relative to ${ref.id}`,
        'reaction',
        `2 ${num(value as number)}${w} ${c.index + 1} ${num(1 / primitiveFormulaUnits(c))} ${ref.index + 1} ${num(-1 / primitiveFormulaUnits(ref))}`,
      );
    }
  }
  if (elastic.length) obs.unshift(`elastic ${elastic.length}`, ...elastic);
  if (unexpressed.length) out.push(`# fitted in latticefit, not expressible as a GULP observable: ${unexpressed.join(', ')}`);
  if (ctx.fitting && ctx.relax) {
    const unfitted = freeCell.filter((k) => kinds.get(k) !== 'cell');
    if (unfitted.length && !sd.cell.vectors)
      out.push(`# GULP relax fitting also fits ${unfitted.join(', ')} to the cell line (weight default_weight cell_*); latticefit does not`);
  }
  if (obs.length) out.push('observables', ...obs, 'end');
  return out;
}

/** JSON with every non-ASCII character escaped (GULP is a Fortran program reading ASCII). */
const asciiJson = (v: unknown): string => JSON.stringify(v).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

const samePair = (a: readonly string[], b: readonly string[]): boolean => (a[0] === b[0] && a[1] === b[1]) || (a[0] === b[1] && a[1] === b[0]);

function potentialMeta(doc: JobDocument): PotentialMeta[] {
  return doc.potentials.map((p) => {
    const m: PotentialMeta = { species: [p.species[0]!, p.species[1]!], type: p.type };
    if (p.cutoff === undefined) m.cutoffOmitted = true;
    if (p.epsilon !== undefined) m.epsilon = p.epsilon;
    if (p.sigma !== undefined) m.sigma = p.sigma;
    if (p.bounds !== undefined) m.bounds = p.bounds as Record<string, number[]>;
    if (p.vary !== undefined) m.vary = p.vary;
    return m;
  });
}

/**
 * A GULP library (.lib) of a force field: `species` with the core charges and the pair potentials
 * in GULP's form, with their cut-offs and no fit flags. Read it into GULP with `library NAME`.
 */
export function writeGulpLibrary(ff: ForceField, title = 'force field written by latticefit'): string {
  const out: string[] = [`# GULP library: ${title.replace(/\n/g, ' ')}`, '# Units: e, eV, Angstrom. Rigid ions (cores only); Coulomb by Ewald summation.'];
  out.push(`species ${Object.keys(ff.charges).length}`);
  for (const [s, q] of Object.entries(ff.charges)) out.push(`${s} core ${num(q)}`);
  const buck = ff.pairs.filter((p) => p.type === 'buckingham');
  const lj = ff.pairs.filter((p) => p.type === 'lennard-jones');
  for (const p of ff.pairs) {
    for (const k of PAIR_ORDER[p.type])
      if (!Number.isFinite(p.params[k])) throw new DomainError('INVALID_POTENTIAL', `${p.type} ${p.species.join('-')} has no value for ${k}`);
  }
  if (buck.length) {
    out.push('# A (eV), rho (Ang), C (eV Ang^6), rmin, rmax (Ang)', 'buckingham');
    for (const p of buck) out.push(`${p.species[0]} core ${p.species[1]} core ${num(p.params.A!)} ${num(p.params.rho!)} ${num(p.params.C!)} 0 ${num(p.cutoff)}`);
  }
  if (lj.length) {
    out.push('# E = A/r^12 - B/r^6: A (eV Ang^12), B (eV Ang^6), rmin, rmax (Ang)', 'lennard 12 6');
    for (const p of lj) out.push(`${p.species[0]} core ${p.species[1]} core ${num(p.params.A!)} ${num(p.params.B!)} 0 ${num(p.cutoff)}`);
  }
  return out.join('\n') + '\n';
}

