/**
 * Surface energies of crystal faces: slabs from the relaxed bulk, terminations and their Tasker
 * type, the slab Coulomb sum (3-D Ewald + dipole correction; 2-D Ewald as the check), relaxation
 * and thickness convergence. See docs/surface.md.
 */
export { parseFace, formatFace, type Face, type Miller } from './face.js';
export { orientedUnit, primitiveCell, pureTranslations, type OrientedUnit } from './orient.js';
export { terminations, layersOf, type Termination, type TaskerType, type Layer, type TerminationOptions } from './terminations.js';
export { buildSlab, type Slab } from './slab.js';
export { DipoleCorrection } from './dipole.js';
export { ewald2dEnergy } from './ewald2d.js';
export { surfaceEnergy, slabEnergyModel, slabSurfaceEnergy, type SurfaceOptions, type SurfaceEnergyResult, type ThicknessStep, type TerminationEnergy } from './energy.js';
export { surfaceEnergyObservable, type SurfaceObservable } from './observable.js';
export { surfaceEnergyDerivatives, type RelaxedSurface, type BulkResponse } from './derivatives.js';
