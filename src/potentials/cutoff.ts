/**
 * Smooth cut-offs for pair forms. Plain truncation (`truncate`, the default, as GULP) makes E jump
 * by φ(rc) when a neighbour crosses rc, so a relaxation or a fit can end on a kink. Two smooth
 * modes, as GULP's and LAMMPS's options:
 *
 * - `shifted-force` (LAMMPS `lj/sf`-style, GULP `sfcut`-like): energy and force both vanish at rc,
 *     φ_sf(r)   = φ(r) − φ(rc) − (r − rc) φ'(rc)
 *     φ_sf'(r)  = φ'(r) − φ'(rc)
 *     φ_sf''(r) = φ''(r)
 *   Parameter derivatives: ∂φ_sf/∂p = ∂φ/∂p(r) − ∂φ/∂p(rc) − (r − rc) ∂φ'/∂p(rc),
 *   ∂φ_sf'/∂p = ∂φ'/∂p(r) − ∂φ'/∂p(rc). The second derivative still jumps by φ''(rc) at rc.
 * - `taper` (GULP `taper` with a polynomial, LAMMPS-style switching): φ_t = S(r) φ(r), with
 *   S = 1 below rt = rc − w and, for x = (r − rt)/w in [0, 1], the quintic S = 1 − 10x³ + 15x⁴ − 6x⁵,
 *   whose first and second derivatives vanish at both ends (E, force and Hessian continuous):
 *     S' = −30x²(1 − x)²/w,   S'' = −60x(1 − x)(1 − 2x)/w²
 *     φ_t' = S'φ + Sφ',   φ_t'' = S''φ + 2S'φ' + Sφ''
 *   Parameter derivatives: ∂φ_t/∂p = S ∂φ/∂p, ∂φ_t'/∂p = S' ∂φ/∂p + S ∂φ'/∂p.
 *   The taper width w (`taperWidth`, Å) defaults to 1 Å (GULP's default taper range is 1 Å too).
 *
 * Both modes change the energy inside rc (shifted-force by a linear term over the whole range;
 * taper only within w of rc), so a model fitted with one mode must be used with the same mode.
 */
import { DomainError } from '../errors.js';
import type { PairForm } from './pair-form.js';

export type CutoffMode = 'truncate' | 'shifted-force' | 'taper';
export const CUTOFF_MODES: readonly CutoffMode[] = ['truncate', 'shifted-force', 'taper'];
export const DEFAULT_TAPER_WIDTH = 1;

/** The form with its cut-off mode applied (the form itself for `truncate`). */
export function withCutoffMode(form: PairForm, cutoff: number, mode: CutoffMode = 'truncate', taperWidth = DEFAULT_TAPER_WIDTH, path = '/pairs'): PairForm {
  if (mode === 'truncate') return form;
  if (mode === 'shifted-force') return new ShiftedForceForm(form, cutoff);
  if (mode === 'taper') {
    if (!(taperWidth > 0 && taperWidth < cutoff)) throw new DomainError('INVALID_POTENTIAL', `taperWidth must be in (0, cutoff) Å (got ${taperWidth})`, { path: `${path}/taperWidth` });
    return new TaperForm(form, cutoff, taperWidth);
  }
  throw new DomainError('INVALID_POTENTIAL', `cutoffMode must be one of ${CUTOFF_MODES.join(', ')} (got ${String(mode)})`, { path: `${path}/cutoffMode` });
}

class ShiftedForceForm implements PairForm {
  readonly type: PairForm['type'];
  readonly parameterNames: readonly string[];
  private readonly phiC: number;
  private readonly dphiC: number;
  private readonly tmp = new Float64Array(3);
  constructor(private readonly base: PairForm, private readonly rc: number) {
    this.type = base.type;
    this.parameterNames = base.parameterNames;
    this.phiC = base.phi(rc);
    this.dphiC = base.dphi(rc);
  }
  phi(r: number): number { return this.base.phi(r) - this.phiC - (r - this.rc) * this.dphiC; }
  dphi(r: number): number { return this.base.dphi(r) - this.dphiC; }
  d2phi(r: number): number { return this.base.d2phi(r); }
  evaluate(r: number, out: Float64Array): void {
    this.base.evaluate(r, out);
    out[0] = out[0]! - this.phiC - (r - this.rc) * this.dphiC;
    out[1] = out[1]! - this.dphiC;
  }
  parameterDerivative(k: number, r: number, out: Float64Array): void {
    const c = this.tmp;
    this.base.parameterDerivative(k, this.rc, c);
    this.base.parameterDerivative(k, r, out);
    out[0] = out[0]! - c[0]! - (r - this.rc) * c[1]!;
    out[1] = out[1]! - c[1]!;
  }
}

class TaperForm implements PairForm {
  readonly type: PairForm['type'];
  readonly parameterNames: readonly string[];
  private readonly rt: number;
  constructor(private readonly base: PairForm, rc: number, private readonly w: number) {
    this.type = base.type;
    this.parameterNames = base.parameterNames;
    this.rt = rc - w;
  }
  /** [S, S', S''] at r */
  private s(r: number): [number, number, number] {
    if (r <= this.rt) return [1, 0, 0];
    const x = (r - this.rt) / this.w, w = this.w;
    if (x >= 1) return [0, 0, 0];
    return [1 - x * x * x * (10 - 15 * x + 6 * x * x), (-30 * x * x * (1 - x) * (1 - x)) / w, (-60 * x * (1 - x) * (1 - 2 * x)) / (w * w)];
  }
  phi(r: number): number { return this.s(r)[0] * this.base.phi(r); }
  dphi(r: number): number { const [S, S1] = this.s(r); return S1 * this.base.phi(r) + S * this.base.dphi(r); }
  d2phi(r: number): number { const [S, S1, S2] = this.s(r); return S2 * this.base.phi(r) + 2 * S1 * this.base.dphi(r) + S * this.base.d2phi(r); }
  evaluate(r: number, out: Float64Array): void {
    this.base.evaluate(r, out);
    if (r <= this.rt) return;
    const [S, S1, S2] = this.s(r);
    const f = out[0]!, f1 = out[1]!, f2 = out[2]!;
    out[0] = S * f;
    out[1] = S1 * f + S * f1;
    out[2] = S2 * f + 2 * S1 * f1 + S * f2;
  }
  parameterDerivative(k: number, r: number, out: Float64Array): void {
    this.base.parameterDerivative(k, r, out);
    if (r <= this.rt) return;
    const [S, S1] = this.s(r);
    const d = out[0]!, d1 = out[1]!;
    out[0] = S * d;
    out[1] = S1 * d + S * d1;
  }
}
