/**
 * Voigt notation and the strain convention.
 *
 * Voigt order: xx, yy, zz, yz, xz, xy (indices 0..5).
 *
 * Strain: a cell is deformed by the symmetric deformation F = I + ε with ε the small-strain tensor.
 * The six strain variables e are engineering Voigt strains:
 *   e = (ε_xx, ε_yy, ε_zz, 2ε_yz, 2ε_xz, 2ε_xy).
 * Positions are carried affinely: r' = F r; lattice rows L' = L Fᵀ.
 *
 * Stress: σ_k = (1/V) ∂E/∂e_k (positive = tensile). The pressure tensor is P = -σ (positive =
 * compressive, as LAMMPS and the reference data report it). Elastic constants are
 * C_kl = (1/V) ∂²E/∂e_k∂e_l at a stress-free minimum.
 */
import type { Mat3 } from './linalg.js';

/** Cartesian index pairs of the six Voigt components. */
export const VOIGT_PAIRS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 1],
  [2, 2],
  [1, 2],
  [0, 2],
  [0, 1],
];

/** Voigt index of the Cartesian pair (i, j). */
export const voigtIndex = (i: number, j: number): number =>
  i === j ? i : 6 - i - j; // (1,2)->3, (0,2)->4, (0,1)->5

/** Symmetric strain tensor ε from engineering Voigt strains e. */
export function strainTensor(e: ArrayLike<number>): Mat3 {
  return [
    [e[0]!, e[5]! / 2, e[4]! / 2],
    [e[5]! / 2, e[1]!, e[3]! / 2],
    [e[4]! / 2, e[3]! / 2, e[2]!],
  ];
}

/** Deformation F = I + ε(e). */
export function deformation(e: ArrayLike<number>): Mat3 {
  const m = strainTensor(e);
  m[0][0] += 1;
  m[1][1] += 1;
  m[2][2] += 1;
  return m;
}

/**
 * dF/de_k: the constant symmetric matrix D_k with F = I + Σ_k e_k D_k.
 * D_0..2 have a single 1 on the diagonal; D_3..5 have 1/2 in the two off-diagonal places.
 */
export const STRAIN_BASIS: readonly Mat3[] = [0, 1, 2, 3, 4, 5].map((k) => {
  const e = [0, 0, 0, 0, 0, 0];
  e[k] = 1;
  return strainTensor(e);
});
