/**
 * Atomic masses for dynamics (lattice dynamics, molecular dynamics).
 *
 * Standard atomic weights (u), IUPAC Commission on Isotopic Abundances and Atomic Weights,
 * abridged values (Pure Appl. Chem. 94 (2022) 573, doi:10.1515/pac-2019-0603), for the elements of
 * common ionic crystals. A species label such as `Se_shell` or `O2` takes its element's mass
 * (the leading element symbol); a document may override a mass per species.
 */
import { DomainError } from '../errors.js';

export const ATOMIC_MASSES: Readonly<Record<string, number>> = {
  H: 1.008, Li: 6.94, Be: 9.0122, B: 10.81, C: 12.011, N: 14.007, O: 15.999, F: 18.998,
  Na: 22.99, Mg: 24.305, Al: 26.982, Si: 28.085, P: 30.974, S: 32.06, Cl: 35.45,
  K: 39.098, Ca: 40.078, Sc: 44.956, Ti: 47.867, V: 50.942, Cr: 51.996, Mn: 54.938, Fe: 55.845,
  Co: 58.933, Ni: 58.693, Cu: 63.546, Zn: 65.38, Ga: 69.723, Ge: 72.63, As: 74.922, Se: 78.971, Br: 79.904,
  Rb: 85.468, Sr: 87.62, Y: 88.906, Zr: 91.224, Nb: 92.906, Mo: 95.95, Ag: 107.87, Cd: 112.41,
  In: 114.82, Sn: 118.71, Sb: 121.76, Te: 127.6, I: 126.9, Cs: 132.91, Ba: 137.33, La: 138.91,
  Ce: 140.12, Hf: 178.49, Ta: 180.95, W: 183.84, Hg: 200.59, Tl: 204.38, Pb: 207.2, Bi: 208.98, U: 238.03,
};

/** The element symbol a species label starts with (`Se_core` → `Se`, `pb` → `Pb`), if any. */
export function elementOfSpecies(name: string): string | undefined {
  const m = /^([A-Za-z][a-z]?)/.exec(name.trim());
  if (!m) return undefined;
  const s = m[1]!;
  const e = s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  if (ATOMIC_MASSES[e] !== undefined) return e;
  const one = e.charAt(0);
  return ATOMIC_MASSES[one] !== undefined ? one : undefined;
}

/** Mass of a species (u): the override, else the table by label, else by its element. */
export function atomicMass(species: string, overrides?: Readonly<Record<string, number>>): number {
  const m = overrides?.[species] ?? ATOMIC_MASSES[species] ?? ATOMIC_MASSES[elementOfSpecies(species) ?? ''];
  if (m === undefined || !(m > 0)) throw new DomainError('UNKNOWN_SPECIES', `no mass is known for species "${species}": give it in masses`, { species });
  return m;
}
