/**
 * Reciprocal-space part of the Ewald sum (Ewald, doi:10.1002/andp.19213690304; de Leeuw, Perram &
 * Smith, doi:10.1098/rspa.1980.0135, for the tin-foil boundary used here).
 *
 * The Gaussian clouds that screen the charges in real space (real.ts) are added back as a smooth
 * periodic charge density, whose energy is a rapidly converging Fourier series over the
 * reciprocal lattice G = h b₁ + k b₂ + l b₃ (a_i·b_j = 2π δ_ij):
 *   E_recip = (2πk/V) Σ_{G≠0} g(G²) |S(G)|²,   g(u) = e^{−u/4α²}/u,   S(G) = Σⱼ qⱼ e^{iG·rⱼ}.
 * The summand is even in G, so we sum over the half space (h > 0, or h = 0 and k > 0, or
 * h = k = 0 and l > 0) and double: with C = Σ qⱼ cos θⱼ, S = Σ qⱼ sin θⱼ, θⱼ = G·rⱼ,
 *   E_recip = Σ_{G ∈ half, |G| < G_c} W_G g(G²),   W_G = (4πk/V)(C² + S²),
 * where g carries the taper of parameters.ts, g(u) → g(u) s((G_c² − u)/(G_c² − G₁²)) for
 * u > G₁² = (1 − EWALD_TAPER)² G_c², so that the sum stays twice differentiable while G vectors
 * cross G_c under strain; below, g' and g'' are those of the tapered g.
 * The phases e^{iθⱼ} = e^{2πi h fⱼ₁} e^{2πi k fⱼ₂} e^{2πi l fⱼ₃} are products of per-atom tables,
 * built once per call from the fractional coordinates.
 *
 * Charged cell. The G = 0 term diverges as Q²/G² (Q = Σq); a uniform neutralising background
 * removes the divergence and leaves the finite part of the Gaussian-screened term,
 *   (2πk/V) Q² lim_{G→0} (g(G²) − 1/G²) = −π k Q² / (2 V α²)  =: E_bg,
 * which makes the total independent of α for any cell. It is included here, as the G = 0 term.
 *
 * ## Positions
 *
 * With ∂C/∂rⱼ = −qⱼ sin θⱼ G and ∂S/∂rⱼ = qⱼ cos θⱼ G,
 *   ∂E/∂rⱼ = Σ_G (4πk/V) g bⱼ G,                bⱼ = 2qⱼ (S cos θⱼ − C sin θⱼ),
 *   ∂²E/∂rᵢ∂rⱼ = Σ_G (4πk/V) g 2qᵢqⱼ cos(θᵢ − θⱼ) G Gᵀ   (i ≠ j),
 * and the diagonal blocks follow from translation invariance, H_ii = −Σ_{j≠i} H_ij (which is the
 * same as differentiating the δ_ij term −2qⱼ(C cos θⱼ + S sin θⱼ) G Gᵀ).
 *
 * ## Strain
 *
 * Under F = I + ε (math/voigt.ts) the atoms move to F r and the reciprocal lattice to F⁻ᵀ G, so
 * every phase G·r and hence S(G) is unchanged: the strain enters only through
 *   V(e) = V det F    and    u_G(e) = |F⁻ᵀG|² = Gᵀ F⁻² G = Gᵀ (I − 2ε + 3ε² − ...) G.
 * So, at fixed reference positions x, E(x, e) = P(e) Σ_G W_G(x) g(u_G(e)) with P = 1/det F,
 * whose derivatives at e = 0 are (t_k = tr D_k, τ_kl = tr D_k D_l, v_k = G_p G_q for k = (p, q))
 *   P_k = −t_k,            P_kl = t_k t_l + τ_kl,
 *   u_k = −2 v_k,          u_kl = 6 G·D_k D_l·G.
 * Differentiating the product, with g' and g'' the derivatives of g(u):
 *   ∂E/∂e_k      = −t_k E − 2 Σ W g' v_k
 *   ∂²E/∂e_k∂e_l = (t_k t_l + τ_kl) E + 2 t_k Σ W g' v_l + 2 t_l Σ W g' v_k
 *                  + 4 Σ W g'' v_k v_l + 6 Σ W g' G·D_k D_l·G
 *   ∂²E/∂xⱼ∂e_k  = −t_k ∂E/∂xⱼ − 2 Σ_G (4πk/V) g' v_k bⱼ G
 * where g' = −g (1/4α² + 1/u), g'' = g [(1/4α² + 1/u)² + 1/u²] (times the taper, by the product
 * rule, near G_c), and the sums run over the half space as above. Because E(x, e) is written in
 * the reference positions, the last line is exactly the contract's H_re = ∂/∂e_k (Fᵀ ∇E(F x)).
 * The background term is P(e) E_bg and joins E in the first two lines.
 */
import type { Structure } from '../../crystal/structure.js';
import type { DerivativeOrder, EnergyResult } from '../model.js';

import { COULOMB_EV_ANGSTROM } from '../../units/index.js';
import { type EwaldParameters, EWALD_TAPER, STRAIN_TRACE, addBlock, smoothStep, strainContraction } from './parameters.js';
import { EwaldTerm } from './term.js';

const TWO_PI = 2 * Math.PI;

/** Per-atom phase table e^{2πi m f} for m = −mmax..mmax (or 0..mmax), atom-minor. */
function phaseTable(frac: Float64Array, n: number, axis: number, mmin: number, mmax: number): { cos: Float64Array; sin: Float64Array } {
  const rows = mmax - mmin + 1;
  const cos = new Float64Array(rows * n);
  const sin = new Float64Array(rows * n);
  for (let m = mmin; m <= mmax; m++)
    for (let j = 0; j < n; j++) {
      const th = TWO_PI * m * frac[3 * j + axis]!;
      cos[(m - mmin) * n + j] = Math.cos(th);
      sin[(m - mmin) * n + j] = Math.sin(th);
    }
  return { cos, sin };
}

/**
 * Add the reciprocal-space energy, including the neutralising-background term of a charged cell
 * (and, up to `order`, their derivatives), of atoms with charges `q` to `out`, which must have
 * been allocated for this structure and order (`emptyResult`).
 */
export function addEwaldReciprocal(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void {
  const n = structure.numAtoms;
  const dim = 3 * n + 6;
  const lattice = structure.lattice;
  const volume = lattice.volume;
  const alpha = p.alpha;
  const inv4a2 = 1 / (4 * alpha * alpha);
  const pref = (4 * Math.PI * COULOMB_EV_ANGSTROM) / volume;

  let qTotal = 0;
  for (let j = 0; j < n; j++) qTotal += q[j]!;
  let energy = qTotal === 0 ? 0 : (-Math.PI * COULOMB_EV_ANGSTROM * qTotal * qTotal) / (2 * volume * alpha * alpha);

  const grad = order >= 1 ? new Float64Array(3 * n) : undefined;
  const m6 = new Float64Array(6); // Σ W g' v
  const q66 = order >= 2 ? new Float64Array(36) : undefined; // Σ W g'' v vᵀ
  const tre = order >= 2 ? new Float64Array(18 * n) : undefined; // Σ (4πk/V) g' bⱼ G_a v_k
  const pairs = order >= 2 ? new Float64Array(6 * n * n) : undefined; // Σ (4πk/V) g qᵢqⱼ cos(θᵢ−θⱼ) G Gᵀ, i < j

  const gc = p.reciprocalCutoff;
  if (gc > 0) {
    const L = lattice.matrix;
    const R = lattice.reciprocal;
    const gc2 = gc * gc;
    const u1 = (1 - EWALD_TAPER) * (1 - EWALD_TAPER) * gc2;
    const iDeltaU = 1 / (gc2 - u1);
    const w = new Float64Array(3); // taper s, s', s''
    // scalars, not a destructured array: the array's element kind (small integers or doubles)
    // varies between calls, and each change threw away the optimised code of this function
    const h1 = Math.floor((gc * Math.hypot(L[0][0], L[0][1], L[0][2])) / TWO_PI);
    const h2 = Math.floor((gc * Math.hypot(L[1][0], L[1][1], L[1][2])) / TWO_PI);
    const h3 = Math.floor((gc * Math.hypot(L[2][0], L[2][1], L[2][2])) / TWO_PI);
    // fractional coordinates wrapped into [0, 1): exact for integer (h, k, l), and precise
    const frac = structure.fractional;
    for (let i = 0; i < frac.length; i++) frac[i] = frac[i]! - Math.floor(frac[i]!);
    const t1 = phaseTable(frac, n, 0, 0, h1);
    const t2 = phaseTable(frac, n, 1, -h2, h2);
    const t3 = phaseTable(frac, n, 2, -h3, h3);
    const b1 = R[0], b2 = R[1], b3 = R[2];
    const b3b3 = b3[0] * b3[0] + b3[1] * b3[1] + b3[2] * b3[2];

    const zc = new Float64Array(n), zs = new Float64Array(n); // phases of (h, k, 0)
    const qc = new Float64Array(n), qs = new Float64Array(n); // qⱼ cos θⱼ, qⱼ sin θⱼ
    const v = new Float64Array(6);

    for (let h = 0; h <= h1; h++) {
      for (let k = h === 0 ? 0 : -h2; k <= h2; k++) {
        const g0x = h * b1[0] + k * b2[0], g0y = h * b1[1] + k * b2[1], g0z = h * b1[2] + k * b2[2];
        // the l with |G₀ + l b₃| < G_c form an interval (roots of a quadratic in l)
        const bq = g0x * b3[0] + g0y * b3[1] + g0z * b3[2];
        const disc = bq * bq - b3b3 * (g0x * g0x + g0y * g0y + g0z * g0z - gc2);
        if (disc < 0) continue;
        const sq = Math.sqrt(disc);
        let lo = Math.max(-h3, Math.ceil((-bq - sq) / b3b3) - 1);
        const hi = Math.min(h3, Math.floor((-bq + sq) / b3b3) + 1);
        if (h === 0 && k === 0) lo = Math.max(lo, 1);
        if (lo > hi) continue;
        const o1 = h * n, o2 = (k + h2) * n;
        for (let j = 0; j < n; j++) {
          const c1 = t1.cos[o1 + j]!, s1 = t1.sin[o1 + j]!, c2 = t2.cos[o2 + j]!, s2 = t2.sin[o2 + j]!;
          zc[j] = c1 * c2 - s1 * s2;
          zs[j] = s1 * c2 + c1 * s2;
        }
        for (let l = lo; l <= hi; l++) {
          const gx = g0x + l * b3[0], gy = g0y + l * b3[1], gz = g0z + l * b3[2];
          const u = gx * gx + gy * gy + gz * gz;
          if (!(u < gc2) || u === 0) continue;
          const o3 = (l + h3) * n;
          let C = 0, S = 0;
          for (let j = 0; j < n; j++) {
            const c3 = t3.cos[o3 + j]!, s3 = t3.sin[o3 + j]!;
            const qj = q[j]!;
            const c = qj * (zc[j]! * c3 - zs[j]! * s3);
            const s = qj * (zs[j]! * c3 + zc[j]! * s3);
            qc[j] = c;
            qs[j] = s;
            C += c;
            S += s;
          }
          const iu = 1 / u;
          let g = Math.exp(-u * inv4a2) * iu;
          const tapered = u > u1;
          if (tapered) smoothStep((gc2 - u) * iDeltaU, w);
          const W = pref * (C * C + S * S);
          if (grad === undefined) {
            energy += tapered ? W * g * w[0]! : W * g;
            continue;
          }
          const tg = inv4a2 + iu;
          let gp = -g * tg;
          let gpp = g * (tg * tg + iu * iu);
          if (tapered) {
            // g w: (gw)' = g'w + gw', (gw)'' = g''w + 2g'w' + gw'', with w' = −s'/Δu, w'' = s''/Δu²
            const w0 = w[0]!, w1 = -w[1]! * iDeltaU, w2 = w[2]! * iDeltaU * iDeltaU;
            gpp = gpp * w0 + 2 * gp * w1 + g * w2;
            gp = gp * w0 + g * w1;
            g *= w0;
          }
          energy += W * g;

          v[0] = gx * gx; v[1] = gy * gy; v[2] = gz * gz; v[3] = gy * gz; v[4] = gx * gz; v[5] = gx * gy;
          const Wgp = W * gp;
          for (let a = 0; a < 6; a++) m6[a]! += Wgp * v[a]!;
          const pg = pref * g;
          const pgp = pref * gp;
          for (let j = 0; j < n; j++) {
            const b = 2 * (S * qc[j]! - C * qs[j]!);
            const f = pg * b;
            grad[3 * j]! += f * gx;
            grad[3 * j + 1]! += f * gy;
            grad[3 * j + 2]! += f * gz;
            if (tre === undefined) continue;
            const fp = pgp * b;
            const o = 18 * j;
            const fx = fp * gx, fy = fp * gy, fz = fp * gz;
            for (let a = 0; a < 6; a++) {
              tre[o + a]! += fx * v[a]!;
              tre[o + 6 + a]! += fy * v[a]!;
              tre[o + 12 + a]! += fz * v[a]!;
            }
          }
          if (q66 === undefined) continue;

          const Wgpp = W * gpp;
          for (let a = 0; a < 6; a++) {
            const x = Wgpp * v[a]!;
            for (let b = 0; b < 6; b++) q66[6 * a + b]! += x * v[b]!;
          }
          for (let i = 0; i < n; i++) {
            const ci = pg * qc[i]!, si = pg * qs[i]!;
            for (let j = i + 1; j < n; j++) {
              const w = ci * qc[j]! + si * qs[j]!;
              const o = 6 * (i * n + j);
              pairs![o]! += w * v[0]!;
              pairs![o + 1]! += w * v[1]!;
              pairs![o + 2]! += w * v[2]!;
              pairs![o + 3]! += w * v[3]!;
              pairs![o + 4]! += w * v[4]!;
              pairs![o + 5]! += w * v[5]!;
            }
          }
        }
      }
    }
  }

  out.energy += energy;
  out.parts.coulomb = (out.parts.coulomb ?? 0) + energy;
  if (grad === undefined) return;
  const strain = out.strain!;
  for (let k = 0; k < 6; k++) strain[k]! += -STRAIN_TRACE[k]! * energy - 2 * m6[k]!;
  const gout = out.gradient!;
  for (let r = 0; r < 3 * n; r++) gout[r]! += grad[r]!;
  if (order < 2) return;

  const h = out.hessian!;
  const o = 3 * n;
  for (let k = 0; k < 6; k++) {
    const tk = STRAIN_TRACE[k]!;
    for (let l = 0; l < 6; l++) {
      const tl = STRAIN_TRACE[l]!;
      h[(o + k) * dim + o + l]! +=
        (tk * tl + strainContraction(STRAIN_TRACE, k, l)) * energy +
        2 * tk * m6[l]! +
        2 * tl * m6[k]! +
        4 * q66![6 * k + l]! +
        6 * strainContraction(m6, k, l);
    }
  }
  for (let r = 0; r < 3 * n; r++)
    for (let k = 0; k < 6; k++) {
      const x = -STRAIN_TRACE[k]! * grad[r]! - 2 * tre![6 * r + k]!;
      h[r * dim + o + k]! += x;
      h[(o + k) * dim + r]! += x;
    }
  // position-position: 2 × pairs into (i,j) and (j,i), minus it into (i,i) and (j,j)
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = 6 * (i * n + j);
      const xx = 2 * pairs![s]!, yy = 2 * pairs![s + 1]!, zz = 2 * pairs![s + 2]!;
      const yz = 2 * pairs![s + 3]!, xz = 2 * pairs![s + 4]!, xy = 2 * pairs![s + 5]!;
      addBlock(h, 3 * i * dim + 3 * j, dim, xx, yy, zz, yz, xz, xy);
      addBlock(h, 3 * j * dim + 3 * i, dim, xx, yy, zz, yz, xz, xy);
      addBlock(h, 3 * i * dim + 3 * i, dim, -xx, -yy, -zz, -yz, -xz, -xy);
      addBlock(h, 3 * j * dim + 3 * j, dim, -xx, -yy, -zz, -yz, -xz, -xy);
    }
}

/** The reciprocal-space Ewald term (with the background of a charged cell) alone, as an energy model. */
export class EwaldReciprocal extends EwaldTerm {
  readonly name = 'coulomb-reciprocal';

  protected add(structure: Structure, q: Float64Array, p: EwaldParameters, order: DerivativeOrder, out: EnergyResult): void {
    addEwaldReciprocal(structure, q, p, order, out);
  }
}
