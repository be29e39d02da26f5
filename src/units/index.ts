/**
 * Physical constants and unit conversions.
 *
 * Inside latticefit every quantity is in eV, angstrom (Å) and elementary charge (e).
 * Other units appear only at the edges (reports, job documents, HTTP) and a value in any
 * other unit carries it in its name (`pressureGPa`, `bulkModulusGPa`).
 *
 * Sources (dated): CODATA 2018 recommended values (NIST, published May 2019). Since the 2019 SI
 * redefinition the elementary charge is exact: e = 1.602176634e-19 C.
 */

/** Coulomb constant e²/(4π ε0) in eV·Å (CODATA 2018). GULP uses 14.3997584 (about 8 ppm larger). */
export const COULOMB_EV_ANGSTROM = 14.3996454784;

/** 1 eV/Å³ in GPa: 1.602176634e-19 J / 1e-30 m³ = 1.602176634e11 Pa (exact). */
export const GPA_PER_EV_PER_A3 = 160.2176634;

/** Convert a stress or modulus from eV/Å³ to GPa. */
export const evPerA3ToGPa = (x: number): number => x * GPA_PER_EV_PER_A3;

/** Convert a pressure or modulus from GPa to eV/Å³. */
export const gpaToEvPerA3 = (x: number): number => x / GPA_PER_EV_PER_A3;

/** 1 J/m² in eV/Å²: 1 J / 1e20 Å² / 1.602176634e-19 J/eV. */
export const EV_PER_A2_PER_J_PER_M2 = 1 / (1.602176634e-19 * 1e20);

export const DEG = Math.PI / 180;
