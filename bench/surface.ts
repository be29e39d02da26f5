/**
 * Bench stage: relaxed, thickness-converged surface energy of one wurtzite face (CdSe {10-10})
 * and one rock-salt face (PbSe {100}) of the published model, from the relaxed bulk (the bulk
 * relaxation is not timed); Newton and BFGS (the default) slab relaxations. Goal < 2 s each.
 * Then the fit's derivative of a fitted surface energy (CdSe {10-10}, the 6 Cd-Se and Se-Se
 * parameters): the analytic row (src/surface/derivatives.ts) against the central-difference one
 * (bulk and slab relaxed again at p ± h, 12 times).
 * Alone: `npx tsx bench/surface.ts`.
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { conventionalStructure, prepareCrystal, relaxCrystal } from '../src/properties/crystal.js';
import { parseFace, surfaceEnergy } from '../src/surface/index.js';
import { buildObservables } from '../src/fitting/observables.js';
import { FitEvaluator } from '../src/fitting/evaluator.js';
import { getParameter } from '../src/potentials/forcefield.js';

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
  // the fit's derivative row of a fitted surface energy
  const doc = JSON.parse(readFileSync(resolve(here, '../fixtures/pbcdse-published.json'), 'utf8'));
  doc.structures = doc.structures.filter((s: { id: string }) => s.id === 'CdSe-WZ');
  doc.structures[0].properties = {};
  doc.structures[0].surfaces = [{ face: [1, 0, -1, 0], fit: 0.25 }];
  doc.potentials = doc.potentials.filter((p: { species: string[] }) => p.species.includes('Cd') || p.species.every((s) => s === 'Se'));
  const fitJob = parseJob(doc);
  const ev = new FitEvaluator(fitJob, fitJob.vary, buildObservables(fitJob), { pressure: 0 });
  const p0 = fitJob.vary.map((n) => getParameter(fitJob.forceField, n)!);
  const states = ev.evaluate(p0, ev.involved);
  ev.commit(states);
  const time = (f: () => unknown): number => {
    f();
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      f();
      best = Math.min(best, performance.now() - t0);
    }
    return best / 1000;
  };
  const ta = time(() => ev.analyticJacobian(p0, states));
  const tf = time(() => ev.finiteDifferenceJacobian(p0, ev.involved));
  console.log(`   fitted γ CdSe-WZ {10-10}, ${p0.length} parameters: analytic Jacobian row ${ta.toFixed(3)} s, central differences ${tf.toFixed(3)} s (${(tf / ta).toFixed(1)}x)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) benchSurface();
