/**
 * Named tolerances, in one place. Each says what it bounds and why it is that size.
 */
export const TOL = {
  /** Relative agreement of an analytic derivative with a central difference (step ~1e-5, error ~h²). */
  finiteDifferenceRel: 1e-6,
  /** Absolute floor for derivative comparisons (eV/Å, eV, eV/Å²): below it values are numerical zero. */
  finiteDifferenceAbs: 1e-6,
  /** Madelung constants: the issue asks for 1e-9 relative. */
  madelungRel: 1e-9,
  /** Reference energies from the independent engine: 1e-6 eV per cell. */
  referenceEnergyEv: 1e-6,
  /** Reference pressure tensors: 1e-5 GPa. */
  referencePressureGPa: 1e-5,
  /** Reference forces: 1e-6 eV/Å (forces follow from the same converged sums). */
  referenceForceEvA: 1e-6,
  /** Sum of forces in a periodic cell (exactly zero analytically; round-off only). */
  forceSum: 1e-9,
  /** Energy invariance under translation or a change of cell, eV per atom. */
  invarianceEvPerAtom: 1e-8,
  /** erfc/erfcx against 30-digit values: measured 2e-15 relative (a few ulp from table and Clenshaw). */
  erfcRel: 4e-15,
  /**
   * Ewald sums at three α with the accuracy set to this (eV per atom): energies and gradients must
   * agree to it (times N), strain derivatives to `ewaldAlphaDerivativeFactor` times that and the
   * Hessian to ewaldAlphaHessian. The derivatives carry the same Gaussian tails as the energy times
   * (αr)² or (G/2α)², about 25 at the cut-offs, so they converge a decade or two behind it
   * (measured: strain 5e-10, Hessian 8e-8 eV/Å² on 4- and 8-atom cells).
   */
  ewaldAlphaAccuracy: 1e-10,
  ewaldAlphaDerivativeFactor: 10,
  ewaldAlphaHessian: 1e-6,
  /** Space-group algebra in floating point (translations k/12, Cartesian rotations): round-off only. */
  symmetryExact: 1e-12,
  /**
   * Analytic vs finite-difference Jacobian of relaxed observables, relative to the observable per unit
   * relative change of the parameter: relaxations converge forces to 1e-5 eV/Å, which leaves ~1e-8
   * relative noise in the observables; divided by the 1e-4 relative step this is ~1e-4.
   */
  jacobianRel: 1e-3,
  /** Relaxation converged (the RelaxOptions defaults): largest force component, eV/Å. */
  relaxForceEvA: 1e-5,
  /** Relaxation converged: largest component of σ + p, GPa. */
  relaxStressGPa: 1e-4,
  /**
   * One minimum reached from different starts or in P1 from a rattle (Å for a, c; fractional for u):
   * Newton ends with forces ≲ 1e-8 eV/Å and stresses ≲ 1e-6 GPa, so the geometry is good to ~1e-8;
   * 1e-6 is what the issue asks.
   */
  relaxGeometry: 1e-6,
  /**
   * Newton vs BFGS geometries, both at the default tolerances: BFGS stops as soon as forces are below
   * 1e-5 eV/Å and stresses below 1e-4 GPa, which leaves ~1e-4 / 50 GPa ≈ 2e-6 strain (1e-5 Å in a).
   */
  relaxMethodGeometry: 5e-5,
  /** A symmetric relaxation keeps symmetry-equivalent atoms equivalent to round-off, Å. */
  relaxSymmetryAngstrom: 1e-9,
  /** Energy of one minimum reached two ways (P1 from a rattle vs symmetric), eV per cell. */
  relaxEnergyEv: 1e-8,
} as const;

/** |a − b| ≤ abs + rel·max(|a|, |b|) */
export function close(a: number, b: number, rel: number = TOL.finiteDifferenceRel, abs: number = TOL.finiteDifferenceAbs): boolean {
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}
