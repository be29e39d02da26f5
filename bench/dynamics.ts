/**
 * Lattice-dynamics stage of `npm run bench`: the harmonic ξ at 300 K of rock-salt PbSe and wurtzite
 * CdSe (relaxed primitive cells) on growing q-meshes — force constants from the supercell Hessian
 * plus the mesh sum — with the value, so cost and convergence show together.
 */
import { parseJob } from '../src/document/parse.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { prepareCrystal, relaxCrystal } from '../src/properties/crystal.js';
import { harmonicDisplacements } from '../src/dynamics/index.js';

export function benchDynamics(document: unknown, quick = false): void {
  const job = parseJob(document);
  const model = buildEnergyModel(job.forceField);
  console.log('4. Harmonic lattice dynamics: ξ at 300 K on a q-mesh (force constants + mesh sum)');
  for (const id of ['PbSe-RS', 'CdSe-WZ']) {
    const cell = relaxCrystal(model, prepareCrystal(job.structures.find((s) => s.id === id)!)).structure;
    for (const n of quick ? [2, 3] : [2, 3, 4]) {
      const t0 = performance.now();
      const h = harmonicDisplacements(model, cell, [n, n, n], 300);
      const t = performance.now() - t0;
      console.log(`   ${id.padEnd(8)} mesh ${n}x${n}x${n} (${cell.numAtoms * n ** 3} atoms): ${t.toFixed(0).padStart(6)} ms   ξ ${Object.entries(h.xi).map(([s, x]) => `${s} ${x.toFixed(4)} Å`).join(', ')}`);
    }
  }
  console.log('');
}
