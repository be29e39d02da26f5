/**
 * Relaxation across a cut-off kink (src/relaxation/branch.ts): PbSe-HC with the published Pb-Se-Cd
 * set ends on a kink (a Se-Se shell at the 12 Å cut-off). `stationary` returns the stress-free
 * stationary point of one branch, where GULP and LAMMPS stop (c ≈ 6.0556 Å); `lowest-enthalpy`
 * (the default) keeps the lowest point and flags it. A structure without a kink is unaffected.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { relaxAcrossKinks } from '../src/relaxation/branch.js';
import { relax } from '../src/relaxation/index.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { cartesianOperations } from '../src/crystal/expand.js';
import { evPerA3ToGPa } from '../src/units/index.js';

const job = parseJob(JSON.parse(readFileSync(new URL('../fixtures/pbcdse-published.json', import.meta.url), 'utf8')));
/** the conventional cell and its space-group operations (the symmetry the relaxation keeps) */
const get = (id: string) => {
  const c = job.structures.find((s) => s.id === id)!;
  return { structure: c.structure, operations: cartesianOperations(c.spaceGroup, c.structure.lattice) };
};
const cLength = (r: { structure: { lattice: { matrix: readonly (readonly number[])[] } } }) => Math.hypot(...r.structure.lattice.matrix[2]!);

describe('relaxation across a cut-off kink', () => {
  const hc = get('PbSe-HC');
  it('stationary: PbSe-HC stops stress-free at the stationary point of one branch, c 6.0556 Å as GULP and LAMMPS', () => {
    const r = relaxAcrossKinks(job.forceField, hc.structure, { operations: hc.operations, kink: 'stationary' });
    expect(r.converged).toBe(true);
    expect(r.kink.mode).toBe('stationary');
    expect(r.kink.pairs).toEqual(['Se-Se']);
    expect(evPerA3ToGPa(r.maxStress)).toBeLessThan(1e-4);
    expect(Math.abs(cLength(r) - 6.0556)).toBeLessThan(2e-4);
    expect(r.warnings.map((w) => w.kind)).not.toContain('cutoff-discontinuity');
  });

  it('lowest-enthalpy (default): the lowest point on the seam, flagged, with its residual stress, not converged', () => {
    const low = relaxAcrossKinks(job.forceField, hc.structure, { operations: hc.operations });
    const st = relaxAcrossKinks(job.forceField, hc.structure, { operations: hc.operations, kink: 'stationary' });
    expect(low.kink.mode).toBe('lowest-enthalpy');
    expect(low.converged).toBe(false);
    expect(low.warnings.map((w) => w.kind)).toContain('cutoff-discontinuity');
    expect(evPerA3ToGPa(low.maxStress)).toBeGreaterThan(0.1);
    expect(low.enthalpy).toBeLessThanOrEqual(st.enthalpy);
  });

  it('a structure without a kink (PbSe-RS) relaxes exactly as plain relax in both modes', () => {
    const rs = get('PbSe-RS');
    const plain = relax(buildEnergyModel(job.forceField), rs.structure, { operations: rs.operations });
    for (const kink of ['lowest-enthalpy', 'stationary'] as const) {
      const r = relaxAcrossKinks(job.forceField, rs.structure, { operations: rs.operations, kink });
      expect(r.converged).toBe(true);
      expect(r.enthalpy).toBe(plain.enthalpy);
    }
  });
});
