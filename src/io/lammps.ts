/**
 * LAMMPS data and force-field files (units metal: eV, Å, e; atom_style charge).
 *
 * Data file. The box follows LAMMPS's restricted triclinic convention, which is latticefit's:
 * a = (lx, 0, 0), b = (xy, ly, 0), c = (xz, yz, lz). A lattice given in another orientation is
 * re-expressed from its parameters (atoms follow through their fractional coordinates), and the
 * tilts are reduced into [−l/2, l/2] by adding lattice vectors (b − n a, c − m b − k a: the same
 * lattice), as LAMMPS requires. An orthogonal cell is written without a tilt line. Atom types
 * are numbered in a stated order (by default the order of the `charges` record), stated in the
 * header and the Masses section.
 *
 * Force field. `pair_style buck/coul/long` gives E = A exp(−r/ρ) − C/r⁶ per pair plus the
 * real-space part of the Ewald sum (`kspace_style ewald`): exactly latticefit's model, with the
 * Buckingham terms cut plainly at each pair's cut-off (no shift, as latticefit and GULP). Pairs
 * without a potential get `0.0 1.0 0.0`: Coulomb only. Lennard-Jones pairs are not a buck/coul/long
 * form: they are added with `pair_style hybrid/overlay buck/coul/long ... lj/cut ...`, A/r¹² − B/r⁶
 * written as lj/cut's ε = B²/(4A), σ = (A/B)^(1/6) (A, B > 0). `pair_modify table 0` makes the
 * real-space Coulomb term exact rather than tabulated. LAMMPS's metal-unit Coulomb constant is
 * 14.399645 eV Å, latticefit's 14.3996454784 (CODATA 2018): they differ by 3 parts in 10⁸.
 */
import { DomainError } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import { Lattice } from '../crystal/lattice.js';
import type { ForceField, PairPotentialSpec } from '../potentials/forcefield.js';
import { pairKey } from '../potentials/forcefield.js';
import type { Vec3 } from '../math/linalg.js';
import { elementOf, num, smoothCutoffNotes } from './common.js';
import { ATOMIC_MASSES } from '../crystal/masses.js';

/** Standard atomic weights (u): the table lives with the crystal (`crystal/masses.ts`, with its source). */
export { ATOMIC_MASSES };

export interface LammpsDataOptions {
  /** First line of the file. */
  title?: string;
  /** Mass per species (u), overriding the table. */
  masses?: Record<string, number>;
  /** Species in type order (default: the keys of `charges`). */
  types?: readonly string[];
}

/** The box of a structure in LAMMPS's convention, tilts reduced, with the atoms' Cartesian positions in it. */
export function lammpsBox(structure: Structure): { lx: number; ly: number; lz: number; xy: number; xz: number; yz: number; positions: Vec3[] } {
  const std = Lattice.fromParameters(structure.lattice.parameters);
  let [a, b, c] = std.matrix.map((r) => [...r] as Vec3) as [Vec3, Vec3, Vec3];
  const sub = (u: Vec3, v: Vec3, k: number): Vec3 => [u[0] - k * v[0], u[1] - k * v[1], u[2] - k * v[2]];
  c = sub(c, b, Math.round(c[1] / b[1]));
  c = sub(c, a, Math.round(c[0] / a[0]));
  b = sub(b, a, Math.round(b[0] / a[0]));
  const box = Lattice.fromVectors([a, b, c]);
  const f = structure.fractional;
  const positions: Vec3[] = [];
  for (let i = 0; i < structure.numAtoms; i++) {
    // same fractional coordinates in the standard orientation, then into the reduced box
    const r = std.fracToCart([f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!]);
    const g = box.cartToFrac(r).map((x) => {
      const w = x - Math.floor(x);
      return w >= 1 - 1e-12 ? 0 : w;
    }) as Vec3;
    positions.push(box.fracToCart(g).map((x) => (Math.abs(x) < 1e-10 ? 0 : x)) as Vec3);
  }
  const zero = (x: number, l: number): number => (Math.abs(x) < 1e-12 * l ? 0 : x);
  return { lx: a[0], ly: b[1], lz: c[2], xy: zero(b[0], a[0]), xz: zero(c[0], a[0]), yz: zero(c[1], b[1]), positions };
}

function massOf(species: string, masses: Record<string, number> | undefined): number {
  const m = masses?.[species] ?? ATOMIC_MASSES[species] ?? ATOMIC_MASSES[elementOf(species) ?? ''];
  if (m === undefined) throw new DomainError('UNKNOWN_SPECIES', `no mass is known for species "${species}": give it in masses`, { species });
  return m;
}

/** A LAMMPS data file (atom_style charge) of a structure with per-species charges. */
export function writeLammpsData(structure: Structure, charges: Record<string, number>, options: LammpsDataOptions = {}): string {
  const types = [...(options.types ?? Object.keys(charges))];
  for (const s of new Set(structure.species)) {
    if (!types.includes(s)) throw new DomainError('UNKNOWN_SPECIES', `species "${s}" has no LAMMPS atom type (types: ${types.join(', ')})`, { species: s });
    if (charges[s] === undefined) throw new DomainError('UNKNOWN_SPECIES', `species "${s}" has no charge`, { species: s });
  }
  const box = lammpsBox(structure);
  const out: string[] = [];
  out.push(`${(options.title ?? 'written by latticefit').replace(/\n/g, ' ')} (units metal, atom_style charge; types ${types.map((s, k) => `${k + 1} ${s}`).join(', ')})`, '');
  out.push(`${structure.numAtoms} atoms`, `${types.length} atom types`, '');
  out.push(`0 ${num(box.lx)} xlo xhi`, `0 ${num(box.ly)} ylo yhi`, `0 ${num(box.lz)} zlo zhi`);
  if (box.xy !== 0 || box.xz !== 0 || box.yz !== 0) out.push(`${num(box.xy)} ${num(box.xz)} ${num(box.yz)} xy xz yz`);
  out.push('', 'Masses', '');
  types.forEach((s, k) => out.push(`${k + 1} ${num(massOf(s, options.masses))} # ${s}`));
  out.push('', 'Atoms # charge', '');
  for (let i = 0; i < structure.numAtoms; i++) {
    const s = structure.species[i]!;
    const p = box.positions[i]!;
    out.push(`${i + 1} ${types.indexOf(s) + 1} ${num(charges[s]!)} ${num(p[0])} ${num(p[1])} ${num(p[2])}`);
  }
  return out.join('\n') + '\n';
}

export interface LammpsPairOptions {
  /** Relative accuracy of the Ewald sum (kspace_style ewald; default 1e-10). */
  ewaldAccuracy?: number;
  /** Species in type order (default: the keys of the force field's charges). */
  types?: readonly string[];
}

/** LAMMPS commands for a force field: pair style and coefficients, k-space, per-type charges. */
export function writeLammpsPair(ff: ForceField, options: LammpsPairOptions = {}): string {
  const types = [...(options.types ?? Object.keys(ff.charges))];
  const acc = options.ewaldAccuracy ?? 1e-10;
  if (!(acc > 0 && acc < 1)) throw new DomainError('INVALID_DOCUMENT', `Ewald accuracy must lie between 0 and 1 (got ${acc})`);
  const byPair = new Map<string, PairPotentialSpec>();
  for (const p of ff.pairs) {
    for (const s of p.species)
      if (!types.includes(s)) throw new DomainError('UNKNOWN_SPECIES', `potential ${p.species.join('-')} uses species "${s}", which has no atom type`, { species: s });
    byPair.set(pairKey(p.species[0], p.species[1]), p);
  }
  const cutoff = Math.max(12, ...ff.pairs.map((p) => p.cutoff));
  const lj = ff.pairs.filter((p) => p.type === 'lennard-jones');
  const hybrid = lj.length > 0;
  const out: string[] = [
    '# LAMMPS force field written by latticefit (units metal: eV, Angstrom, e)',
    '# use after: units metal / atom_style charge / boundary p p p / read_data FILE',
    `# types: ${types.map((s, k) => `${k + 1} ${s}`).join(', ')}`,
    '# pairs without a short-range potential interact by Coulomb only (buck/coul/long 0.0 1.0 0.0)',
    ...smoothCutoffNotes(ff.pairs),
  ];
  if (hybrid) {
    out.push(
      '# Lennard-Jones pairs: buck/coul/long has no r^-12 term, so lj/cut is overlaid (hybrid/overlay);',
      '# A/r^12 - B/r^6 is written as 4 eps ((sigma/r)^12 - (sigma/r)^6), eps = B^2/(4A), sigma = (A/B)^(1/6)',
      `pair_style hybrid/overlay buck/coul/long ${num(cutoff)} lj/cut ${num(cutoff)}`,
    );
  } else out.push(`pair_style buck/coul/long ${num(cutoff)}`);
  const sub = hybrid ? 'buck/coul/long ' : '';
  for (let i = 0; i < types.length; i++)
    for (let j = i; j < types.length; j++) {
      const p = byPair.get(pairKey(types[i]!, types[j]!));
      const tag = `# ${types[i]}-${types[j]}`;
      if (p?.type === 'buckingham') out.push(`pair_coeff ${i + 1} ${j + 1} ${sub}${num(p.params.A!)} ${num(p.params.rho!)} ${num(p.params.C!)} ${num(p.cutoff)} ${tag}`);
      else out.push(`pair_coeff ${i + 1} ${j + 1} ${sub}0.0 1.0 0.0 ${tag}${p ? '' : ' (Coulomb only)'}`);
      if (p?.type === 'lennard-jones') {
        const A = p.params.A!, B = p.params.B!;
        if (!(A > 0 && B > 0))
          throw new DomainError(
            'INVALID_POTENTIAL',
            `lennard-jones ${p.species.join('-')} with A = ${A}, B = ${B}: LAMMPS lj/cut needs A > 0 and B > 0 (epsilon = B^2/(4A), sigma = (A/B)^(1/6)); no LAMMPS pair style is written for it`,
          );
        out.push(`pair_coeff ${i + 1} ${j + 1} lj/cut ${num((B * B) / (4 * A))} ${num((A / B) ** (1 / 6))} ${num(p.cutoff)} ${tag}`);
      }
    }
  out.push('pair_modify table 0', `kspace_style ewald ${num(acc)}`);
  types.forEach((s, k) => out.push(`set type ${k + 1} charge ${num(ff.charges[s]!)}`));
  return out.join('\n') + '\n';
}
