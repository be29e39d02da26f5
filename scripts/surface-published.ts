/**
 * The four surface energies of the published Pb-Se-Cd model (fixtures/pbcdse-published.json):
 * CdSe wurtzite {11-20} and {10-10}, PbSe rock salt {100} and {110}, through the properties use
 * case (what `latticefit properties JOB.json --format json` prints as structures[].surfaces[]),
 * as the Markdown table of docs/surface.md. Published force-field values and DFT beside them
 * (Tables S8/S9).
 *
 *   node --import tsx scripts/surface-published.ts [--tolerance J_PER_M2]   (default 0.001)
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { propertiesResult } from '../src/workflows/properties-job.js';
import { formatFace } from '../src/surface/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const doc = JSON.parse(readFileSync(resolve(here, '../fixtures/pbcdse-published.json'), 'utf8'));
const faces: Record<string, { face: number[]; published: number; dft: number }[]> = {
  'CdSe-WZ': [
    { face: [1, 1, -2, 0], published: 0.26, dft: 0.5 },
    { face: [1, 0, -1, 0], published: 0.25, dft: 0.46 },
  ],
  'PbSe-RS': [
    { face: [1, 0, 0], published: 0.29, dft: 0.18 },
    { face: [1, 1, 0], published: 0.49, dft: 0.32 },
  ],
};
const ti = process.argv.indexOf('--tolerance');
const tolerance = ti > 0 ? Number(process.argv[ti + 1]) : undefined;
doc.structures = doc.structures.filter((s: { id: string }) => s.id in faces);
for (const s of doc.structures) {
  s.surfaces = faces[s.id]!.map((f) => ({ face: f.face, dft: f.dft, ...(tolerance ? { tolerance } : {}) }));
  // the transition partners are left out
  for (const k of Object.keys(s.properties ?? {})) if (s.properties[k].to || s.properties[k].reference) delete s.properties[k];
}
doc.options = { ...doc.options, equationOfState: false, transitionPressures: false };

const t0 = performance.now();
const res = await propertiesResult(doc);
console.log(`| face | termination (Tasker) | unrelaxed | relaxed | published FF | DFT | units / atoms | last change | converged |`);
console.log(`|---|---|---:|---:|---:|---:|---|---:|---|`);
for (const s of res.structures)
  (s.surfaces ?? []).forEach((r, k) => {
    const f = faces[s.id]![k]!;
    if (r.error) return console.log(`| ${s.id} ${formatFace(r.face)} | error ${r.error.code}: ${r.error.message} |`);
    console.log(
      `| ${s.id} ${formatFace(r.face)} | ${r.terminationLabel} (${r.tasker}) | ${r.unrelaxedEnergy!.toFixed(4)} | ${r.energy!.toFixed(4)} | ${f.published} | ${r.dft} | ${r.layers} / ${r.atoms} | ${(1000 * r.lastChange!).toFixed(2)} mJ/m² | ${r.converged} |`,
    );
  });
console.log(`\nthickness histories (relaxed E_surf, J/m², per number of repeat units):`);
for (const s of res.structures)
  for (const r of s.surfaces ?? []) console.log(`  ${s.id} ${formatFace(r.face)}: ${(r.history ?? []).map((h) => `${h.layers}: ${h.energy.toFixed(5)}`).join(', ')}`);
console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s (bulk relaxations, elastic constants and the slabs)`);
