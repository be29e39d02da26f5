/**
 * The Lennard-Jones 12-6 pair form in A/B notation (J. E. Lennard-Jones, Proc. R. Soc. Lond. A 106,
 * 463 (1924), doi:10.1098/rspa.1924.0082; GULP's `lennard` 12 6):
 *
 *   φ(r)   = A r⁻¹² − B r⁻⁶                  A in eV·Å¹², B in eV·Å⁶
 *   φ'(r)  = −12 A r⁻¹³ + 6 B r⁻⁷
 *   φ''(r) = 156 A r⁻¹⁴ − 42 B r⁻⁸
 *
 * (ε, σ convert by A = 4εσ¹², B = 4εσ⁶; the well is at r = (2A/B)^{1/6} with depth B²/4A.)
 *
 * Parameter derivatives:
 *   ∂φ/∂A = r⁻¹²     ∂φ'/∂A = −12 r⁻¹³
 *   ∂φ/∂B = −r⁻⁶     ∂φ'/∂B = 6 r⁻⁷
 */
import type { PairForm } from './pair-form.js';

export class LennardJonesForm implements PairForm {
  readonly type = 'lennard-jones' as const;
  readonly parameterNames = ['A', 'B'] as const;
  readonly A: number;
  readonly B: number;

  constructor(A: number, B: number) {
    this.A = A;
    this.B = B;
  }

  phi(r: number): number {
    const ir2 = 1 / (r * r), ir6 = ir2 * ir2 * ir2;
    return (this.A * ir6 - this.B) * ir6;
  }

  dphi(r: number): number {
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    return (-12 * this.A * ir6 + 6 * this.B) * ir6 * ir;
  }

  d2phi(r: number): number {
    const ir2 = 1 / (r * r), ir6 = ir2 * ir2 * ir2;
    return (156 * this.A * ir6 - 42 * this.B) * ir6 * ir2;
  }

  evaluate(r: number, out: Float64Array): void {
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    const a = this.A * ir6 * ir6, b = this.B * ir6;
    out[0] = a - b;
    out[1] = (-12 * a + 6 * b) * ir;
    out[2] = (156 * a - 42 * b) * ir2;
  }

  parameterDerivative(k: number, r: number, out: Float64Array): void {
    const ir = 1 / r, ir2 = ir * ir, ir6 = ir2 * ir2 * ir2;
    if (k === 0) {
      out[0] = ir6 * ir6;
      out[1] = -12 * ir6 * ir6 * ir;
    } else {
      out[0] = -ir6;
      out[1] = 6 * ir6 * ir;
    }
  }
}
