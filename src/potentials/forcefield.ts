/**
 * A force field as plain data: partial charges per species, short-range pair potentials per
 * unordered species pair, and Coulomb options. Parameters are addressable by name:
 * `<pair key>.<parameter>`, e.g. `Cd-Se.A`, where the pair key is the two species in
 * alphabetical order joined by '-' (`Se-Cd.A` is accepted and means the same).
 *
 * Pair forms (r in Å, energies in eV):
 * - `buckingham`:    φ(r) = A exp(−r/ρ) − C/r⁶      parameters A (eV), rho (Å), C (eV·Å⁶)
 * - `lennard-jones`: φ(r) = A/r¹² − B/r⁶            parameters A (eV·Å¹²), B (eV·Å⁶)
 *   (GULP's `lennard` 12 6 form; ε, σ convert by A = 4εσ¹², B = 4εσ⁶)
 * Each pair has its own cut-off and is truncated plainly (no shift, no taper), as GULP does by
 * default. Species pairs without a potential interact by Coulomb only.
 */

export type PairType = 'buckingham' | 'lennard-jones';

export const PAIR_PARAMETERS: Record<PairType, readonly string[]> = {
  buckingham: ['A', 'rho', 'C'],
  'lennard-jones': ['A', 'B'],
};

export interface PairPotentialSpec {
  type: PairType;
  species: readonly [string, string];
  params: Record<string, number>;
  /** Å */
  cutoff: number;
  /** `truncate` (default, as GULP), `shifted-force` or `taper` (see cutoff.ts) */
  cutoffMode?: 'truncate' | 'shifted-force' | 'taper';
  /** Å, width of the taper below the cut-off (default 1) */
  taperWidth?: number;
}

export interface CoulombOptions {
  /** Requested accuracy of the Ewald sum, eV per atom (default 1e-8). */
  accuracy?: number;
}

/**
 * Charges as fit parameters: the free species (parameter `<species>.charge`) and the linear ties
 * of the others, q_s = Σ_f tied[s][f] q_f; species in neither keep their charge. The ties are
 * chosen so that every structure stays neutral (checked at the door, document/parse.ts).
 */
export interface ChargeTies {
  free: string[];
  tied: Record<string, Record<string, number>>;
}

export interface ForceField {
  /** Partial charge per species, e. */
  charges: Record<string, number>;
  /** Charges that are parameters (`Cd.charge`) and how the others follow; absent: charges are fixed. */
  chargeTies?: ChargeTies;
  pairs: PairPotentialSpec[];
  coulomb?: CoulombOptions;
}

/** Canonical key of an unordered species pair: alphabetical, joined by '-'. */
export const pairKey = (a: string, b: string): string => (a <= b ? `${a}-${b}` : `${b}-${a}`);

/** Split `Cd-Se.A` into its pair key (canonical) and parameter. Returns undefined if malformed. */
export function parseParameterName(name: string): { pair: string; param: string } | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const species = name.slice(0, dot).split('-');
  if (species.length !== 2 || !species[0] || !species[1]) return undefined;
  return { pair: pairKey(species[0], species[1]), param: name.slice(dot + 1) };
}

/** The species of a charge parameter name (`Cd.charge` → `Cd`), else undefined. */
export function parseChargeName(name: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9_]*)\.charge$/.exec(name);
  return m ? m[1] : undefined;
}

/** The name of the charge parameter of a species. */
export const chargeName = (species: string): string => `${species}.charge`;

/** The species charges with the free charges set to `values` (in `ties.free` order) and the tied ones following. */
export function tiedCharges(charges: Record<string, number>, ties: ChargeTies, values: readonly number[]): Record<string, number> {
  const out = { ...charges };
  ties.free.forEach((f, k) => { out[f] = values[k]!; });
  for (const [s, c] of Object.entries(ties.tied)) out[s] = Object.entries(c).reduce((sum, [f, w]) => sum + w * out[f]!, 0);
  return out;
}

/** Every parameter name of the force field: the free charges (`Cd.charge`), then the pairs in pair order. */
export function parameterNames(ff: ForceField): string[] {
  return [...(ff.chargeTies?.free ?? []).map(chargeName), ...ff.pairs.flatMap((p) => PAIR_PARAMETERS[p.type].map((k) => `${pairKey(p.species[0], p.species[1])}.${k}`))];
}

export function getParameter(ff: ForceField, name: string): number | undefined {
  const sp = parseChargeName(name);
  if (sp !== undefined) return ff.chargeTies?.free.includes(sp) ? ff.charges[sp] : undefined;
  const id = parseParameterName(name);
  if (!id) return undefined;
  const p = ff.pairs.find((q) => pairKey(q.species[0], q.species[1]) === id.pair);
  return p?.params[id.param];
}

/**
 * A copy of the force field with the named parameters replaced. A free charge (`Cd.charge`) moves
 * the charges tied to it as well.
 */
export function withParameters(ff: ForceField, values: Record<string, number>): ForceField {
  const pairs = ff.pairs.map((p) => ({ ...p, params: { ...p.params } }));
  let charges = ff.charges;
  const ties = ff.chargeTies;
  if (Object.keys(values).some((n) => parseChargeName(n) !== undefined)) {
    if (!ties) throw new RangeError(`no charge is a parameter of this force field (${Object.keys(values).join(', ')})`);
    const free = ties.free.map((f) => ff.charges[f]!);
    for (const [name, v] of Object.entries(values)) {
      const sp = parseChargeName(name);
      if (sp === undefined) continue;
      const k = ties.free.indexOf(sp);
      if (k < 0) throw new RangeError(`unknown parameter ${name}`);
      free[k] = v;
    }
    charges = tiedCharges(ff.charges, ties, free);
  }
  for (const [name, v] of Object.entries(values)) {
    if (parseChargeName(name) !== undefined) continue;
    const id = parseParameterName(name);
    const p = id && pairs.find((q) => pairKey(q.species[0], q.species[1]) === id.pair);
    if (!p || !(id!.param in p.params)) throw new RangeError(`unknown parameter ${name}`);
    p.params[id!.param] = v;
  }
  return { ...ff, charges, pairs };
}
