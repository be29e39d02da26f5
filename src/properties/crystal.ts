/**
 * The crystal as the property calculators see it: a parsed `SymmetrizedCrystal` made ready for
 * calculation (`prepareCrystal`), relaxed (`relaxCrystal`) and described back in the terms of the
 * document (`describeCrystal`).
 *
 * ## Which cell
 *
 * Calculations run on the primitive cell when the conventional one is centred (F, I, A, B, C, R on
 * hexagonal axes): a quarter of the atoms of an F cell, a 64th of the Hessian. The primitive rows
 * are P · L_conv (`primitiveTransform`), in the same Cartesian frame, so Cartesian quantities
 * (stress, elastic constants, symmetry operations) are the same in both cells and per-formula-unit
 * energies and volumes are too. The conventional cell is recovered as L_conv = P⁻¹ L_prim.
 *
 * ## Symmetry and frame
 *
 * The space group's operations, converted to Cartesian form with the conventional lattice
 * (`cartesianOperations`, centring translations included), are valid for the primitive cell in the
 * same frame; the relaxation keeps them. Relaxing a structure with a symmetric deformation can turn
 * the cell (a leaves the x axis in low symmetry); the relaxed structure is rotated back so that its
 * conventional cell is in the standard orientation of `Lattice.fromParameters` (a along x, b in the
 * xy-plane, so c along z whenever α = β = 90°), the frame in which elastic constants are reported.
 * Operations are then recomputed from the relaxed conventional lattice (translations follow the
 * cell; rotations of a symmetry-keeping strain do not change).
 *
 * ## Sites
 *
 * Site s of the asymmetric unit is represented by the first atom that came from it (the identity
 * image, which the primitive reduction keeps). Its relaxed position in conventional fractional
 * coordinates, unwrapped to lie next to the input coordinates, is the relaxed site. A site's z is
 * free when every operation fixing the site maps the c axis onto itself (R·(0,0,1)ᵀ = (0,0,1)ᵀ in
 * fractional form): the Wyckoff positions 2b of P6₃mc (x = 1/3, y = 2/3, z free) but not 2c of
 * P6₃/mmc (z = 1/4 fixed by the mirror).
 */
import { DomainError } from '../errors.js';
import { Lattice } from '../crystal/lattice.js';
import { Structure, composition } from '../crystal/structure.js';
import { applyOperation, cartesianOperations, centringMultiplicity, primitiveTransform, toPrimitive } from '../crystal/expand.js';
import type { SpaceGroup } from '../crystal/spacegroups/index.js';
import type { SymmetrizedCrystal } from '../crystal/crystal.js';
import { type Mat3, type Vec3, identity3, inv3, mul3, transpose3, vecMat } from '../math/linalg.js';
import type { EnergyModel } from '../potentials/model.js';
import { relax } from '../relaxation/index.js';
import { type BranchRelaxResult, type KinkMode, relaxAcrossKinks } from '../relaxation/branch.js';
import type { CartesianOperation, RelaxOptions, RelaxResult } from '../relaxation/types.js';
import type { ForceField } from '../potentials/forcefield.js';
import { rng } from '../math/random.js';

export interface PrepareOptions {
  /** Compute on the primitive cell of a centred lattice (default true) or on the conventional cell. */
  primitive?: boolean;
  /**
   * Relax without symmetry (P1): every coordinate and strain free, to expose instabilities the
   * space group hides (default false: keep the space group).
   */
  p1?: boolean;
  /**
   * With `p1`: displace every atom by a small deterministic pseudo-random amount (Å, default 0.01)
   * so that a symmetric saddle point, where the forces vanish by symmetry, relaxes away.
   */
  rattle?: number;
}

export interface PreparedCrystal {
  readonly input: SymmetrizedCrystal;
  readonly id: string;
  readonly spaceGroup: SpaceGroup;
  /** The cell the calculations use (primitive when the conventional one is centred and `primitive`). */
  readonly structure: Structure;
  /** True when `structure` is a primitive cell smaller than the conventional one. */
  readonly primitive: boolean;
  /** Rows of `structure`'s lattice = transform · conventional rows. */
  readonly transform: Mat3;
  /** Formula units in `structure`. */
  readonly z: number;
  /** Cartesian operations of the space group in the frame of `structure`. */
  readonly operations: readonly CartesianOperation[];
  /** Asymmetric-unit site of each atom of `structure`. */
  readonly siteOfAtom: readonly number[];
  /** For each asymmetric-unit site, the atom of `structure` that represents it. */
  readonly representative: readonly number[];
  /** For each asymmetric-unit site, whether its z coordinate is free by symmetry. */
  readonly freeZ: readonly boolean[];
}

/** A geometry of a prepared crystal: its computational cell and the conventional lattice. */
export interface CrystalGeometry {
  readonly prepared: PreparedCrystal;
  /** Computational cell (same atoms and order as `prepared.structure`), standard orientation. */
  readonly structure: Structure;
  /** The conventional lattice of `structure`. */
  readonly conventionalLattice: Lattice;
}

export interface CrystalWarning {
  kind: string;
  message: string;
}

export interface RelaxedCrystal extends CrystalGeometry {
  /** External pressure of the relaxation, eV/Å³. */
  pressure: number;
  /** Energy of the computational cell, eV. */
  energy: number;
  /** E + pV of the computational cell, eV. */
  enthalpy: number;
  energyPerFormulaUnit: number;
  enthalpyPerFormulaUnit: number;
  /** Å³ per formula unit */
  volumePerFormulaUnit: number;
  /** Hydrostatic pressure −tr(σ)/3 of the relaxed structure, eV/Å³ (≈ `pressure` when converged). */
  measuredPressure: number;
  /** False also when relaxation was switched off. */
  converged: boolean;
  relaxed: boolean;
  iterations: number;
  maxForce: number;
  /** Largest component of σ + p, eV/Å³. */
  maxStress: number;
  warnings: CrystalWarning[];
  /** Operations in the frame of `structure`. */
  operations: readonly CartesianOperation[];
}

export interface CrystalRelaxOptions extends Omit<RelaxOptions, 'operations' | 'pressure'> {
  /** External pressure, eV/Å³ (default 0). */
  pressure?: number;
  /** Start from this geometry (a previous relaxed one: warm start) instead of the input. */
  start?: CrystalGeometry;
  /** false: evaluate at the start geometry without relaxing (default true). */
  relax?: boolean;
  /**
   * On a cut-off kink, return the stress-free stationary point of one branch (`mode:
   * 'stationary'`, relaxation/branch.ts: needs the force field `model` was built from, to move its
   * cut-offs) instead of the lowest-enthalpy point (the default).
   */
  kink?: { mode: KinkMode; forceField: ForceField };
}

/** Site positions in the conventional cell and cell parameters, as the document gives them. */
export interface CrystalDescription {
  cell: { a: number; b: number; c: number; alpha: number; beta: number; gamma: number };
  sites: { species: string; frac: Vec3 }[];
  /** Wurtzite-type internal parameter z(anion) − z(cation), fraction of c, in [0, 1). */
  u?: number;
  /** Å³ per formula unit */
  volumePerFormulaUnit: number;
}

const isIdentity = (m: Readonly<Mat3>, tol = 1e-12): boolean =>
  m.every((row, i) => row.every((x, j) => Math.abs(x - (i === j ? 1 : 0)) <= tol));

/** Fractional difference a − b wrapped to [−½, ½). */
const wrapDelta = (d: number): number => d - Math.round(d);

/** The crystal ready for calculation. Throws INVALID_STRUCTURE if the centring is not there. */
export function prepareCrystal(input: SymmetrizedCrystal, options: PrepareOptions = {}): PreparedCrystal {
  const sg = input.spaceGroup;
  const conv = input.structure;
  const centred = centringMultiplicity(sg.centring, sg.rhombohedralAxes) > 1;
  const usePrimitive = (options.primitive ?? true) && centred;
  let structure = conv;
  let transform = identity3();
  let fromConventional = conv.species.map((_, i) => i);
  if (usePrimitive) {
    const p = toPrimitive(conv, sg.centring, sg.rhombohedralAxes);
    structure = p.structure;
    fromConventional = p.fromConventional;
    transform = primitiveTransform(sg.centring, sg.rhombohedralAxes);
  }
  const siteOfAtom = fromConventional.map((i) => input.siteOfAtom[i]!);
  const representative = input.sites.map((_, s) => {
    const a = siteOfAtom.indexOf(s);
    if (a < 0) throw new DomainError('INVALID_STRUCTURE', `site ${s} of ${input.id} has no atom in the cell`, { structure: input.id });
    return a;
  });
  const freeZ = input.sites.map((site) => {
    const f = site.frac as Vec3;
    return sg.operations.every((op) => {
      const img = applyOperation(op, f);
      const fixes = img.every((x, k) => Math.abs(wrapDelta(x - f[k]!)) < 1e-6);
      return !fixes || (op.rot[2] === 0 && op.rot[5] === 0 && op.rot[8] === 1);
    });
  });
  if (options.p1 && (options.rattle ?? 0.01) > 0) structure = rattled(structure, options.rattle ?? 0.01);
  const z = (input.z * structure.numAtoms) / conv.numAtoms;
  if (Math.abs(z - Math.round(z)) > 1e-9 || composition(structure.species).formula !== input.formula) {
    throw new DomainError('INVALID_STRUCTURE', `the primitive cell of ${input.id} does not hold whole formula units`, { structure: input.id });
  }
  return {
    input,
    id: input.id,
    spaceGroup: sg,
    structure,
    primitive: usePrimitive,
    transform,
    z: Math.round(z),
    operations: options.p1 ? [] : distinctOperations(cartesianOperations(sg, conv.lattice), structure),
    siteOfAtom,
    representative,
    freeZ,
  };
}

/** The conventional lattice of a computational cell: L_conv = P⁻¹ L. */
export function conventionalLatticeOf(prepared: PreparedCrystal, structure: Structure): Lattice {
  if (!prepared.primitive) return structure.lattice;
  return Lattice.fromVectors(mul3(inv3(prepared.transform), structure.lattice.matrix as Mat3));
}

/**
 * The geometry rotated (about the origin) so that its conventional cell is in the standard
 * orientation: rows L_std = L_conv Qᵀ with L_std = `Lattice.fromParameters` of the same cell.
 * Returns the input when it is already standard (to 1e-12).
 */
export function standardOrientation(prepared: PreparedCrystal, structure: Structure): CrystalGeometry {
  const conv = conventionalLatticeOf(prepared, structure);
  const std = Lattice.fromParameters(conv.parameters);
  const Qt = mul3(inv3(conv.matrix as Mat3), std.matrix as Mat3);
  if (isIdentity(Qt)) return { prepared, structure, conventionalLattice: conv };
  const rotated = structure.deformed(transpose3(Qt));
  return { prepared, structure: rotated, conventionalLattice: conventionalLatticeOf(prepared, rotated) };
}

/** Geometry of the prepared crystal as input (no relaxation). */
export function inputGeometry(prepared: PreparedCrystal): CrystalGeometry {
  return standardOrientation(prepared, prepared.structure);
}

/** A geometry scaled isotropically so that its volume is multiplied by `volumeFactor`. */
export function scaledCrystal(geometry: CrystalGeometry, volumeFactor: number): CrystalGeometry {
  const s = Math.cbrt(volumeFactor);
  const F: Mat3 = [[s, 0, 0], [0, s, 0], [0, 0, s]];
  const structure = geometry.structure.deformed(F);
  return { prepared: geometry.prepared, structure, conventionalLattice: conventionalLatticeOf(geometry.prepared, structure) };
}

/**
 * Relax the crystal at `pressure` keeping its space group, from the input geometry or from
 * `start`. Non-convergence is reported (`converged: false` and a warning), not thrown; errors of
 * the model or the optimiser (NUMERICAL_FAILURE, INVALID_STRUCTURE, CANCELLED) are thrown.
 */
export function relaxCrystal(model: EnergyModel, prepared: PreparedCrystal, options: CrystalRelaxOptions = {}): RelaxedCrystal {
  const { start, relax: doRelax = true, pressure = 0, kink, ...relaxOptions } = options;
  const from = start ?? inputGeometry(prepared);
  if (from.prepared !== prepared && from.prepared.id !== prepared.id) throw new RangeError('the start geometry belongs to another crystal');
  const ops = prepared.operations.length === 0 ? [] : operationsOf(prepared.spaceGroup, from.conventionalLattice, from.structure.lattice);
  let structure = from.structure;
  let converged = false;
  let iterations = 0;
  const warnings: CrystalWarning[] = [];
  if (doRelax) {
    const settings = { structureId: prepared.id, ...relaxOptions, pressure, operations: ops };
    const r: RelaxResult & Partial<BranchRelaxResult> = kink?.mode === 'stationary' ? relaxAcrossKinks(kink.forceField, from.structure, { ...settings, kink: 'stationary', model }) : relax(model, from.structure, settings);
    structure = r.structure;
    converged = r.converged;
    iterations = r.iterations;
    warnings.push(...r.warnings.map((w) => ({ kind: w.kind, message: w.message })));
    if (r.kink?.mode === 'stationary' && r.kink.cutoffs) {
      const cuts = Object.entries(r.kink.cutoffs).map(([pair, c]) => `${pair} ${c.toFixed(4)} Å`).join(', ');
      warnings.push({ kind: 'cutoff-stationary', message: `${prepared.id}: the lowest enthalpy lies on a cut-off kink (${r.kink.pairs!.join(', ')} shells at the cut-off); options.kink 'stationary': the stress-free stationary point of the branch whose shells lie inside ${cuts} is returned (the true cut-offs give the same energy there)` });
    } else if (r.kink?.note) {
      warnings.push({ kind: 'cutoff-stationary', message: `${prepared.id}: options.kink 'stationary': ${r.kink.note}` });
    }
  } else {
    warnings.push(notRelaxedWarning(prepared.id));
  }
  return relaxedCrystalAt(model, prepared, structure, { pressure, converged, relaxed: doRelax, iterations, warnings });
}

/** The warning of a crystal evaluated where it was given (`relax: false`). */
export const notRelaxedWarning = (id: string): CrystalWarning => ({ kind: 'not-relaxed', message: `${id}: evaluated at the given geometry without relaxation (options.relax is false)` });

/** How a geometry was reached: what `relaxedCrystalAt` reports with it. */
export interface RelaxationStatus {
  /** eV/Å³ */
  pressure: number;
  converged: boolean;
  relaxed: boolean;
  iterations: number;
  warnings: CrystalWarning[];
}

/**
 * The crystal at a geometry reached elsewhere (a relaxation of the fitter, or `relaxCrystal`):
 * rotated to the standard orientation, with its energy, enthalpy and residual stress.
 * `structure` has the atoms of `prepared.structure`, in its frame or rotated.
 */
export function relaxedCrystalAt(model: EnergyModel, prepared: PreparedCrystal, structure: Structure, status: RelaxationStatus): RelaxedCrystal {
  const { pressure: pEv, converged, relaxed, iterations, warnings } = status;
  const geometry = standardOrientation(prepared, structure);
  const e = model.compute(geometry.structure, 1);
  const V = geometry.structure.lattice.volume;
  let maxForce = 0;
  for (let i = 0; i < e.gradient!.length; i++) maxForce = Math.max(maxForce, Math.abs(e.gradient![i]!));
  let maxStress = 0;
  for (let k = 0; k < 6; k++) maxStress = Math.max(maxStress, Math.abs(e.strain![k]! / V + (k < 3 ? pEv : 0)));
  const measuredPressure = -(e.strain![0]! + e.strain![1]! + e.strain![2]!) / (3 * V);
  if (!Number.isFinite(e.energy)) throw new DomainError('NUMERICAL_FAILURE', `non-finite energy for ${prepared.id} after relaxation`, { structure: prepared.id });
  const z = prepared.z;
  return {
    ...geometry,
    pressure: pEv,
    energy: e.energy,
    enthalpy: e.energy + pEv * V,
    energyPerFormulaUnit: e.energy / z,
    enthalpyPerFormulaUnit: (e.energy + pEv * V) / z,
    volumePerFormulaUnit: V / z,
    measuredPressure,
    converged,
    relaxed,
    iterations,
    maxForce,
    maxStress,
    warnings,
    operations: operationsOf(prepared.spaceGroup, geometry.conventionalLattice),
  };
}

/**
 * The Cartesian operations of a space group on a conventional lattice (`cartesianOperations`),
 * and with a cell lattice, those distinct modulo that cell (`distinctOperations`): remembered per
 * lattice object, since a relaxation starts where the previous one ended (a transition walk, a
 * warm start) and asks for the operations of the lattice it was given.
 */
const operationCache = new WeakMap<Lattice, Map<SpaceGroup, { all: CartesianOperation[]; distinct: WeakMap<Lattice, CartesianOperation[]> }>>();

function operationsOf(sg: SpaceGroup, conventional: Lattice, cell?: Lattice): CartesianOperation[] {
  let bySg = operationCache.get(conventional);
  if (!bySg) operationCache.set(conventional, (bySg = new Map()));
  let entry = bySg.get(sg);
  if (!entry) bySg.set(sg, (entry = { all: cartesianOperations(sg, conventional), distinct: new WeakMap() }));
  if (!cell) return entry.all;
  let distinct = entry.distinct.get(cell);
  if (!distinct) entry.distinct.set(cell, (distinct = distinctOperations(entry.all, { lattice: cell })));
  return distinct;
}

/**
 * Cell parameters of the conventional cell, the relaxed asymmetric unit in conventional fractional
 * coordinates, u (two sites, both with free z: z(anion) − z(cation) when `charges` tell which is
 * the anion, else z(second) − z(first), wrapped into [0, 1)), and the volume per formula unit.
 */
export function describeCrystal(geometry: CrystalGeometry, charges?: Readonly<Record<string, number>>): CrystalDescription {
  const { prepared, structure, conventionalLattice } = geometry;
  const p = conventionalLattice.parameters;
  const sites = prepared.input.sites.map((site, s) => {
    const a = prepared.representative[s]!;
    const f = conventionalLattice.cartToFrac(structure.position(a));
    const f0 = site.frac;
    const frac: Vec3 = [0, 1, 2].map((k) => f0[k]! + wrapDelta(f[k]! - f0[k]!)) as Vec3;
    return { species: site.species, frac: frac.map((x) => (Math.abs(x) < 1e-14 ? 0 : x)) as Vec3 };
  });
  const out: CrystalDescription = {
    cell: { a: p.a, b: p.b, c: p.c, alpha: p.alpha, beta: p.beta, gamma: p.gamma },
    sites,
    volumePerFormulaUnit: structure.lattice.volume / prepared.z,
  };
  if (sites.length === 2 && prepared.freeZ[0] && prepared.freeZ[1]) {
    const an = anionSite(sites, charges);
    const cat = 1 - an;
    const u = sites[an]!.frac[2] - sites[cat]!.frac[2];
    out.u = u - Math.floor(u);
  }
  return out;
}

/** Of two sites, the anion: the first when the charges say it is negative and the second positive, else the second. */
export function anionSite(sites: readonly { species: string }[], charges?: Readonly<Record<string, number>>): 0 | 1 {
  return charges && (charges[sites[0]!.species] ?? 0) < 0 && (charges[sites[1]!.species] ?? 0) > 0 ? 0 : 1;
}

/** Positions of the conventional cell at a geometry (all atoms), for reports and checks. */
export function conventionalStructure(geometry: CrystalGeometry): Structure {
  const { prepared, structure, conventionalLattice } = geometry;
  if (!prepared.primitive) return structure;
  const input = prepared.input.structure;
  // every conventional atom is a primitive atom plus a lattice vector of the primitive cell: map
  // through the input, where both are known, by fractional coordinates of the primitive cell
  const inLat = prepared.structure.lattice;
  const frac: Vec3[] = [];
  for (let i = 0; i < input.numAtoms; i++) {
    const f = inLat.cartToFrac(input.position(i));
    let best = -1, bestD = Infinity, shift: Vec3 = [0, 0, 0];
    for (let a = 0; a < prepared.structure.numAtoms; a++) {
      if (prepared.structure.species[a] !== input.species[i]) continue;
      const g = inLat.cartToFrac(prepared.structure.position(a));
      const d: Vec3 = [f[0] - g[0], f[1] - g[1], f[2] - g[2]];
      const n: Vec3 = [Math.round(d[0]), Math.round(d[1]), Math.round(d[2])];
      const r = Math.hypot(...vecMat([d[0] - n[0], d[1] - n[1], d[2] - n[2]], inLat.matrix));
      if (r < bestD) { bestD = r; best = a; shift = n; }
    }
    const g = structure.lattice.cartToFrac(structure.position(best));
    frac.push(conventionalLattice.cartToFrac(structure.lattice.fracToCart([g[0] + shift[0], g[1] + shift[1], g[2] + shift[2]])));
  }
  return Structure.fromFractional(conventionalLattice, input.species, frac);
}

/**
 * The operations distinct modulo the lattice of `cell`: in a primitive cell the centring
 * translations are lattice translations, so an F-centred group's 192 operations reduce to 48.
 */
export function distinctOperations(ops: readonly CartesianOperation[], cell: Pick<Structure, 'lattice'>): CartesianOperation[] {
  const out: CartesianOperation[] = [];
  const inv = cell.lattice.inverse;
  const same = (a: CartesianOperation, b: CartesianOperation): boolean => {
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (Math.abs(a.R[i]![j]! - b.R[i]![j]!) > 1e-8) return false;
    const d = [a.t[0] - b.t[0], a.t[1] - b.t[1], a.t[2] - b.t[2]];
    for (let k = 0; k < 3; k++) {
      const f = d[0]! * inv[0][k] + d[1]! * inv[1][k] + d[2]! * inv[2][k];
      if (Math.abs(f - Math.round(f)) > 1e-8) return false;
    }
    return true;
  };
  for (const op of ops) if (!out.some((o) => same(o, op))) out.push(op);
  return out;
}

/** The structure with every atom displaced by up to ±amplitude Å (deterministic: same input, same output). */
function rattled(structure: Structure, amplitude: number): Structure {
  const next = rng(0x9e3779b9);
  return structure.withPositions(Array.from(structure.positions, (x) => x + amplitude * (2 * next() - 1)));
}
