/**
 * The shared contract suite for energy models (see src/potentials/model.ts for the contract).
 *
 * Every analytic derivative is compared with a central finite difference of the quantity it
 * differentiates, on rattled, strained, low-symmetry cells:
 *   gradient     = central difference of E in x
 *   strain       = central difference of E(F(e) x) in e
 *   H_rr         = central difference of the gradient in x
 *   H_re         = central difference in e of ∂E/∂x = Fᵀ ∇E(F x)
 *   H_ee         = second central difference of E(F(e) x) in e
 * and the physical invariants: forces sum to zero, translation invariance, a supercell gives n
 * times the energy.
 */
import { describe, it, expect } from 'vitest';
import type { EnergyModel } from '../../src/potentials/model.js';
import { Structure } from '../../src/crystal/structure.js';
import { deformation } from '../../src/math/voigt.js';
import { TOL, close } from './tolerances.js';

/** E(x, e): energy of the structure deformed by F(e) with reference positions x. */
export function energyAt(model: EnergyModel, s: Structure, x: Float64Array, e: number[]): number {
  return model.compute(s.withPositions(x).deformed(deformation(e)), 0).energy;
}

/** ∂E/∂x at (x, e) = Fᵀ ∇E(F x). */
export function gradAt(model: EnergyModel, s: Structure, x: Float64Array, e: number[]): Float64Array {
  const F = deformation(e);
  const g = model.compute(s.withPositions(x).deformed(F), 1).gradient!;
  const out = new Float64Array(g.length);
  for (let a = 0; a < g.length; a += 3)
    for (let k = 0; k < 3; k++) out[a + k] = F[0][k] * g[a]! + F[1][k] * g[a + 1]! + F[2][k] * g[a + 2]!;
  return out;
}

function mismatch(label: string, analytic: ArrayLike<number>, numeric: ArrayLike<number>, rel: number, abs: number): string[] {
  const bad: string[] = [];
  for (let i = 0; i < analytic.length; i++) {
    if (!close(analytic[i]!, numeric[i]!, rel, abs)) bad.push(`${label}[${i}]: analytic ${analytic[i]} vs numeric ${numeric[i]}`);
  }
  return bad.slice(0, 10);
}

export interface ContractOptions {
  /** position step, Å */
  hx?: number;
  /** strain step */
  he?: number;
  rel?: number;
  abs?: number;
  /** skip the (slow) Hessian checks */
  skipHessian?: boolean;
  /** supercell check repetition */
  supercell?: [number, number, number];
}

export function runContractSuite(name: string, model: () => EnergyModel, structures: Record<string, () => Structure>, opts: ContractOptions = {}): void {
  const hx = opts.hx ?? 1e-5;
  const he = opts.he ?? 1e-5;
  const rel = opts.rel ?? TOL.finiteDifferenceRel;
  const abs = opts.abs ?? TOL.finiteDifferenceAbs;

  describe(`energy-model contract: ${name}`, () => {
    for (const [label, make] of Object.entries(structures)) {
      describe(label, () => {
        it('gradient equals the central difference of the energy', () => {
          const m = model(), s = make();
          const g = m.compute(s, 1).gradient!;
          const x = Float64Array.from(s.positions);
          const num = new Float64Array(x.length);
          const e0 = [0, 0, 0, 0, 0, 0];
          for (let i = 0; i < x.length; i++) {
            const xp = Float64Array.from(x); xp[i]! += hx;
            const xm = Float64Array.from(x); xm[i]! -= hx;
            num[i] = (energyAt(m, s, xp, e0) - energyAt(m, s, xm, e0)) / (2 * hx);
          }
          expect(mismatch('gradient', g, num, rel, abs)).toEqual([]);
        });

        it('strain derivatives equal the difference of strained energies', () => {
          const m = model(), s = make();
          const d = m.compute(s, 1).strain!;
          const x = Float64Array.from(s.positions);
          const num = new Float64Array(6);
          for (let k = 0; k < 6; k++) {
            const ep = [0, 0, 0, 0, 0, 0]; ep[k] = he;
            const em = [0, 0, 0, 0, 0, 0]; em[k] = -he;
            num[k] = (energyAt(m, s, x, ep) - energyAt(m, s, x, em)) / (2 * he);
          }
          expect(mismatch('strain', d, num, rel, abs)).toEqual([]);
        });

        if (!opts.skipHessian) {
          it('second derivatives equal differences of first derivatives', () => {
            const m = model(), s = make();
            const n = s.numAtoms, dim = 3 * n + 6;
            const h = m.compute(s, 2).hessian!;
            const x = Float64Array.from(s.positions);
            const bad: string[] = [];
            // position-position and position-strain columns, from the gradient
            for (let c = 0; c < dim; c++) {
              let gp: Float64Array, gm: Float64Array, step: number;
              if (c < 3 * n) {
                const xp = Float64Array.from(x); xp[c]! += hx;
                const xm = Float64Array.from(x); xm[c]! -= hx;
                gp = gradAt(m, s, xp, [0, 0, 0, 0, 0, 0]); gm = gradAt(m, s, xm, [0, 0, 0, 0, 0, 0]); step = hx;
              } else {
                const ep = [0, 0, 0, 0, 0, 0]; ep[c - 3 * n] = he;
                const em = [0, 0, 0, 0, 0, 0]; em[c - 3 * n] = -he;
                gp = gradAt(m, s, x, ep); gm = gradAt(m, s, x, em); step = he;
              }
              const col = new Float64Array(3 * n), num = new Float64Array(3 * n);
              for (let r = 0; r < 3 * n; r++) { col[r] = h[r * dim + c]!; num[r] = (gp[r]! - gm[r]!) / (2 * step); }
              bad.push(...mismatch(`H[:,${c}]`, col, num, rel * 10, abs * 10));
            }
            // strain-strain block from second differences of the energy
            const E = (e: number[]): number => energyAt(m, s, x, e);
            const hs = 1e-4;
            for (let k = 0; k < 6; k++)
              for (let l = 0; l < 6; l++) {
                const pp = [0, 0, 0, 0, 0, 0], pm = [0, 0, 0, 0, 0, 0], mp = [0, 0, 0, 0, 0, 0], mm = [0, 0, 0, 0, 0, 0];
                pp[k]! += hs; pp[l]! += hs; pm[k]! += hs; pm[l]! -= hs; mp[k]! -= hs; mp[l]! += hs; mm[k]! -= hs; mm[l]! -= hs;
                const num = (E(pp) - E(pm) - E(mp) + E(mm)) / (4 * hs * hs);
                const a = h[(3 * n + k) * dim + 3 * n + l]!;
                if (!close(a, num, 1e-5, 1e-4)) bad.push(`H_ee[${k},${l}]: analytic ${a} vs numeric ${num}`);
              }
            // symmetry
            for (let i = 0; i < dim; i++)
              for (let j = 0; j < i; j++)
                if (!close(h[i * dim + j]!, h[j * dim + i]!, 1e-10, 1e-10)) bad.push(`asymmetric H[${i},${j}]`);
            expect(bad.slice(0, 20)).toEqual([]);
          });
        }

        it('forces sum to zero', () => {
          const g = model().compute(make(), 1).gradient!;
          for (let k = 0; k < 3; k++) {
            let sum = 0;
            for (let a = k; a < g.length; a += 3) sum += g[a]!;
            expect(Math.abs(sum)).toBeLessThan(TOL.forceSum * Math.max(1, g.length));
          }
        });

        it('energy is invariant under translation', () => {
          const m = model(), s = make();
          const t = [0.3141, -0.2718, 0.1618];
          const x = Float64Array.from(s.positions, (v, i) => v + t[i % 3]!);
          expect(Math.abs(m.compute(s.withPositions(x), 0).energy - m.compute(s, 0).energy)).toBeLessThan(TOL.invarianceEvPerAtom * s.numAtoms);
        });

        it('a supercell gives n times the energy', () => {
          const m = model(), s = make();
          const rep = opts.supercell ?? [2, 1, 2];
          const n = rep[0] * rep[1] * rep[2];
          const e1 = m.compute(s, 0).energy;
          const en = m.compute(s.supercell(rep), 0).energy;
          expect(Math.abs(en - n * e1)).toBeLessThan(TOL.invarianceEvPerAtom * s.numAtoms * n);
        });
      });
    }
  });
}
