/**
 * Surface energy of a face, relaxed and unrelaxed, converged in the slab thickness.
 *
 *   E_surf = (E_slab − n E_unit) / (2 A)
 *
 * with E_slab the energy of a slab of n repeat units (`slab.ts`), E_unit the energy of one bulk
 * repeat unit at the same (relaxed) bulk geometry, A the in-plane area and 2 for the two surfaces
 * of the slab (both exposed, both relaxed: for a stack of whole repeat units the bottom and top are
 * the two sides of one cut, so E_surf is that cut's energy). Reported in J/m².
 *
 * The slab energy model is E_Ewald(3-D, vacuum) + E_dc (dipole correction, `dipole.ts`) + the pair
 * terms with the force field's cut-offs (cell lists, as in the bulk). The vacuum is at least the
 * largest pair cut-off plus 8 Å, so no pair reaches across it, and the Coulomb images then see
 * each other only through in-plane Fourier components that decay as e^{−G·gap}
 * (≲ e^{−2π·20/6} ≈ 1e-9 for a 6 Å in-plane cell).
 *
 * Relaxation: every ion of the slab, the cell fixed (`relaxInP1` with `fixCell`), BFGS on the
 * analytic gradient by default: measured 3-6 times faster than Newton with the analytic Hessian on
 * these 8-30-atom slabs (the reciprocal-space Hessian of a cell with vacuum is the cost), same
 * E_surf to 1e-4 J/m² (bench/surface.ts); `relaxOptions.method: 'newton'` chooses Newton.
 *
 * Thickness: n starts at `minRepeats` (default: the smallest n with n d ≥ 8 Å, at least 2) and
 * grows by one until both the relaxed and the unrelaxed E_surf change by less than `tolerance`
 * (J/m², default 1e-3) between successive n, or n d exceeds `maxThickness`.
 *
 * Terminations (`terminations.ts`): by default every non-polar one (Tasker I/II) is computed at the
 * starting thickness and the lowest relaxed E_surf is converged; a face with only type III cuts is
 * refused (POLAR_SURFACE) unless `termination` names one and `acceptDipole` is set.
 */
import { DomainError, throwIfAborted } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import type { Mat3 } from '../math/linalg.js';
import { EV_PER_A2_PER_J_PER_M2 } from '../units/index.js';
import { type ForceField, SumModel, type EnergyModel } from '../potentials/index.js';
import { EwaldModel } from '../potentials/ewald/index.js';
import { PairModel } from '../potentials/pair.js';
import { relaxInP1, type RelaxOptions } from '../relaxation/index.js';
import { type Face, formatFace } from './face.js';
import { orientedUnit, type OrientedUnit } from './orient.js';
import { terminations, type Termination, type TaskerType } from './terminations.js';
import { buildSlab, type Slab } from './slab.js';
import { DipoleCorrection } from './dipole.js';

export interface SurfaceOptions {
  /** Index of the termination to use (from `terminations`), default: the lowest non-polar one. */
  termination?: number;
  /** Compute a polar (Tasker III) termination anyway. Default false. */
  acceptDipole?: boolean;
  /** Thickness convergence of E_surf, J/m² (default 1e-3). */
  tolerance?: number;
  /** Relax the slab (default true); the unrelaxed energy is reported either way. */
  relax?: boolean;
  /** First number of repeat units (default: n d ≥ 8 Å, n ≥ 2). */
  minRepeats?: number;
  /** Stop growing when the slab would be thicker than this, Å (default 60). */
  maxThickness?: number;
  /** Vacuum between images, Å (default: largest pair cut-off + 8 Å, at least 20). */
  vacuum?: number;
  /** Options of the slab relaxation (cell always fixed). */
  relaxOptions?: Omit<RelaxOptions, 'fixCell' | 'fixVolume' | 'operations' | 'pressure'>;
  /** Ewald accuracy, eV per atom (default: the force field's, else 1e-8). */
  coulombAccuracy?: number;
  /** Names used in errors: structure id and the JSON path of the face. */
  structureId?: string;
  path?: string;
  signal?: AbortSignal;
}

export interface ThicknessStep {
  repeats: number;
  atoms: number;
  /** Relaxed E_surf, J/m² (equal to the unrelaxed when `relax` is false). */
  energy: number;
  unrelaxedEnergy: number;
  relaxConverged: boolean;
}

export interface TerminationEnergy extends Termination {
  /** Relaxed E_surf at the starting thickness, J/m² (absent for polar cuts not computed). */
  energy?: number;
}

export interface SurfaceEnergyResult {
  face: number[];
  /** Relaxed E_surf at the final thickness, J/m². */
  energy: number;
  unrelaxedEnergy: number;
  /** Index of the termination used. */
  termination: number;
  terminationLabel: string;
  tasker: TaskerType;
  /** Number of repeat units of the final slab. */
  layers: number;
  /** Atomic planes of the final slab. */
  planes: number;
  /** True when the last thickness step changed E_surf by less than the tolerance. */
  converged: boolean;
  /** |ΔE_surf| of the last thickness step, J/m². */
  lastChange: number;
  tolerance: number;
  /** Height of the slab (lowest to highest atom) and the vacuum, Å; in-plane area Å². */
  thickness: number;
  vacuum: number;
  area: number;
  /** Interplanar spacing of the repeat unit, Å. */
  spacing: number;
  atoms: number;
  history: ThicknessStep[];
  terminations: TerminationEnergy[];
  /** The relaxed (or, with relax false, the unrelaxed) final slab. */
  slab: Structure;
  /** The bulk repeat unit in the slab frame. */
  unit: Structure;
  /** Rows of the slab frame in the bulk's Cartesian frame (r_slab = R r_bulk). */
  rotation: Mat3;
  /** Ewald accuracy of the slab and unit energies, eV per atom. */
  coulombAccuracy: number;
  warnings: string[];
}

/** The slab energy model of a force field: 3-D Ewald + dipole correction + pairs. */
export function slabEnergyModel(ff: ForceField, accuracy = ff.coulomb?.accuracy ?? 1e-8): SumModel {
  return new SumModel([new EwaldModel(ff.charges, { accuracy }), new DipoleCorrection(ff.charges), new PairModel(ff.pairs)], 'slab');
}

/** The bulk energy model the unit energy uses (Ewald + pairs, as `buildEnergyModel`). */
function bulkModel(ff: ForceField, accuracy: number): EnergyModel {
  return new SumModel([new EwaldModel(ff.charges, { accuracy }), new PairModel(ff.pairs)], 'bulk');
}

const J = (evPerA2: number): number => evPerA2 / EV_PER_A2_PER_J_PER_M2;

interface Resolved {
  tolerance: number;
  relax: boolean;
  minRepeats: number;
  maxThickness: number;
  vacuum: number;
  accuracy: number;
}

function resolve(ff: ForceField, o: SurfaceOptions, spacing: number): Resolved {
  const path = o.path ?? '';
  const pos = (name: string, v: number | undefined, fallback: number): number => {
    const x = v ?? fallback;
    if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) throw new DomainError('INVALID_DOCUMENT', `surface option ${name} must be a positive number (got ${String(x)})`, { path: `${path}/${name}` });
    return x;
  };
  const maxCut = Math.max(0, ...ff.pairs.map((p) => p.cutoff));
  const minRepeats = o.minRepeats ?? Math.max(2, Math.ceil(8 / spacing - 1e-9));
  if (!Number.isInteger(minRepeats) || minRepeats < 1) throw new DomainError('INVALID_DOCUMENT', `surface option minRepeats must be a positive integer (got ${minRepeats})`, { path: `${path}/minRepeats` });
  return {
    tolerance: pos('tolerance', o.tolerance, 1e-3),
    relax: o.relax ?? true,
    minRepeats,
    maxThickness: pos('maxThickness', o.maxThickness, 60),
    vacuum: pos('vacuum', o.vacuum, Math.max(20, maxCut + 8)),
    accuracy: pos('coulombAccuracy', o.coulombAccuracy, ff.coulomb?.accuracy ?? 1e-8),
  };
}

/** E_surf of one slab: unrelaxed and (optionally) relaxed, J/m². */
export function slabSurfaceEnergy(
  model: EnergyModel,
  unitEnergy: number,
  slab: Slab,
  relax: boolean,
  relaxOptions: SurfaceOptions['relaxOptions'] = {},
): { unrelaxed: number; relaxed: number; structure: Structure; relaxConverged: boolean } {
  const e0 = model.compute(slab.structure, 0).energy;
  const per = (e: number): number => J((e - slab.repeats * unitEnergy) / (2 * slab.area));
  if (!relax) return { unrelaxed: per(e0), relaxed: per(e0), structure: slab.structure, relaxConverged: true };
  const r = relaxInP1(model, slab.structure, { checkStability: false, method: 'bfgs', ...relaxOptions, fixCell: true });
  return { unrelaxed: per(e0), relaxed: per(r.energy), structure: r.structure, relaxConverged: r.converged };
}

/**
 * Surface energy of `face` of the bulk crystal `bulk` (relaxed under `ff`) — see the module
 * comment. Throws POLAR_SURFACE for a polar face (or a polar termination without
 * `acceptDipole`), INVALID_DOCUMENT for an unknown termination index.
 */
export function surfaceEnergy(ff: ForceField, bulk: Structure, face: Face, options: SurfaceOptions = {}): SurfaceEnergyResult {
  const oriented: OrientedUnit = orientedUnit(bulk, face);
  const o = resolve(ff, options, oriented.spacing);
  const model = slabEnergyModel(ff, o.accuracy);
  const unitEnergy = bulkModel(ff, o.accuracy).compute(oriented.unit, 0).energy;
  const all: TerminationEnergy[] = terminations(oriented.unit, ff.charges);
  const name = `${formatFace(face.indices)}${options.structureId ? ` of ${options.structureId}` : ''}`;
  const path = options.path;
  const detail = { ...(path ? { path } : {}), ...(options.structureId ? { structure: options.structureId } : {}), face: face.indices };
  const warnings: string[] = [];

  let candidates: TerminationEnergy[];
  if (options.termination !== undefined) {
    const t = all[options.termination];
    if (!Number.isInteger(options.termination) || !t) {
      throw new DomainError('INVALID_DOCUMENT', `face ${name} has ${all.length} termination(s), numbered 0 to ${all.length - 1} (got ${options.termination}): ${all.map((x) => `${x.index}: ${x.label}, type ${x.tasker}`).join('; ')}`, { ...detail, path: `${path ?? ''}/termination` });
    }
    if (t.tasker === 'III' && !options.acceptDipole) {
      throw new DomainError('POLAR_SURFACE', `termination ${t.index} (${t.label}) of face ${name} is polar (Tasker type III, dipole ${t.dipole.toFixed(4)} e·Å per cell); set acceptDipole: true to compute it anyway`, detail);
    }
    if (t.tasker === 'III') warnings.push(`termination ${t.index} of ${name} is polar (Tasker III): its surface energy grows with the thickness`);
    candidates = [t];
  } else {
    candidates = all.filter((t) => t.tasker !== 'III');
    if (candidates.length === 0) {
      throw new DomainError('POLAR_SURFACE', `face ${name} is polar: every termination is Tasker type III (${all.map((x) => `${x.index}: ${x.label}, dipole ${x.dipole.toFixed(4)} e·Å`).join('; ')}); name a termination and set acceptDipole: true to compute it anyway`, detail);
    }
  }

  const step = (t: Termination, repeats: number): { s: ThicknessStep; structure: Structure; slab: Slab } => {
    throwIfAborted(options.signal);
    const slab = buildSlab(oriented.unit, t, repeats, o.vacuum);
    const r = slabSurfaceEnergy(model, unitEnergy, slab, o.relax, { ...options.relaxOptions, ...(options.signal ? { signal: options.signal } : {}), ...(options.structureId ? { structureId: options.structureId } : {}) });
    return { s: { repeats, atoms: slab.structure.numAtoms, energy: r.relaxed, unrelaxedEnergy: r.unrelaxed, relaxConverged: r.relaxConverged }, structure: r.structure, slab };
  };

  // choose the termination at the starting thickness
  let best: { t: TerminationEnergy; first: ReturnType<typeof step> } | undefined;
  for (const t of candidates) {
    const first = step(t, o.minRepeats);
    t.energy = first.s.energy;
    if (!best || first.s.energy < best.first.s.energy) best = { t, first };
  }
  const chosen = best!.t;
  const history: ThicknessStep[] = [best!.first.s];
  let last = best!.first;
  let converged = false;
  let change = NaN;
  for (let n = o.minRepeats + 1; (n - 1) * oriented.spacing <= o.maxThickness; n++) {
    const next = step(chosen, n);
    history.push(next.s);
    change = Math.max(Math.abs(next.s.energy - last.s.energy), Math.abs(next.s.unrelaxedEnergy - last.s.unrelaxedEnergy));
    last = next;
    if (change < o.tolerance) {
      converged = true;
      break;
    }
  }
  if (!converged) warnings.push(`E_surf of ${name} not converged to ${o.tolerance} J/m² by ${last.s.repeats} repeat units (last change ${change.toExponential(2)} J/m²)`);
  if (history.some((h) => !h.relaxConverged)) warnings.push(`a slab relaxation of ${name} did not converge`);
  return {
    face: [...face.indices],
    energy: last.s.energy,
    unrelaxedEnergy: last.s.unrelaxedEnergy,
    termination: chosen.index,
    terminationLabel: chosen.label,
    tasker: chosen.tasker,
    layers: last.s.repeats,
    planes: last.s.repeats * chosen.layers.length,
    converged,
    lastChange: change,
    tolerance: o.tolerance,
    thickness: last.slab.thickness,
    vacuum: o.vacuum,
    area: oriented.area,
    spacing: oriented.spacing,
    atoms: last.s.atoms,
    history,
    terminations: all,
    slab: last.structure,
    unit: oriented.unit,
    rotation: oriented.rotation,
    coulombAccuracy: o.accuracy,
    warnings,
  };
}
