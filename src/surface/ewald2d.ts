/**
 * The Coulomb energy of a slab periodic in two dimensions by the two-dimensional Ewald sum
 * (Parry, Surf. Sci. 49, 433 (1975); Heyes, Barber & Clarke,
 * J. Chem. Soc. Faraday Trans. 2 73, 1485 (1977)). It is the independent
 * route against which the production route (3-D Ewald with vacuum + dipole correction, `dipole.ts`)
 * is tested; energy only, O(N² N_G), for test-sized slabs.
 *
 * For charges qᵢ at (ρᵢ, zᵢ) in a cell of in-plane area A, T the in-plane lattice, G ≠ 0 its
 * reciprocal vectors, ρ = ρⱼ − ρᵢ, z = zⱼ − zᵢ and k the Coulomb constant,
 *   E = ½ k Σᵢⱼ Σ'_T qᵢqⱼ erfc(α|ρ + T, z|)/|ρ + T, z|
 *     + (πk/2A) Σᵢⱼ qᵢqⱼ Σ_G cos(G·ρ)/G · [e^{Gz} erfc(αz + G/2α) + e^{−Gz} erfc(−αz + G/2α)]
 *     − (πk/A) Σᵢⱼ qᵢqⱼ [z erf(αz) + e^{−α²z²}/(α√π)]
 *     − k α/√π Σᵢ qᵢ²
 * (the G = 0 term is the limit k_z → continuum of the 3-D reciprocal sum, regularised by charge
 * neutrality). The total does not depend on α; the in-plane sums are truncated at erfc(α r_c) and
 * e^{−G_c²/4α²} below ~1e-15.
 */
import type { Structure } from '../crystal/structure.js';
import { COULOMB_EV_ANGSTROM } from '../units/index.js';
import { atomCharges, erfc, erfcx } from '../potentials/ewald/index.js';

const SQRT_PI = Math.sqrt(Math.PI);

/** e^{a} erfc(w) without overflow. */
function expErfc(a: number, w: number): number {
  return w > 0 ? Math.exp(a - w * w) * erfcx(w) : Math.exp(a) * erfc(w);
}

/**
 * Coulomb energy (eV) of `slab` as a 2-D periodic system: the cell's first two rows are the
 * in-plane lattice (in the xy-plane); the third is ignored. `alpha` in Å⁻¹.
 */
export function ewald2dEnergy(slab: Structure, charges: Readonly<Record<string, number>>, alpha: number): number {
  const q = atomCharges(slab, charges);
  const n = slab.numAtoms;
  const x = slab.positions;
  const m = slab.lattice.matrix;
  const a1 = [m[0][0], m[0][1]], a2 = [m[1][0], m[1][1]];
  const area = Math.abs(a1[0]! * a2[1]! - a1[1]! * a2[0]!);
  const b1 = [(2 * Math.PI * a2[1]!) / area, (-2 * Math.PI * a2[0]!) / area];
  const b2 = [(-2 * Math.PI * a1[1]!) / area, (2 * Math.PI * a1[0]!) / area];
  const rc = 6.5 / alpha;
  const gc = 13 * alpha;
  const reach = (r: number, w: number): number => Math.ceil(r / w) + 1;
  const w1 = area / Math.hypot(a2[0]!, a2[1]!), w2 = area / Math.hypot(a1[0]!, a1[1]!);
  const rmax = Math.hypot(rc, 0) + Math.hypot(a1[0]! + a2[0]!, a1[1]! + a2[1]!);
  const n1 = reach(rmax, w1), n2 = reach(rmax, w2);
  let real = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const dx0 = x[3 * j]! - x[3 * i]!, dy0 = x[3 * j + 1]! - x[3 * i + 1]!, dz = x[3 * j + 2]! - x[3 * i + 2]!;
      if (Math.abs(dz) > rc) continue;
      for (let u = -n1; u <= n1; u++)
        for (let v = -n2; v <= n2; v++) {
          if (i === j && u === 0 && v === 0) continue;
          const dx = dx0 + u * a1[0]! + v * a2[0]!, dy = dy0 + u * a1[1]! + v * a2[1]!;
          const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
          if (r < rc) real += (q[i]! * q[j]! * erfc(alpha * r)) / r;
        }
    }
  real *= 0.5;
  const gb1 = Math.hypot(b1[0]!, b1[1]!), gb2 = Math.hypot(b2[0]!, b2[1]!);
  const k1 = Math.ceil(gc / (gb1 * Math.sin(angle(b1, b2)))) + 1, k2 = Math.ceil(gc / (gb2 * Math.sin(angle(b1, b2)))) + 1;
  let recip = 0;
  for (let u = -k1; u <= k1; u++)
    for (let v = -k2; v <= k2; v++) {
      if (u === 0 && v === 0) continue;
      const gx = u * b1[0]! + v * b2[0]!, gy = u * b1[1]! + v * b2[1]!;
      const g = Math.hypot(gx, gy);
      if (g > gc) continue;
      let s = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const dx = x[3 * j]! - x[3 * i]!, dy = x[3 * j + 1]! - x[3 * i + 1]!, z = x[3 * j + 2]! - x[3 * i + 2]!;
          const f = expErfc(g * z, alpha * z + g / (2 * alpha)) + expErfc(-g * z, -alpha * z + g / (2 * alpha));
          s += q[i]! * q[j]! * Math.cos(gx * dx + gy * dy) * f;
        }
      recip += s / g;
    }
  recip *= Math.PI / (2 * area);
  let zero = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const z = x[3 * j + 2]! - x[3 * i + 2]!;
      const erf = 1 - erfc(alpha * Math.abs(z));
      zero += q[i]! * q[j]! * (Math.abs(z) * erf + Math.exp(-alpha * alpha * z * z) / (alpha * SQRT_PI));
    }
  zero *= -Math.PI / area;
  let self = 0;
  for (let i = 0; i < n; i++) self += q[i]! * q[i]!;
  self *= -alpha / SQRT_PI;
  return COULOMB_EV_ANGSTROM * (real + recip + zero + self);
}

function angle(u: number[], v: number[]): number {
  return Math.acos((u[0]! * v[0]! + u[1]! * v[1]!) / (Math.hypot(u[0]!, u[1]!) * Math.hypot(v[0]!, v[1]!)));
}
