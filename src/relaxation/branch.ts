/**
 * Relaxation across a cut-off kink. With plainly truncated pairs E(x) is piecewise smooth: each
 * "branch" is the energy of a fixed set of pair-neighbour shells, and where a shell sits at a
 * cut-off the lowest enthalpy can lie on the seam between two branches, where no gradient
 * vanishes (PbSe-HC with the published Pb-Se-Cd set: 0.24 GPa of residual stress at the lowest
 * point; BKS stishovite with its 10 Å cut-off: 0.58 GPa). Two answers are offered (`kink`):
 *
 * - `lowest-enthalpy` (the default): the lowest-enthalpy point, flagged with a
 *   `cutoff-discontinuity` warning and `converged: false`.
 * - `stationary`: a stress-free stationary point of the truncated energy, where GULP and LAMMPS
 *   stop (their optimisers follow the gradient of the branch they are on and end where it
 *   vanishes). A point x* is one when the gradient of the branch of x* vanishes at x*.
 *
 * ## Finding a stationary point
 *
 * A branch is made smooth by moving cut-offs into gaps: for each pair potential with shells
 * (distinct pair distances) near its cut-off rc, the cut-off rc' is placed halfway between the
 * last shell counted and the first one not counted. The energy with these cut-offs is the energy
 * of a fixed shell set for as long as no shell crosses rc', so it relaxes to a true stationary
 * point x_b. That point is a stationary point of the real model when the branch is
 * self-consistent there: no shell of that pair lies between rc' and rc, so the two energies agree
 * in a neighbourhood of x_b (checked on the real model: its forces and stress at x_b must be
 * within the tolerances).
 *
 * 1. Relax with the real cut-offs (the lowest-enthalpy point x₀, on the seam).
 * 2. At x₀, the shells within `band` of a cut-off straddle it. One branch per way of splitting
 *    them (each gap between straddling shells of a pair, or all in, or all out; the product over
 *    the pairs, at most MAX_BRANCHES).
 * 3. Each branch: relax from x₀ with its cut-offs in the gaps. If the end point is not
 *    self-consistent (a shell crossed to the other side of rc), the branch of the end point is
 *    taken (its shells below rc counted, cut-offs again in the gaps around rc) and relaxed from
 *    there, up to MAX_ROUNDS times or until a branch repeats.
 * 4. Of the self-consistent stationary points, the one of lowest enthalpy is returned; if there
 *    is none, the lowest-enthalpy point x₀ is returned with a note saying so.
 *
 * Measured (scripts/gulp-compare.ts, BKS with its 10 Å cut-off): stishovite ends 3.8e-6 Å and
 * cristobalite 2.6e-5 Å from GULP 6.1.2's cells (7 and 12 branches, 0.3 and 1.8 s), where the
 * lowest-enthalpy points are 3.3e-3 and 1.3e-2 Å away.
 */
import type { Structure } from '../crystal/structure.js';
import { buildEnergyModel } from '../potentials/index.js';
import type { EnergyModel } from '../potentials/model.js';
import type { ForceField } from '../potentials/forcefield.js';
import { pairKey } from '../potentials/forcefield.js';
import { forEachPair } from '../potentials/neighbours.js';
import { relaxFrom, resolveRelaxOptions } from './relax.js';
import type { RelaxOptions, RelaxResult } from './types.js';

export type KinkMode = 'lowest-enthalpy' | 'stationary';
export const KINK_MODES: readonly KinkMode[] = ['lowest-enthalpy', 'stationary'];

export interface KinkOptions {
  /** What to return when the lowest enthalpy lies on a cut-off kink (default 'lowest-enthalpy'). */
  kink?: KinkMode;
  /** Å: shells this close to a cut-off at the lowest-enthalpy point straddle it (default 0.02). */
  band?: number;
  /** The real model, when the caller has it built (default `buildEnergyModel(ff)`). */
  model?: EnergyModel;
}

export interface BranchRelaxResult extends RelaxResult {
  kink: {
    mode: KinkMode;
    /** The pairs (keys) with shells straddling their cut-off at the lowest-enthalpy point. */
    pairs?: string[];
    /** The pair cut-offs (Å) of the branch whose stationary point is returned, by pair key. */
    cutoffs?: Record<string, number>;
    /** Branches relaxed (stationary mode on a kink). */
    branches?: number;
    note?: string;
  };
}

/** Branches tried from the lowest-enthalpy point, at most. */
const MAX_BRANCHES = 16;
/** Relaxations per branch (each from the end of the one before, on the branch found there). */
const MAX_ROUNDS = 6;
/** Å: shells are looked for this far either side of a cut-off to place cut-offs in the gaps. */
const WINDOW = 0.25;
/** Å: two pair distances closer than this are one shell. */
const SAME_SHELL = 1e-7;

/** The distinct pair distances (shells) of each pair potential within `window` of its cut-off, ascending. */
export function shellsNearCutoffs(ff: ForceField, s: Structure, window: number): Map<number, number[]> {
  if (ff.pairs.length === 0) return new Map();
  const index = new Map(ff.pairs.map((p, q) => [pairKey(p.species[0], p.species[1]), q] as const));
  const rcMax = Math.max(...ff.pairs.map((p) => p.cutoff));
  const found = new Map<number, number[]>();
  forEachPair(s, rcMax + window, (i, j, _x, _y, _z, r2) => {
    const q = index.get(pairKey(s.species[i]!, s.species[j]!));
    if (q === undefined) return;
    const r = Math.sqrt(r2);
    if (Math.abs(r - ff.pairs[q]!.cutoff) >= window) return;
    let list = found.get(q);
    if (!list) found.set(q, (list = []));
    list.push(r);
  });
  const out = new Map<number, number[]>();
  for (const [q, list] of found) {
    list.sort((x, y) => x - y);
    const shells: number[] = [];
    for (const r of list) if (shells.length === 0 || r - shells[shells.length - 1]! > SAME_SHELL) shells.push(r);
    out.set(q, shells);
  }
  return out;
}

/** The cut-off halfway across the gap at `split`: shells below it counted, the rest not. */
function gapCutoff(shells: readonly number[], rc: number, split: number): number {
  let below = rc - WINDOW;
  let above = rc + WINDOW;
  for (const r of shells) {
    if (r < split) below = Math.max(below, r);
    else above = Math.min(above, r);
  }
  return (below + above) / 2;
}

/** Cut-offs of the branch a point is on: each pair's cut-off in the gap around its real one. */
function branchAt(ff: ForceField, s: Structure): Map<number, number> {
  const cut = new Map<number, number>();
  for (const [q, shells] of shellsNearCutoffs(ff, s, WINDOW)) {
    const rc = ff.pairs[q]!.cutoff;
    cut.set(q, gapCutoff(shells, rc, rc));
  }
  return cut;
}

/** Every way of splitting the shells within `band` of each cut-off (the product over pairs). */
function straddlingBranches(ff: ForceField, s: Structure, band: number): { pairs: number[]; branches: Map<number, number>[] } {
  const choices: [number, number[]][] = [];
  for (const [q, shells] of shellsNearCutoffs(ff, s, WINDOW)) {
    const rc = ff.pairs[q]!.cutoff;
    const near = shells.filter((r) => Math.abs(r - rc) < band);
    if (near.length === 0) continue;
    // split below the first straddling shell, at each of the others, and above the last
    const splits = [...near, near[near.length - 1]! + SAME_SHELL * 10];
    choices.push([q, splits.map((split) => gapCutoff(shells, rc, split))]);
  }
  let branches: Map<number, number>[] = [new Map()];
  for (const [q, cuts] of choices) branches = branches.flatMap((b) => cuts.map((c) => new Map([...b, [q, c]])));
  return { pairs: choices.map(([q]) => q), branches: choices.length === 0 ? [] : branches.slice(0, MAX_BRANCHES) };
}

const signature = (cut: ReadonlyMap<number, number>): string => [...cut].sort((a, b) => a[0] - b[0]).map(([q, c]) => `${q}:${c.toFixed(9)}`).join('|');

function withCutoffs(ff: ForceField, cut: ReadonlyMap<number, number>): ForceField {
  return { ...ff, pairs: ff.pairs.map((p, q) => (cut.has(q) ? { ...p, cutoff: cut.get(q)! } : p)) };
}

/** Whether a pair's shells all stay on the side of the real cut-off that the branch assumed. */
function selfConsistent(ff: ForceField, s: Structure, cut: ReadonlyMap<number, number>): boolean {
  const shells = shellsNearCutoffs(ff, s, WINDOW);
  for (const [q, c] of cut) {
    const rc = ff.pairs[q]!.cutoff;
    const lo = Math.min(rc, c), hi = Math.max(rc, c);
    if ((shells.get(q) ?? []).some((r) => r >= lo && r < hi)) return false;
  }
  return true;
}

/**
 * Relax `structure` under the force field `ff` (operations in its frame, as `relax`), and on a
 * cut-off kink return what `kink` asks for (see above).
 */
export function relaxAcrossKinks(ff: ForceField, structure: Structure, options: RelaxOptions & KinkOptions = {}): BranchRelaxResult {
  const { kink = 'lowest-enthalpy', band = 0.02, model, ...relaxOptions } = options;
  const o = resolveRelaxOptions(relaxOptions);
  const real = model ?? buildEnergyModel(ff);
  const first = relaxFrom(real, structure, structure, o);
  const onKink = first.warnings.some((w) => w.kind === 'cutoff-discontinuity');
  if (kink === 'lowest-enthalpy' || !onKink) return { ...first, kink: { mode: kink } };

  const keyOf = (q: number): string => pairKey(ff.pairs[q]!.species[0], ff.pairs[q]!.species[1]);
  const { pairs: straddling, branches: starts } = straddlingBranches(ff, first.structure, band);
  const pairs = straddling.map(keyOf);
  if (starts.length === 0) return { ...first, kink: { mode: 'lowest-enthalpy', note: 'no neighbour shell found near a cut-off: the lowest-enthalpy point is returned' } };
  // the branches' relaxations report no warnings of their own: the real model's check does
  const quiet = { ...o, checkStability: false, onStep: undefined };
  const seen = new Set<string>();
  let iterations = first.iterations;
  let evaluations = first.evaluations;
  const found: BranchRelaxResult[] = [];
  for (const start of starts) {
    let cut = start;
    let from = first.structure;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const key = signature(cut);
      if (seen.has(key)) break;
      seen.add(key);
      const r = relaxFrom(buildEnergyModel(withCutoffs(ff, cut)), structure, from, quiet);
      iterations += r.iterations;
      evaluations += r.evaluations;
      if (!r.converged && !r.warnings.some((w) => w.kind === 'cutoff-discontinuity')) break;
      if (r.converged && selfConsistent(ff, r.structure, cut)) {
        // the real model at the branch's stationary point: converged there, with its own warnings
        const check = relaxFrom(real, structure, r.structure, { ...o, maxIterations: 0 });
        evaluations += check.evaluations;
        if (check.converged) {
          const cutoffs = Object.fromEntries([...cut].map(([q, c]) => [keyOf(q), c]));
          found.push({ ...check, kink: { mode: 'stationary', pairs, cutoffs } });
        }
        break;
      }
      // the end point is on another branch: continue on that one
      from = r.structure;
      cut = branchAt(ff, from);
    }
  }
  if (found.length === 0) {
    return { ...first, iterations, evaluations, kink: { mode: 'lowest-enthalpy', pairs, branches: seen.size, note: 'no branch has a self-consistent stationary point: the lowest-enthalpy point is returned' } };
  }
  const best = found.reduce((a, b) => (b.enthalpy < a.enthalpy ? b : a));
  return { ...best, iterations, evaluations, kink: { ...best.kink, branches: seen.size } };
}
