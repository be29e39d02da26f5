/**
 * The dipole correction that turns a three-dimensional Ewald sum over a slab with vacuum into the
 * energy of the isolated, two-dimensionally periodic slab (Yeh & Berkowitz, J. Chem. Phys. 111,
 * 3155 (1999), doi:10.1063/1.479595; the slab limit of de Leeuw, Perram & Smith's surface term).
 *
 * The tin-foil Ewald sum of a cell periodic in z leaves out the energy of the macroscopic field of
 * a stack of slabs with dipole M_z = Σᵢ qᵢ zᵢ per cell; for a stack of planar layers that term is
 *   E_dc = 2π k M_z² / V        (V the cell volume including the vacuum).
 * With it, the sum equals the 2-D Ewald sum of the slab up to terms that vanish exponentially
 * with the vacuum width (tested in test/surface-coulomb.test.ts against the 2-D route, `ewald2d.ts`).
 *
 * Derivatives (contract of potentials/model.ts, E(x, e) with F = I + ε(e), x ↦ F x, V = V₀ det F):
 *   ∂E/∂x_{i,a}   = 2πk · 2 M qᵢ δ_az / V
 *   H(ia, jb)     = 2πk · 2 qᵢ q_j δ_az δ_bz / V
 *   M_k = ∂M/∂e_k = Σᵢ qᵢ (D_k xᵢ)_z,  V_k = V tr D_k,  V_kl = V (tr D_k tr D_l − tr D_k D_l)
 *   ∂E/∂e_k       = 2πk (2 M M_k / V − M² V_k / V²)
 *   ∂²E/∂e_k∂e_l  = 2πk (2 M_k M_l / V − 2 M (M_k V_l + M_l V_k) / V² − M² V_kl / V² + 2 M² V_k V_l / V³)
 *   H(ia, e_k)    = 2πk · 2 qᵢ (M_k δ_az + M (D_k)_{za} − M δ_az V_k / V) / V
 * (F is linear in e, so M has no second strain derivative.) The slab normal must be z: the
 * cell's third row is (0, 0, L_z) and the first two lie in the xy-plane (`slab.ts`).
 */
import type { Structure } from '../crystal/structure.js';
import { COULOMB_EV_ANGSTROM } from '../units/index.js';
import { STRAIN_BASIS } from '../math/voigt.js';
import { type DerivativeOrder, type EnergyModel, type EnergyResult, emptyResult } from '../potentials/model.js';
import { atomCharges, checkCharges } from '../potentials/ewald/parameters.js';

export class DipoleCorrection implements EnergyModel {
  readonly name = 'dipole-correction';
  readonly charges: Readonly<Record<string, number>>;

  constructor(charges: Record<string, number>) {
    this.charges = checkCharges(charges);
  }

  compute(structure: Structure, order: DerivativeOrder = 0): EnergyResult {
    const n = structure.numAtoms;
    const q = atomCharges(structure, this.charges);
    const x = structure.positions;
    const V = structure.lattice.volume;
    const c = 2 * Math.PI * COULOMB_EV_ANGSTROM;
    let M = 0;
    for (let i = 0; i < n; i++) M += q[i]! * x[3 * i + 2]!;
    const out = emptyResult(n, order);
    out.energy = (c * M * M) / V;
    out.parts.coulomb = out.energy;
    if (order === 0) return out;
    const D = STRAIN_BASIS;
    const tr = D.map((d) => d[0][0] + d[1][1] + d[2][2]);
    const Mk = D.map((d) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += q[i]! * (d[2][0] * x[3 * i]! + d[2][1] * x[3 * i + 1]! + d[2][2] * x[3 * i + 2]!);
      return s;
    });
    const Vk = tr.map((t) => V * t);
    const g = out.gradient!;
    for (let i = 0; i < n; i++) g[3 * i + 2] = (2 * c * M * q[i]!) / V;
    for (let k = 0; k < 6; k++) out.strain![k] = c * ((2 * M * Mk[k]!) / V - (M * M * Vk[k]!) / (V * V));
    if (order < 2) return out;
    const h = out.hessian!;
    const dim = 3 * n + 6;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) h[(3 * i + 2) * dim + 3 * j + 2] = (2 * c * q[i]! * q[j]!) / V;
    for (let k = 0; k < 6; k++) {
      const col = 3 * n + k;
      for (let i = 0; i < n; i++)
        for (let a = 0; a < 3; a++) {
          const v = ((2 * c * q[i]!) / V) * ((a === 2 ? Mk[k]! - (M * Vk[k]!) / V : 0) + M * D[k]![2][a]);
          h[(3 * i + a) * dim + col] = v;
          h[col * dim + 3 * i + a] = v;
        }
      for (let l = 0; l < 6; l++) {
        let trkl = 0;
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) trkl += D[k]![a][b] * D[l]![b][a];
        const Vkl = V * (tr[k]! * tr[l]! - trkl);
        h[col * dim + 3 * n + l] =
          c * ((2 * Mk[k]! * Mk[l]!) / V - (2 * M * (Mk[k]! * Vk[l]! + Mk[l]! * Vk[k]!)) / (V * V) - (M * M * Vkl) / (V * V) + (2 * M * M * Vk[k]! * Vk[l]!) / (V * V * V));
      }
    }
    return out;
  }
}
