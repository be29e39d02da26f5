/**
 * Interatomic force constants of a crystal from the analytic Hessian of a supercell.
 *
 * The harmonic energy of displacements u(lκ) of atom κ in cell l is
 *   E₂ = ½ Σ Φ_αβ(lκ; l'κ') u_α(lκ) u_β(l'κ'),   Φ_αβ(lκ; l'κ') = ∂²E / ∂u_α(lκ) ∂u_β(l'κ').
 * Our energy model gives Φ of a periodic cell: the position block (3N × 3N) of its
 * (3N+6)² second-derivative matrix (`potentials/model.ts`). In an n₁ × n₂ × n₃ supercell of the unit
 * cell, the Hessian between atom κ of image 0 and atom κ' of image l is the folded force constant
 *   Φᔆᶜ(0κ; lκ') = Σ_L Φ(0κ; l + L, κ')    (L over the supercell's lattice vectors),
 * which is exact, Ewald sum included (the supercell Hessian carries every periodic image). So the
 * dynamical matrix built from it (`phonons.ts`) is exact at every wavevector commensurate with the
 * supercell, q = (i/n₁, j/n₂, k/n₃) in reduced coordinates: there e^{iq·L} = 1 and the folding
 * adds nothing. Between those points it is a Fourier interpolation (not used here: `phononsAt`
 * builds a supercell commensurate with the q it is asked for).
 *
 * Coulomb: the Ewald sum is conditionally convergent at q → 0, and the periodic supercell with
 * tin-foil boundary conditions gives the analytic part only: at Γ these are the transverse-optic
 * frequencies, without the LO-TO splitting (which needs the Born charges and ε∞ of a polarisable
 * model; in a rigid-ion model it is the non-analytic term (4π/V) (q·Z)(q·Z)/(q·ε∞·q), left out).
 *
 * Atoms of the supercell follow `Structure.supercell`: image (i, j, k) outer, basis atom inner, so
 * atom κ of image l = (i n₂ + j) n₃ + k is index l n + κ.
 */
import type { Structure } from '../crystal/structure.js';
import { atomicMass } from '../crystal/masses.js';
import type { EnergyModel } from '../potentials/model.js';
import { DomainError, throwIfAborted } from '../errors.js';

export type Mesh = readonly [number, number, number];

export interface ForceConstants {
  /** The unit cell (its lattice defines the reduced wavevectors). */
  readonly cell: Structure;
  /** Supercell multiples n₁ n₂ n₃: the commensurate q-mesh. */
  readonly mesh: Mesh;
  /** Masses of the cell's atoms, u. */
  readonly masses: Float64Array;
  /**
   * Φ(0κ; lκ'), eV/Å²: `phi[l]` is the 3n × 3n block (row 3κ+α, column 3κ'+β) between the atoms of
   * image 0 and those of image l, l = (i n₂ + j) n₃ + k.
   */
  readonly phi: readonly Float64Array[];
  /** Integer image vectors (i, j, k) of the images, same order as `phi`. */
  readonly images: readonly (readonly [number, number, number])[];
  /** Largest force component on the cell at which Φ was taken, eV/Å (Φ means harmonic only near 0). */
  readonly maxForce: number;
}

export interface ForceConstantOptions {
  /** Mass per species, u, overriding the table in `crystal/masses.ts`. */
  masses?: Readonly<Record<string, number>>;
  signal?: AbortSignal;
}

/** Force constants of `cell` folded into its `mesh` supercell, from the model's analytic Hessian. */
export function forceConstants(model: EnergyModel, cell: Structure, mesh: Mesh, options: ForceConstantOptions = {}): ForceConstants {
  checkMesh(mesh);
  throwIfAborted(options.signal);
  const n = cell.numAtoms;
  const masses = Float64Array.from(cell.species, (s) => atomicMass(s, options.masses));
  const sc = cell.supercell(mesh);
  const N = sc.numAtoms;
  const res = model.compute(sc, 2);
  const h = res.hessian!;
  const stride = 3 * N + 6;
  const m = 3 * n;
  const phi: Float64Array[] = [];
  const images: [number, number, number][] = [];
  for (let i = 0; i < mesh[0]; i++)
    for (let j = 0; j < mesh[1]; j++)
      for (let k = 0; k < mesh[2]; k++) {
        const l = (i * mesh[1] + j) * mesh[2] + k;
        const block = new Float64Array(m * m);
        for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) block[r * m + c] = h[r * stride + l * m + c]!;
        phi.push(block);
        images.push([i, j, k]);
      }
  let maxForce = 0;
  for (const g of res.gradient ?? []) maxForce = Math.max(maxForce, Math.abs(g));
  return { cell, mesh, masses, phi, images, maxForce };
}

export function checkMesh(mesh: Mesh): void {
  if (mesh.length !== 3 || !mesh.every((x) => Number.isInteger(x) && x >= 1 && x <= 64))
    throw new DomainError('INVALID_DOCUMENT', `a q-mesh is three whole numbers from 1 to 64 (got ${JSON.stringify(mesh)})`, { path: '/mesh' });
}

/**
 * The mesh whose supercell is at least `length` Å across in every direction: n_i = ⌈length / w_i⌉,
 * w_i the distance between the lattice planes spanned by the other two vectors.
 */
export function meshForLength(cell: Structure, length: number): [number, number, number] {
  const widths = cell.lattice.perpendicularWidths;
  return widths.map((w) => Math.max(1, Math.ceil(length / w - 1e-9))) as [number, number, number];
}
