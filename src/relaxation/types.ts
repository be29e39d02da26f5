/**
 * Types of the constant-pressure relaxation (shared by the optimiser, properties and the fit).
 */
import type { Structure } from '../crystal/structure.js';
import type { Mat3, Vec3 } from '../math/linalg.js';

/** A symmetry operation in Cartesian form: r' = R r + t (Å). */
export interface CartesianOperation {
  R: Mat3;
  t: Vec3;
}

export interface RelaxOptions {
  /** External pressure, eV/Å³ (default 0). Enthalpy H = E + pV is minimised. */
  pressure?: number;
  /**
   * Symmetry to keep: the Cartesian operations of the space group in the frame of `structure`
   * (translations of centring included or not; the cell may be primitive). Omitted or empty: P1,
   * every coordinate and strain free.
   */
  operations?: readonly CartesianOperation[];
  /** Keep the cell fixed (constant volume and shape); relax ions only. Default false. */
  fixCell?: boolean;
  /** Keep the volume fixed but not the shape. Default false. */
  fixVolume?: boolean;
  /** Convergence: largest force component, eV/Å (default 1e-5). */
  forceTolerance?: number;
  /** Convergence: largest residual stress component (minus pressure), eV/Å³ (default 1e-4 GPa). */
  stressTolerance?: number;
  /** Iteration limit (default 200). */
  maxIterations?: number;
  /** 'newton' (analytic Hessian, default) or 'bfgs' (gradient only). */
  method?: 'newton' | 'bfgs';
  /** Report a volume change larger than this fraction as a change of character (default 0.25). */
  volumeChangeWarning?: number;
  /** Stop (not converged) when the volume leaves [V₀/r, r V₀] of the input (default r = 4). */
  maxVolumeRatio?: number;
  /** Largest distance (Å) between an atom's image under an operation and its partner (default 1e-3). */
  symmetryTolerance?: number;
  /** Largest Cartesian displacement component of one step, Å (default 0.3). */
  maxStep?: number;
  /** Largest Voigt strain component of one step (default 0.1). */
  maxStrainStep?: number;
  /**
   * Look for negative curvature of the enthalpy at the result (full P1 Hessian), warning
   * 'unstable'. Default: true for 'newton' (the Hessian is at hand), false for 'bfgs'.
   */
  checkStability?: boolean;
  /** Name of the structure, used in error details and warnings. */
  structureId?: string;
  /** Called after every evaluation of an accepted point (iteration 0 is the start). */
  onStep?: (step: RelaxStep) => void;
  signal?: AbortSignal;
}

/** Progress of one relaxation iteration, for `onStep`. */
export interface RelaxStep {
  iteration: number;
  energy: number;
  enthalpy: number;
  maxForce: number;
  maxStress: number;
  gradientNorm: number;
  /** How the step that reached this point was chosen ('start' for iteration 0). */
  direction: 'start' | 'newton' | 'bfgs' | 'steepest';
  /** Fraction of the full (capped) step taken by the line search. */
  stepLength: number;
}

export type RelaxWarningKind =
  | 'not-converged'
  /** stopped at a kink of the energy: a neighbour shell crossing a plain pair cut-off */
  | 'cutoff-discontinuity'
  | 'volume-change'
  | 'special-position'
  | 'coordination-change'
  | 'unstable';

export interface RelaxWarning {
  kind: RelaxWarningKind;
  message: string;
}

export interface RelaxResult {
  /** The relaxed structure (or the best point reached when not converged). */
  structure: Structure;
  converged: boolean;
  iterations: number;
  /** Energy of the cell, eV. */
  energy: number;
  /** Enthalpy E + pV of the cell, eV. */
  enthalpy: number;
  /** Norm of the symmetry-projected gradient at the end (eV/Å and eV mixed, as optimised). */
  gradientNorm: number;
  /** Largest force component, eV/Å. */
  maxForce: number;
  /** Largest component of stress + pressure, eV/Å³ (0 at a converged constant-pressure minimum). */
  maxStress: number;
  /**
   * Deformation from the input cell to the relaxed one (columns transform a' = F a; lattice rows
   * L' = L Fᵀ). Symmetric: the rigid rotation that products of symmetric strain steps accumulate is
   * removed from the result, which stays in the input's Cartesian frame.
   */
  deformation: Mat3;
  warnings: RelaxWarning[];
  /** Number of energy-model evaluations (line-search trials included). */
  evaluations: number;
  /** Number of free coordinates kept by the symmetry (positions and strains). */
  degreesOfFreedom: number;
}
