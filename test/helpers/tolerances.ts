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
} as const;

/** |a − b| ≤ abs + rel·max(|a|, |b|) */
export function close(a: number, b: number, rel: number = TOL.finiteDifferenceRel, abs: number = TOL.finiteDifferenceAbs): boolean {
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}
