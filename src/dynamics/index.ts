/**
 * Harmonic lattice dynamics: force constants from the analytic supercell Hessian, phonon
 * frequencies and dynamical stability, classical harmonic rms displacements ξ(T).
 * Imports only the domain layers below it (units, math, crystal, potentials, relaxation).
 */
export * from './force-constants.js';
export * from './phonons.js';
export * from './displacements.js';
