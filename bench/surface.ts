/**
 * Bench stage: relaxed, thickness-converged surface energy of one wurtzite face (CdSe {10-10})
 * and one rock-salt face (PbSe {100}) of the published model, from the relaxed bulk (the bulk
 * relaxation is not timed); Newton (the default) and BFGS slab relaxations. Goal < 2 s each.
 * Alone: `npx tsx bench/surface.ts`.
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { conventionalStructure, prepareCrystal, relaxCrystal } from '../src/properties/crystal.js';
import { parseFace, surfaceEnergy } from '../src/surface/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export function benchSurface(): void {
  console.log('S. Surface energy: relaxed, thickness-converged (1 mJ/m²), from the relaxed bulk');
  const job = parseJob(JSON.parse(readFileSync(resolve(here, '../fixtures/pbcdse-published.json'), 'utf8')));
  const model = buildEnergyModel(job.forceField);
  for (const [id, face] of [['CdSe-WZ', [1, 0, -1, 0]], ['PbSe-RS', [1, 0, 0]]] as const) {
    const c = job.structures.find((s) => s.id === id)!;
    const bulk = conventionalStructure(relaxCrystal(model, prepareCrystal(c), { forceTolerance: 1e-8 }));
    for (const method of ['newton', 'bfgs'] as const) {
      const run = () => surfaceEnergy(job.forceField, bulk, parseFace([...face]), { relaxOptions: { method } });
      run();
      let t = Infinity;
      let r = run();
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        r = run();
        t = Math.min(t, performance.now() - t0);
      }
      console.log(`   ${id} ${JSON.stringify(face).padEnd(12)} ${method.padEnd(6)} E_surf ${r.energy.toFixed(4)} J/m² (unrelaxed ${r.unrelaxedEnergy.toFixed(4)}), ${r.layers} units / ${r.atoms} atoms, ${r.history.length} thicknesses + ${r.terminations.length - 1} other termination(s): ${(t / 1000).toFixed(2)} s; goal < 2 s`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) benchSurface();
