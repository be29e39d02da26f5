/**
 * Fitted observables: the (structure, property, target) triples of a job with their weights.
 *
 * Objective F = Σ_i w_i (target_i − calculated_i)², the weight of an observable being its own
 * `weight` or else the default of its class (`options.defaultWeights`, GULP's `default_weight`).
 */
import type { ParsedJob } from '../document/parse.js';
import { PROPERTIES, type Source, type WeightClass } from '../document/vocabulary.js';

export interface Observable {
  structureId: string;
  property: string;
  target: number;
  source: Source;
  weight: number;
  weightClass: WeightClass;
  /** For relativeEnergy: the reference structure; for transitionPressure: the other polymorph. */
  other?: string;
}

export function buildObservables(job: ParsedJob): Observable[] {
  const out: Observable[] = [];
  for (const s of job.structures) {
    for (const [name, t] of Object.entries(s.properties)) {
      if (!t.fit) continue;
      const info = PROPERTIES.get(name)!;
      const target = t[t.fit]!;
      const weight = t.weight ?? job.options.weights[info.weightClass];
      if (weight === 0) continue;
      out.push({
        structureId: s.id,
        property: name,
        target,
        source: t.fit,
        weight,
        weightClass: info.weightClass,
        ...(t.reference ? { other: t.reference } : t.to ? { other: t.to } : {}),
      });
    }
  }
  return out;
}

/** Weighted sum of squares for the given calculated values. */
export function objective(observables: readonly Observable[], calculated: ArrayLike<number>): number {
  let f = 0;
  observables.forEach((o, i) => {
    const r = calculated[i]! - o.target;
    f += o.weight * r * r;
  });
  return f;
}
