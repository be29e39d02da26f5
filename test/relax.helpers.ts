/**
 * Helpers for the relaxation tests: a small smooth ionic model with an exact Hessian (used where a
 * model independent of the production Ewald/pair code is wanted), and test cells.
 *
 * SmoothIonicModel: every pair (including self-images) interacts by
 *   φ(r) = k q_i q_j erfc(α r)/r + A exp(−r/ρ) − C/r⁶,
 * shifted to second order at the cut-off, φ_s(r) = φ(r) − φ(r_c) − (r − r_c) φ'(r_c) −
 * ½ (r − r_c)² φ''(r_c), so energy, forces and Hessian are continuous (C²). The damped Coulomb
 * term is the damped-shifted-force idea of Fennell & Gezelter (doi:10.1063/1.2206581); it is not
 * the Ewald energy but has the same structural physics, which is all these tests need.
 *
 * Derivatives of a pair (vector r = F d, d the reference separation, ρ = |r|, r̂ = r/ρ):
 *   G = φ' r̂,  K = φ'' r̂r̂ᵀ + (φ'/ρ)(I − r̂r̂ᵀ)
 *   ∂E/∂x_j = G = −∂E/∂x_i,  ∂E/∂e_k = G · D_k r
 *   ∂²E/∂x_j∂x_j = K, ∂²E/∂x_i∂x_j = −K
 *   ∂²E/∂x_j∂e_k = D_k G + K D_k r          (the D_k ∇E term of the contract)
 *   ∂²E/∂e_k∂e_l = (D_k r) · K (D_l r)
 */
import type { EnergyModel, EnergyResult, DerivativeOrder } from '../src/potentials/model.js';
import { emptyResult } from '../src/potentials/model.js';
import { forEachPair } from '../src/potentials/neighbours.js';
import type { Structure } from '../src/crystal/structure.js';
import { Structure as S } from '../src/crystal/structure.js';
import { Lattice } from '../src/crystal/lattice.js';
import { COULOMB_EV_ANGSTROM } from '../src/units/index.js';
import { VOIGT_PAIRS } from '../src/math/voigt.js';

/** erfc to ~1e-15: Taylor series of erf below 2.5, Lentz continued fraction above. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export interface SmoothPairSpec {
  species: [string, string];
  A: number;
  rho: number;
  C: number;
}

export class SmoothIonicModel implements EnergyModel {
  readonly name = 'smooth-ionic (test)';
  private readonly charges: Record<string, number>;
  private readonly pairs: Map<string, SmoothPairSpec>;
  readonly cutoff: number;
  readonly alpha: number;
  private readonly shift = new Map<string, [number, number, number]>();

  constructor(charges: Record<string, number>, pairs: SmoothPairSpec[], options: { cutoff?: number; alpha?: number } = {}) {
    this.charges = charges;
    this.pairs = new Map(pairs.map((p) => [key(p.species[0], p.species[1]), p]));
    this.cutoff = options.cutoff ?? 10;
    this.alpha = options.alpha ?? 0.3;
  }

  /** Unshifted φ, φ', φ'' at r for the species pair. */
  private raw(a: string, b: string, r: number): [number, number, number] {
    const qq = COULOMB_EV_ANGSTROM * (this.charges[a] ?? 0) * (this.charges[b] ?? 0);
    const al = this.alpha;
    const ec = erfc(al * r);
    const g = ((2 * al) / Math.sqrt(Math.PI)) * Math.exp(-al * al * r * r);
    let f = (qq * ec) / r;
    let f1 = qq * (-ec / (r * r) - g / r);
    let f2 = qq * ((2 * ec) / (r * r * r) + g * (2 / (r * r) + 2 * al * al));
    const p = this.pairs.get(key(a, b));
    if (p) {
      const ex = p.A * Math.exp(-r / p.rho);
      const r6 = r ** 6;
      f += ex - p.C / r6;
      f1 += -ex / p.rho + (6 * p.C) / (r6 * r);
      f2 += ex / (p.rho * p.rho) - (42 * p.C) / (r6 * r * r);
    }
    return [f, f1, f2];
  }

  private phi(a: string, b: string, r: number): [number, number, number] {
    const k = key(a, b);
    let s = this.shift.get(k);
    if (!s) {
      s = this.raw(a, b, this.cutoff);
      this.shift.set(k, s);
    }
    const [f, f1, f2] = this.raw(a, b, r);
    const d = r - this.cutoff;
    return [f - s[0] - d * s[1] - 0.5 * d * d * s[2], f1 - s[1] - d * s[2], f2 - s[2]];
  }

  compute(structure: Structure, order: DerivativeOrder = 0): EnergyResult {
    const n = structure.numAtoms;
    const res = emptyResult(n, order);
    const dim = 3 * n + 6;
    const sp = structure.species;
    const H = res.hessian;
    const Dr = [new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3)];
    const K = new Float64Array(9);
    forEachPair(structure, this.cutoff, (i, j, dx, dy, dz, r2) => {
      const rho = Math.sqrt(r2);
      const [f, f1, f2] = this.phi(sp[i]!, sp[j]!, rho);
      res.energy += f;
      if (order === 0) return;
      const r = [dx, dy, dz];
      const u = [dx / rho, dy / rho, dz / rho];
      const G = [f1 * u[0]!, f1 * u[1]!, f1 * u[2]!];
      const g = res.gradient!, st = res.strain!;
      if (i !== j) for (let k = 0; k < 3; k++) { g[3 * j + k]! += G[k]!; g[3 * i + k]! -= G[k]!; }
      // D_k r for the six Voigt components
      VOIGT_PAIRS.forEach(([a, b], k) => {
        const v = Dr[k]!;
        v.fill(0);
        if (a === b) v[a] = r[a]!;
        else { v[a] = 0.5 * r[b]!; v[b] = 0.5 * r[a]!; }
        st[k]! += G[0]! * v[0]! + G[1]! * v[1]! + G[2]! * v[2]!;
      });
      if (order < 2 || !H) return;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) K[3 * a + b] = f2 * u[a]! * u[b]! + (f1 / rho) * ((a === b ? 1 : 0) - u[a]! * u[b]!);
      const KDr = Dr.map((v) => [0, 1, 2].map((a) => K[3 * a]! * v[0]! + K[3 * a + 1]! * v[1]! + K[3 * a + 2]! * v[2]!));
      if (i !== j) {
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) {
            const kab = K[3 * a + b]!;
            H[(3 * j + a) * dim + 3 * j + b]! += kab;
            H[(3 * i + a) * dim + 3 * i + b]! += kab;
            H[(3 * i + a) * dim + 3 * j + b]! -= kab;
            H[(3 * j + a) * dim + 3 * i + b]! -= kab;
          }
        VOIGT_PAIRS.forEach(([p, q], k) => {
          // D_k G
          const DG = [0, 0, 0];
          if (p === q) DG[p] = G[p]!;
          else { DG[p] = 0.5 * G[q]!; DG[q] = 0.5 * G[p]!; }
          for (let a = 0; a < 3; a++) {
            const v = DG[a]! + KDr[k]![a]!;
            const col = 3 * n + k;
            H[(3 * j + a) * dim + col]! += v;
            H[col * dim + 3 * j + a]! += v;
            H[(3 * i + a) * dim + col]! -= v;
            H[col * dim + 3 * i + a]! -= v;
          }
        });
      }
      for (let k = 0; k < 6; k++)
        for (let l = 0; l < 6; l++) {
          const v = Dr[k]!, w = KDr[l]!;
          H[(3 * n + k) * dim + 3 * n + l]! += v[0]! * w[0]! + v[1]! * w[1]! + v[2]! * w[2]!;
        }
    });
    res.parts = { total: res.energy };
    return res;
  }
}

const key = (a: string, b: string): string => (a <= b ? `${a}-${b}` : `${b}-${a}`);

/** The published Pb-Se-Cd parameters in the smooth test model's form. */
export function smoothPublishedModel(): SmoothIonicModel {
  return new SmoothIonicModel({ Cd: 0.8, Pb: 0.8, Se: -0.8 }, [
    { species: ['Cd', 'Se'], A: 2.64e9, rho: 0.108, C: 64.4 },
    { species: ['Pb', 'Se'], A: 4.88e6, rho: 0.173, C: 211 },
    { species: ['Se', 'Se'], A: 5200, rho: 0.384, C: 127 },
  ]);
}

/** Primitive wurtzite (4 atoms): M at 2b (1/3, 2/3, 0), X at 2b (1/3, 2/3, u). */
export function wurtzite(a: number, c: number, u: number, m = 'Cd', x = 'Se'): Structure {
  const lat = Lattice.fromParameters({ a, b: a, c, alpha: 90, beta: 90, gamma: 120 });
  return S.fromFractional(lat, [m, m, x, x], [
    [1 / 3, 2 / 3, 0],
    [2 / 3, 1 / 3, 0.5],
    [1 / 3, 2 / 3, u],
    [2 / 3, 1 / 3, 0.5 + u],
  ]);
}

/** Conventional rock salt (8 atoms). */
export function rockSalt(a: number, m = 'Pb', x = 'Se'): Structure {
  const lat = Lattice.fromParameters({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
  const fcc = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
  return S.fromFractional(lat, [m, m, m, m, x, x, x, x], [...fcc, ...fcc.map((f) => [f[0]! + 0.5, f[1]!, f[2]!])].map((f) => f as [number, number, number]));
}

/** Apply a small strain and random-looking (deterministic) displacements. */
export function rattle(s: Structure, amplitude: number, strain = 0, seed = 1): Structure {
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const x = Float64Array.from(s.positions, (v) => v + 2 * amplitude * rand());
  const e = Array.from({ length: 6 }, () => 2 * strain * rand());
  const F = [
    [1 + e[0]!, e[5]! / 2, e[4]! / 2],
    [e[5]! / 2, 1 + e[1]!, e[3]! / 2],
    [e[4]! / 2, e[3]! / 2, 1 + e[2]!],
  ] as [[number, number, number], [number, number, number], [number, number, number]];
  return s.withPositions(x).deformed(F);
}
