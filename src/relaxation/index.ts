/**
 * Constant-pressure relaxation over ions and strain, keeping the space group.
 */
export * from './types.js';
export { relax, relaxInP1, relaxFrom, cachedSymmetryBasis, resolveRelaxOptions, RELAX_DEFAULTS, type ResolvedRelaxOptions } from './relax.js';
export { addPressureHessian, basisColumns, geometryResponse, reducedHessian } from './response.js';
export {
  symmetryAdaptedBasis,
  symmetryGroup,
  mapAtoms,
  findSymmetryOperations,
  deformOperations,
  deformationBetween,
  describeRotation,
  type SymmetryBasis,
  type SymmetryBasisOptions,
  type SymmetryElement,
} from './symmetry.js';
export { coordination, coordinationChanges, raisedSymmetry, type Coordination } from './analysis.js';
export { relaxLbfgs, resolveLbfgsOptions, LBFGS_DEFAULTS, type LbfgsOptions, type LbfgsResult, type ResolvedLbfgsOptions } from './lbfgs.js';
