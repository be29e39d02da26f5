/**
 * Elastic constants from the analytic second derivatives at a relaxed structure, as GULP's `prop`
 * does them (J. D. Gale and A. L. Rohl, Mol. Simul. 29, 291 (2003), doi:10.1080/0892702031000104887).
 *
 * ## The strain-energy expansion
 *
 * The energy model differentiates one function of 3N + 6 variables (see `potentials/model.ts`):
 * E(x, e) = E_cell(L Fᵀ, F x), F = I + ε(e), with x the atoms' Cartesian positions in the reference
 * cell and e the six engineering Voigt strains, e = (ε_xx, ε_yy, ε_zz, 2ε_yz, 2ε_xz, 2ε_xy)
 * (`math/voigt.ts`). A displacement u of x at fixed e is therefore an internal displacement on top
 * of the affine one that the strain carries. About the point (x₀, 0), to second order,
 *
 *   E(x₀ + u, e) = E₀ + gᵀu + V σᵀe + ½ uᵀ D_ii u + uᵀ D_ie e + ½ eᵀ D_ee e,
 *
 * with g = ∂E/∂x (zero at a relaxed structure), σ = (1/V) ∂E/∂e the stress (zero at a stress-free
 * minimum), D_ii = ∂²E/∂x∂x (3N × 3N), D_ie = ∂²E/∂x∂e (3N × 6), D_ee = ∂²E/∂e∂e (6 × 6), all
 * blocks of the model's `hessian`.
 *
 * Clamped-ion constants keep u = 0 (every atom follows the strain affinely):
 *
 *   C⁰ = (1/V) D_ee.
 *
 * Relaxed-ion constants let the ions find their new minimum at each strain: ∂E/∂u = 0 gives
 * D_ii u = −D_ie e, and putting that u back,
 *
 *   E(e) = E₀ + V σᵀe + ½ eᵀ (D_ee − D_ei D_ii⁻¹ D_ie) e,   C = (1/V)(D_ee − D_ei D_ii⁻¹ D_ie)
 *
 * (M. Born and K. Huang, Dynamical Theory of Crystal Lattices, Oxford 1954; the same
 * "internal-strain correction" in X. Wu, D. Vanderbilt and D. R. Hamann, Phys. Rev. B 72, 035105
 * (2005), doi:10.1103/PhysRevB.72.035105, where it is written Λ K⁻¹ Λᵀ with K⁻¹ the pseudo-inverse
 * of the force-constant matrix on the complement of the acoustic modes).
 *
 * V C is the Schur complement of D_ii in the full Hessian, and C⁰ − C = (1/V) D_ei D_ii⁻¹ D_ie is
 * positive semidefinite whenever D_ii is (relaxing the ions can only lower the energy of a
 * strained crystal): clamped ≥ relaxed.
 *
 * Because the engineering strains are the variables, C comes out in Voigt form directly: C_44 is
 * (1/V) ∂²E/∂e_yz², with no factors of 2 or 4 to put in (with tensor strains it would be 4×).
 *
 * ## D_ii is singular: the three translations
 *
 * A rigid translation of every atom changes nothing, so D_ii t = 0 for the three vectors t_k
 * (component k of every atom 1/√N). The internal-strain vector is orthogonal to them too:
 * t_kᵀ D_ie = ∂/∂e Σ_a ∂E/∂x_a,k = ∂(total force)/∂e = 0. The equation D_ii u = −D_ie e therefore
 * has solutions, defined up to a translation that does not change the energy, and the correction
 * is the same for all of them: it is D_ei D_ii⁺ D_ie with the pseudo-inverse on the complement of
 * the translations. We compute it without an SVD: with P = I − Σ t_k t_kᵀ, take K = P D_ii P (the
 * translations become exact null vectors, whatever round-off the model left) and solve
 *
 *   (K + λ Σ t_k t_kᵀ) X = P D_ie,     λ = mean diagonal of K,
 *
 * The shift only moves the three zero eigenvalues to λ; the right-hand side has no translation
 * component, so X has none either and D_eiX = D_ei K⁺ D_ie. The remaining 3N − 3 eigenvalues
 * (the internal force constants) are returned: a zero one means an internal mode with no
 * restoring force (the relaxed-ion constants do not exist; NUMERICAL_FAILURE), a negative one a
 * structure at a saddle point of P1 (kept at its symmetric stationary point by the constraints).
 *
 * ## Units and pressure
 *
 * eV/Å³ × 160.2176634 = GPa (`units/`). Compliance S = C⁻¹ (GPa⁻¹; engineering strains, so
 * S_44 = 1/C_44 for cubic).
 *
 * At a hydrostatic pressure p (a minimum of H = E + pV, where σ = −p) three definitions differ by
 * terms of order p; `ElasticDefinition` chooses (`withPressure`), each for relaxed and clamped C:
 *
 * - `energy` (default): C = (1/V) ∂²E/∂e∂e above, the energy density's curvature in the linear
 *   strains F = I + ε. Its hydrostatic combination is (C11 + 2 C12)/3 = B_T − 2p/3 for a cubic
 *   crystal (B_T = −V dp/dV), because ∂²V/∂e∂e ≠ 0.
 * - `stress-strain`: the Birch coefficients B_ijkl = C_ijkl + (p/2)(2δ_ij δ_kl − δ_ik δ_jl − δ_il δ_jk)
 *   (T. H. K. Barron and M. L. Klein, Proc. Phys. Soc. 85, 523 (1965), eq. 5.5, doi:10.1088/0370-1328/85/3/313;
 *   D. C. Wallace, Thermodynamics of Crystals, 1972): C12, C13, C23 + p; C44, C55, C66 − p/2.
 *   They give stress increments from strain increments, wave speeds, and the Reuss bound is the
 *   isothermal bulk modulus −V dp/dV (`test/gulp-examples.test.ts` checks it against finite
 *   differences of relaxed volumes).
 * - `gulp`: what GULP 6.1 prints (Src/property3.F90, "Elastic constants": the pV terms of the
 *   enthalpy's strain derivatives are removed and the same Barron-Klein correction is added) applied
 *   to GULP's own strain second derivatives, which carry an extra first-derivative term: GULP's
 *   ½∂²r²/∂e∂e (Src/m_strain.F90, real1strterm, the non-finite-strain branch) is 2x² for e_xx where
 *   the linear strain gives x², so its ∂²E/∂e∂e exceeds the one above by V X(σ) with
 *   X_kk = σ_kk (k = xx, yy, zz), X_44 = (σ_yy + σ_zz)/4, X_55 = (σ_xx + σ_zz)/4,
 *   X_66 = (σ_xx + σ_yy)/4. At a hydrostatic minimum (σ = −p): C11, C22, C33 − p; C12, C13, C23 + p;
 *   C44, C55, C66 − p; B_Voigt is B_T − p/3. It is the choice when GULP's numbers are the reference.
 *
 * ## Moduli and stability
 *
 * Voigt (uniform strain) and Reuss (uniform stress) bounds, R. Hill, Proc. Phys. Soc. A 65, 349
 * (1952), doi:10.1088/0370-1298/65/5/307:
 *   9 B_V = (C11 + C22 + C33) + 2 (C12 + C13 + C23)
 *  15 G_V = (C11 + C22 + C33) − (C12 + C13 + C23) + 3 (C44 + C55 + C66)
 *   1/B_R = (S11 + S22 + S33) + 2 (S12 + S13 + S23)
 *  15/G_R = 4 (S11 + S22 + S33) − 4 (S12 + S13 + S23) + 3 (S44 + S55 + S66)
 * and the Hill averages (V + R)/2. A crystal is mechanically (Born) stable iff the quadratic form
 * eᵀCe is positive definite, i.e. iff every eigenvalue of the 6 × 6 C is positive (F. Mouhat and
 * F.-X. Coudert, Phys. Rev. B 90, 224104 (2014), doi:10.1103/PhysRevB.90.224104).
 */
import { gaussSolveColumns, symmetricEigen } from '../math/dense.js';
import { DomainError } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel, EnergyResult } from '../potentials/model.js';
import { GPA_PER_EV_PER_A3, evPerA3ToGPa } from '../units/index.js';

/** A 6 × 6 matrix in Voigt order xx, yy, zz, yz, xz, xy (rows of plain numbers). */
export type Voigt6x6 = number[][];

export interface ElasticTensors {
  /** Relaxed-ion elastic constants, GPa. */
  relaxed: Voigt6x6;
  /** Clamped-ion elastic constants (1/V) D_ee, GPa. */
  clamped: Voigt6x6;
  /** Eigenvalues of D_ii without the three translations, ascending, eV/Å² (3N − 3 of them). */
  internalEigenvalues: number[];
}

export interface ElasticModuli {
  BVoigt: number;
  BReuss: number;
  BHill: number;
  GVoigt: number;
  GReuss: number;
  GHill: number;
}

export interface ElasticResult extends ElasticTensors {
  /** S = C⁻¹ of the relaxed-ion constants, GPa⁻¹. */
  compliance: Voigt6x6;
  /** Eigenvalues of the relaxed-ion C, ascending, GPa. */
  eigenvalues: number[];
  /** Born stability: every eigenvalue of C positive. */
  stable: boolean;
  /** Every internal force constant positive: the structure is a minimum in P1 as well. */
  internalStable: boolean;
  moduli: ElasticModuli;
  /** How far the structure was from a minimum: largest force (eV/Å) and stress (eV/Å³) component. */
  residual: { maxForce: number; maxStress: number };
}

/** Which elastic constants are reported at a non-zero pressure (see the module comment). */
export type ElasticDefinition = 'energy' | 'stress-strain' | 'gulp';

/**
 * C (GPa, from the energy second derivatives) in the definition asked for, at the hydrostatic
 * pressure `pressureGPa` of a minimum of E + pV. Identity at p = 0 or for `energy`.
 */
export function withPressure(c: Voigt6x6, pressureGPa: number, definition: ElasticDefinition): Voigt6x6 {
  const out = c.map((row) => [...row]);
  const p = pressureGPa;
  if (p === 0 || definition === 'energy') return out;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) if (i !== j) out[i]![j]! += p;
    if (definition === 'gulp') out[i]![i]! -= p;
    out[i + 3]![i + 3]! -= definition === 'gulp' ? p : p / 2;
  }
  return out;
}

/** Relative size (to the largest) below which an eigenvalue counts as zero. */
const SINGULAR_REL = 1e-10;

/**
 * Clamped- and relaxed-ion elastic constants (GPa) from a (3N+6)² Hessian of the energy-model
 * contract, for a cell of `numAtoms` atoms and volume `volume` (Å³). Throws NUMERICAL_FAILURE
 * when an internal mode other than a translation has no restoring force.
 */
export function elasticFromHessian(hessian: ArrayLike<number>, numAtoms: number, volume: number): ElasticTensors {
  const n = 3 * numAtoms;
  const dim = n + 6;
  if (hessian.length !== dim * dim) throw new RangeError(`hessian has ${hessian.length} entries; expected (3N+6)² = ${dim * dim}`);
  const h = (i: number, j: number): number => 0.5 * (hessian[i * dim + j]! + hessian[j * dim + i]!);

  // D_ee
  const dee: number[][] = [];
  for (let k = 0; k < 6; k++) {
    dee.push([]);
    for (let l = 0; l < 6; l++) dee[k]!.push(h(n + k, n + l));
  }

  // Translation projector P = I − T, T = Σ t tᵀ with t_k[3a + k] = 1/√N: T_ij = δ_{(i mod 3)(j mod 3)}/N.
  const tt = (i: number, j: number): number => (i % 3 === j % 3 ? 1 / numAtoms : 0);
  // K = P D_ii P = D − T D − D T + T D T, in closed form: (T D)_ij is the mean over atoms a of
  // D_{3a + (i mod 3), j}, (D T)_ij its transpose for symmetric D, (T D T)_ij the mean over a, b of
  // D_{3a + (i mod 3), 3b + (j mod 3)}
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[i * n + j] = h(i, j);
  const rowMean = new Float64Array(3 * n); // [c][j]: mean over a of D[3a + c][j]
  for (let a = 0; a < numAtoms; a++) for (let c = 0; c < 3; c++) for (let j = 0; j < n; j++) rowMean[c * n + j]! += D[(3 * a + c) * n + j]! / numAtoms;
  const blockMean = new Float64Array(9); // [c][d]: mean over b of rowMean[c][3b + d]
  for (let c = 0; c < 3; c++) for (let b = 0; b < numAtoms; b++) for (let d = 0; d < 3; d++) blockMean[3 * c + d]! += rowMean[c * n + 3 * b + d]! / numAtoms;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) K[i * n + j] = D[i * n + j]! - rowMean[(i % 3) * n + j]! - rowMean[(j % 3) * n + i]! + blockMean[3 * (i % 3) + (j % 3)]!;
  let lambda = 0;
  for (let i = 0; i < n; i++) lambda += K[i * n + i]!;
  lambda = n > 0 ? Math.abs(lambda) / n : 1;
  if (!(lambda > 0)) lambda = 1;
  const Ks = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Ks[i * n + j] = 0.5 * (K[i * n + j]! + K[j * n + i]!) + lambda * tt(i, j);

  // a Hessian with non-finite entries (parameters far out of range) has no eigen-decomposition
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(Ks[i]!)) throw new DomainError('NUMERICAL_FAILURE', 'the second-derivative matrix has non-finite entries: the elastic constants are undefined');
  }
  // internal force constants: eigenvalues of the shifted K with the three translations removed
  const internalEigenvalues = internalModes(Ks, n, numAtoms);
  const scale = Math.max(lambda, ...internalEigenvalues.map(Math.abs));
  const soft = internalEigenvalues.find((v) => Math.abs(v) <= SINGULAR_REL * scale);
  if (soft !== undefined && numAtoms > 1) {
    throw new DomainError('NUMERICAL_FAILURE', `an internal mode has no restoring force (force constant ${soft.toExponential(3)} eV/Å²): the relaxed-ion elastic constants are undefined`);
  }

  // P Λ, Λ_ik = D_{i, e_k}: minus the mean over atoms of each Cartesian component
  const PLam = new Float64Array(6 * n);
  for (let k = 0; k < 6; k++) {
    const mean = [0, 0, 0];
    for (let i = 0; i < n; i++) mean[i % 3]! += h(i, n + k) / numAtoms;
    for (let i = 0; i < n; i++) PLam[i * 6 + k] = h(i, n + k) - mean[i % 3]!;
  }
  const clamped = dee.map((row) => row.map((x) => (x / volume) * GPA_PER_EV_PER_A3));
  let relaxed = clamped.map((row) => [...row]);
  if (n > 0) {
    // X = Ks⁻¹ P Λ; an exactly zero pivot is a singular matrix
    const X = gaussSolveColumns(Ks, PLam, n, 6, Number.MIN_VALUE);
    if (!X) throw new DomainError('NUMERICAL_FAILURE', 'the internal force-constant matrix is singular');
    // the relaxed-ion correction (P Λ)ᵀ X, symmetrised
    const corr = (k: number, l: number): number => {
      let x = 0;
      for (let i = 0; i < n; i++) x += PLam[i * 6 + k]! * X[i * 6 + l]!;
      return x;
    };
    relaxed = dee.map((row, k) => row.map((x, l) => ((x - 0.5 * (corr(k, l) + corr(l, k))) / volume) * GPA_PER_EV_PER_A3));
  }
  return { relaxed, clamped, internalEigenvalues };
}

/** Eigenvalues of the shifted force-constant matrix (n × n, row-major), without the three with translation character. */
function internalModes(Ks: Float64Array, n: number, numAtoms: number): number[] {
  if (n === 0) return [];
  let evd: { values: Float64Array; vectors: Float64Array };
  try {
    evd = symmetricEigen(Ks, n);
  } catch (e) {
    // the QL iteration of ml-matrix fails (reads out of range) on badly scaled matrices
    throw new DomainError('NUMERICAL_FAILURE', `the eigen-decomposition of the internal force constants failed: ${(e as Error).message}`);
  }
  const { values, vectors } = evd;
  // overlap of each eigenvector (column k) with the translation subspace
  const overlap = Array.from(values, (_, k) => {
    let s = 0;
    for (let c = 0; c < 3; c++) {
      let d = 0;
      for (let a = 0; a < numAtoms; a++) d += vectors[(3 * a + c) * n + k]!;
      s += (d * d) / numAtoms;
    }
    return s;
  });
  const translations = new Set(overlap.map((o, k) => [o, k] as const).sort((p, q) => q[0] - p[0]).slice(0, 3).map(([, k]) => k));
  return Array.from(values).filter((_, k) => !translations.has(k)).sort((p, q) => p - q);
}

/** Eigenvalues of a symmetric 6 × 6 matrix, ascending. */
export function symmetricEigenvalues(c: Voigt6x6): number[] {
  return Array.from(symmetricEigen(c.flat(), 6).values);
}

/** S = C⁻¹. Throws NUMERICAL_FAILURE when C is singular (an eigenvalue ~0 relative to the largest). */
export function compliance(c: Voigt6x6, eigenvalues: number[] = symmetricEigenvalues(c)): Voigt6x6 {
  const big = Math.max(...eigenvalues.map(Math.abs));
  const small = Math.min(...eigenvalues.map(Math.abs));
  if (!(big > 0) || !(small > SINGULAR_REL * 1e2 * big)) {
    throw new DomainError('NUMERICAL_FAILURE', `the elastic-constant matrix is singular (eigenvalues ${eigenvalues.map((v) => v.toPrecision(4)).join(', ')} GPa)`);
  }
  const identity = new Float64Array(36);
  for (let i = 0; i < 6; i++) identity[7 * i] = 1;
  const s = gaussSolveColumns(c.flat(), identity, 6, 6, Number.MIN_VALUE);
  if (!s) throw new DomainError('NUMERICAL_FAILURE', 'the elastic-constant matrix is singular');
  return [0, 1, 2, 3, 4, 5].map((i) => [0, 1, 2, 3, 4, 5].map((j) => 0.5 * (s[6 * i + j]! + s[6 * j + i]!)));
}

/** Voigt, Reuss and Hill bulk and shear moduli (GPa) from C (GPa) and S = C⁻¹ (GPa⁻¹). */
export function moduli(c: Voigt6x6, s: Voigt6x6): ElasticModuli {
  const C = (i: number, j: number): number => c[i - 1]![j - 1]!;
  const S = (i: number, j: number): number => s[i - 1]![j - 1]!;
  const BVoigt = (C(1, 1) + C(2, 2) + C(3, 3) + 2 * (C(1, 2) + C(1, 3) + C(2, 3))) / 9;
  const GVoigt = (C(1, 1) + C(2, 2) + C(3, 3) - (C(1, 2) + C(1, 3) + C(2, 3)) + 3 * (C(4, 4) + C(5, 5) + C(6, 6))) / 15;
  const BReuss = 1 / (S(1, 1) + S(2, 2) + S(3, 3) + 2 * (S(1, 2) + S(1, 3) + S(2, 3)));
  const GReuss = 15 / (4 * (S(1, 1) + S(2, 2) + S(3, 3)) - 4 * (S(1, 2) + S(1, 3) + S(2, 3)) + 3 * (S(4, 4) + S(5, 5) + S(6, 6)));
  return { BVoigt, BReuss, BHill: 0.5 * (BVoigt + BReuss), GVoigt, GReuss, GHill: 0.5 * (GVoigt + GReuss) };
}

/**
 * Everything elastic at `structure`, which should be a relaxed (stress-free, force-free) structure
 * in the frame the constants are wanted in (a along x, b in the xy-plane: see `crystal.ts`),
 * relaxed at `atPressure.pressureGPa`, reported in `atPressure.definition`.
 * One evaluation of the full Hessian.
 */
export function elasticConstants(model: EnergyModel, structure: Structure, atPressure: { pressure: number; definition: ElasticDefinition } = { pressure: 0, definition: 'energy' }, computed?: EnergyResult): ElasticResult {
  // `computed`: the caller's model.compute(structure, 2), when it has it already (read, not changed)
  const r = computed ?? model.compute(structure, 2);
  if (!r.hessian || !r.gradient || !r.strain) throw new DomainError('NUMERICAL_FAILURE', `model ${model.name} returned no second derivatives`);
  for (let i = 0; i < r.hessian.length; i++) {
    if (!Number.isFinite(r.hessian[i]!)) throw new DomainError('NUMERICAL_FAILURE', 'the Hessian has non-finite entries');
  }
  const volume = structure.lattice.volume;
  const raw = elasticFromHessian(r.hessian, structure.numAtoms, volume);
  // C is in GPa (the vocabulary's unit), so the pressure terms are too
  const p = evPerA3ToGPa(atPressure.pressure);
  const { definition } = atPressure;
  const tensors = { ...raw, relaxed: withPressure(raw.relaxed, p, definition), clamped: withPressure(raw.clamped, p, definition) };
  const eigenvalues = symmetricEigenvalues(tensors.relaxed);
  const s = compliance(tensors.relaxed, eigenvalues);
  let maxForce = 0;
  for (let i = 0; i < r.gradient.length; i++) maxForce = Math.max(maxForce, Math.abs(r.gradient[i]!));
  let maxStress = 0;
  for (let k = 0; k < 6; k++) maxStress = Math.max(maxStress, Math.abs(r.strain[k]!) / volume);
  return {
    ...tensors,
    compliance: s,
    eigenvalues,
    stable: eigenvalues.every((v) => v > 0),
    internalStable: tensors.internalEigenvalues.every((v) => v > 0),
    moduli: moduli(tensors.relaxed, s),
    residual: { maxForce, maxStress },
  };
}
