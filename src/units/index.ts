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

/** Boltzmann constant, eV/K (exact since the 2019 SI: 1.380649e-23 J/K / 1.602176634e-19 J/eV). */
export const BOLTZMANN_EV_PER_K = 8.617333262e-5;

/** Atomic mass constant (dalton, u), kg (CODATA 2018: 1.66053906660(50)e-27 kg). */
export const ATOMIC_MASS_KG = 1.6605390666e-27;

/**
 * Angular frequency squared of 1 eV/(Å² u), s⁻²: 1.602176634e-19 J / (1e-20 m² × 1.66053906660e-27 kg).
 * Eigenvalues of a mass-weighted force-constant matrix (eV/Å² over u) times this are ω² in rad²/s².
 */
export const OMEGA2_PER_EV_PER_A2_U = 1.602176634e-19 / (1e-20 * ATOMIC_MASS_KG);

/** Speed of light, cm/s (exact). */
export const SPEED_OF_LIGHT_CM_PER_S = 2.99792458e10;

/** Wavenumber in cm⁻¹ of a frequency in THz: ν̃ = ν / c = 1e12 / 2.99792458e10 ≈ 33.356 cm⁻¹ per THz. */
export const thzToInverseCm = (thz: number): number => (thz * 1e12) / SPEED_OF_LIGHT_CM_PER_S;

/** Pressure in bar of a pressure in GPa (1 GPa = 1e4 bar; LAMMPS metal units use bar). */
export const gpaToBar = (x: number): number => x * 1e4;
/** Pressure in GPa of a pressure in bar. */
export const barToGPa = (x: number): number => x * 1e-4;
