/**
 * Documents that are expensive to check, for the event-loop tests: many sites, general positions
 * of a group of 192 operations, many valid structures of a few hundred atoms.
 */
type Doc = Record<string, unknown> & { structures: Record<string, unknown>[] };

const rockSaltSpecies = { Na: { charge: 1 }, Cl: { charge: -1 } };
const potentials = [{ type: 'buckingham', species: ['Na', 'Cl'], A: 1000, rho: 0.3, C: 0, cutoff: 6 }];

/** `n` sites listed in one Fm-3m structure (refused from the count alone). */
export function manySites(n: number): Doc {
  const sites = Array.from({ length: n }, (_, i) => ({ species: i % 2 ? 'Cl' : 'Na', frac: [(i % 100) / 100, Math.floor(i / 100) / 100, 0.123] }));
  return { species: rockSaltSpecies, potentials, structures: [{ id: 'many', spaceGroup: 'Fm-3m', cell: { a: 500 }, sites }] };
}

/** `n` general positions in Fm-3m (192 atoms each): under the site count, far over the atom limit once expanded. */
export function generalSites(n: number): Doc {
  const sites = Array.from({ length: n }, (_, i) => ({ species: i % 2 ? 'Cl' : 'Na', frac: [0.01 + 0.9 * ((i * 0.618) % 1), 0.013 + 0.9 * ((i * 0.414) % 1), 0.017 + 0.9 * ((i * 0.732) % 1)] }));
  return { species: rockSaltSpecies, potentials, structures: [{ id: 'general', spaceGroup: 'Fm-3m', cell: { a: 500 }, sites }] };
}

/** Eight general positions of Fm-3m that give 1536 atoms in an 80 Å cell, no two closer than 0.5 Å. */
const ROOMY_SITES = [
  [0.1539, 0.3981, 0.0058], [0.0966, 0.288, 0.3565], [0.0068, 0.1921, 0.4435], [0.2611, 0.0485, 0.3053],
  [0.4795, 0.1603, 0.4507], [0.0094, 0.3587, 0.404], [0.4746, 0.1435, 0.0834], [0.3998, 0.474, 0.3659],
];

/**
 * `count` valid structures, each eight general positions of Fm-3m in an 80 Å cell (1536 atoms:
 * accepted with LATTICEFIT_MAX_ATOMS ≥ 1536, neutral), fitted without relaxation: each costs an
 * expansion, an overlap check and a neighbour count, some 30 ms. `P1` gives the eight sites alone.
 */
export function roomyStructures(count: number, spaceGroup: 'Fm-3m' | 'P1' = 'Fm-3m'): Doc {
  const sites = ROOMY_SITES.map((frac, i) => ({ species: i % 2 ? 'Cl' : 'Na', frac }));
  const structures = Array.from({ length: count }, (_, k) => ({ id: `s${k}`, spaceGroup, cell: spaceGroup === 'P1' ? { a: 80, b: 80, c: 80, alpha: 90, beta: 90, gamma: 90 } : { a: 80 }, sites }));
  return { species: rockSaltSpecies, potentials, structures, options: { relax: false } };
}
