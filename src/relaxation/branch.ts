/**
 * Relaxation across a cut-off kink. With plainly truncated pairs E(x) is piecewise smooth: each
 * "branch" is the energy with a fixed set of pairs inside the cut-offs, and where a neighbour shell
 * sits at a cut-off the lowest enthalpy can lie on the seam between two branches, where no
 * gradient vanishes (PbSe-HC with the published Pb-Se-Cd set: 0.24 GPa of residual stress at the
 * lowest point). Two answers are offered (`kink` option):
 *
 * - `lowest-enthalpy` (the default, today's behaviour): the lowest-enthalpy point, flagged with a
 *   `cutoff-discontinuity` warning and `converged: false`.
 * - `stationary`: the stress-free stationary point of one branch, as GULP and LAMMPS report
 *   (PbSe-HC: c ≈ 6.0556 Å). Each branch is relaxed on its own — the shell at the cut-off counted
 *   in ("inside": the cut-off of that pair moved out by `band`) or out ("outside": moved in below
 *   the shell) — and kept only if it is self-consistent: at its stationary point the shell lies on
 *   the side of the true cut-off that the branch assumed, so the true truncated energy equals the
 *   branch energy in a neighbourhood and the point is a true stationary point of it. Of the
 *   self-consistent branches the one with the lower enthalpy (true model) is returned; if none is,
 *   the lowest-enthalpy point is returned as before.
 */
import type { Structure } from '../crystal/structure.js';
import { buildEnergyModel } from '../potentials/index.js';
import type { ForceField } from '../potentials/forcefield.js';
import { pairKey } from '../potentials/forcefield.js';
import { forEachPair } from '../potentials/neighbours.js';
import { relax } from './relax.js';
import type { RelaxOptions, RelaxResult } from './types.js';

export type KinkMode = 'lowest-enthalpy' | 'stationary';

export interface BranchRelaxResult extends RelaxResult {
  kink: { mode: KinkMode; branch?: 'inside' | 'outside'; pairs?: string[]; note?: string };
}

/** Distances of each pair potential within `band` of its cut-off, Å. */
function nearCutoff(ff: ForceField, s: Structure, band: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const rcMax = Math.max(...ff.pairs.map((p) => p.cutoff));
  forEachPair(s, rcMax + band, (i, j, _x, _y, _z, r2) => {
    const k = pairKey(s.species[i]!, s.species[j]!);
    const q = ff.pairs.findIndex((p) => pairKey(p.species[0], p.species[1]) === k);
    if (q < 0) return;
    const r = Math.sqrt(r2);
    if (Math.abs(r - ff.pairs[q]!.cutoff) < band) out.set(q, [...(out.get(q) ?? []), r]);
  });
  return out;
}

export function relaxAcrossKinks(ff: ForceField, structure: Structure, options: RelaxOptions & { kink?: KinkMode; band?: number } = {}): BranchRelaxResult {
  const { kink = 'lowest-enthalpy', band = 0.02, ...relaxOptions } = options;
  const first = relax(buildEnergyModel(ff), structure, relaxOptions);
  const onKink = first.warnings.some((w) => w.kind === 'cutoff-discontinuity');
  if (kink === 'lowest-enthalpy' || !onKink) return { ...first, kink: { mode: kink } };

  const shells = nearCutoff(ff, first.structure, band);
  if (shells.size === 0) return { ...first, kink: { mode: 'lowest-enthalpy', note: 'no neighbour shell found near a cut-off' } };
  const trueModel = buildEnergyModel(ff);
  const candidates: BranchRelaxResult[] = [];
  for (const branch of ['inside', 'outside'] as const) {
    const moved: ForceField = {
      ...ff,
      pairs: ff.pairs.map((p, q) => {
        const d = shells.get(q);
        if (!d) return p;
        // inside: count every distance of the band; outside: count none of them
        return { ...p, cutoff: branch === 'inside' ? Math.max(p.cutoff, ...d) + band : Math.min(p.cutoff, ...d) - band };
      }),
    };
    let r: RelaxResult;
    // from the input geometry: `operations` are in the frame of the input cell, not of the relaxed one
    try { r = relax(buildEnergyModel(moved), structure, relaxOptions); } catch { continue; }
    if (!r.converged) continue;
    // self-consistent: for every pair whose cut-off was moved, each distance between the moved and
    // the true cut-off lies on the side the branch assumed (pairs not moved use the true cut-off)
    const after = nearCutoff(ff, r.structure, 2 * band);
    let consistent = true;
    for (const q of shells.keys()) {
      const rc = ff.pairs[q]!.cutoff;
      if ((after.get(q) ?? []).some((x) => (branch === 'inside' ? x >= rc : x < rc))) { consistent = false; break; }
    }
    if (!consistent) continue;
    const e = trueModel.compute(r.structure, 0).energy;
    const enthalpy = e + (r.enthalpy - r.energy);
    candidates.push({ ...r, energy: e, enthalpy, warnings: r.warnings.filter((w) => w.kind !== 'cutoff-discontinuity'), kink: { mode: 'stationary', branch, pairs: [...shells.keys()].map((q) => pairKey(ff.pairs[q]!.species[0], ff.pairs[q]!.species[1])) } });
  }
  if (candidates.length === 0) return { ...first, kink: { mode: 'lowest-enthalpy', note: 'no branch has a self-consistent stationary point: the lowest-enthalpy point is returned' } };
  return candidates.reduce((a, b) => (b.enthalpy < a.enthalpy ? b : a));
}
