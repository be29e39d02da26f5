/**
 * The 300 K MD numbers of docs/dynamics.md: wurtzite CdSe and rock-salt PbSe with the published
 * parameters, supercells from the cut-off rule, beside the harmonic ξ of the same supercell.
 *   nice -n 10 node --import tsx scripts/md-published.ts [EQUIL_STEPS PROD_STEPS [IDS]]
 */
import { readFileSync } from 'node:fs';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { prepareCrystal, relaxCrystal, conventionalStructure } from '../src/properties/crystal.js';
import { harmonicDisplacements } from '../src/dynamics/index.js';
import { runLammpsMd } from '../src/engines/lammps/md.js';
import { supercellForCutoff } from '../src/workflows/md-supercell.js';

const job = parseJob(JSON.parse(readFileSync('fixtures/pbcdse-published.json', 'utf8')));
const model = buildEnergyModel(job.forceField);
const [equil, prod] = [Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 10000)];
for (const id of (process.argv[4] ?? 'PbSe-RS,CdSe-WZ').split(',')) {
  const conv = conventionalStructure(relaxCrystal(model, prepareCrystal(job.structures.find((s) => s.id === id)!)));
  const reps = supercellForCutoff(conv, job.forceField);
  const t0 = Date.now();
  const md = await runLammpsMd(conv, reps, job.forceField, { temperature: 300, equilibrationSteps: equil, productionSteps: prod, sampleEvery: 20, blocks: 5 });
  const t1 = Date.now();
  const h = harmonicDisplacements(model, conv, reps, 300);
  const t2 = Date.now();
  console.log(JSON.stringify({ id, reps, atoms: md.atoms, relaxed: conv.lattice.parameters, md: { ...md, options: { ...md.options } }, harmonic: { xi: h.xi, perAxis: h.perAxis, mesh: h.mesh }, mdWallMs: t1 - t0, harmonicWallMs: t2 - t1 }));
}
