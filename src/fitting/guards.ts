/**
 * Guards: is a fitted rigid-ion model still physical? A pure function of the force field, the
 * bounds of its varied parameters and the relaxed structures; it returns warnings (the fit loop
 * puts them into the result and, where `options.guards` asks, turns them into constraints).
 *
 * Checks, with their thresholds and where they come from:
 *
 * - `at-bound`: a varied parameter within `boundTolerance` (relative, default 1e-3; for A on a log
 *   scale, |ln A − ln bound| < 1e-3) of a bound. A fit that ends there has not found a minimum of
 *   the objective, only of the box.
 * - `hard-wall`: a Buckingham repulsion A e^(−r/ρ) that rises tenfold within less than
 *   `hardWallFraction` (default 2 %) of its shortest contact r₀, i.e. ρ ln 10 < 0.02 r₀. Published
 *   Buckingham sets have ρ/r₀ between about 0.04 (Cd-Se 0.111 Å at 2.6 Å) and 0.15 (Ce-O 0.351 Å at
 *   2.35 Å), so the tenfold rise takes 9–35 % of the contact; below 2 % the "repulsion" is a step.
 *   Also when A > `maxA` (default 1e12 eV), far beyond any published set (the largest we know of
 *   is ~1e9 eV, Cd-Se of the reference case).
 * - `repulsion-vanished`: the repulsion at the pair's shortest contact is below `vanishedEnergy`
 *   (default 1e-6 eV; the Lewis-Catlow O-O repulsion at the O-O contact of MgO, 2.97 Å, is 5e-5 eV and acts, so the threshold sits well below that): the pair acts only through
 *   its C/r⁶ term at every contact, and A and ρ are undetermined.
 * - `near-turnover` / `collapse`: the Buckingham turnover (catastrophe.ts) within 30 % of a contact,
 *   or no barrier at all.
 * - `not-minimum`: a negative eigenvalue of the relaxed (symmetry-reduced) Hessian, or of the
 *   relaxed-ion elastic matrix C (Born stability), below `−eigenTolerance`.
 * - `phase-change`: the caller reports that a structure changed character on relaxation (volume
 *   change, coordination change, special position), passed through as a warning.
 *
 * DEFAULT_BOUNDS (transform.ts) are the physical default box the fit uses unless the document gives
 * bounds (docs/fitsuite.md).
 */
import type { Structure } from '../crystal/structure.js';
import { pairKey, parseChargeName, parseParameterName, getParameter, type ForceField } from '../potentials/forcefield.js';
import { defaultBounds } from './transform.js';
import { catastropheCheck, shortestContacts } from './catastrophe.js';
import { symmetricEigen } from '../math/dense.js';
import { defaultBoundsOf } from './transform.js';

/** The physical default box (transform.ts, with where each number comes from). */
export { DEFAULT_BOUNDS, REPULSION_AT_CONTACT } from './transform.js';

export type GuardKind = 'at-bound' | 'hard-wall' | 'repulsion-vanished' | 'near-turnover' | 'collapse' | 'not-minimum' | 'phase-change';

/** The guards a fit can respect as constraints (`options.guards`); `near-turnover` covers `collapse`. */
export const CONSTRAINT_GUARDS = ['hard-wall', 'repulsion-vanished', 'near-turnover', 'not-minimum'] as const;
export type ConstraintGuard = (typeof CONSTRAINT_GUARDS)[number];

/** Default thresholds of the checks (the doc comment above says where they come from). */
export const GUARD_DEFAULTS = { boundTolerance: 1e-3, hardWallFraction: 0.02, maxA: 1e12, vanishedEnergy: 1e-6, turnoverMargin: 1.3, eigenTolerance: 1e-6 } as const;

export interface GuardWarning {
  kind: GuardKind;
  message: string;
  parameter?: string;
  pair?: string;
  structure?: string;
  value?: number;
}

export interface GuardStructure {
  id: string;
  /** the relaxed structure */
  structure: Structure;
  /** eigenvalues of the relaxed symmetry-reduced Hessian (eV/Å², eV), if known */
  hessianEigenvalues?: readonly number[];
  /** relaxed-ion elastic matrix C (6×6, GPa, Voigt), if known */
  elastic?: readonly (readonly number[])[];
  /** a change of character on relaxation (volume, coordination, special position), if any */
  phaseChange?: string;
}

export interface GuardOptions {
  boundTolerance?: number;
  hardWallFraction?: number;
  maxA?: number;
  vanishedEnergy?: number;
  turnoverMargin?: number;
  eigenTolerance?: number;
}

/** The bounds a parameter lives in: the document's, else DEFAULT_BOUNDS of its kind. */
export function boundsOf(ff: ForceField, name: string, bounds: Record<string, [number, number]> = {}): [number, number] | undefined {
  if (bounds[name]) return bounds[name];
  const sp = parseChargeName(name);
  if (sp !== undefined) return defaultBounds('charge', ff.charges[sp] ?? 0);
  const id = parseParameterName(name);
  const pot = id && ff.pairs.find((p) => pairKey(p.species[0], p.species[1]) === id.pair);
  return pot ? defaultBoundsOf(pot.type, id!.param) : undefined;
}

export function guardWarnings(ff: ForceField, vary: readonly string[], bounds: Record<string, [number, number]>, structures: readonly GuardStructure[], o: GuardOptions = {}): GuardWarning[] {
  const tol = o.boundTolerance ?? GUARD_DEFAULTS.boundTolerance, wall = o.hardWallFraction ?? GUARD_DEFAULTS.hardWallFraction, maxA = o.maxA ?? GUARD_DEFAULTS.maxA;
  const vanished = o.vanishedEnergy ?? GUARD_DEFAULTS.vanishedEnergy, eigTol = o.eigenTolerance ?? GUARD_DEFAULTS.eigenTolerance;
  const out: GuardWarning[] = [];

  for (const name of vary) {
    const v = getParameter(ff, name);
    const b = boundsOf(ff, name, bounds);
    if (v === undefined || !b) continue;
    const isA = name.endsWith('.A') && ff.pairs.some((p) => p.type === 'buckingham' && `${pairKey(p.species[0], p.species[1])}.A` === name);
    for (const [side, bound] of [['lower', b[0]], ['upper', b[1]]] as const) {
      if (!Number.isFinite(bound)) continue;
      const near = isA && bound > 0 && v > 0 ? Math.abs(Math.log(v / bound)) < tol : Math.abs(v - bound) <= tol * Math.max(Math.abs(bound), Math.abs(v), 1e-12);
      if (near) out.push({ kind: 'at-bound', parameter: name, value: v, message: `${name} = ${v.toPrecision(6)} is at its ${side} bound ${bound}: the fit found the edge of the box, not a minimum.` });
    }
  }

  const contacts = new Map<string, { r: number; id: string }>();
  for (const s of structures)
    for (const [pair, r] of shortestContacts(s.structure)) if (r < (contacts.get(pair)?.r ?? Infinity)) contacts.set(pair, { r, id: s.id });

  for (const p of ff.pairs) {
    if (p.type !== 'buckingham') continue;
    const key = pairKey(p.species[0], p.species[1]);
    const { A, rho } = p.params as { A: number; rho: number };
    const c = contacts.get(key);
    if (!c || !(A > 0)) continue;
    const tenfold = rho * Math.LN10;
    if (tenfold < wall * c.r || A > maxA) {
      out.push({ kind: 'hard-wall', pair: key, structure: c.id, value: A, message: `${key}: A = ${A.toPrecision(3)} eV, ρ = ${rho.toPrecision(3)} Å is a hard wall, not a Buckingham repulsion: it rises tenfold within ${(100 * tenfold / c.r).toFixed(2)} % of the shortest contact (${c.r.toFixed(3)} Å in ${c.id}).` });
    }
    const rep = A * Math.exp(-c.r / rho);
    if (rep < vanished) out.push({ kind: 'repulsion-vanished', pair: key, structure: c.id, value: rep, message: `${key}: the repulsion is ${rep.toExponential(2)} eV at the shortest contact (${c.r.toFixed(3)} Å in ${c.id}) and less at every other: A and ρ no longer act.` });
  }

  for (const t of catastropheCheck(ff, structures.map((s) => ({ id: s.id, structure: s.structure })), o.turnoverMargin ?? GUARD_DEFAULTS.turnoverMargin)) {
    if (t.shortestContact === undefined) continue;
    if (t.collapses) out.push({ kind: 'collapse', pair: t.pair, structure: t.structure, message: `${t.pair}: no repulsive barrier (C/r⁶ wins at every distance): the pair collapses.` });
    else if (t.nearTurnover) out.push({ kind: 'near-turnover', pair: t.pair, structure: t.structure, value: t.turnover, message: `${t.pair}: the Buckingham turnover at ${t.turnover!.toFixed(3)} Å is within reach of the shortest contact (${t.shortestContact.toFixed(3)} Å in ${t.structure}).` });
  }

  for (const s of structures) {
    const minH = s.hessianEigenvalues?.length ? Math.min(...s.hessianEigenvalues) : undefined;
    if (minH !== undefined && minH < -eigTol) out.push({ kind: 'not-minimum', structure: s.id, value: minH, message: `${s.id}: the relaxed Hessian has a negative eigenvalue (${minH.toPrecision(3)}): the structure is a saddle point, not a minimum, at the fitted set.` });
    if (s.elastic) {
      const flat = s.elastic.flatMap((r) => [...r]);
      const minC = Math.min(...symmetricEigen(flat, 6).values);
      if (minC < -eigTol) out.push({ kind: 'not-minimum', structure: s.id, value: minC, message: `${s.id}: the elastic matrix C has a negative eigenvalue (${minC.toPrecision(3)} GPa): the structure is not mechanically (Born) stable at the fitted set.` });
    }
    if (s.phaseChange) out.push({ kind: 'phase-change', structure: s.id, message: `${s.id}: ${s.phaseChange}` });
  }
  return out;
}
