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
import type { ParsedJob, CrystalInput } from '../document/parse.js';
import type { JobDocument } from '../document/schema.js';
import { completeCell } from '../crystal/cell-parameters.js';
import { Lattice } from '../crystal/lattice.js';

export interface NormalizationFactor {
  formula: string;
  referenceStructure: string;
  factor: number;
  /** Which lattice values were filled in: `${structure}.${property}`. */
  filled: string[];
}

const LENGTHS = ['a', 'b', 'c'] as const;

function cellVolume(s: CrystalInput, source: 'exp' | 'dft'): number | undefined {
  const given: Record<string, number> = {};
  for (const k of [...LENGTHS, 'alpha', 'beta', 'gamma'] as const) {
    const v = s.properties[k]?.[source];
    if (v !== undefined) given[k] = v;
  }
  if (given.a === undefined) return undefined;
  // lengths the crystal system needs but the source does not give: not comparable
  const needed = LENGTHS.filter((k) => s.properties[k] !== undefined);
  if (needed.some((k) => given[k] === undefined)) return undefined;
  try {
    return Math.abs(Lattice.fromParameters(completeCell(s.spaceGroup, given)).volume);
  } catch {
    return undefined;
  }
}

/** Fill missing `dftNormalized` lattice lengths in place; returns the factors used. */
export function normalizeDft(job: ParsedJob): NormalizationFactor[] {
  const byFormula = new Map<string, CrystalInput[]>();
  for (const s of job.structures) byFormula.set(s.compositionKey, [...(byFormula.get(s.compositionKey) ?? []), s]);
  const factors: NormalizationFactor[] = [];
  for (const [, group] of byFormula) {
    const formula = group[0]!.formula;
    const referenced = new Set(group.map((s) => s.properties.relativeEnergy?.reference).filter(Boolean));
    const candidates = group.filter((s) => cellVolume(s, 'exp') !== undefined && cellVolume(s, 'dft') !== undefined);
    if (candidates.length === 0) continue;
    const ref = candidates.find((s) => referenced.has(s.id)) ?? candidates[0]!;
    const factor = Math.cbrt(cellVolume(ref, 'exp')! / cellVolume(ref, 'dft')!);
    const filled: string[] = [];
    for (const s of group) {
      for (const k of LENGTHS) {
        const t = s.properties[k];
        if (t?.dft !== undefined && t.dftNormalized === undefined) {
          t.dftNormalized = +(t.dft * factor).toPrecision(12);
          filled.push(`${s.id}.${k}`);
        }
      }
    }
    factors.push({ formula, referenceStructure: ref.id, factor, filled });
  }
  return factors;
}

/** A copy of the job's document with the computed `dftNormalized` values written in (for reports). */
export function documentWithNormalization(job: ParsedJob): JobDocument {
  const doc = structuredClone(job.document);
  for (const s of doc.structures) {
    const parsed = job.structures.find((p) => p.id === s.id);
    if (!parsed || !s.properties) continue;
    for (const [k, t] of Object.entries(parsed.properties)) if (s.properties[k] && t.dftNormalized !== undefined) (s.properties[k] as { dftNormalized?: number }).dftNormalized = t.dftNormalized;
  }
  return doc;
}
