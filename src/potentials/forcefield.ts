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

export interface ForceField {
  /** Partial charge per species, e. */
  charges: Record<string, number>;
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

/** Every parameter name of the force field, in pair order. */
export function parameterNames(ff: ForceField): string[] {
  return ff.pairs.flatMap((p) => PAIR_PARAMETERS[p.type].map((k) => `${pairKey(p.species[0], p.species[1])}.${k}`));
}

export function getParameter(ff: ForceField, name: string): number | undefined {
  const id = parseParameterName(name);
  if (!id) return undefined;
  const p = ff.pairs.find((q) => pairKey(q.species[0], q.species[1]) === id.pair);
  return p?.params[id.param];
}

/** A copy of the force field with the named parameters replaced. */
export function withParameters(ff: ForceField, values: Record<string, number>): ForceField {
  const pairs = ff.pairs.map((p) => ({ ...p, params: { ...p.params } }));
  for (const [name, v] of Object.entries(values)) {
    const id = parseParameterName(name);
    const p = id && pairs.find((q) => pairKey(q.species[0], q.species[1]) === id.pair);
    if (!p || !(id!.param in p.params)) throw new RangeError(`unknown parameter ${name}`);
    p.params[id!.param] = v;
  }
  return { ...ff, pairs };
}
