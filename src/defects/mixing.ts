/**
 * Mixed phases: random occupations of one sublattice of a supercell, relaxed with the cell free
 * (P1, L-BFGS over positions and strain), and the mixing energy against two end-member phases.
 *
 * For (B_x A_{1−x}) X on a host supercell with n sites of A (n formula units), round(x n) of them
 * are chosen at random (seeded; each configuration its own seed) and given B. Per formula unit
 *   ΔE(x) = [E(config) − n_B e_B − n_A e_A] / n,
 * with e_B, e_A the relaxed energies per formula unit of the reference phases (e.g. PbSe rock salt
 * and CdSe wurtzite). The mean and the spread (sample standard deviation, 0 for one
 * configuration) over the configurations are reported, with the mean lattice parameters.
 */
import { DomainError } from '../errors.js';
import { evPerA3ToGPa } from '../units/index.js';
import type { Structure } from '../crystal/structure.js';
import { rng } from '../math/random.js';
import { Structure as S } from '../crystal/structure.js';
import { relaxLbfgs, type LbfgsOptions } from '../relaxation/lbfgs.js';
import type { EnergyModel } from '../potentials/model.js';

export interface MixingPoint {
  x: number;
  /** B atoms placed (of n sites) */
  substituted: number;
  sites: number;
  formationEnergy: { mean: number; spread: number };
  /** per configuration, eV per formula unit */
  energies: number[];
  converged: boolean;
  /** stop reasons of the configurations that did not converge */
  failures: string[];
  /** mean relaxed lattice parameters of the supercell, Å and degrees */
  lattice: { a: number; b: number; c: number; alpha: number; beta: number; gamma: number };
  /** mean volume per formula unit, Å³ */
  volumePerFormulaUnit: number;
  configurations: number;
  /** the relaxed cell of the first configuration */
  structure: Structure;
}

/** `host` with `count` atoms of species `from` (chosen by the seeded generator) changed to `to`. */
export function randomOccupation(host: Structure, from: string, to: string, count: number, seed: number): Structure {
  const idx = [...Array(host.numAtoms).keys()].filter((i) => host.species[i] === from);
  if (count > idx.length) throw new DomainError('INVALID_DOCUMENT', `cannot place ${count} ${to} on ${idx.length} ${from} sites`, { path: '/defects/mixing' });
  const r = rng(seed);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const sp = [...host.species];
  for (const i of idx.slice(0, count)) sp[i] = to;
  return S.fromCartesian(host.lattice, sp, host.positions);
}

export interface MixingInput {
  model: EnergyModel;
  host: Structure;
  /** species of the host sublattice (A) and the one mixed in (B) */
  from: string;
  to: string;
  x: number;
  configurations: number;
  seed: number;
  /** reference enthalpies per formula unit (energies at zero pressure): of A X (x = 0 end) and of B X (x = 1 end), eV; each cell is relaxed at `relax.pressure` and compared by its enthalpy */
  referenceFrom: number;
  referenceTo: number;
  relax?: LbfgsOptions;
  signal?: AbortSignal;
}

export function mixingPoint(inp: MixingInput): MixingPoint {
  const sites = inp.host.species.filter((s) => s === inp.from).length;
  const nB = Math.round(inp.x * sites);
  // the end points have one configuration only
  const configs = nB === 0 || nB === sites ? 1 : inp.configurations;
  const energies: number[] = [];
  let converged = true;
  const failures: string[] = [];
  const lat = { a: 0, b: 0, c: 0, alpha: 0, beta: 0, gamma: 0 };
  let vol = 0;
  let first: Structure | undefined;
  for (let c = 0; c < configs; c++) {
    const s = randomOccupation(inp.host, inp.from, inp.to, nB, inp.seed + 1000 * c);
    const r = relaxLbfgs(inp.model, s, { ...inp.relax, relaxCell: true, ...(inp.signal ? { signal: inp.signal } : {}) });
    converged &&= r.converged;
    if (!r.converged) failures.push(`${r.stopReason}, largest force ${r.maxForce.toExponential(2)} eV/Å, stress ${evPerA3ToGPa(r.maxStress).toExponential(2)} GPa`);
    energies.push((r.enthalpy - nB * inp.referenceTo - (sites - nB) * inp.referenceFrom) / sites);
    const p = r.structure.lattice.parameters;
    for (const k of Object.keys(lat) as (keyof typeof lat)[]) lat[k] += p[k] / configs;
    vol += r.structure.lattice.volume / sites / configs;
    first ??= r.structure;
  }
  const mean = energies.reduce((a, b) => a + b, 0) / energies.length;
  const spread = energies.length > 1 ? Math.sqrt(energies.reduce((a, e) => a + (e - mean) ** 2, 0) / (energies.length - 1)) : 0;
  return { x: nB / sites, substituted: nB, sites, formationEnergy: { mean, spread }, energies, converged, failures, lattice: lat, volumePerFormulaUnit: vol, configurations: configs, structure: first! };
}
