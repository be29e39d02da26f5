/**
 * The 300 K MD numbers of docs/dynamics.md: wurtzite CdSe and rock-salt PbSe with the published
 * parameters, supercells from the cut-off rule, beside the harmonic ξ of the same supercell; the
 * errors again from 10 and 20 blocks (they should not grow with more, shorter blocks if 5 blocks
 * were long enough).
 *   nice -n 10 node --import tsx scripts/md-published.ts [EQUIL_STEPS PROD_STEPS [IDS]]
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { prepareCrystal, relaxCrystal, conventionalStructure } from '../src/properties/crystal.js';
import { harmonicDisplacements } from '../src/dynamics/index.js';
import { analyseMdOutput, runLammpsMd } from '../src/engines/lammps/md.js';
import { supercellForCutoff } from '../src/workflows/md-supercell.js';

const job = parseJob(JSON.parse(readFileSync('fixtures/pbcdse-published.json', 'utf8')));
const model = buildEnergyModel(job.forceField);
const [equil, prod] = [Number(process.argv[2] ?? 10000), Number(process.argv[3] ?? 20000)];
for (const id of (process.argv[4] ?? 'PbSe-RS,CdSe-WZ').split(',')) {
  const conv = conventionalStructure(relaxCrystal(model, prepareCrystal(job.structures.find((s) => s.id === id)!)));
  const reps = supercellForCutoff(conv, job.forceField);
  const t0 = Date.now();
  const options = { temperature: 300, equilibrationSteps: equil, productionSteps: prod, sampleEvery: 20, blocks: 5 };
  const md = await runLammpsMd(conv, reps, job.forceField, { ...options, keepFiles: true });
  const t1 = Date.now();
  const h = harmonicDisplacements(model, conv, reps, 300);
  const t2 = Date.now();
  const dir = md.workDir!;
  const [log, dump] = [readFileSync(join(dir, 'log.lammps'), 'utf8'), readFileSync(join(dir, 'traj.dump'), 'utf8')];
  const moreBlocks = Object.fromEntries(
    [10, 20].map((blocks) => {
      const r = analyseMdOutput(conv, reps, job.forceField, log, dump, { ...options, blocks });
      return [blocks, { a: r.a, c: r.c, volume: r.volume, site: r.displacements.site, start: r.displacements.start }];
    }),
  );
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ id, reps, atoms: md.atoms, relaxed: conv.lattice.parameters, md: { ...md, options: { ...md.options } }, moreBlocks, harmonic: { xi: h.xi, perAxis: h.perAxis, mesh: h.mesh }, mdWallMs: t1 - t0, harmonicWallMs: t2 - t1 }));
}
