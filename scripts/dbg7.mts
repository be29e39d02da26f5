import { readFileSync } from 'node:fs';
import { parseJob } from '../src/document/parse.js';
import { FitEvaluator } from '../src/fitting/evaluator.js';
import { runFit } from '../src/fitting/fit.js';
const orig = FitEvaluator.prototype.evaluate;
let n = 0;
FitEvaluator.prototype.evaluate = function (values, ids, w) {
  const t = performance.now();
  const r = orig.call(this, values, ids, w);
  const dt = performance.now() - t;
  n++;
  if (dt > 200 || n % 20 === 0) console.log('eval', n, dt.toFixed(0), [...r.values()].map(s => `${s.id}:${s.relax?.iterations}${s.failure ? '!' : ''}`).join(' '));
  return r;
};
const origJ = FitEvaluator.prototype.analyticJacobian;
FitEvaluator.prototype.analyticJacobian = function (v, s, h) { const t = performance.now(); const r = origJ.call(this, v, s, h); console.log('jac', (performance.now()-t).toFixed(0)); return r; };
const job = parseJob(JSON.parse(readFileSync('fixtures/pbcdse-fit.json','utf8')));
const r = await runFit(job, { onProgress: (p) => console.log('progress', p.iteration, p.objective, p.accepted) });
console.log(r.objective, r.iterations, r.stopReason, r.wallTimeMs);
