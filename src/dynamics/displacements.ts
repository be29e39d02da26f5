/**
 * Classical harmonic root-mean-square displacements ξ(T) per species from a q-mesh.
 *
 * A normal mode (q, ν) with mass-weighted eigenvector e and ω² has, classically, ⟨|Q|²⟩ = k_B T / ω²
 * (equipartition), and u_α(lκ) = (N_q m_κ)^(−½) Σ_{q,ν} e_{κα,ν}(q) Q_{qν} e^{iq·R_l}. Hence
 *   ⟨u_α²(κ)⟩ = k_B T / (N_q m_κ) Σ_q Σ_ν |e_{κα,ν}(q)|² / ω²_ν(q),
 * the sum over the N_q points of the Γ-centred mesh, leaving out the three acoustic modes at Γ (a
 * rigid translation of the whole crystal, which has no restoring force and is not a vibration).
 * On the n₁ × n₂ × n₃ mesh this is exactly the mean-square displacement of the atoms of an
 * n₁ × n₂ × n₃ periodic supercell with its centre of mass fixed — what a classical MD run of that
 * supercell measures at low temperature — and it converges to the crystal's value as the mesh grows.
 *
 * Definitions (the ones reported):
 * - `xi[s]` — the 3-D rms displacement of species s about its lattice site,
 *   ξ = √⟨|u|²⟩ = √(⟨u_x²⟩ + ⟨u_y²⟩ + ⟨u_z²⟩), averaged (⟨u²⟩, then the root) over the atoms of s
 *   in the cell;
 * - `perAxis[s]` — √⟨u_α²⟩ for the Cartesian axes x, y, z (a along x, b in the xy-plane); for a
 *   cubic crystal each is ξ/√3, and U_iso = ⟨u_α²⟩ = ξ²/3 is the crystallographer's isotropic
 *   displacement parameter (B = 8π² U_iso).
 * Classical: ħω ≪ k_B T assumed (no zero-point motion), which is the regime of classical MD.
 */
import { DomainError, throwIfAborted } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel } from '../potentials/model.js';
import { BOLTZMANN_EV_PER_K } from '../units/index.js';
import { type ForceConstants, type ForceConstantOptions, type Mesh, forceConstants } from './force-constants.js';
import { acousticBranches, dynamicalMatrix, isGamma, meshPoints, modes } from './phonons.js';

export interface HarmonicDisplacements {
  temperature: number;
  mesh: [number, number, number];
  /** 3-D rms displacement about the lattice site per species, Å. */
  xi: Record<string, number>;
  /** rms displacement along x, y, z per species, Å. */
  perAxis: Record<string, [number, number, number]>;
  /** ⟨u_α²⟩ per atom of the cell (3n, Å²). */
  meanSquare: Float64Array;
}

/** The mass-weighted sum S_κα = (1/N_q) Σ_q Σ_ν |e|²/ω² (u⁻¹ (eV/Å²)⁻¹… per atom and axis): ⟨u²⟩ = k_B T S / m. */
export function displacementSums(fc: ForceConstants, signal?: AbortSignal): Float64Array {
  const m = 3 * fc.cell.numAtoms;
  const sum = new Float64Array(m);
  const qs = meshPoints(fc.mesh);
  for (const q of qs) {
    throwIfAborted(signal);
    const md = modes(dynamicalMatrix(fc, q));
    const skip = isGamma(q) ? acousticBranches(md.eigenvalues) : new Set<number>();
    md.eigenvalues.forEach((lam, nu) => {
      if (!skip.has(nu) && !(lam > 0))
        throw new DomainError('DYNAMICALLY_UNSTABLE', `the structure has an imaginary mode (branch ${nu} at q = (${q.map((x) => +x.toFixed(4)).join(', ')})): harmonic displacements are undefined`, { q: [...q], branch: nu });
    });
    const w = md.inverseWeights((nu) => !skip.has(nu));
    for (let r = 0; r < m; r++) sum[r]! += w[r]! / qs.length;
  }
  return sum;
}

/** ξ per species at temperature T (K) from force constants on their mesh. */
export function harmonicDisplacementsFrom(fc: ForceConstants, temperature: number, signal?: AbortSignal): HarmonicDisplacements {
  if (!(temperature >= 0)) throw new DomainError('INVALID_DOCUMENT', `temperature must be ≥ 0 K (got ${temperature})`, { path: '/temperature' });
  const S = displacementSums(fc, signal);
  const kT = BOLTZMANN_EV_PER_K * temperature;
  const n = fc.cell.numAtoms;
  const meanSquare = S.map((s, r) => (kT * s) / fc.masses[Math.floor(r / 3)]!);
  return { temperature, mesh: [...fc.mesh], ...bySpecies(fc.cell.species, meanSquare, n), meanSquare };
}

/** ξ per species at temperature T (K) on an n₁ × n₂ × n₃ mesh of `cell`. */
export function harmonicDisplacements(model: EnergyModel, cell: Structure, mesh: Mesh, temperature: number, options: ForceConstantOptions = {}): HarmonicDisplacements {
  return harmonicDisplacementsFrom(forceConstants(model, cell, mesh, options), temperature, options.signal);
}

/** Average ⟨u_α²⟩ over the atoms of each species; 3-D and per-axis rms. */
export function bySpecies(species: readonly string[], meanSquare: ArrayLike<number>, n = species.length): Pick<HarmonicDisplacements, 'xi' | 'perAxis'> {
  const acc: Record<string, { sum: [number, number, number]; count: number }> = {};
  for (let i = 0; i < n; i++) {
    const a = (acc[species[i]!] ??= { sum: [0, 0, 0], count: 0 });
    for (let k = 0; k < 3; k++) a.sum[k]! += meanSquare[3 * i + k]!;
    a.count++;
  }
  const xi: Record<string, number> = {};
  const perAxis: Record<string, [number, number, number]> = {};
  for (const [s, a] of Object.entries(acc)) {
    const ms = a.sum.map((x) => x / a.count) as [number, number, number];
    perAxis[s] = ms.map(Math.sqrt) as [number, number, number];
    xi[s] = Math.sqrt(ms[0] + ms[1] + ms[2]);
  }
  return { xi, perAxis };
}
