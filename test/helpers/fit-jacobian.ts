/**
 * The relaxed fit Jacobian against what it differentiates: central differences of the relaxed
 * observables (each structure relaxed again at p ± h), and targets made self-consistent.
 */
import { expect } from 'vitest';
import { parseJob, type ParsedJob } from '../../src/document/parse.js';
import type { JobDocument } from '../../src/document/schema.js';
import { FitEvaluator } from '../../src/fitting/evaluator.js';
import { buildObservables, type Observable } from '../../src/fitting/observables.js';
import { getParameter } from '../../src/potentials/forcefield.js';

/** One entry compared: observable i, parameter k at p0[k], the analytic and central-difference slopes. */
export interface JacobianEntry {
  observable: Observable;
  name: string;
  p0: number;
  analytic: number;
  difference: number;
}

/**
 * The analytic relaxed Jacobian of `observables` at the job's parameters beside central differences
 * with step `step`·|p|, or `step(p)` when a function (an absolute step for a parameter at zero), of
 * the parameters `only` names, else all. `accept` judges an entry; the ones it refuses are returned
 * as text.
 */
export function jacobianAgainstDifferences(job: ParsedJob, observables: Observable[], step: number | ((p0: number) => number), accept: (e: JacobianEntry) => boolean, only?: readonly string[]): { bad: string[]; analytic: ArrayLike<number>[] } {
  const ev = new FitEvaluator(job, job.vary, observables, { pressure: 0 });
  const p0 = job.vary.map((n) => getParameter(job.forceField, n)!);
  const states = ev.evaluate(p0, ev.involved);
  for (const st of states.values()) expect(st.failure).toBeUndefined();
  ev.commit(states);
  const analytic = ev.analyticJacobian(p0, states);
  const bad: string[] = [];
  job.vary.forEach((name, k) => {
    if (only && !only.includes(name)) return;
    const h = typeof step === 'number' ? step * Math.abs(p0[k]!) : step(p0[k]!);
    const at = (sign: number): Float64Array => {
      const p = [...p0];
      p[k] = p[k]! + sign * h;
      return ev.values(ev.evaluate(p, ev.involved));
    };
    const vp = at(1);
    const vm = at(-1);
    observables.forEach((o, i) => {
      const e = { observable: o, name, p0: p0[k]!, analytic: analytic[i]![k]!, difference: (vp[i]! - vm[i]!) / (2 * h) };
      if (!accept(e)) bad.push(`${o.structureId}.${o.property}${o.surface ? ` ${o.surface.face.indices.join(',')}` : ''} / ${name}: analytic ${e.analytic} vs central difference ${e.difference}`);
    });
  });
  return { bad, analytic };
}

/** A document whose fitted targets are the values computed at its own parameters. */
export function selfConsistentTargets(doc: JobDocument): JobDocument {
  const job = parseJob(doc);
  const obs = buildObservables(job);
  const ev = new FitEvaluator(job, job.vary, obs, { pressure: 0 });
  const values = ev.values(ev.evaluate(job.vary.map((n) => getParameter(job.forceField, n)!), ev.involved));
  const out = structuredClone(doc);
  obs.forEach((o, i) => {
    const s = out.structures.find((x) => x.id === o.structureId)!;
    (s.properties![o.property] as Record<string, number | string>)[o.source] = values[i]!;
  });
  return out;
}
