/**
 * DFT normalisation of lattice parameters, as the reference work did it.
 *
 * DFT-GGA overestimates lattice constants by a roughly constant factor. For each compound
 * (structures grouped by reduced formula) take a reference polymorph that has both experimental
 * and DFT lattice parameters; the factor s = (V_exp / V_DFT)^(1/3) (volumes from the lattice
 * parameters with the DFT angles) rescales every length of every polymorph of that compound:
 * a_norm = s · a_DFT (c/a, b/a kept). Values the document already gives are kept; computed ones
 * are added as `dftNormalized` and the factor is reported.
 */
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import { completeCell } from '../crystal/cell-parameters.js';
import { Lattice } from '../crystal/lattice.js';
import type { PropertyTarget, StructureTargets } from '../properties/vocabulary.js';

export interface NormalizationFactor {
  formula: string;
  referenceStructure: string;
  factor: number;
  /** Which lattice values were filled in: `${structure}.${property}`. */
  filled: string[];
}

const LENGTHS = ['a', 'b', 'c'] as const;

function cellVolume(s: SymmetrizedCrystal, properties: Readonly<Record<string, PropertyTarget>>, source: 'exp' | 'dft'): number | undefined {
  const given: Record<string, number> = {};
  for (const k of [...LENGTHS, 'alpha', 'beta', 'gamma'] as const) {
    const v = properties[k]?.[source];
    if (v !== undefined) given[k] = v;
  }
  if (given.a === undefined) return undefined;
  // lengths the crystal system needs but the source does not give: not comparable
  const needed = LENGTHS.filter((k) => properties[k] !== undefined);
  if (needed.some((k) => given[k] === undefined)) return undefined;
  try {
    return Math.abs(Lattice.fromParameters(completeCell(s.spaceGroup, given)).volume);
  } catch {
    return undefined;
  }
}

/**
 * The targets with the missing `dftNormalized` lattice lengths filled in (new objects; the input
 * is not changed), and the factors used.
 */
export function normalizeDft(input: { structures: readonly SymmetrizedCrystal[]; targets: readonly StructureTargets[] }): { targets: StructureTargets[]; factors: NormalizationFactor[] } {
  const targets = input.targets.map((t) => ({ ...t, properties: Object.fromEntries(Object.entries(t.properties).map(([k, v]) => [k, { ...v }])) }));
  const propsOf = (id: string): Record<string, PropertyTarget> => targets.find((t) => t.id === id)?.properties ?? {};
  const byFormula = new Map<string, SymmetrizedCrystal[]>();
  for (const s of input.structures) byFormula.set(s.compositionKey, [...(byFormula.get(s.compositionKey) ?? []), s]);
  const factors: NormalizationFactor[] = [];
  for (const [, group] of byFormula) {
    const formula = group[0]!.formula;
    const referenced = new Set(group.map((s) => propsOf(s.id).relativeEnergy?.reference).filter(Boolean));
    const candidates = group.filter((s) => cellVolume(s, propsOf(s.id), 'exp') !== undefined && cellVolume(s, propsOf(s.id), 'dft') !== undefined);
    if (candidates.length === 0) continue;
    const ref = candidates.find((s) => referenced.has(s.id)) ?? candidates[0]!;
    const factor = Math.cbrt(cellVolume(ref, propsOf(ref.id), 'exp')! / cellVolume(ref, propsOf(ref.id), 'dft')!);
    const filled: string[] = [];
    for (const s of group) {
      const props = propsOf(s.id);
      for (const k of LENGTHS) {
        const t = props[k];
        if (t?.dft !== undefined && t.dftNormalized === undefined) {
          t.dftNormalized = +(t.dft * factor).toPrecision(12);
          filled.push(`${s.id}.${k}`);
        }
      }
    }
    factors.push({ formula, referenceStructure: ref.id, factor, filled });
  }
  return { targets, factors };
}
