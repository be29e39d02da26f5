/**
 * A process that starts a long LAMMPS MD run (PbSe rock salt, 64 atoms) and prints `pid <N>` with
 * the LAMMPS pid at its first progress report; the test kills this process and watches the pid.
 *   node --import tsx test/helpers/md-orphan.ts
 */
import { readFileSync } from 'node:fs';
import { parseJob } from '../../src/document/parse.js';
import { runLammpsMd } from '../../src/engines/lammps/md.js';

const job = parseJob(JSON.parse(readFileSync(new URL('../../fixtures/pbcdse-published.json', import.meta.url), 'utf8')));
const cell = job.structures.find((s) => s.id === 'PbSe-RS')!.structure;
let told = false;
// thermo lines a million steps apart: after the one at step 0 (which gives the pid) LAMMPS writes
// nothing to its stdout pipe for minutes, so no SIGPIPE ends it when this process is gone; only the
// parent-death signal can
await runLammpsMd(cell, [2, 2, 2], job.forceField, {
  equilibrationSteps: 10_000_000,
  productionSteps: 4_000_000,
  sampleEvery: 1_000_000,
  blocks: 2,
  onProgress: (p) => {
    if (!told && p.pid !== undefined) process.stdout.write(`pid ${p.pid}\n`);
    told = true;
  },
}).catch((e) => {
  process.stdout.write(`error ${(e as Error).message}\n`);
  process.exit(1);
});
