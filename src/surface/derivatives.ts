/**
 * Derivatives of the relaxed surface energy with respect to force-field parameters, for fits.
 *
 * At a thickness of n repeat units (termination and n held fixed, so γ is smooth in p)
 *   γ(p) = [E_s(x_s*(p), h_s(p), p) − n E_u(θ_b*(p), p)] / (2 A(p)),
 * with E_s the slab energy at its relaxed ions x_s* in the in-plane cell h_s of the relaxed bulk,
 * E_u the bulk energy of one repeat unit at the relaxed bulk θ_b* (ions and strain) and A the area.
 *
 * Slab. The ions are relaxed at fixed cell, ∂E_s/∂x = 0 there, so (Hellmann-Feynman) the slab's
 * ionic response dx_s/dp drops out and only the parameter and cell terms remain:
 *   dE_s/dp_k = ∂E_s/∂p_k + Σ_q σ_q δe_q,    σ_q = ∂E_s/∂e_q (the slab's surface stress, ≠ 0).
 * The cell moves because the bulk it is cut from is strained: the bulk's strain response de_b/dp_k
 * (from the bulk relaxation's implicit-function solve, `relaxation/response.ts`) is the tensor
 * ε_b in the bulk frame, R ε_b Rᵀ in the slab frame (R the rows of the slab frame, `orient.ts`).
 * The in-plane vectors v₁, v₂ change their metric by 2 vᵢ·ε vⱼ, which only the in-plane block
 * (xx, yy, xy) of R ε_b Rᵀ sees: δe = (ε_xx, ε_yy, 0, 0, 0, 2ε_xy) of the slab. The cell height
 * changes with the spacing too, but that only widens the vacuum, on which E_s does not depend once
 * converged (test/surface.test.ts), and the ions follow through their relaxation (no term).
 *
 * Bulk. dE_u/dp_k = (N_u/N_b) dE_b/dp_k with dE_b/dp_k = ∂E_b/∂p_k + ∂E_b/∂θ · dθ_b/dp_k (the
 * last term vanishes at zero pressure), the per-cell total derivative the fitter computes anyway.
 *
 * Area. dA/dp_k = A (δe_xx + δe_yy).
 *
 *   dγ/dp_k = [dE_s/dp_k − n dE_u/dp_k] / (2A) − γ (δe_xx + δe_yy).
 *
 * Charges (`Cd.charge`, docs/fitsuite.md). ∂E_s/∂p_k of a charge along its tie direction v: the
 * slab's Coulomb energy (3-D Ewald at fixed α and cut-offs, and the dipole correction 2πk M_z²/V,
 * M_z = Σ q z) is a quadratic form in the charges, so ∂E_s/∂p = E(q + v) − E(q) − E(v) exactly,
 * term by term (`ewaldChargeDerivatives`; the same identity for the dipole term); the pair terms
 * do not depend on the charges. Everything else is as above.
 *
 * Checked against central differences of the fully relaxed γ (bulk and slab relaxed again at
 * p ± h) in test/surface-fit.test.ts (charges: test/fit-charges.test.ts).
 */
import type { Structure } from '../crystal/structure.js';
import type { Mat3 } from '../math/linalg.js';
import { strainTensor } from '../math/voigt.js';
import { EV_PER_A2_PER_J_PER_M2 } from '../units/index.js';
import { type ForceField, parseChargeName } from '../potentials/index.js';
import { chargeDirections, ewaldChargeDerivatives } from '../potentials/ewald/charges.js';
import { slabEnergyModel } from './energy.js';
import { DipoleCorrection } from './dipole.js';

/** What the derivative needs of a relaxed surface energy (a `SurfaceEnergyResult` has it all). */
export interface RelaxedSurface {
  /** Relaxed γ, J/m². */
  energy: number;
  /** The relaxed slab (cell fixed from the bulk). */
  slab: Structure;
  /** The bulk repeat unit (for its atom count). */
  unit: Structure;
  /** Repeat units of the slab. */
  layers: number;
  /** In-plane area, Å². */
  area: number;
  rotation: Mat3;
  coulombAccuracy: number;
}

/** The relaxed bulk's response to the parameters, per parameter, for the cell it was relaxed in. */
export interface BulkResponse {
  /** Atoms of that cell. */
  atoms: number;
  /** Total dE_b/dp_k of that cell, eV per unit of p_k. */
  dEnergy: ArrayLike<number>;
  /** Strain response de_b/dp_k (engineering Voigt, the bulk's Cartesian frame). */
  dStrain: readonly ArrayLike<number>[];
}

/** dγ/dp_k for each of `names`, J/m² per unit of p_k (see the module comment). */
export function surfaceEnergyDerivatives(ff: ForceField, surface: RelaxedSurface, names: readonly string[], bulk: BulkResponse): Float64Array {
  const model = slabEnergyModel(ff, surface.coulombAccuracy);
  const sigma = model.compute(surface.slab, 1).strain!;
  const pairNames = names.filter((n) => parseChargeName(n) === undefined);
  const pairPd = model.parameterDerivatives(surface.slab, pairNames);
  const dEnergy = names.map((n) => {
    const sp = parseChargeName(n);
    return sp === undefined ? pairPd.dEnergy[pairNames.indexOf(n)]! : slabChargeDerivative(ff, surface, sp);
  });
  const pd = { dEnergy };
  const R = surface.rotation;
  const gamma = surface.energy * EV_PER_A2_PER_J_PER_M2; // eV/Å²
  const ratio = surface.unit.numAtoms / bulk.atoms;
  const out = new Float64Array(names.length);
  for (let k = 0; k < names.length; k++) {
    const eb = strainTensor(bulk.dStrain[k]!);
    // in-plane block of R ε Rᵀ
    const es = (a: number, b: number): number => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += R[a][i] * eb[i][j] * R[b][j];
      return s;
    };
    const exx = es(0, 0), eyy = es(1, 1), exy = es(0, 1);
    const dEs = pd.dEnergy[k]! + sigma[0]! * exx + sigma[1]! * eyy + sigma[5]! * 2 * exy;
    const dEu = ratio * bulk.dEnergy[k]!;
    const dGamma = (dEs - surface.layers * dEu) / (2 * surface.area) - gamma * (exx + eyy);
    out[k] = dGamma / EV_PER_A2_PER_J_PER_M2;
  }
  return out;
}

/** ∂E_slab/∂q_f at the relaxed slab along the tie direction of the free charge `species` (exact). */
function slabChargeDerivative(ff: ForceField, surface: RelaxedSurface, species: string): number {
  const ties = ff.chargeTies;
  const k = ties?.free.indexOf(species) ?? -1;
  if (!ties || k < 0) throw new RangeError(`unknown parameter ${species}.charge`);
  const v = chargeDirections(ties)[k]!;
  const slab = surface.slab;
  const coulomb = ewaldChargeDerivatives(slab, ff.charges, [v], 0, { accuracy: surface.coulombAccuracy }).dEnergy[0]!;
  const full = (q: Record<string, number>): Record<string, number> => Object.fromEntries(slab.species.map((s) => [s, q[s] ?? 0]));
  const plus = Object.fromEntries(Object.entries(full(ff.charges)).map(([s, q]) => [s, q + (v[s] ?? 0)]));
  const dipole = (q: Record<string, number>): number => new DipoleCorrection(q).compute(slab, 0).energy;
  return coulomb + dipole(plus) - dipole(full(ff.charges)) - dipole(full(v));
}
