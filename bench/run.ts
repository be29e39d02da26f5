/**
 * `npm run bench`: per-stage timings, so regressions show (a benchmark, not a test).
 *
 *   0. the whole `latticefit properties` process on the eight polymorphs (bench/process.ts);
 *   1. energy model: energy + gradient + full second derivatives of the eight polymorphs of the
 *      reference example (primitive cells, as the engine computes them; and the conventional
 *      cells), and a 4x4x4 rock-salt PbSe supercell (512 atoms; energy + gradient, and Hessian);
 *   2. relaxation + all properties (without transition pressures) of the eight polymorphs;
 *   3. the reference fit from the rough guess (fixtures/pbcdse-fit.json), against the objective of
 *      the published parameter set under the same weights.
 * Figures are the best of several rounds after warm-up, in-process, in ms unless stated.
 * `npm run bench -- --quick` skips the fit.
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { prepareCrystal } from '../src/properties/crystal.js';
import { runFit } from '../src/workflows/fit-job.js';
import { computeProperties } from '../src/properties/index.js';
import { processStage } from './process.js';
import { benchDefects } from './defects.js';
import { benchSurface } from './surface.js';
import { benchDynamics } from './dynamics.js';

const here = dirname(fileURLToPath(import.meta.url));
const load = (name: string): unknown => JSON.parse(readFileSync(resolve(here, '../fixtures', name), 'utf8'));
const quick = process.argv.includes('--quick');

function best(f: () => void, rounds = 5, reps = 1): number {
  f();
  f();
  let t = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    t = Math.min(t, (performance.now() - t0) / reps);
  }
  return t;
}
const ms = (x: number): string => `${x.toFixed(x < 10 ? 3 : 1)} ms`;

async function main(): Promise<void> {
  console.log(`latticefit benchmark — node ${process.version}, ${new Date().toISOString()}\n`);
  processStage();
  const published = parseJob(load('pbcdse-published.json'));
  const model = buildEnergyModel(published.forceField);

  console.log('1. Energy model: energy + gradient + (3N+6)² second derivatives');
  // warm-up: let V8 optimise the kernels on every cell before anything is timed
  const cells = published.structures.map((s) => ({ s, prim: prepareCrystal(s).structure }));
  for (let r = 0; r < 30; r++) for (const { s, prim } of cells) (model.compute(prim, 2), model.compute(s.structure, 2));
  let totalPrim = 0;
  let totalConv = 0;
  for (const s of published.structures) {
    const prim = prepareCrystal(s).structure;
    const tp = best(() => model.compute(prim, 2), 5, 20);
    const tc = best(() => model.compute(s.structure, 2), 5, 5);
    totalPrim += tp;
    totalConv += tc;
    console.log(`   ${s.id.padEnd(10)} primitive ${String(prim.numAtoms).padStart(2)} atoms ${ms(tp).padStart(10)}   conventional ${String(s.structure.numAtoms).padStart(2)} atoms ${ms(tc).padStart(10)}`);
  }
  console.log(`   all eight: ${ms(totalPrim)} (primitive cells), ${ms(totalConv)} (conventional cells); goal < 10 ms`);
  const rs = published.structures.find((s) => s.id === 'PbSe-RS')!.structure.supercell([4, 4, 4]);
  const t1 = best(() => model.compute(rs, 1), 3);
  console.log(`   4x4x4 rock-salt PbSe supercell (${rs.numAtoms} atoms): energy + gradient ${ms(t1)}`);
  const t2 = best(() => model.compute(rs, 2), 1);
  console.log(`   4x4x4 rock-salt PbSe supercell (${rs.numAtoms} atoms): + second derivatives ${ms(t2)}\n`);

  console.log('2. Relaxation + all properties (no transition pressures), eight polymorphs');
  const tProps = best(() => computeProperties(parseJob(load('pbcdse-published.json')), undefined, { transitionPressures: false }), 3);
  console.log(`   ${ms(tProps)} (GULP on this kind of machine: about 35 ms)\n`);

  await benchDefects();
  benchSurface(); // stage S: bench/surface.ts
  benchDynamics(load('pbcdse-published.json'), quick);
  if (quick) return;
  console.log('3. Reference fit from the rough guess (fixtures/pbcdse-fit.json)');
  const pubJob = parseJob(load('pbcdse-published.json'));
  pubJob.options.maxIterations = 0;
  const pub = await runFit(pubJob);
  const t0 = performance.now();
  const fit = await runFit(parseJob(load('pbcdse-fit.json')));
  const wall = performance.now() - t0;
  console.log(`   objective: start ${fit.objective.initial.toPrecision(6)} → final ${fit.objective.final.toPrecision(6)}; published set ${pub.objective.final.toPrecision(6)}`);
  console.log(`   ${fit.iterations} iterations, ${fit.converged ? 'converged' : 'not converged'} (${fit.stopReason}), ${(wall / 1000).toFixed(2)} s (GULP: about 90 s)`);
  for (const w of [...pub.warnings.map((x) => `published: ${x}`), ...fit.warnings]) console.log(`   note: ${w}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
