/**
 * Harmonic phonons: the dynamical matrix, frequencies at Γ and on a q-mesh, dynamical stability.
 *
 * For a wavevector q in reduced coordinates of the unit cell's reciprocal lattice (q·R_l = 2π q·l
 * for the integer image vector l), the mass-weighted dynamical matrix is
 *   D_{κα,κ'β}(q) = Σ_l Φ_αβ(0κ; lκ') e^{2πi q·l} / √(m_κ m_κ'),
 * Hermitian, 3n × 3n, eV/(Å² u). (The phase convention with the lattice vector only, not the atomic
 * positions, changes the eigenvectors by a phase per atom: |e_κ|² and the frequencies are the same.)
 * Its eigenvalues are ω²; ω² × 9.6485e27 s⁻² per eV/(Å² u) (`units`) gives rad²/s², and
 * ν = ω / 2π in THz. An eigenvalue ω² < 0 is an imaginary frequency, reported as a negative number
 * ν = −√|ω²| / 2π (the usual convention): the structure is not a minimum along that mode.
 *
 * The complex Hermitian problem D = A + iB is solved as the real symmetric one
 * [[A, −B], [B, A]] of twice the size, whose eigenvalues are those of D, each twice; the
 * eigenvectors (x, y) are the complex ones x + iy (and i times them).
 *
 * At Γ the three acoustic (translation) frequencies vanish by the acoustic sum rule, to the accuracy
 * of the Ewald sum; no sum rule is imposed here, so their size is a check on the Hessian.
 */
import { DomainError, throwIfAborted } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel } from '../potentials/model.js';
import { symmetricEigen } from '../math/dense.js';
import { OMEGA2_PER_EV_PER_A2_U, thzToInverseCm } from '../units/index.js';
import { type ForceConstants, type ForceConstantOptions, type Mesh, checkMesh, forceConstants } from './force-constants.js';

export type QPoint = readonly [number, number, number];

/** The real and imaginary parts of D(q), row-major 3n × 3n, eV/(Å² u). */
export interface DynamicalMatrix {
  readonly q: QPoint;
  readonly size: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** D(q) at a q commensurate with the force constants' mesh (q_i n_i whole). */
export function dynamicalMatrix(fc: ForceConstants, q: QPoint): DynamicalMatrix {
  for (let d = 0; d < 3; d++) {
    const x = q[d]! * fc.mesh[d]!;
    if (Math.abs(x - Math.round(x)) > 1e-8)
      throw new DomainError('INVALID_DOCUMENT', `q = (${q.join(', ')}) is not on the ${fc.mesh.join('x')} mesh of these force constants: use phononsAt for any q`, { path: '/q' });
  }
  const m = 3 * fc.cell.numAtoms;
  const re = new Float64Array(m * m);
  const im = new Float64Array(m * m);
  fc.phi.forEach((block, l) => {
    const img = fc.images[l]!;
    const arg = 2 * Math.PI * (q[0] * img[0] + q[1] * img[1] + q[2] * img[2]);
    const c = Math.cos(arg), s = Math.sin(arg);
    for (let i = 0; i < m * m; i++) {
      re[i]! += block[i]! * c;
      im[i]! += block[i]! * s;
    }
  });
  // mass weighting and Hermitian symmetrisation ((D + D†)/2: removes the rounding asymmetry)
  const w = Float64Array.from({ length: m }, (_, r) => 1 / Math.sqrt(fc.masses[Math.floor(r / 3)]!));
  const R = new Float64Array(m * m), I = new Float64Array(m * m);
  for (let r = 0; r < m; r++)
    for (let c = 0; c < m; c++) {
      const f = w[r]! * w[c]!;
      R[r * m + c] = 0.5 * (re[r * m + c]! + re[c * m + r]!) * f;
      I[r * m + c] = 0.5 * (im[r * m + c]! - im[c * m + r]!) * f;
    }
  return { q, size: m, re: R, im: I };
}

/** Eigen-decomposition of D(q): ω² ascending, with the real-embedded eigenvectors. */
export interface Modes {
  readonly q: QPoint;
  /** ω², eV/(Å² u), ascending, one per branch (3n). */
  readonly eigenvalues: Float64Array;
  /** Frequencies, THz, imaginary ones negative. */
  readonly frequenciesTHz: Float64Array;
  /**
   * Σ over the branches in `include` of |e_{κα,ν}|² / ω²_ν per atom κ and axis α (length 3n),
   * u⁻¹·… in (eV/(Å² u))⁻¹; the harmonic displacement sum (`displacements.ts`).
   */
  readonly inverseWeights: (include: (branch: number) => boolean) => Float64Array;
  /** Eigenvector of a branch as complex components (re, im), length 3n each, normalised. */
  readonly eigenvector: (branch: number) => { re: Float64Array; im: Float64Array };
}

export function modes(d: DynamicalMatrix): Modes {
  const m = d.size;
  const M = 2 * m;
  const big = new Float64Array(M * M);
  for (let r = 0; r < m; r++)
    for (let c = 0; c < m; c++) {
      const a = d.re[r * m + c]!, b = d.im[r * m + c]!;
      big[r * M + c] = a;
      big[r * M + m + c] = -b;
      big[(m + r) * M + c] = b;
      big[(m + r) * M + m + c] = a;
    }
  const { values, vectors } = symmetricEigen(big, M);
  // eigenvalues come in equal pairs: branch ν owns real eigenpairs 2ν and 2ν + 1
  const eigenvalues = Float64Array.from({ length: m }, (_, k) => 0.5 * (values[2 * k]! + values[2 * k + 1]!));
  const frequenciesTHz = eigenvalues.map(frequencyTHz);
  return {
    q: d.q,
    eigenvalues,
    frequenciesTHz,
    inverseWeights(include) {
      const out = new Float64Array(m);
      for (let nu = 0; nu < m; nu++) {
        if (!include(nu)) continue;
        for (const k of [2 * nu, 2 * nu + 1]) {
          const lam = values[k]!;
          // (x, y) and (−y, x) both belong to the branch: half the sum of their squares is |e|²
          for (let r = 0; r < m; r++) out[r]! += (0.5 * (vectors[r * M + k]! ** 2 + vectors[(m + r) * M + k]! ** 2)) / lam;
        }
      }
      return out;
    },
    eigenvector(nu) {
      const k = 2 * nu;
      const re = Float64Array.from({ length: m }, (_, r) => vectors[r * M + k]!);
      const im = Float64Array.from({ length: m }, (_, r) => vectors[(m + r) * M + k]!);
      const norm = Math.hypot(...re, ...im);
      return { re: re.map((x) => x / norm), im: im.map((x) => x / norm) };
    },
  };
}

/** ν in THz of an eigenvalue ω² in eV/(Å² u); negative for ω² < 0 (imaginary). */
export function frequencyTHz(omega2: number): number {
  const nu = Math.sqrt(Math.abs(omega2) * OMEGA2_PER_EV_PER_A2_U) / (2 * Math.PI) / 1e12;
  return omega2 < 0 ? -nu : nu;
}

/** The Γ-centred mesh q = (i/n₁, j/n₂, k/n₃), each component folded into (−½, ½]. */
export function meshPoints(mesh: Mesh): QPoint[] {
  checkMesh(mesh);
  const fold = (i: number, n: number): number => {
    const x = i / n;
    return x > 0.5 + 1e-12 ? x - 1 : x;
  };
  const out: QPoint[] = [];
  for (let i = 0; i < mesh[0]; i++) for (let j = 0; j < mesh[1]; j++) for (let k = 0; k < mesh[2]; k++) out.push([fold(i, mesh[0]), fold(j, mesh[1]), fold(k, mesh[2])]);
  return out;
}

export const isGamma = (q: QPoint): boolean => q.every((x) => Math.abs(x) < 1e-12);

/** The three acoustic branches at Γ: the three smallest |ω²|. */
export function acousticBranches(eigenvalues: ArrayLike<number>): Set<number> {
  const idx = Array.from({ length: eigenvalues.length }, (_, k) => k).sort((a, b) => Math.abs(eigenvalues[a]!) - Math.abs(eigenvalues[b]!));
  return new Set(idx.slice(0, 3));
}

export interface ImaginaryMode {
  q: QPoint;
  /** Branch index at that q, 0-based in ascending order of ω². */
  branch: number;
  frequencyTHz: number;
}

export interface PhononOptions extends ForceConstantOptions {
  /** A frequency below −tolerance (THz) is imaginary (default 0.05 THz ≈ 1.7 cm⁻¹). */
  imaginaryToleranceTHz?: number;
}

export interface PhononFrequencies {
  q: QPoint;
  THz: number[];
  inverseCm: number[];
}

export interface PhononReport {
  mesh: [number, number, number];
  /** Frequencies at Γ (THz and cm⁻¹, imaginary negative), ascending. */
  gamma: PhononFrequencies;
  /** Frequencies at every mesh point (Γ first). */
  points: PhononFrequencies[];
  /** The three acoustic frequencies at Γ, THz (zero but for the accuracy of the sum). */
  acousticAtGammaTHz: number[];
  /** No imaginary mode anywhere on the mesh (the Γ acoustic modes excluded). */
  stable: boolean;
  imaginary: ImaginaryMode[];
  /** Largest force on the cell, eV/Å: phonons of a cell that is not at a stationary point mean little. */
  maxForce: number;
}

/** Frequencies on the mesh of the force constants and the stability verdict. */
export function phononReport(fc: ForceConstants, options: PhononOptions = {}): PhononReport {
  const tol = options.imaginaryToleranceTHz ?? 0.05;
  const points: PhononFrequencies[] = [];
  const imaginary: ImaginaryMode[] = [];
  let acoustic: number[] = [];
  for (const q of meshPoints(fc.mesh)) {
    throwIfAborted(options.signal);
    const md = modes(dynamicalMatrix(fc, q));
    const skip = isGamma(q) ? acousticBranches(md.eigenvalues) : new Set<number>();
    if (isGamma(q)) acoustic = [...skip].sort((a, b) => a - b).map((k) => md.frequenciesTHz[k]!);
    md.frequenciesTHz.forEach((f, branch) => {
      if (!skip.has(branch) && f < -tol) imaginary.push({ q, branch, frequencyTHz: f });
    });
    const THz = [...md.frequenciesTHz];
    points.push({ q, THz, inverseCm: THz.map(thzToInverseCm) });
  }
  return { mesh: [...fc.mesh], gamma: points[0]!, points, acousticAtGammaTHz: acoustic, stable: imaginary.length === 0, imaginary, maxForce: fc.maxForce };
}

/** Frequencies on an n₁ × n₂ × n₃ mesh of `cell`: force constants from its supercell, then `phononReport`. */
export function phonons(model: EnergyModel, cell: Structure, mesh: Mesh, options: PhononOptions = {}): PhononReport {
  return phononReport(forceConstants(model, cell, mesh, options), options);
}

/**
 * Modes at any q given as a rational reduced vector: the force constants of the smallest supercell
 * commensurate with q (denominators up to `maxDenominator`, default 12), exact there.
 */
export function phononsAt(model: EnergyModel, cell: Structure, q: QPoint, options: ForceConstantOptions & { maxDenominator?: number } = {}): Modes {
  const max = options.maxDenominator ?? 12;
  const mesh = q.map((x) => {
    for (let n = 1; n <= max; n++) if (Math.abs(x * n - Math.round(x * n)) < 1e-9) return n;
    throw new DomainError('INVALID_DOCUMENT', `q component ${x} is not a fraction with denominator ≤ ${max}`, { path: '/q' });
  }) as [number, number, number];
  return modes(dynamicalMatrix(forceConstants(model, cell, mesh, options), q));
}
