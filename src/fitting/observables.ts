/**
 * Fitted observables: the (structure, property, target) triples of a job with their weights.
 *
 * Objective F = Σ_i w_i (target_i − calculated_i)², the weight of an observable being its own
 * `weight` or else the default of its class (`options.defaultWeights`, GULP's `default_weight`).
 */
import { PROPERTIES, type Source, type StructureTargets, type WeightClass } from '../properties/vocabulary.js';

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

/** The fitted observables of the targets: each property with a `fit` source and a nonzero weight. */
export function buildObservables(input: { targets: readonly StructureTargets[]; options: { weights: Readonly<Record<WeightClass, number>> } }): Observable[] {
  const out: Observable[] = [];
  for (const s of input.targets) {
    for (const [name, t] of Object.entries(s.properties)) {
      if (!t.fit) continue;
      const info = PROPERTIES.get(name)!;
      const target = t[t.fit]!;
      const weight = t.weight ?? input.options.weights[info.weightClass];
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
