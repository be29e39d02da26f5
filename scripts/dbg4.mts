import { readFileSync } from 'node:fs';
import { parseJob } from '../src/document/parse.js';
import { buildObservables } from '../src/fitting/observables.js';
import { FitEvaluator } from '../src/fitting/evaluator.js';
import { getParameter } from '../src/potentials/forcefield.js';
const job = parseJob(JSON.parse(readFileSync('fixtures/pbcdse-fit.json','utf8')));
const obs = buildObservables(job);
const ev = new FitEvaluator(job, job.vary, obs, { pressureGPa: 0 });
const p = job.vary.map((n) => getParameter(job.forceField, n)!);
for (let rep = 0; rep < 3; rep++) {
  const t0 = performance.now();
  const st = ev.evaluate(p.map(x => x * (1 + 1e-4 * rep)), ev.involved);
  const t1 = performance.now();
  ev.commit(st);
  const J = ev.analyticJacobian(p, st);
  const t2 = performance.now();
  console.log('evaluate ms', (t1 - t0).toFixed(1), 'jacobian ms', (t2 - t1).toFixed(1), [...st.values()].map(s => `${s.id}:${s.relax?.iterations}${s.failure ? '!' + s.failure : ''}`).join(' '));
}
