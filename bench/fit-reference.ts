/**
 * The reference fit (fixtures/pbcdse-fit.json) with the default options, single start: objective,
 * iterations, stop reason, wall and CPU time, and where the time of the relaxed fit goes.
 *
 *   node --import tsx bench/fit-reference.ts            # one run
 *   node --import tsx bench/fit-reference.ts --runs 3   # three runs, each printed
 *   node --import tsx bench/fit-reference.ts --trajectory  # when the objective first reaches 14.03, 8.6, 8.52 (iteration, wall s)
 */
import { readFileSync } from 'node:fs';
import { parseJob } from '../src/document/parse.js';
import { runFit } from '../src/workflows/fit-job.js';

const doc = JSON.parse(readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8'));
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const trajectory = process.argv.includes('--trajectory');
  const marks = [14.03, 8.6, 8.52];
  const reached: Record<string, { iteration: number; wallS: number }> = {};
  const onProgress = (p: { iteration: number; objective: number; stage: string }): void => {
    for (const m of marks) if (p.stage === 'fit' && p.objective <= m && !reached[m]) reached[m] = { iteration: p.iteration, wallS: +((performance.now() - t0) / 1000).toFixed(2) };
  };
  const r = await runFit(parseJob(doc), trajectory ? { onProgress } : {});
  if (trajectory) console.log(JSON.stringify({ reached }));
  const c = process.cpuUsage(c0);
  const accepted = r.history?.filter((h: { accepted: boolean }) => h.accepted).length;
  if (process.argv.includes('--notes')) {
    const notes = new Map<string, number>();
    for (const h of r.history ?? []) if (!h.accepted) notes.set(String(h.note).slice(0, 60), (notes.get(String(h.note).slice(0, 60)) ?? 0) + 1);
    console.log(Object.fromEntries(notes));
  }
  if (process.argv.includes("--params")) console.log(JSON.stringify(Object.fromEntries(r.varied.map((v: { name: string; final: number }) => [v.name, +v.final.toPrecision(5)]))));
  console.log(JSON.stringify({ objective: r.objective.final, initial: r.objective.initial, iterations: r.iterations, accepted, stopReason: r.stopReason, converged: r.converged, wallS: +((performance.now() - t0) / 1000).toFixed(2), cpuS: +((c.user + c.system) / 1e6).toFixed(2) }));
}
