/**
 * Real-space part of the Ewald sum (Ewald, doi:10.1002/andp.19213690304).
 *
 * Each point charge is screened by a Gaussian cloud of the opposite charge with width 1/(α√2);
 * the screened charges interact through
 *   φ(r) = k qᵢqⱼ erfc(αr)/r,
 * which decays like e^{−α²r²}, so the sum over pairs and lattice images converges absolutely and
 * is cut at r_c:
 *   E_real = Σ_{pairs (i, j, T), |r_j + T − r_i| < r_c} k qᵢqⱼ erfc(αr)/r · w(r),
 * each unordered pair (including an atom with its own images, T ≠ 0) counted once, with the taper
 * w = 1 for r ≤ r₁ = (1 − EWALD_TAPER) r_c and w = s((r_c − r)/(r_c − r₁)) beyond (s the quintic
 * smooth step, parameters.ts), so that the sum is twice differentiable although pairs cross r_c.
 *
 * ## Derivatives of the pair term
 *
 * With d = r_j + T − r_i, r = |d| and c = k qᵢqⱼ:
 *   φ'(r)  = −c [erfc(αr)/r² + (2α/√π) e^{−α²r²}/r]
 *   φ''(r) =  c [2 erfc(αr)/r³ + (2α/√π) e^{−α²r²} (2/r² + 2α²)]
 * (in the taper φ stands for φw, with (φw)' = φ'w + φw' and (φw)'' = φ''w + 2φ'w' + φw''), and,
 * writing B = φ'/r and A = (φ'' − φ'/r)/r²,
 *   ∂φ/∂d_a = B d_a,    ∂²φ/∂d_a∂d_b = K_ab = A d_a d_b + B δ_ab.
 * Since d depends on r_j − r_i only, atom j gets +B d and atom i gets −B d, and the four 3×3
 * blocks of H_rr are (i,i) = (j,j) = K, (i,j) = (j,i) = −K. An atom with its own image (i = j)
 * contributes to the energy and the strain terms only.
 *
 * ## Strain
 *
 * Under F = I + Σ_k e_k D_k (math/voigt.ts) the pair vector is carried, d' = F d, so
 * ∂d/∂e_k = D_k d and ∂²d/∂e_k∂e_l = 0. For k = (p, q), d·D_k d = d_p d_q =: v_k. Hence
 *   ∂φ/∂e_k         = B v_k
 *   ∂²φ/∂e_k∂e_l     = (D_k d)·K·(D_l d) = A v_k v_l + B d·D_k D_l·d
 *   ∂²φ/∂d_a∂e_k     = ∂/∂e_k (Fᵀ ∇φ(F d))_a = (D_k ∇φ)_a + (K D_k d)_a
 *                    = A d_a v_k + B (δ_ap d_q + δ_aq d_p)
 * (the first term of the mixed derivative is the D_k ∇E term of the contract, model.ts). The
 * contraction d·D_k D_l·d is `strainContraction` applied to Σ B d ⊗ d, whose Voigt components are
 * the strain derivatives themselves.
 */
import type { Structure } from '../../crystal/structure.js';
import type { DerivativeOrder, EnergyResult } from '../model.js';

import { forEachPair } from '../neighbours.js';
import { COULOMB_EV_ANGSTROM } from '../../units/index.js';
import { erfcx } from './erfc.js';
import { type EwaldParameters, EWALD_TAPER, addBlock, smoothStep, strainContraction } from './parameters.js';
import { EwaldTerm } from './term.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * Add the real-space energy (and, up to `order`, its derivatives) of atoms with charges `q` to
 * `out`, which must have been allocated for this structure and order (`emptyResult`).
 */
export function addEwaldReal(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void {
  const n = structure.numAtoms;
  const dim = 3 * n + 6;
  const alpha = p.alpha;
  const a2x2 = 2 * alpha * alpha;
  const c2a = TWO_OVER_SQRT_PI * alpha;
  const grad = order >= 1 ? out.gradient! : undefined;
  const h = order >= 2 ? out.hessian! : undefined;
  // acc[0] energy, acc[1..6] strain derivatives (= Voigt components of Σ B d⊗d),
  // acc[7..42] Σ A v vᵀ (6×6); re: the position-strain block, (3N)×6
  const acc = new Float64Array(43);
  const re = order >= 2 ? new Float64Array(3 * n * 6) : undefined;
  const v = new Float64Array(6); // per-pair scratch: Voigt components of d ⊗ d
  const t = new Float64Array(18); // per-pair scratch: the 3×6 position-strain block of atom j
  const w = new Float64Array(3); // per-pair scratch: taper s, s', s''
  const rc = p.realCutoff;
  const r1 = (1 - EWALD_TAPER) * rc;
  const iDelta = 1 / (rc - r1);

  if (rc > 0) {
    forEachPair(structure, rc, (i, j, dx, dy, dz, r2) => {
      const qq = q[i]! * q[j]!;
      if (qq === 0) return;
      const c = COULOMB_EV_ANGSTROM * qq;
      const r = Math.sqrt(r2);
      const ir = 1 / r;
      const ar = alpha * r;
      const gauss = Math.exp(-ar * ar);
      let phi = (c * erfcx(ar) * gauss) * ir; // c erfc(αr)/r
      const tapered = r > r1;
      if (tapered) smoothStep((rc - r) * iDelta, w);
      if (grad === undefined) {
        acc[0]! += tapered ? phi * w[0]! : phi;
        return;
      }
      const cg = c * c2a * gauss;
      let dphi = -(phi + cg) * ir; // φ'
      let d2phi = 0;
      if (h !== undefined) d2phi = 2 * phi * ir * ir + cg * (2 * ir * ir + a2x2); // φ''
      if (tapered) {
        // φ w: (φw)' = φ'w + φw', (φw)'' = φ''w + 2φ'w' + φw'', with w' = −s'/Δ, w'' = s''/Δ²
        const w0 = w[0]!, w1 = -w[1]! * iDelta, w2 = w[2]! * iDelta * iDelta;
        d2phi = d2phi * w0 + 2 * dphi * w1 + phi * w2;
        dphi = dphi * w0 + phi * w1;
        phi *= w0;
      }
      acc[0]! += phi;
      const B = dphi * ir; // φ'/r
      const vxx = dx * dx, vyy = dy * dy, vzz = dz * dz, vyz = dy * dz, vxz = dx * dz, vxy = dx * dy;
      acc[1]! += B * vxx;
      acc[2]! += B * vyy;
      acc[3]! += B * vzz;
      acc[4]! += B * vyz;
      acc[5]! += B * vxz;
      acc[6]! += B * vxy;
      if (i !== j) {
        const gx = B * dx, gy = B * dy, gz = B * dz;
        grad[3 * j]! += gx;
        grad[3 * j + 1]! += gy;
        grad[3 * j + 2]! += gz;
        grad[3 * i]! -= gx;
        grad[3 * i + 1]! -= gy;
        grad[3 * i + 2]! -= gz;
      }
      if (h === undefined) return;

      const A = (d2phi - B) * ir * ir;
      v[0] = vxx; v[1] = vyy; v[2] = vzz; v[3] = vyz; v[4] = vxz; v[5] = vxy;
      for (let k = 0; k < 6; k++) {
        const Av = A * v[k]!;
        for (let l = 0; l < 6; l++) acc[7 + 6 * k + l]! += Av * v[l]!;
      }
      if (i === j) return;

      // position-position: K = A d dᵀ + B I into (i,i), (j,j) and −K into (i,j), (j,i)
      const Kxx = A * vxx + B, Kyy = A * vyy + B, Kzz = A * vzz + B, Kxy = A * vxy, Kxz = A * vxz, Kyz = A * vyz;
      addBlock(h, 3 * i * dim + 3 * i, dim, Kxx, Kyy, Kzz, Kyz, Kxz, Kxy);
      addBlock(h, 3 * j * dim + 3 * j, dim, Kxx, Kyy, Kzz, Kyz, Kxz, Kxy);
      addBlock(h, 3 * i * dim + 3 * j, dim, -Kxx, -Kyy, -Kzz, -Kyz, -Kxz, -Kxy);
      addBlock(h, 3 * j * dim + 3 * i, dim, -Kxx, -Kyy, -Kzz, -Kyz, -Kxz, -Kxy);
      // position-strain: A d_a v_k + B (δ_ap d_q + δ_aq d_p) on atom j, the negative on atom i
      const Bdx = B * dx, Bdy = B * dy, Bdz = B * dz;
      for (let a = 0; a < 3; a++) {
        const Ada = A * (a === 0 ? dx : a === 1 ? dy : dz);
        for (let k = 0; k < 6; k++) t[6 * a + k] = Ada * v[k]!;
      }
      t[0]! += 2 * Bdx; t[4]! += Bdz; t[5]! += Bdy; // a = x: k = xx, xz, xy
      t[7]! += 2 * Bdy; t[9]! += Bdz; t[11]! += Bdx; // a = y: k = yy, yz, xy
      t[14]! += 2 * Bdz; t[15]! += Bdy; t[16]! += Bdx; // a = z: k = zz, yz, xz
      const rj = 18 * j, ri = 18 * i;
      for (let m = 0; m < 18; m++) {
        re![rj + m]! += t[m]!;
        re![ri + m]! -= t[m]!;
      }
    });
  }

  out.energy += acc[0]!;
  out.parts.coulomb = (out.parts.coulomb ?? 0) + acc[0]!;
  if (order >= 1) for (let k = 0; k < 6; k++) out.strain![k]! += acc[1 + k]!;
  if (h !== undefined) {
    const m = acc.subarray(1, 7);
    const o = 3 * n;
    for (let k = 0; k < 6; k++)
      for (let l = 0; l < 6; l++) h[(o + k) * dim + o + l]! += acc[7 + 6 * k + l]! + strainContraction(m, k, l);
    for (let r = 0; r < 3 * n; r++)
      for (let k = 0; k < 6; k++) {
        h[r * dim + o + k]! += re![6 * r + k]!;
        h[(o + k) * dim + r]! += re![6 * r + k]!;
      }
  }
}

/** The real-space Ewald term alone, as an energy model (parts: `coulomb`). */
export class EwaldReal extends EwaldTerm {
  readonly name = 'coulomb-real';

  protected add(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void {
    addEwaldReal(structure, q, p, order, out);
  }
}
