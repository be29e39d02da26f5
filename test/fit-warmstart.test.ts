/**
 * Warm starts of the fit's relaxations moved along the geometry response (`predictWarmStarts`): after the analytic
 * Jacobian at p₀, a trial at p₀ + Δp starts from θ(p₀) + (dθ/dp) Δp. The relaxation must end where
 * the one from θ(p₀) ends, in fewer energy evaluations. Checked on rutile TiO₂ (free internal
 * coordinate and two cell lengths) and corundum, not on the case the fit was tuned on.
 */
import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { buildObservables } from '../src/fitting/observables.js';
import { FitEvaluator } from '../src/fitting/evaluator.js';
import { getParameter } from '../src/potentials/forcefield.js';
import { fixture } from './helpers/jobs.js';

describe('warm starts along the geometry response', () => {
  for (const name of ['tio2-rutile', 'al2o3-corundum']) {
    it(`${name}: same relaxed observables as the plain warm start, in fewer evaluations`, () => {
      const job = parseJob(fixture(`fit-suite/${name}.json`));
      const observables = buildObservables(job);
      const p0 = job.vary.map((n) => getParameter(job.forceField, n)!);
      // a trial 3 % away in every parameter (A up, ρ down, C up): the size of an LM step of the suite
      const p1 = job.vary.map((n, k) => p0[k]! * (n.endsWith('.rho') ? 0.97 : 1.03));

      const predicted = new FitEvaluator(job, job.vary, observables, { pressure: 0, predictWarmStarts: true });
      const s0 = predicted.evaluate(p0, predicted.involved);
      predicted.commit(s0);
      predicted.analyticJacobian(p0, s0);
      const withResponse = predicted.evaluate(p1, predicted.involved);

      const plain = new FitEvaluator(job, job.vary, observables, { pressure: 0 });
      plain.commit(plain.evaluate(p0, plain.involved));
      const without = plain.evaluate(p1, plain.involved);

      let evalsPredicted = 0;
      let evalsPlain = 0;
      for (const [id, st] of withResponse) {
        const other = without.get(id)!;
        expect(st.failure).toBeUndefined();
        expect(other.failure).toBeUndefined();
        evalsPredicted += st.relax!.evaluations;
        evalsPlain += other.relax!.evaluations;
      }
      const a = predicted.values(withResponse);
      const b = plain.values(without);
      a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(b[i]!))));
      expect(evalsPredicted).toBeLessThan(evalsPlain);
    }, 60_000);
  }
});
