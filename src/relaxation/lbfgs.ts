/**
 * Relaxation of large cells without symmetry: limited-memory BFGS on the analytic gradient, no
 * Hessian (memory O(N), one energy + gradient evaluation per step and line-search trial). For the
 * few-atom cells of the fit use `relax` (relax.ts: symmetry-adapted Newton on the exact Hessian);
 * this one is for defect supercells and disordered cells of hundreds to thousands of atoms.
 *
 * ## Variables
 *
 * At fixed cell: the Cartesian positions r (3N). With the cell free (constant pressure p): the
 * positions x in the frame of the starting cell L₀ and a deformation F, lower triangular (so the
 * cell keeps a along x and b in the xy-plane; rotations are no degrees of freedom), with
 *   L = L₀ Fᵀ,  r_i = F x_i,  H(x, F) = E(L, r) + p V₀ det F.
 * The model's strain derivatives S_k = ∂E/∂e_k (Voigt, engineering, at the current cell) give the
 * derivative with respect to F: a change dF deforms the current cell by G = I + dF F⁻¹, whose
 * symmetric part is the strain (the antisymmetric part is a rotation, which costs nothing), so
 *   dE = Σ_ab S_ab (dF F⁻¹)_ab,   ∂E/∂F = S F⁻ᵀ,
 * with S the symmetric matrix S_aa = S_(aa), S_ab = S_(ab) (the engineering strain carries the
 * factor 2 that the two off-diagonal places of the symmetric sum take back). With V = V₀ det F,
 * ∂(pV)/∂F = p V F⁻ᵀ, and ∂H/∂x_i = Fᵀ ∂E/∂r_i. The six free entries of F are scaled by
 * s = √(V₀ B₀ / k₀) (B₀ = 50 GPa, k₀ = 5 eV/Å²) so that a strain direction has about the
 * curvature of an atomic displacement.
 *
 * ## Steps
 *
 * The direction is the two-loop recursion over the last `memory` pairs (s, y) (Nocedal & Wright,
 * Numerical Optimization, 2nd ed., Springer 2006, algorithm 7.4, doi:10.1007/978-0-387-40065-5),
 * with H₀ = (sᵀy / yᵀy) I; a pair with sᵀy ≤ 0 is not stored. The step is capped so that no atom
 * moves more than `maxStep` and no strain entry changes by more than `maxStrainStep`. Line search:
 * backtracking (halving) until the Armijo condition H(α) ≤ H(0) + 10⁻⁴ α ∇H·d holds, or, within
 * the energy noise of the model (10⁻⁶ eV per atom: the plain pair cut-offs make E jump by φ(r_c),
 * up to about 10⁻⁴ eV for the reference model, when a neighbour crosses r_c, and with the cell free
 * the rounded Ewald α and r_c step with the volume), when H did not rise beyond that noise and the
 * largest force fell. With 10⁻⁷ eV per atom, 108-atom mixed cells relaxed with the cell free
 * stopped at forces of 1-4·10⁻³ eV/Å, all stuck on such steps.
 * If the L-BFGS direction fails the memory is cleared and a steepest-descent step is tried; if that
 * fails too the relaxation stops (not converged).
 *
 * Converged when the largest force component ≤ `forceTolerance` and, with the cell free, the
 * largest component of σ + p (σ = S/V) ≤ `stressTolerance`.
 */
import { DomainError, throwIfAborted } from '../errors.js';
import { Lattice } from '../crystal/lattice.js';
import { Structure } from '../crystal/structure.js';
import type { EnergyModel } from '../potentials/model.js';
import { type Mat3, inv3 } from '../math/linalg.js';
import { voigtIndex } from '../math/voigt.js';
import { GPA_PER_EV_PER_A3, gpaToEvPerA3 } from '../units/index.js';

export interface LbfgsOptions {
  /** Relax the cell too (at `pressure`). Default false: fixed cell, positions only. */
  relaxCell?: boolean;
  /** External pressure, eV/Å³ (default 0; used with `relaxCell`). */
  pressure?: number;
  /** Largest force component at convergence, eV/Å (default 1e-3). */
  forceTolerance?: number;
  /** Largest component of σ + p at convergence, eV/Å³ (default 1e-2 GPa; with `relaxCell`). */
  stressTolerance?: number;
  /** Iteration limit (default 2000). */
  maxIterations?: number;
  /** Number of (s, y) pairs kept (default 12). */
  memory?: number;
  /** Largest displacement component of one step, Å (default 0.2). */
  maxStep?: number;
  /** Largest change of one entry of F in one step (default 0.02). */
  maxStrainStep?: number;
  /** Name of the structure, for errors. */
  structureId?: string;
  onStep?: (step: { iteration: number; energy: number; maxForce: number; maxStress: number }) => void;
  signal?: AbortSignal;
}

export interface ResolvedLbfgsOptions {
  relaxCell: boolean;
  /** eV/Å³ */
  pressure: number;
  forceTolerance: number;
  stressTolerance: number;
  maxIterations: number;
  memory: number;
  maxStep: number;
  maxStrainStep: number;
}

export const LBFGS_DEFAULTS: ResolvedLbfgsOptions = {
  relaxCell: false,
  pressure: 0,
  forceTolerance: 1e-3,
  stressTolerance: 1e-2 / GPA_PER_EV_PER_A3,
  maxIterations: 2000,
  memory: 12,
  maxStep: 0.2,
  maxStrainStep: 0.02,
};

export interface LbfgsResult {
  /** The relaxed structure (the lowest point reached when not converged). */
  structure: Structure;
  converged: boolean;
  iterations: number;
  /** Energy-model evaluations, line-search trials included. */
  evaluations: number;
  /** eV */
  energy: number;
  /** E + pV, eV */
  enthalpy: number;
  /** eV/Å */
  maxForce: number;
  /** largest component of σ + p, eV/Å³ (0 at fixed cell) */
  maxStress: number;
  /** why it stopped: 'converged', 'max-iterations', 'line-search' */
  stopReason: 'converged' | 'max-iterations' | 'line-search';
}

/** Check options at the door and fill in the defaults. */
export function resolveLbfgsOptions(options: LbfgsOptions = {}): ResolvedLbfgsOptions {
  const o = { ...LBFGS_DEFAULTS };
  for (const k of ['forceTolerance', 'stressTolerance', 'maxStep', 'maxStrainStep'] as const) {
    const v = options[k];
    if (v === undefined) continue;
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new DomainError('INVALID_DOCUMENT', `${k} must be a positive number (got ${String(v)})`, { option: k });
    o[k] = v;
  }
  for (const k of ['maxIterations', 'memory'] as const) {
    const v = options[k];
    if (v === undefined) continue;
    if (!(Number.isInteger(v) && v >= 1)) throw new DomainError('INVALID_DOCUMENT', `${k} must be a positive whole number (got ${String(v)})`, { option: k });
    o[k] = v;
  }
  if (options.pressure !== undefined) {
    if (!Number.isFinite(options.pressure)) throw new DomainError('INVALID_DOCUMENT', 'pressure must be a finite number', { option: 'pressure' });
    o.pressure = options.pressure;
  }
  o.relaxCell = options.relaxCell ?? false;
  return o;
}

/** Lower-triangular entries of F that vary: (0,0), (1,0), (1,1), (2,0), (2,1), (2,2). */
const CELL_ENTRIES: readonly (readonly [number, number])[] = [[0, 0], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]];
const B0_EV_PER_A3 = gpaToEvPerA3(50);
const K0_EV_PER_A2 = 5;

interface Point {
  z: Float64Array;
  structure: Structure;
  energy: number;
  enthalpy: number;
  grad: Float64Array;
  maxForce: number;
  maxStress: number;
}

/** Relax `structure` under `model` by L-BFGS (see the module comment). */
export function relaxLbfgs(model: EnergyModel, structure: Structure, options: LbfgsOptions = {}): LbfgsResult {
  const o = resolveLbfgsOptions(options);
  const n = structure.numAtoms;
  const cell = o.relaxCell;
  const p = o.pressure;
  // the starting cell in the standard orientation (lower-triangular rows), same fractional coordinates
  const L = structure.lattice.matrix;
  const standard = L[0][1] === 0 && L[0][2] === 0 && L[1][2] === 0;
  const start = cell && !standard ? Structure.fromFractional(Lattice.fromParameters(structure.lattice.parameters), structure.species, structure.fractional) : structure;
  const L0 = start.lattice.matrix as Mat3;
  const V0 = start.lattice.volume;
  const scale = Math.sqrt((V0 * B0_EV_PER_A3) / K0_EV_PER_A2);
  const m = 3 * n + (cell ? 6 : 0);
  let evaluations = 0;

  const deformationOf = (z: Float64Array): Mat3 => {
    const F: Mat3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    if (cell) CELL_ENTRIES.forEach(([a, b], k) => (F[a][b] += z[3 * n + k]! / scale));
    return F;
  };

  const evaluate = (z: Float64Array): Point => {
    throwIfAborted(options.signal);
    evaluations++;
    const F = deformationOf(z);
    let s: Structure;
    if (cell) {
      const Lt: number[][] = L0.map((row) => [0, 1, 2].map((c) => row[0] * F[c][0] + row[1] * F[c][1] + row[2] * F[c][2]));
      const r = new Float64Array(3 * n);
      for (let i = 0; i < n; i++)
        for (let a = 0; a < 3; a++) r[3 * i + a] = F[a][0] * z[3 * i]! + F[a][1] * z[3 * i + 1]! + F[a][2] * z[3 * i + 2]!;
      s = Structure.fromCartesian(Lattice.fromVectors(Lt), start.species, r);
    } else s = start.withPositions(z.subarray(0, 3 * n));
    const res = model.compute(s, 1);
    if (!Number.isFinite(res.energy)) throw new DomainError('NUMERICAL_FAILURE', `the energy of ${options.structureId ?? 'the structure'} is not finite`, { structure: options.structureId });
    const g = res.gradient!, S = res.strain!;
    const grad = new Float64Array(m);
    let maxForce = 0;
    for (let i = 0; i < 3 * n; i++) maxForce = Math.max(maxForce, Math.abs(g[i]!));
    const V = s.lattice.volume;
    let maxStress = 0;
    if (cell) {
      // ∂H/∂x_i = Fᵀ g_i
      for (let i = 0; i < n; i++)
        for (let b = 0; b < 3; b++) grad[3 * i + b] = F[0][b] * g[3 * i]! + F[1][b] * g[3 * i + 1]! + F[2][b] * g[3 * i + 2]!;
      // ∂H/∂F = (S + pV I) F⁻ᵀ, scaled
      const Fi = inv3(F);
      const Sm = [0, 1, 2].map((a) => [0, 1, 2].map((b) => S[voigtIndex(a, b)]! + (a === b ? p * V : 0)));
      CELL_ENTRIES.forEach(([a, c], k) => {
        let v = 0;
        for (let b = 0; b < 3; b++) v += Sm[a]![b]! * Fi[c][b];
        grad[3 * n + k] = v / scale;
      });
      for (let k = 0; k < 6; k++) maxStress = Math.max(maxStress, Math.abs(S[k]! / V + (k < 3 ? p : 0)));
    } else grad.set(g);
    const enthalpy = res.energy + (cell ? p * V : 0);
    return { z, structure: s, energy: res.energy, enthalpy, grad, maxForce, maxStress };
  };

  const converged = (q: Point): boolean => q.maxForce <= o.forceTolerance && (!cell || q.maxStress <= o.stressTolerance);
  const z0 = new Float64Array(m);
  z0.set(start.positions);
  let cur = evaluate(z0);
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  const noise = 1e-6 * Math.max(1, n);
  let iterations = 0;
  let stopReason: LbfgsResult['stopReason'] = 'max-iterations';
  options.onStep?.({ iteration: 0, energy: cur.energy, maxForce: cur.maxForce, maxStress: cur.maxStress });

  const direction = (g: Float64Array): Float64Array => {
    const q = Float64Array.from(g);
    const k = S.length;
    const alpha = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      alpha[i] = R[i]! * dot(S[i]!, q);
      axpy(-alpha[i]!, Y[i]!, q);
    }
    if (k > 0) {
      const gamma = dot(S[k - 1]!, Y[k - 1]!) / dot(Y[k - 1]!, Y[k - 1]!);
      for (let i = 0; i < m; i++) q[i]! *= gamma;
    } else for (let i = 0; i < m; i++) q[i]! *= 1 / K0_EV_PER_A2;
    for (let i = 0; i < k; i++) {
      const beta = R[i]! * dot(Y[i]!, q);
      axpy(alpha[i]! - beta, S[i]!, q);
    }
    for (let i = 0; i < m; i++) q[i] = -q[i]!;
    return q;
  };

  const cap = (d: Float64Array): void => {
    let big = 1;
    for (let i = 0; i < 3 * n; i++) big = Math.max(big, Math.abs(d[i]!) / o.maxStep);
    if (cell) for (let k = 0; k < 6; k++) big = Math.max(big, Math.abs(d[3 * n + k]!) / (o.maxStrainStep * scale));
    if (big > 1) for (let i = 0; i < m; i++) d[i]! /= big;
  };

  const lineSearch = (d: Float64Array): Point | undefined => {
    const slope = dot(cur.grad, d);
    if (!(slope < 0)) return undefined;
    let a = 1;
    for (let t = 0; t < 12; t++) {
      const z = Float64Array.from(cur.z);
      axpy(a, d, z);
      const trial = evaluate(z);
      if (trial.enthalpy <= cur.enthalpy + 1e-4 * a * slope) return trial;
      if (trial.enthalpy <= cur.enthalpy + noise && trial.maxForce < cur.maxForce) return trial;
      a *= 0.5;
    }
    return undefined;
  };

  while (!converged(cur)) {
    if (iterations >= o.maxIterations) break;
    let d = direction(cur.grad);
    cap(d);
    let next = lineSearch(d);
    if (!next && S.length > 0) {
      S.length = 0; Y.length = 0; R.length = 0;
      d = direction(cur.grad);
      cap(d);
      next = lineSearch(d);
    }
    if (!next) {
      stopReason = 'line-search';
      break;
    }
    const s = new Float64Array(m), y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      s[i] = next.z[i]! - cur.z[i]!;
      y[i] = next.grad[i]! - cur.grad[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s); Y.push(y); R.push(1 / sy);
      if (S.length > o.memory) (S.shift(), Y.shift(), R.shift());
    }
    cur = next;
    iterations++;
    options.onStep?.({ iteration: iterations, energy: cur.energy, maxForce: cur.maxForce, maxStress: cur.maxStress });
  }
  if (converged(cur)) stopReason = 'converged';
  return {
    structure: cur.structure,
    converged: stopReason === 'converged',
    iterations,
    evaluations,
    energy: cur.energy,
    enthalpy: cur.enthalpy,
    maxForce: cur.maxForce,
    maxStress: cur.maxStress,
    stopReason,
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!;
}

