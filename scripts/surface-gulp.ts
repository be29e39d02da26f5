/**
 * Surface energies side by side with GULP's surface route (docs/surface.md, "GULP side by side").
 *
 * For each face: the bulk relaxed by latticefit, the face's surface energy converged in thickness
 * as `latticefit properties` computes it, and GULP inputs written afresh for
 *   - `<material>-bulk.gin`   the bulk (P1, latticefit's relaxed cell), `opti conp`: GULP's own
 *                             relaxed cell and lattice energy, whose energy per repeat unit is the
 *                             reference of `sbulkenergy` below;
 *   - `<case>-slab.gin`       the same slab as latticefit's final one (same repeat units, same cut),
 *                             one region, every ion relaxed, `opti conv` (in-plane cell fixed):
 *                             GULP prints "Surface energy (full slab)" and "(per side)";
 *   - `<case>-2region-r<N>.gin` GULP's two-region scheme: region 1 (relaxed) of N repeat units
 *                             (`--region1`, default 2,4,8,12) on region 2 (fixed bulk, at least
 *                             two pair cut-offs thick), one surface (region 1's top).
 * With `--gulp BIN` the inputs are run (in a temporary directory) and the numbers tabulated;
 * the inputs are written to `--out DIR` (default fixtures/gulp-surfaces).
 *
 *   node --import tsx scripts/surface-gulp.ts [--gulp /path/to/gulp] [--out DIR] [--region1 N1,N2,...]
 *
 * Force fields: fixtures/pbcdse-published.json (Pb-Se-Cd published) and
 * fixtures/fit-suite/mgo-cao.json (MgO, Lewis & Catlow rigid ion). Both: plain truncation of the
 * Buckingham terms at 12 Å (GULP's default for `buckingham ... 0 12`), full Ewald / Parry sums.
 */
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJob, type ParsedJob } from '../src/document/parse.js';
import { relaxedBulk } from '../src/workflows/surfaces.js';
import { buildSlab, formatFace, orientedUnit, parseFace, slabEnergyModel, slabSurfaceEnergy, surfaceEnergy } from '../src/surface/index.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import type { Structure } from '../src/crystal/structure.js';
import type { ForceField } from '../src/potentials/forcefield.js';
import { TO_GULP_J as toGulpJ, withGulpCoulomb } from '../test/helpers/gulp-examples.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const gulp = arg('--gulp');
const outDir = resolve(arg('--out') ?? resolve(here, '../fixtures/gulp-surfaces'));
const region1List = (arg('--region1') ?? '2,4,8,12').split(',').map(Number);
mkdirSync(outDir, { recursive: true });
const runDir = mkdtempSync(join(tmpdir(), 'surface-gulp-'));

interface Case { key: string; material: string; doc: string; structure: string; face: number[] }
const CASES: Case[] = [
  { key: 'cdse-wz-10m10', material: 'cdse-wz', doc: 'fixtures/pbcdse-published.json', structure: 'CdSe-WZ', face: [1, 0, -1, 0] },
  { key: 'cdse-wz-11m20', material: 'cdse-wz', doc: 'fixtures/pbcdse-published.json', structure: 'CdSe-WZ', face: [1, 1, -2, 0] },
  { key: 'pbse-rs-100', material: 'pbse-rs', doc: 'fixtures/pbcdse-published.json', structure: 'PbSe-RS', face: [1, 0, 0] },
  { key: 'pbse-rs-110', material: 'pbse-rs', doc: 'fixtures/pbcdse-published.json', structure: 'PbSe-RS', face: [1, 1, 0] },
  { key: 'mgo-100', material: 'mgo', doc: 'fixtures/fit-suite/mgo-cao.json', structure: 'MgO', face: [1, 0, 0] },
];

const f = (x: number, d = 8): string => x.toFixed(d).padStart(d + 6);

const ascii = (t: string): string => t.replace(/Å/g, 'A');
let modelSource = '';
const header = (_ff: ForceField): string[] => [`# Written by scripts/surface-gulp.ts (latticefit). Force field: ${modelSource}.`, '# Buckingham terms plainly truncated at their cut-off (rmin 0); Ewald / Parry sums at GULP\'s default accuracy.'];

function forceFieldLines(ff: ForceField): string[] {
  const out = [`species ${Object.keys(ff.charges).length}`];
  for (const [s, q] of Object.entries(ff.charges)) out.push(`${s} core ${q}`);
  for (const p of ff.pairs) {
    if (p.type !== 'buckingham' || (p.cutoffMode ?? 'truncate') !== 'truncate') throw new Error('only plainly truncated Buckingham terms are written');
    out.push('buckingham', `${p.species[0]} core ${p.species[1]} core ${p.params.A} ${p.params.rho} ${p.params.C} 0.0 ${p.cutoff}`);
  }
  return out;
}

function bulkInput(title: string, s: Structure, ff: ForceField): string {
  const m = s.lattice.matrix;
  const fr = s.fractional;
  const lines = [...header(ff), 'opti conp', 'title', ascii(title), 'end', 'vectors'];
  for (const r of m) lines.push(r.map((x) => f(x, 10)).join(' '));
  lines.push('fractional');
  for (let i = 0; i < s.numAtoms; i++) lines.push(`${s.species[i]} core ${f(fr[3 * i]!, 12)} ${f(fr[3 * i + 1]!, 12)} ${f(fr[3 * i + 2]!, 12)}`);
  return [...lines, ...forceFieldLines(ff), ''].join('\n');
}

/** A slab as GULP's svectors + cartesian (z measured down from the top atom); regions bottom-up by atom index. */
function slabInput(title: string, s: Structure, ff: ForceField, region2Atoms: number, sbulk: number): string {
  const m = s.lattice.matrix;
  const p = s.positions;
  let ztop = -Infinity;
  for (let i = 0; i < s.numAtoms; i++) ztop = Math.max(ztop, p[3 * i + 2]!);
  const lines = [...header(ff), 'opti conv', 'title', ascii(title), 'end', 'svectors', `${f(m[0][0], 10)} ${f(m[0][1], 10)}`, `${f(m[1][0], 10)} ${f(m[1][1], 10)}`];
  const line = (i: number): string => `${s.species[i]} core ${f(p[3 * i]!, 10)} ${f(p[3 * i + 1]!, 10)} ${f(p[3 * i + 2]! - ztop, 10)}`;
  lines.push(region2Atoms > 0 ? 'cartesian region 1' : 'cartesian');
  for (let i = region2Atoms; i < s.numAtoms; i++) lines.push(line(i));
  if (region2Atoms > 0) {
    lines.push('cartesian region 2');
    for (let i = 0; i < region2Atoms; i++) lines.push(line(i));
  }
  lines.push(`sbulkenergy ${sbulk.toFixed(8)}`);
  return [...lines, ...forceFieldLines(ff), ''].join('\n');
}

/** GULP's printed numbers: energies (first = initial, last = final) and surface energies. */
function runGulp(name: string, input: string): { energies: number[]; surface: number[]; perSide: number[]; text: string } {
  writeFileSync(join(runDir, `${name}.gin`), input);
  const text = execFileSync(gulp!, [], { input, cwd: runDir, maxBuffer: 1 << 28 }).toString();
  writeFileSync(join(runDir, `${name}.gout`), text);
  const grab = (re: RegExp): number[] => [...text.matchAll(re)].map((x) => Number(x[1]));
  return {
    energies: grab(/Total lattice energy\s+=\s+(-?[\d.]+)\s+eV/g),
    surface: grab(/Surface energy \((?:region 1|full slab)\)\s+=\s+(-?[\d.]+)/g),
    perSide: grab(/Surface energy \(per  side\)\s+=\s+(-?[\d.]+)/g),
    text,
  };
}

const jobs = new Map<string, ParsedJob>();
const bulks = new Map<string, { bulk: Structure; gulpEnergyPerAtom?: number; lfEnergyPerAtom: number }>();
const same: string[] = [
  '| face | termination | units / atoms | latticefit unrelaxed | GULP unrelaxed | latticefit relaxed | GULP relaxed |',
  '|---|---|---|---:|---:|---:|---:|',
];
const twoRegion: string[] = [
  `| face | region 2 units | ${region1List.map((n1) => `region 1 = ${n1}`).join(' | ')} | latticefit, tolerance 1e-4 |`,
  `|---|---|${region1List.map(() => '---:|').join('')}---:|`,
];
const notes: string[] = [];
/** What GULP printed, for test/surface-gulp.test.ts (written with --gulp). */
const reference: { _source: string; gulpVersion?: string; cases: Record<string, unknown>[] } = {
  _source: 'numbers printed by GULP for the inputs of this folder (scripts/surface-gulp.ts --gulp BIN); energies eV, surface energies J/m² (GULP constants)',
  cases: [],
};

for (const c of CASES) {
  if (!jobs.has(c.doc)) {
    const doc = JSON.parse(readFileSync(resolve(here, '..', c.doc), 'utf8'));
    doc.structures = doc.structures.filter((s: { id: string }) => CASES.some((k) => k.doc === c.doc && k.structure === s.id));
    // the bulk only: references to structures left out are dropped
    for (const s of doc.structures) for (const k of Object.keys(s.properties ?? {})) if (s.properties[k].to || s.properties[k].reference) delete s.properties[k];
    jobs.set(c.doc, parseJob(doc));
  }
  const job = jobs.get(c.doc)!;
  const ff = job.forceField;
  modelSource = c.doc;
  const crystal = job.structures.find((s) => s.id === c.structure)!;
  if (!bulks.has(c.material)) {
    const bulk = relaxedBulk(job, crystal);
    const e = buildEnergyModel(ff).compute(bulk, 0).energy;
    const eG = buildEnergyModel(withGulpCoulomb(ff)).compute(bulk, 0).energy;
    const entry: { bulk: Structure; gulpEnergyPerAtom?: number; lfEnergyPerAtom: number } = { bulk, lfEnergyPerAtom: e / bulk.numAtoms };
    const input = bulkInput(`${c.structure} bulk, latticefit's relaxed cell (P1)`, bulk, ff);
    writeFileSync(join(outDir, `${c.material}-bulk.gin`), input);
    const lp = bulk.lattice.parameters;
    if (gulp) {
      const g = runGulp(`${c.material}-bulk`, input);
      reference.gulpVersion ??= g.text.match(/Version = (\S+)/)?.[1];
      entry.gulpEnergyPerAtom = g.energies.at(-1)! / bulk.numAtoms;
      const cell = g.text.match(/Final cell parameters and derivatives :[\s\S]*?a\s+(\d+\.\d+)[\s\S]*?b\s+(\d+\.\d+)[\s\S]*?c\s+(\d+\.\d+)/);
      notes.push(
        `${c.structure} bulk (${bulk.numAtoms} atoms): latticefit ${e.toFixed(8)} eV (with GULP's Coulomb constant ${eG.toFixed(8)}), GULP ${g.energies[0]!.toFixed(8)} eV at the same cell, ${g.energies.at(-1)!.toFixed(8)} eV after its own opti conp; ` +
          `cell a, b, c latticefit ${[lp.a, lp.b, lp.c].map((x) => x.toFixed(6)).join(', ')}, GULP ${cell ? cell.slice(1).join(', ') : '?'} Å`,
      );
    }
    bulks.set(c.material, entry);
  }
  const b = bulks.get(c.material)!;
  const face = parseFace(c.face);
  const name = `${c.structure} ${formatFace(c.face)}`;
  const r = surfaceEnergy(ff, b.bulk, face, { structureId: c.structure });
  const fine = surfaceEnergy(ff, b.bulk, face, { structureId: c.structure, tolerance: 1e-4 });
  const oriented = orientedUnit(b.bulk, face);
  const t = r.terminations[r.termination]!;
  const n = r.layers;
  const slab = buildSlab(oriented.unit, t, n, r.vacuum);
  const unitAtoms = oriented.unit.numAtoms;
  const eUnitRef = (b.gulpEnergyPerAtom ?? b.lfEnergyPerAtom) * unitAtoms;
  const slabIn = slabInput(`${name} slab, ${n} repeat units, termination ${t.label}, one region`, slab.structure, ff, 0, n * eUnitRef);
  writeFileSync(join(outDir, `${c.key}-slab.gin`), slabIn);

  // latticefit on the same slab; and with GULP's two constants (Coulomb, eV → J), to separate them
  const model = slabEnergyModel(ff, r.coulombAccuracy);
  const unitEnergy = buildEnergyModel(ff).compute(oriented.unit, 0).energy;
  const lf = slabSurfaceEnergy(model, unitEnergy, slab, true);
  const ffG = withGulpCoulomb(ff);
  const modelG = slabEnergyModel(ffG, r.coulombAccuracy);
  const unitEnergyG = buildEnergyModel(ffG).compute(oriented.unit, 0).energy;
  const lfG = slabSurfaceEnergy(modelG, unitEnergyG, slab, true);
  let g1 = ['–', '–'];
  const ref: Record<string, unknown> = { key: c.key, document: c.doc, structure: c.structure, face: c.face, termination: r.termination, units: n, atoms: slab.structure.numAtoms };
  if (gulp) {
    const gSlab = runGulp(c.key + '-slab', slabIn);
    const per = gSlab.perSide.length ? gSlab.perSide : gSlab.surface.map((x) => x / 2);
    g1 = [per[0]!.toFixed(4), per.at(-1)!.toFixed(4)];
    ref.bulkEnergyPerAtom = b.gulpEnergyPerAtom;
    ref.slab = {
      energyUnrelaxed: gSlab.energies[0],
      energyRelaxed: gSlab.energies.at(-1),
      gammaUnrelaxed: per[0],
      gammaRelaxed: per.at(-1),
      minimumReached: !/Conditions for a minimum have not been satisfied/.test(gSlab.text),
    };
    ref.twoRegion = [];
    notes.push(
      `${name}, ${n} units: E_slab unrelaxed latticefit ${model.compute(slab.structure, 0).energy.toFixed(8)} eV, with GULP's Coulomb constant ${modelG.compute(slab.structure, 0).energy.toFixed(8)} eV, GULP ${gSlab.energies[0]!.toFixed(8)} eV; ` +
        `γ unrelaxed / relaxed latticefit ${lf.unrelaxed.toFixed(6)} / ${lf.relaxed.toFixed(6)}, with GULP's constants ${(lfG.unrelaxed * toGulpJ).toFixed(6)} / ${(lfG.relaxed * toGulpJ).toFixed(6)}, GULP ${per[0]!.toFixed(6)} / ${per.at(-1)!.toFixed(6)} J/m²` +
        (/Conditions for a minimum have not been satisfied/.test(gSlab.text) ? ' (GULP: "conditions for a minimum have not been satisfied", final Gnorm ' + (gSlab.text.match(/Final Gnorm\s+=\s+([\d.]+)/)?.[1] ?? '?') + ')' : ''),
    );
  }
  same.push(`| ${name} | ${t.label} (${t.tasker}) | ${n} / ${slab.structure.numAtoms} | ${lf.unrelaxed.toFixed(4)} | ${g1[0]} | ${lf.relaxed.toFixed(4)} | ${g1[1]} |`);

  // two-region: region 2 at least twice the largest pair cut-off thick
  const maxCut = Math.max(...ff.pairs.map((p) => p.cutoff));
  const n2 = Math.ceil((2 * maxCut) / oriented.spacing);
  const cells: string[] = [];
  for (const n1 of region1List) {
    const two = buildSlab(oriented.unit, t, n1 + n2, r.vacuum);
    const twoIn = slabInput(`${name}, region 1 ${n1} units (relaxed) on region 2 ${n2} units (fixed), termination ${t.label}`, two.structure, ff, n2 * unitAtoms, n1 * eUnitRef);
    writeFileSync(join(outDir, `${c.key}-2region-r${n1}.gin`), twoIn);
    if (!gulp) {
      cells.push('–');
      continue;
    }
    // GULP's two-region unrelaxed γ equals that of an isolated slab of region 1 alone (docs/surface.md)
    const thin = slabSurfaceEnergy(modelG, unitEnergyG, buildSlab(oriented.unit, t, n1, r.vacuum), false);
    const g = runGulp(`${c.key}-2region-r${n1}`, twoIn);
    cells.push(`${g.surface[0]!.toFixed(4)} / ${g.surface.at(-1)!.toFixed(4)}`);
    (ref.twoRegion as unknown[]).push({ region1: n1, region2: n2, gammaUnrelaxed: g.surface[0], gammaRelaxed: g.surface.at(-1), minimumReached: !/Conditions for a minimum have not been satisfied/.test(g.text) });
    notes.push(`${name} two-region ${n1} / ${n2} units: GULP unrelaxed ${g.surface[0]!.toFixed(6)}, relaxed ${g.surface.at(-1)!.toFixed(6)} J/m²; latticefit, isolated ${n1}-unit slab unrelaxed with GULP's constants ${(thin.unrelaxed * toGulpJ).toFixed(6)} J/m²`);
  }
  reference.cases.push(ref);
  twoRegion.push(`| ${name} | ${n2} | ${cells.join(' | ')} | ${fine.unrelaxedEnergy.toFixed(4)} / ${fine.energy.toFixed(4)} (${fine.layers} units) |`);
  notes.push(`${name}: latticefit default run ${r.unrelaxedEnergy.toFixed(6)} / ${r.energy.toFixed(6)} J/m² (${r.layers} units), tolerance 1e-4 ${fine.unrelaxedEnergy.toFixed(6)} / ${fine.energy.toFixed(6)} (${fine.layers} units)`);
}

if (gulp) writeFileSync(join(outDir, 'gulp-reference.json'), JSON.stringify(reference, null, 2) + '\n');
console.log('Same slab, one region (every ion relaxed), γ per side, J/m²:\n');
console.log(same.join('\n'));
console.log('\nGULP two-region (region 1 relaxed on fixed region 2), one surface, unrelaxed / relaxed, J/m²:\n');
console.log(twoRegion.join('\n'));
console.log('');
for (const x of notes) console.log(x);
console.log(`\ninputs in ${outDir}${gulp ? `; GULP outputs in ${runDir}` : ''}`);
