/**
 * Constant-pressure relaxation over ion positions and the six strains, keeping the space group
 * (GULP's `opti conp`).
 *
 * ## The function minimised
 *
 * H(x, e) = E(x, e) + p V(e), with E(x, e) = E_cell(L Fᵀ, F x), F = I + ε(e) (the energy-model
 * contract, `potentials/model.ts`) and V(e) = V₀ det F. Expanding det(I + ε) to second order,
 *   det(I + ε) = 1 + tr ε + Σ_{a<b} (ε_aa ε_bb − ε_ab²) + O(ε³),
 * so with engineering strains (ε_ab = e/2 off the diagonal)
 *   ∂V/∂e_k = V₀ (k < 3), 0 (shears);
 *   ∂²V/∂e_k∂e_l = V₀ for k ≠ l < 3, −V₀/2 for k = l ≥ 3, 0 otherwise.
 * The enthalpy gradient is G = [∂E/∂x, ∂E/∂e + p V₀ (1,1,1,0,0,0)] and its Hessian the model's
 * (3N + 6)² matrix plus p ∂²V/∂e∂e in the strain block. At G = 0 the forces vanish and
 * σ = (1/V) ∂E/∂e = −p on the diagonal, 0 off it: the stress balances the external pressure.
 *
 * ## Symmetry
 *
 * Steps are confined to the range of the symmetry-adapted basis T (`symmetry.ts`): d = T z with
 * z ∈ ℝᵐ. The reduced gradient is Tᵀ G, the reduced Hessian Tᵀ H T. Because the energy is
 * invariant under the group, its gradient at a symmetric point is a fixed covector, so Tᵀ G = 0
 * implies G = 0: the full forces and stress are zero at a converged symmetric minimum, which is
 * what the convergence test checks.
 *
 * ## One iteration (re-based)
 *
 * 1. Evaluate the model at the current structure (L, x): energy, gradient, strain derivatives and
 *    (Newton) the Hessian, all at e = 0.
 * 2. Direction. Newton: z = −(TᵀHT)⁻¹ TᵀG when TᵀHT is positive definite (smallest eigenvalue
 *    > 1e-8 of the largest in magnitude). Otherwise a quasi-Newton matrix B is used: it starts as
 *    the reduced Hessian with its eigenvalues replaced by max(|λ|, 1e-3 max|λ|) (a descent
 *    direction that moves away from a saddle) and is updated by damped BFGS while the Hessian
 *    stays indefinite. `method: 'bfgs'` uses B throughout, starting from a diagonal guess
 *    (5 eV/Å² per position column, V · 0.3 eV/Å³ (≈ 50 GPa) per strain column).
 * 3. Cap: scale the step so no Cartesian component exceeds `maxStep` and no strain component
 *    `maxStrainStep`.
 * 4. Line search on the enthalpy: accept α when H(α) ≤ H + 10⁻⁴ α TᵀG·z (Armijo), or, within the
 *    energy noise of the model (10⁻⁸ eV per atom), when H did not rise beyond the noise and the
 *    convergence measure fell; otherwise backtrack by quadratic interpolation, α ∈ [0.1, 0.5]·α.
 *    If the Newton direction fails it falls back to the modified-Hessian/BFGS direction, then to
 *    steepest descent; if all fail the relaxation stops (not converged).
 * 5. Re-base: with (Δx, Δe) = α T z the new structure has lattice L F(Δe)ᵀ and positions
 *    F(Δe) (x + Δx) — first displace in the current frame, then strain (exactly the variables of
 *    E(x, e)). For `fixVolume` the cell is then rescaled isotropically to the starting volume
 *    (the trace direction is out of the basis, so this only removes the second-order drift).
 *    The next evaluation is at e = 0 of the new cell, so no strain ever accumulates in a
 *    parametrisation; the total deformation is recovered from the cells at the end.
 * 6. BFGS pair: s = α z and y = Tᵀ(G' in the previous frame) − TᵀG, where the previous-frame
 *    gradient at the new point is Fᵀ ∂E/∂r' for positions and, for strains, Σ_l S'_l c_kl with
 *    c_k the engineering strain of sym(D_k F⁻¹) (F(e + δ e_k) = (I + δ D_k F⁻¹) F, the
 *    antisymmetric part being a rotation). Powell damping keeps B positive definite.
 *
 * Converged when the largest force component ≤ `forceTolerance` and the largest component of
 * σ + p ≤ `stressTolerance` (eV/Å³; its deviatoric part for `fixVolume`; not tested for `fixCell`).
 * Newton converges quadratically near the minimum (typically 3-8 iterations from experimental
 * cells).
 */
import { DomainError, throwIfAborted } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel, DerivativeOrder } from '../potentials/model.js';
import { type Mat3, inv3, maxAbs, mul3, transpose3 } from '../math/linalg.js';
import { STRAIN_BASIS, VOIGT_PAIRS, deformation } from '../math/voigt.js';
import { GPA_PER_EV_PER_A3, evPerA3ToGPa } from '../units/index.js';
import type { CartesianOperation, RelaxOptions, RelaxResult, RelaxStep, RelaxWarning } from './types.js';
import { type SymmetryBasis, deformationBetween, deformOperations, mapAtoms, symmetryAdaptedBasis } from './symmetry.js';
import { coordinationChanges, raisedSymmetry } from './analysis.js';
import { choleskySolve, dotN, matVecN, symmetricEigen } from '../math/dense.js';
import { addPressureHessian, reducedHessian } from './response.js';

/** `RelaxOptions` with every default filled in. */
export interface ResolvedRelaxOptions {
  /** eV/Å³ */
  pressure: number;
  operations: readonly CartesianOperation[];
  fixCell: boolean;
  fixVolume: boolean;
  forceTolerance: number;
  /** eV/Å³ */
  stressTolerance: number;
  maxIterations: number;
  method: 'newton' | 'bfgs';
  volumeChangeWarning: number;
  maxVolumeRatio: number;
  symmetryTolerance: number;
  maxStep: number;
  maxStrainStep: number;
  checkStability: boolean;
  structureId: string | undefined;
  onStep: ((step: RelaxStep) => void) | undefined;
  signal: AbortSignal | undefined;
}

const NO_OPERATIONS: readonly CartesianOperation[] = Object.freeze([]);

export const RELAX_DEFAULTS = {
  pressure: 0,
  forceTolerance: 1e-5,
  /** 1e-4 GPa, in eV/Å³ */
  stressTolerance: 1e-4 / GPA_PER_EV_PER_A3,
  maxIterations: 200,
  method: 'newton',
  volumeChangeWarning: 0.25,
  maxVolumeRatio: 4,
  symmetryTolerance: 1e-3,
  maxStep: 0.3,
  maxStrainStep: 0.1,
} as const;

/** Resolve options once (mljs style); throws INVALID_DOCUMENT for out-of-range values. */
export function resolveRelaxOptions(options: RelaxOptions = {}): ResolvedRelaxOptions {
  const num = (key: keyof RelaxOptions, value: number | undefined, fallback: number, positive: boolean): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || (positive && !(v > 0))) {
      throw new DomainError('INVALID_DOCUMENT', `relaxation option ${key} must be a ${positive ? 'positive' : 'finite'} number (got ${v})`, { path: `/relax/${key}` });
    }
    return v;
  };
  const method = options.method ?? RELAX_DEFAULTS.method;
  if (method !== 'newton' && method !== 'bfgs') {
    throw new DomainError('INVALID_DOCUMENT', `relaxation method must be 'newton' or 'bfgs' (got ${String(method)})`, { path: '/relax/method' });
  }
  const maxIterations = num('maxIterations', options.maxIterations, RELAX_DEFAULTS.maxIterations, false);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new DomainError('INVALID_DOCUMENT', `relaxation option maxIterations must be a non-negative integer (got ${maxIterations})`, { path: '/relax/maxIterations' });
  }
  return {
    pressure: num('pressure', options.pressure, RELAX_DEFAULTS.pressure, false),
    operations: options.operations ?? NO_OPERATIONS,
    fixCell: options.fixCell ?? false,
    fixVolume: options.fixVolume ?? false,
    forceTolerance: num('forceTolerance', options.forceTolerance, RELAX_DEFAULTS.forceTolerance, true),
    stressTolerance: num('stressTolerance', options.stressTolerance, RELAX_DEFAULTS.stressTolerance, true),
    maxIterations,
    method,
    volumeChangeWarning: num('volumeChangeWarning', options.volumeChangeWarning, RELAX_DEFAULTS.volumeChangeWarning, true),
    maxVolumeRatio: num('maxVolumeRatio', options.maxVolumeRatio, RELAX_DEFAULTS.maxVolumeRatio, true),
    symmetryTolerance: num('symmetryTolerance', options.symmetryTolerance, RELAX_DEFAULTS.symmetryTolerance, true),
    maxStep: num('maxStep', options.maxStep, RELAX_DEFAULTS.maxStep, true),
    maxStrainStep: num('maxStrainStep', options.maxStrainStep, RELAX_DEFAULTS.maxStrainStep, true),
    checkStability: options.checkStability ?? method === 'newton',
    structureId: options.structureId,
    onStep: options.onStep,
    signal: options.signal,
  };
}

/**
 * Relax `structure` under `model` at constant pressure, keeping the symmetry of
 * `options.operations` (P1 when none). Never throws for non-convergence: the result says
 * `converged: false`, carries a 'not-converged' warning and holds the lowest-enthalpy point
 * reached. Throws INVALID_STRUCTURE when an operation is not a symmetry of the structure,
 * NUMERICAL_FAILURE when the model returns a non-finite energy at the start, CANCELLED when
 * `signal` fires.
 */
export function relax(model: EnergyModel, structure: Structure, options: RelaxOptions = {}): RelaxResult {
  return relaxFrom(model, structure, structure, resolveRelaxOptions(options));
}

/** Relax without symmetry (every ion and, unless `fixCell`, the cell free): slabs, defect cells. */
export function relaxInP1(model: EnergyModel, structure: Structure, options: RelaxOptions = {}): RelaxResult {
  return relax(model, structure, { ...options, operations: [] });
}


// ---------------------------------------------------------------------------------------------

interface Point {
  structure: Structure;
  energy: number;
  enthalpy: number;
  volume: number;
  /** ∂E/∂x, Cartesian, 3N. */
  gradient: Float64Array;
  /** ∂H/∂e = ∂E/∂e + p V (1,1,1,0,0,0). */
  strainGradient: Float64Array;
  /** Enthalpy Hessian over [x, e], (3N+6)², when evaluated at order 2. */
  hessian: Float64Array | undefined;
  /** Tᵀ G. */
  reduced: Float64Array;
  maxForce: number;
  /** Largest |σ + p| component, eV/Å³. */
  maxStress: number;
  /** The stress residual the convergence test uses, eV/Å³. */
  testedStress: number;
  finite: boolean;
}

/**
 * Relax `start` (the input or a warm-start geometry) keeping the symmetry of `operations`, given
 * in the frame of `reference` (the input structure): warnings and the deformation are relative to
 * `reference`. The entry for warm starts (the fitter's).
 */
export function relaxFrom(model: EnergyModel, reference: Structure, start: Structure, o: ResolvedRelaxOptions): RelaxResult {
  throwIfAborted(o.signal);
  const n = start.numAtoms;
  const basis = basisOf(reference, o);
  if (start !== reference && o.operations.length > 0) {
    // the basis depends only on the rotations and the atom classes, the same for any symmetric
    // geometry of the same atoms; check that the warm-start geometry has the symmetry
    deformOperations(o.operations, deformationBetween(reference, start)).forEach((op, k) => {
      if (!mapAtoms(start, op, o.symmetryTolerance)) {
        throw new DomainError('INVALID_STRUCTURE', 'the starting geometry does not have the symmetry of the space group', { operation: k, ...(o.structureId ? { structure: o.structureId } : {}) });
      }
    });
  }
  const mx = basis.positions.length;
  const m = mx + basis.strains.length;
  const p = o.pressure;
  const order: DerivativeOrder = o.method === 'newton' ? 2 : 1;
  const targetVolume = start.lattice.volume;
  const energyNoise = 1e-8 * Math.max(1, n);
  let evaluations = 0;

  const evaluate = (s: Structure, ord: DerivativeOrder): Point => {
    evaluations++;
    return evaluatePoint(model, s, ord, p, basis, o);
  };
  const ratio = (q: Point): number => Math.max(q.maxForce / o.forceTolerance, q.testedStress / o.stressTolerance);
  const converged = (q: Point): boolean => q.finite && ratio(q) <= 1;
  const report = (q: Point, iteration: number, direction: RelaxStep['direction'], stepLength: number): void => {
    o.onStep?.({ iteration, energy: q.energy, enthalpy: q.enthalpy, maxForce: q.maxForce, maxStress: q.maxStress, gradientNorm: Math.hypot(...q.reduced), direction, stepLength });
  };

  let cur = evaluate(start, order);
  if (!cur.finite) {
    throw new DomainError('NUMERICAL_FAILURE', `the energy model returned a non-finite energy or derivative for ${o.structureId ?? 'the structure'} at the start of the relaxation`, { ...(o.structureId ? { structure: o.structureId } : {}) });
  }
  let best = cur;
  let iterations = 0;
  let stopReason = '';
  let stalls = 0;
  /** The largest rise of H seen in this iteration's line search over a step the gradient says should lower it. */
  let jump: { dH: number; predicted: number } | undefined;
  let B: Float64Array | undefined;
  let bActive = false;
  report(cur, 0, 'start', 0);

  const initialB = (): Float64Array => {
    const b = new Float64Array(m * m);
    const v = Math.abs(cur.volume);
    for (let k = 0; k < m; k++) b[k * m + k] = k < mx ? 5 : 0.3 * v;
    return b;
  };

  for (;;) {
    if (converged(cur)) break;
    if (m === 0) { stopReason = 'the symmetry leaves no free coordinate'; break; }
    if (iterations >= o.maxIterations) { stopReason = `the iteration limit (${o.maxIterations}) was reached`; break; }
    throwIfAborted(o.signal);
    jump = undefined;

    const g = cur.reduced;
    // candidate directions in order of preference
    const candidates: { kind: RelaxStep['direction']; z: Float64Array }[] = [];
    if (o.method === 'newton' && cur.hessian) {
      const { values, vectors } = symmetricEigen(reducedHessian(cur.hessian, basis, n), m);
      const big = Math.max(...Array.from(values, Math.abs));
      if (values[0]! > 1e-8 * big) {
        candidates.push({ kind: 'newton', z: eigenSolve(values, vectors, g, m) });
        bActive = false;
      } else {
        // indefinite: quasi-Newton from the modified Hessian, kept by BFGS while it stays indefinite
        if (!bActive || !B) B = modifiedHessian(values, vectors, m, big);
        bActive = true;
        candidates.push({ kind: 'bfgs', z: solveOrSteepest(B, g, m) });
      }
    } else {
      B ??= initialB();
      bActive = true;
      candidates.push({ kind: 'bfgs', z: solveOrSteepest(B, g, m) });
    }
    // last resort: steepest descent, scaled by the diagonal guess
    const b0 = initialB();
    candidates.push({ kind: 'steepest', z: Float64Array.from(g, (x, k) => -x / b0[k * m + k]!) });

    let accepted: Accepted | undefined;
    for (const cand of candidates) {
      accepted = lineSearch(cand.z, cand.kind);
      if (accepted) break;
      throwIfAborted(o.signal);
    }
    if (!accepted) { stopReason = `the line search found no lower enthalpy along any direction${discontinuity()}`; break; }
    stalls = accepted.fraction < 1e-3 ? stalls + 1 : 0;

    // BFGS pair in the previous frame
    if (B && bActive) {
      const s = Float64Array.from(accepted.z, (x) => x * accepted!.alpha);
      const y = previousFrameReducedGradient(accepted.point, accepted.F, basis, n);
      for (let k = 0; k < m; k++) y[k]! -= g[k]!;
      bfgsUpdate(B, s, y, m);
    }
    cur = accepted.point;
    iterations++;
    if (cur.enthalpy < best.enthalpy || converged(cur)) best = cur;
    report(cur, iterations, accepted.kind, accepted.alpha);
    // a cell collapsing or blowing up is not converging to the polymorph asked for; its neighbour
    // lists grow without bound, so stop here rather than spend ever longer on it
    const ratio = cur.volume / reference.lattice.volume;
    if (ratio < 1 / o.maxVolumeRatio || ratio > o.maxVolumeRatio) {
      stopReason = `the cell ${ratio < 1 ? 'collapsed' : 'expanded without bound'} (volume ${ratio < 1 ? 'below 1/' : 'above '}${o.maxVolumeRatio} of the input)`;
      break;
    }
    if (stalls >= 3) { stopReason = `the steps became vanishingly small (three in a row below 10⁻³ of the full step)${discontinuity()}`; break; }
  }

  const isConverged = converged(cur);
  const final = isConverged ? cur : best.enthalpy <= cur.enthalpy ? best : cur;
  const warnings: RelaxWarning[] = [];
  const label = o.structureId ? `${o.structureId}: ` : '';
  if (!isConverged) {
    warnings.push({
      kind: 'not-converged',
      message: `${label}relaxation did not converge: ${stopReason || 'stopped'}; largest force ${final.maxForce.toExponential(2)} eV/Å (tolerance ${o.forceTolerance}), largest stress residual ${evPerA3ToGPa(final.testedStress).toExponential(2)} GPa (tolerance ${+evPerA3ToGPa(o.stressTolerance).toPrecision(12)}) after ${iterations} iterations`,
    });
  }
  if (!isConverged && jump && stalls >= 3) {
    warnings.push({
      kind: 'cutoff-discontinuity',
      message: `${label}the lowest enthalpy lies on a discontinuity of the energy (a neighbour shell crossing a pair cut-off): residual stress ${evPerA3ToGPa(final.testedStress).toExponential(2)} GPa, largest force ${final.maxForce.toExponential(2)} eV/Å there`,
    });
  }
  warnings.push(...characterWarnings(reference, final.structure, o, label));
  if (o.checkStability && final.finite) {
    const h = final.hessian ?? evaluatePoint(model, final.structure, 2, p, basis, o).hessian!;
    if (!final.hessian) evaluations++;
    const w = stabilityWarning(h, final.structure, basis, o, label);
    if (w) warnings.push(w);
  }

  const { structure: out, deformation: stretch } = withoutRotation(reference, final.structure);
  return {
    structure: out,
    converged: isConverged,
    iterations,
    energy: final.energy,
    enthalpy: final.enthalpy,
    gradientNorm: Math.hypot(...final.reduced),
    maxForce: final.maxForce,
    maxStress: final.maxStress,
    deformation: stretch,
    warnings,
    evaluations,
    degreesOfFreedom: m,
  };

  function discontinuity(): string {
    if (!jump) return '';
    return `: the enthalpy rose by ${jump.dH.toExponential(2)} eV over a step along which the gradient predicts a change of ${jump.predicted.toExponential(2)} eV, so it is discontinuous here (most likely a neighbour shell crossing a potential cut-off: the pair potentials are truncated without a shift or taper); the lowest-enthalpy point is returned`;
  }

  /** Backtracking line search along T z from `cur`; undefined when no acceptable point. */
  function lineSearch(z: Float64Array, kind: RelaxStep['direction']): Accepted | undefined {
    const slope = dotN(cur.reduced, z);
    if (!(slope < 0)) return undefined;
    const { dx, de } = expand(z, basis, n);
    const scale = Math.min(1, o.maxStep / Math.max(maxAbs(dx), 1e-300), o.maxStrainStep / Math.max(maxAbs(de), 1e-300));
    let alpha = scale;
    const c1 = 1e-4;
    const r0 = ratio(cur);
    for (let trial = 0; trial < 12; trial++) {
      const { structure, F } = applyStep(cur.structure, dx, de, alpha, o.fixVolume ? targetVolume : undefined);
      const q = evaluate(structure, order);
      if (q.finite) {
        const dH = q.enthalpy - cur.enthalpy;
        if (dH <= c1 * alpha * slope || (dH <= energyNoise && ratio(q) < r0)) return { point: q, z, alpha, fraction: alpha / scale, F, kind };
        if (dH > energyNoise && dH > -10 * slope * alpha && (!jump || dH > jump.dH)) jump = { dH, predicted: slope * alpha };
        // minimiser of the quadratic through H(0), H'(0), H(α)
        const denom = 2 * (dH - slope * alpha);
        const aq = denom > 0 ? (-slope * alpha * alpha) / denom : 0.1 * alpha;
        alpha = Math.min(0.5 * alpha, Math.max(0.1 * alpha, aq));
      } else alpha *= 0.1;
      throwIfAborted(o.signal);
    }
    return undefined;
  }
}

interface Accepted {
  point: Point;
  z: Float64Array;
  /** Multiple of z taken. */
  alpha: number;
  /** alpha relative to the capped full step. */
  fraction: number;
  F: Mat3;
  kind: RelaxStep['direction'];
}

/**
 * The symmetry-adapted basis of a structure, remembered per (immutable) structure and operation
 * list: a fit relaxes the same input with the same operations at every parameter set.
 */
const basisCache = new WeakMap<Structure, { key: string; operations: readonly CartesianOperation[]; basis: SymmetryBasis }[]>();

function basisOf(structure: Structure, o: Pick<ResolvedRelaxOptions, 'symmetryTolerance' | 'fixCell' | 'fixVolume' | 'operations'>): SymmetryBasis {
  const key = `${o.symmetryTolerance}|${o.fixCell}|${o.fixVolume}`;
  let list = basisCache.get(structure);
  const hit = list?.find((e) => e.key === key && e.operations === o.operations);
  if (hit) return hit.basis;
  const basis = sharedBasis(structure, o.operations, { tolerance: o.symmetryTolerance, fixCell: o.fixCell, fixVolume: o.fixVolume });
  if (!list) basisCache.set(structure, (list = []));
  if (list.length >= 8) list.shift();
  list.push({ key, operations: o.operations, basis });
  return basis;
}

/**
 * The basis by what it depends on. A deformation that keeps the symmetry commutes with the
 * rotations, so every symmetric geometry of the same atoms (a warm start, a point of an equation of
 * state, a step of a transition-pressure walk: each a new structure, with its operations
 * recomputed for its cell) has the same rotations, atom maps and translation classes, and so the
 * same group and basis. The key is the species, the rotations (rounded to 1e-12) and the image of
 * every atom under every operation; the translations of the group follow from those (their
 * fractional form is that of the space group). Structures up to SHARED_BASIS_ATOMS atoms, the
 * last SHARED_BASIS_ENTRIES keys: the basis of a large P1 cell is large and is not shared.
 */
const sharedBases = new Map<string, SymmetryBasis>();
const SHARED_BASIS_ATOMS = 64;
const SHARED_BASIS_ENTRIES = 128;

function sharedBasis(structure: Structure, operations: readonly CartesianOperation[], options: { tolerance: number; fixCell: boolean; fixVolume: boolean }): SymmetryBasis {
  const n = structure.numAtoms;
  if (n > SHARED_BASIS_ATOMS) return symmetryAdaptedBasis(structure, operations, options);
  const parts: string[] = [`${options.tolerance}|${options.fixCell}|${options.fixVolume}|${structure.species.join(' ')}`];
  for (const op of operations) {
    const image = mapAtoms(structure, op, options.tolerance);
    // not a symmetry: symmetryAdaptedBasis says which operation fails
    if (!image) return symmetryAdaptedBasis(structure, operations, options);
    parts.push(`${op.R.map((row) => row.map((x) => Math.round(x * 1e12)).join(',')).join(';')}>${image.join(',')}`);
  }
  const key = parts.join('|');
  const hit = sharedBases.get(key);
  if (hit) return hit;
  const basis = symmetryAdaptedBasis(structure, operations, options);
  if (sharedBases.size >= SHARED_BASIS_ENTRIES) sharedBases.delete(sharedBases.keys().next().value!);
  sharedBases.set(key, basis);
  return basis;
}

/**
 * The symmetry-adapted basis of `reference` under `operations` (cached per structure object and
 * operation list). It serves every symmetric geometry of the same atoms: a deformation that keeps
 * the symmetry commutes with the rotations, so the basis vectors do not change.
 */
export function cachedSymmetryBasis(reference: Structure, operations: readonly CartesianOperation[], options: { tolerance?: number; fixCell?: boolean; fixVolume?: boolean } = {}): SymmetryBasis {
  return basisOf(reference, { operations, symmetryTolerance: options.tolerance ?? RELAX_DEFAULTS.symmetryTolerance, fixCell: options.fixCell ?? false, fixVolume: options.fixVolume ?? false });
}

/** Evaluate the model and the enthalpy quantities at a structure. */
function evaluatePoint(model: EnergyModel, s: Structure, order: DerivativeOrder, p: number, basis: SymmetryBasis, o: ResolvedRelaxOptions): Point {
  const n = s.numAtoms;
  const r = order >= 1 ? model.compute(s, order) : model.compute(s, 1);
  const volume = s.lattice.volume;
  const gradient = r.gradient ?? new Float64Array(3 * n);
  const strainGradient = Float64Array.from(r.strain ?? new Float64Array(6));
  for (let k = 0; k < 3; k++) strainGradient[k]! += p * volume;
  let hessian: Float64Array | undefined;
  if (order === 2 && r.hessian) {
    hessian = Float64Array.from(r.hessian);
    addPressureHessian(hessian, n, volume, p);
  }
  const reduced = new Float64Array(basis.positions.length + basis.strains.length);
  basis.positions.forEach((c, k) => (reduced[k] = dotN(c, gradient)));
  basis.strains.forEach((c, k) => (reduced[basis.positions.length + k] = dotN(c, strainGradient)));
  const residual = Array.from(strainGradient, (x) => x / volume);
  const maxStress = maxAbs(residual);
  let testedStress = maxStress;
  if (o.fixCell) testedStress = 0;
  else if (o.fixVolume) {
    const mean = (residual[0]! + residual[1]! + residual[2]!) / 3;
    testedStress = maxAbs(residual.map((x, k) => (k < 3 ? x - mean : x)));
  }
  const finite =
    Number.isFinite(r.energy) &&
    gradient.every(Number.isFinite) &&
    strainGradient.every(Number.isFinite) &&
    (hessian ? hessian.every(Number.isFinite) : true);
  return {
    structure: s,
    energy: r.energy,
    enthalpy: r.energy + p * volume,
    volume,
    gradient,
    strainGradient,
    hessian,
    reduced,
    maxForce: maxAbs(gradient),
    maxStress,
    testedStress,
    finite,
  };
}

/**
 * Remove the rigid rotation the steps accumulate. Each step's F is symmetric, but a product of
 * symmetric matrices is not: the total deformation D (L_out = L_in Dᵀ) is Q U with U = √(DᵀD)
 * symmetric and Q a rotation (polar decomposition). The structure is rotated back by Qᵀ, so the
 * result is in the input's frame and its deformation is the pure stretch U. D commutes with every
 * kept R, and so do U and Q: the rotated structure keeps the operations (with t ↦ U t).
 */
function withoutRotation(reference: Structure, s: Structure): { structure: Structure; deformation: Mat3 } {
  const D = deformationBetween(reference, s);
  const dtd = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => D[0][i] * D[0][j] + D[1][i] * D[1][j] + D[2][i] * D[2][j]));
  const { values, vectors } = symmetricEigen(dtd, 3);
  const f = (g: (l: number) => number): Mat3 =>
    [0, 1, 2].map((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((acc, k) => acc + vectors[i * 3 + k]! * g(values[k]!) * vectors[j * 3 + k]!, 0))) as Mat3;
  const U = f(Math.sqrt);
  const Q = mul3(D, f((l) => 1 / Math.sqrt(l)));
  const rotated = Math.max(...Q.flatMap((row, i) => row.map((x, j) => Math.abs(x - (i === j ? 1 : 0))))) > 1e-14;
  return rotated ? { structure: s.deformed(transpose3(Q)), deformation: U } : { structure: s, deformation: D };
}

/** Full step (Δx, Δe) = T z. */
function expand(z: ArrayLike<number>, basis: SymmetryBasis, n: number): { dx: Float64Array; de: Float64Array } {
  const dx = new Float64Array(3 * n);
  const de = new Float64Array(6);
  const mx = basis.positions.length;
  basis.positions.forEach((c, k) => { for (let i = 0; i < dx.length; i++) dx[i]! += z[k]! * c[i]!; });
  basis.strains.forEach((c, k) => { for (let i = 0; i < 6; i++) de[i]! += z[mx + k]! * c[i]!; });
  return { dx, de };
}

/** New lattice L Fᵀ and positions F (x + α Δx), F = I + ε(α Δe); isotropic rescale for fixVolume. */
function applyStep(s: Structure, dx: Float64Array, de: Float64Array, alpha: number, targetVolume: number | undefined): { structure: Structure; F: Mat3 } {
  const x = Float64Array.from(s.positions, (v, i) => v + alpha * dx[i]!);
  let F = deformation(Array.from(de, (v) => alpha * v));
  if (targetVolume !== undefined) {
    const det = F[0][0] * (F[1][1] * F[2][2] - F[1][2] * F[2][1]) - F[0][1] * (F[1][0] * F[2][2] - F[1][2] * F[2][0]) + F[0][2] * (F[1][0] * F[2][1] - F[1][1] * F[2][0]);
    const lam = Math.cbrt(targetVolume / (s.lattice.volume * det));
    F = F.map((row) => row.map((v) => v * lam)) as Mat3;
  }
  return { structure: s.withPositions(x).deformed(F), F };
}

/** The Newton step z = −H⁻¹ g = −Σ_k (v_k · g / λ_k) v_k. */
function eigenSolve(values: Float64Array, vectors: Float64Array, g: Float64Array, m: number): Float64Array {
  const z = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let c = 0;
    for (let i = 0; i < m; i++) c += vectors[i * m + k]! * g[i]!;
    c /= values[k]!;
    for (let i = 0; i < m; i++) z[i]! -= c * vectors[i * m + k]!;
  }
  return z;
}

/** V max(|Λ|, 10⁻³ max|λ|) Vᵀ: the positive-definite matrix the indefinite-Hessian fallback starts from. */
function modifiedHessian(values: Float64Array, vectors: Float64Array, m: number, big: number): Float64Array {
  const b = new Float64Array(m * m);
  const floor = Math.max(1e-3 * big, 1e-12);
  for (let k = 0; k < m; k++) {
    const l = Math.max(Math.abs(values[k]!), floor);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) b[i * m + j]! += l * vectors[i * m + k]! * vectors[j * m + k]!;
  }
  return b;
}

function solveOrSteepest(B: Float64Array, g: Float64Array, m: number): Float64Array {
  const z = choleskySolve(B, g, m);
  return z ? z.map((x) => -x) : Float64Array.from(g, (x) => -x);
}

/** Damped BFGS update (Powell): keeps B positive definite when sᵀy is small or negative. */
function bfgsUpdate(B: Float64Array, s: Float64Array, yIn: Float64Array, m: number): void {
  const Bs = matVecN(B, s, m);
  const sBs = dotN(s, Bs);
  if (!(sBs > 0)) return;
  let y = yIn;
  let sy = dotN(s, y);
  if (sy < 0.2 * sBs) {
    const theta = (0.8 * sBs) / (sBs - sy);
    y = Float64Array.from(y, (v, k) => theta * v + (1 - theta) * Bs[k]!);
    sy = dotN(s, y);
  }
  if (!(sy > 0)) return;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) B[i * m + j]! += (y[i]! * y[j]!) / sy - (Bs[i]! * Bs[j]!) / sBs;
}

/** The reduced enthalpy gradient at the new point in the previous step's frame (see step 6). */
function previousFrameReducedGradient(q: Point, F: Readonly<Mat3>, basis: SymmetryBasis, n: number): Float64Array {
  const gx = new Float64Array(3 * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < 3; k++) gx[3 * i + k] = F[0][k] * q.gradient[3 * i]! + F[1][k] * q.gradient[3 * i + 1]! + F[2][k] * q.gradient[3 * i + 2]!;
  const Fi = inv3(F);
  const ge = new Float64Array(6);
  for (let k = 0; k < 6; k++) {
    const D = STRAIN_BASIS[k]!;
    const A = [0, 1, 2].map((a) => [0, 1, 2].map((b) => D[a]![0]! * Fi[0][b] + D[a]![1]! * Fi[1][b] + D[a]![2]! * Fi[2][b]));
    let s = 0;
    VOIGT_PAIRS.forEach(([a, b], l) => { s += q.strainGradient[l]! * (a === b ? A[a]![a]! : A[a]![b]! + A[b]![a]!); });
    ge[k] = s;
  }
  const out = new Float64Array(basis.positions.length + basis.strains.length);
  basis.positions.forEach((c, k) => (out[k] = dotN(c, gx)));
  basis.strains.forEach((c, k) => (out[basis.positions.length + k] = dotN(c, ge)));
  return out;
}

/** Volume, coordination and symmetry changes from the input to the result. */
function characterWarnings(reference: Structure, result: Structure, o: ResolvedRelaxOptions, label: string): RelaxWarning[] {
  const out: RelaxWarning[] = [];
  const v0 = reference.lattice.volume, v1 = result.lattice.volume;
  const dv = v1 / v0 - 1;
  if (Math.abs(dv) > o.volumeChangeWarning) {
    out.push({ kind: 'volume-change', message: `${label}the volume changed by ${(100 * dv).toFixed(1)}% on relaxation (${v0.toFixed(3)} → ${v1.toFixed(3)} Å³), more than ${(100 * o.volumeChangeWarning).toFixed(0)}%: the relaxed structure may not be the intended polymorph` });
  }
  // a relaxation that did not move (converged at its start, or no free coordinate) changes nothing
  if (result === reference) return out;
  const changes = coordinationChanges(reference, result);
  if (changes.length > 0) {
    const text = changes.map((c) => `${c.pair} ${fmt(c.before)} → ${fmt(c.after)}`).join(', ');
    out.push({ kind: 'coordination-change', message: `${label}the coordination changed on relaxation (neighbours within 1.2× the shortest contact): ${text}` });
  }
  const sym = raisedSymmetry(reference, result);
  if (sym.gained.length > 0) {
    out.push({
      kind: 'special-position',
      message: `${label}the relaxed structure has more symmetry than the input (${sym.before} → ${sym.after} operations; new: ${sym.gained.slice(0, 4).join('; ')}${sym.gained.length > 4 ? `; ${sym.gained.length - 4} more kinds` : ''}): a free coordinate reached a special value (as wurtzite's u reaching 1/2 gives the five-fold hexagonal structure) or the relaxation restored a symmetry the input lacked`,
    });
  }
  return out;
}

const fmt = (x: number): string => (Math.abs(x - Math.round(x)) < 1e-9 ? String(Math.round(x)) : x.toFixed(2));

/**
 * Negative curvature of the enthalpy at the result. Within the kept symmetry (Tᵀ H T) it means a
 * saddle point that the symmetry pins; only in the full P1 space (translations removed; strains as
 * `fixCell`/`fixVolume` allow), a minimum of the space group that a symmetry-breaking distortion
 * would lower. Eigenvalues below −10⁻⁶ of the largest in magnitude count as negative (mixed
 * units, but the sign pattern of a symmetric matrix does not depend on the basis).
 */
function stabilityWarning(h: Float64Array, s: Structure, basis: SymmetryBasis, o: ResolvedRelaxOptions, label: string): RelaxWarning | undefined {
  const n = s.numAtoms;
  const lowest = (b: SymmetryBasis): { min: number; big: number } => {
    const m = b.positions.length + b.strains.length;
    if (m === 0) return { min: 0, big: 0 };
    const { values } = symmetricEigen(reducedHessian(h, b, n), m);
    return { min: values[0]!, big: Math.max(...Array.from(values, Math.abs)) };
  };
  const sym = lowest(basis);
  if (sym.min < -1e-6 * sym.big) {
    return { kind: 'unstable', message: `${label}the relaxed structure is a saddle point within its space group (lowest curvature ${sym.min.toExponential(3)}): a lower-enthalpy structure of the same symmetry exists nearby` };
  }
  if (basis.group.elements.length === 1 && basis.group.numTranslations === 1) return undefined; // already P1
  const p1 = sharedBasis(s, [], { tolerance: 1e-3, fixCell: o.fixCell, fixVolume: o.fixVolume });
  const full = lowest(p1);
  if (full.min < -1e-6 * full.big) {
    return { kind: 'unstable', message: `${label}the relaxed structure is a minimum within its space group but unstable to a symmetry-breaking distortion (lowest P1 curvature ${full.min.toExponential(3)})` };
  }
  return undefined;
}
