/**
 * Fitted observables: the (structure, property, target) triples of a job with their weights.
 *
 * Objective F = Σ_i w_i (target_i − calculated_i)², the weight of an observable being its own
 * `weight` or else the default of its class (`options.defaultWeights`, GULP's `default_weight`).
 */
import { PROPERTIES, type Source, type StructureTargets, type WeightClass } from '../properties/vocabulary.js';
import type { Face } from '../surface/face.js';

/**
 * A face whose surface energy a structure asks for (`structures[].surfaces[]` of the job document,
 * the face checked). `fit` makes it a fit target: the name of one of its values (`"exp"`, `"dft"`,
 * as `properties[].fit`) or the target itself, J/m²; `weight` overrides the `energy` class weight.
 */
export interface SurfaceTarget {
  structureId: string;
  face: Face;
  exp?: number;
  dft?: number;
  fit?: number | 'exp' | 'dft';
  weight?: number;
  termination?: number;
  acceptDipole?: boolean;
  tolerance?: number;
  /** JSON pointer of the entry, `/structures/0/surfaces/1`. */
  path: string;
}

/** Where a target value comes from: a source of the document, or `fit` for a number given as the target. */
export type TargetSource = Source | 'fit';

export interface Observable {
  structureId: string;
  property: string;
  target: number;
  source: TargetSource;
  weight: number;
  weightClass: WeightClass;
  /** For relativeEnergy: the reference structure; for transitionPressure: the other polymorph. */
  other?: string;
  /** For surfaceEnergy: the face (J/m², weight class energy). */
  surface?: SurfaceTarget;
}

/** The fitted observables of the targets: each property with a `fit` source and a nonzero weight. */
export function buildObservables(input: { targets: readonly StructureTargets[]; surfaces?: readonly (readonly SurfaceTarget[])[]; options: { weights: Readonly<Record<WeightClass, number>> } }): Observable[] {
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
  for (const list of input.surfaces ?? [])
    for (const sf of list) {
      if (sf.fit === undefined) continue;
      const target = typeof sf.fit === 'number' ? sf.fit : sf[sf.fit]!;
      const weight = sf.weight ?? input.options.weights.energy;
      if (weight === 0) continue;
      out.push({ structureId: sf.structureId, property: 'surfaceEnergy', target, source: typeof sf.fit === 'number' ? 'fit' : sf.fit, weight, weightClass: 'energy', surface: sf });
    }
  return out;
}
