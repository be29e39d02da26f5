/**
 * Defect formation energies in a supercell, each relaxed by L-BFGS (relaxation/lbfgs.ts), at the
 * fixed cell of the perfect crystal unless `relax.relaxCell` asks for constant pressure.
 *
 * Definitions (E of a supercell, eV; N atoms in the perfect cell):
 * - vacancy X: E(defective) − E(perfect), the ion taken to infinity (a charged cell, with the
 *   neutralising background of the Ewald sum: compare sizes, it converges like 1/L);
 * - interstitial X: E(defective) − E(perfect), the ion brought from infinity; the lowest over the
 *   candidate site classes after relaxation;
 * - substitution X → Y: E(defective) − E(perfect) (Y from and X to infinity);
 * - Schottky pair / dimer: E(M_{n−1}X_{n−1}) − (N − 2)/N E(M_n X_n), the two vacancies as far
 *   apart as the cell allows / adjacent (neutral for a 1:1 compound with q_M = −q_X);
 * - Frenkel (cation or anion): E(defective) − E(perfect), the vacancy and the interstitial of the
 *   same ion bound (nearest candidate site) or separated (farthest);
 * - swap (antisite across two compounds A X and B X): E(A_{n−1}B X_n) + E(A B_{n−1} X_n) − E(A_n X_n)
 *   − E(B_n X_n), neutral when q_A = q_B.
 * With `relax.relaxCell` at a pressure p, every E above is the enthalpy E + pV (cells compared at
 * one pressure); at the fixed cell it is the energy (constant volume).
 */
import { DomainError } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel } from '../potentials/model.js';
import { relaxLbfgs, type LbfgsOptions, type LbfgsResult } from '../relaxation/lbfgs.js';
import { firstOf, ionsOf, placeDefect, withSpecies, type InterstitialStartSite, type PlacementSpec } from './build.js';

export const DEFECT_KINDS = ['vacancy', 'interstitial', 'substitution', 'schottky-pair', 'schottky-dimer', 'frenkel-cation', 'frenkel-anion', 'swap'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

/** One defect: a placement kind of build.ts (the same fields) or a swap over two compounds. */
export interface DefectSpec extends Omit<PlacementSpec, 'kind'> {
  kind: DefectKind;
}

export interface DefectOutcome {
  kind: DefectKind;
  formationEnergy: number;
  /** the same without relaxation (atoms on the perfect sites), eV */
  unrelaxedEnergy: number;
  converged: boolean;
  /** charge of the defect (sum of charges added minus removed), e */
  charge: number;
  /** Å: distance between the two parts of a pair (Schottky, Frenkel), at placement */
  separation?: number;
  /** interstitial site class that gave the lowest energy (environment and empty-sphere radius) and its start */
  site?: InterstitialStartSite;
  /** candidate cells relaxed (site classes × starts for interstitials and Frenkel pairs) */
  candidates: number;
  iterations: number;
  evaluations: number;
  maxForce: number;
  stopReason?: string;
  /** Frenkel pair: every candidate fell back into the vacancy (the cell is too small to hold it) */
  recombined?: boolean;
  /** the relaxed defective cell(s) */
  structures: Structure[];
}

export interface DefectContext {
  model: EnergyModel;
  charges: Readonly<Record<string, number>>;
  relax?: LbfgsOptions;
  signal?: AbortSignal;
}

const chargeOf = (s: Structure, charges: Readonly<Record<string, number>>): number => s.species.reduce((q, x) => q + (charges[x] ?? 0), 0);

/** E of an unrelaxed cell, plus pV when the defects relax their cell at pressure p (eV). */
function enthalpyOf(ctx: DefectContext, s: Structure): number {
  const e = ctx.model.compute(s, 0).energy;
  return ctx.relax?.relaxCell ? e + (ctx.relax.pressure ?? 0) * s.lattice.volume : e;
}

function relaxed(ctx: DefectContext, s: Structure): LbfgsResult {
  return relaxLbfgs(ctx.model, s, { ...ctx.relax, ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

/** A Frenkel pair whose interstitial fell back into the vacancy has this energy or less, eV. */
export const RECOMBINED_ENERGY = 0.01;

/**
 * Lowest relaxed candidate among several defective cells. With `reference` (Frenkel pairs), a
 * candidate within RECOMBINED_ENERGY of it has recombined to the perfect crystal and is kept only
 * when every candidate did.
 */
function lowest(ctx: DefectContext, cells: { s: Structure; site?: InterstitialStartSite; separation?: number }[], reference?: number) {
  type Best = { r: LbfgsResult; e0: number; recombined: boolean; site?: InterstitialStartSite; separation?: number };
  let best: Best | undefined;
  const candidates = cells.length;
  for (const c of cells) {
    const r = relaxed(ctx, c.s);
    const recombined = reference !== undefined && r.enthalpy - reference < RECOMBINED_ENERGY;
    const better = !best || (best.recombined && !recombined) || (best.recombined === recombined && r.enthalpy < best.r.enthalpy);
    if (better) best = { r, e0: enthalpyOf(ctx, c.s), recombined, ...(c.site ? { site: c.site } : {}), ...(c.separation !== undefined ? { separation: c.separation } : {}) };
  }
  return { ...best!, candidates };
}

/**
 * The formation energy of one defect in the perfect supercell `perfect` (relaxed: zero forces);
 * `partner` is the perfect supercell of the second compound for a swap.
 */
export function formationEnergy(ctx: DefectContext, perfect: Structure, spec: DefectSpec, partner?: Structure): DefectOutcome {
  const ePerfect = enthalpyOf(ctx, perfect);
  const q = ctx.charges;
  const N = perfect.numAtoms;
  const done = (best: ReturnType<typeof lowest>, reference: number, extra: Partial<DefectOutcome> = {}): DefectOutcome => ({
    kind: spec.kind,
    formationEnergy: best.r.enthalpy - reference,
    unrelaxedEnergy: best.e0 - reference,
    converged: best.r.converged,
    charge: chargeOf(best.r.structure, q) - chargeOf(perfect, q),
    ...(best.separation !== undefined ? { separation: best.separation } : {}),
    ...(best.site ? { site: best.site } : {}),
    iterations: best.r.iterations,
    evaluations: best.r.evaluations,
    maxForce: best.r.maxForce,
    stopReason: best.r.stopReason,
    structures: [best.r.structure],
    candidates: best.candidates,
    ...extra,
  });
  if (spec.kind !== 'swap') {
    const cells = placeDefect(perfect, { ...spec, kind: spec.kind }, q).map((p) => ({
      s: p.structure, ...(p.site ? { site: p.site } : {}), ...(p.separation !== undefined ? { separation: p.separation } : {}),
    }));
    switch (spec.kind) {
      case 'schottky-pair':
      case 'schottky-dimer':
        return done(lowest(ctx, cells), ((N - 2) / N) * ePerfect);
      case 'frenkel-cation':
      case 'frenkel-anion': {
        const best = lowest(ctx, cells, ePerfect);
        return done(best, ePerfect, best.recombined ? { recombined: true } : {});
      }
      default:
        return done(lowest(ctx, cells), ePerfect);
    }
  }
  // swap: one antisite in each compound
  if (!partner) throw new DomainError('INVALID_DOCUMENT', 'a swap needs a partner structure', { path: '/defects' });
  const a = ionsOf(perfect, q).cation, b = ionsOf(partner, q).cation;
  const ab = lowest(ctx, [{ s: withSpecies(perfect, firstOf(perfect, a), b) }]);
  const ba = lowest(ctx, [{ s: withSpecies(partner, firstOf(partner, b), a) }]);
  const ePartner = enthalpyOf(ctx, partner);
  return {
    kind: 'swap',
    formationEnergy: ab.r.enthalpy + ba.r.enthalpy - ePerfect - ePartner,
    unrelaxedEnergy: ab.e0 + ba.e0 - ePerfect - ePartner,
    converged: ab.r.converged && ba.r.converged,
    charge: q[b]! - q[a]! + q[a]! - q[b]!,
    iterations: ab.r.iterations + ba.r.iterations,
    evaluations: ab.r.evaluations + ba.r.evaluations,
    maxForce: Math.max(ab.r.maxForce, ba.r.maxForce),
    structures: [ab.r.structure, ba.r.structure],
    candidates: 2,
  };
}
