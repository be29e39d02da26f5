/**
 * Broad exploration for the fit suite's best known objectives (fixtures/fit-suite/best-known.json):
 * per case, the published set and N random starts over a wide box (A × 4^U(−1,1), ρ × (1 + 0.25 U(−1,1)),
 * C × (1 + 0.5 U(−1,1)); A carried with ρ at the shortest contact, see below), each a long single-start run (maxIterations 1000), then the best one
 * polished once more. Deliberately sequential, one process (run it niced, in the background):
 *   nice -n 10 node --import tsx bench/explore-fits.ts [--starts 16] [--case ID] [--seed 7]
 * Merges into best-known.json, keeping the lower objective per case.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { rng } from '../src/math/random.js';
import { caseIds, fitDocument, loadCase, withParameters } from './fits.js';
import { parseJob } from '../src/document/parse.js';
import { pairContacts } from '../src/fitting/fit.js';

const args = process.argv.slice(2);
const arg = (k: string, d: string): string => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
const nStarts = Number(arg('--starts', '16'));
const seed = Number(arg('--seed', '7'));
const only = args.includes('--case') ? arg('--case', '') : undefined;
const file = new URL('../fixtures/fit-suite/best-known.json', import.meta.url);

for (const id of caseIds().filter((c) => !only || c === only)) {
  const doc = loadCase(id);
  doc.options = { ...doc.options, maxIterations: Number(arg('--max-iterations', '1000')) };
  const random = rng(seed * 7919 + id.length);
  // the box is taken in the decorrelated variables of the fit: when A and ρ of a pair both vary,
  // A is carried with ρ so that the repulsion at the pair's shortest contact r₀ changes only by the
  // A factor (independent A and ρ draws put most starts where no structure relaxes)
  const contacts = pairContacts(parseJob(doc));
  const points: Record<string, number>[] = [{}];
  for (let s = 0; s < nStarts; s++) {
    const p: Record<string, number> = {};
    for (const pot of doc.potentials) {
      const key = [...pot.species].sort().join('-');
      const vary: string[] = pot.vary ?? [];
      for (const k of vary) {
        const v = pot[k] as number;
        const u = 2 * random() - 1;
        p[`${key}.${k}`] = pot.type === 'buckingham' && k === 'A' ? v * 4 ** u : k === 'rho' ? v * (1 + 0.25 * u) : v * (1 + 0.5 * u);
      }
      const r0 = contacts[key];
      if (pot.type === 'buckingham' && vary.includes('A') && vary.includes('rho') && r0) p[`${key}.A`] = p[`${key}.A`]! * Math.exp(r0 / p[`${key}.rho`]! - r0 / pot.rho);
    }
    points.push(p);
  }
  let best: { objective: number; parameters: Record<string, number>; start: number } | undefined;
  for (let s = 0; s < points.length; s++) {
    try {
      const r = await fitDocument(withParameters(doc, points[s]!));
      if (r.excluded === 0 && Number.isFinite(r.objective) && (!best || r.objective < best.objective)) best = { objective: r.objective, parameters: r.parameters, start: s };
      process.stderr.write(`${id} start ${s}: ${r.objective.toExponential(4)} (${r.iterations} it, ${r.stopReason})\n`);
    } catch (e) {
      process.stderr.write(`${id} start ${s}: failed (${(e as Error).message.slice(0, 80)})\n`);
    }
  }
  if (!best) continue;
  try {
    const polish = await fitDocument(withParameters(doc, best.parameters));
    if (polish.objective < best.objective) best = { ...best, objective: polish.objective, parameters: polish.parameters };
  } catch { /* keep */ }
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { description: 'Best known objective per experimental case of the fit suite (weights and targets of the case document).', cases: {} };
  const prev = all.cases[id];
  if (!prev || best.objective < prev.objective) {
    all.cases[id] = { objective: best.objective, parameters: best.parameters, foundBy: `nice -n 10 node --import tsx bench/explore-fits.ts --case ${id} --starts ${nStarts} --seed ${seed} --max-iterations ${doc.options.maxIterations} (start ${best.start}; 0 = published set; then polished)`, date: new Date().toISOString().slice(0, 10) };
    writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
  }
  console.log(`${id}: best ${best.objective.toExponential(6)} ${JSON.stringify(best)}`);
}
