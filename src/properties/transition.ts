/**
 * Pressure-induced transition between two polymorphs of one composition.
 *
 * At temperature zero the phase with the lower enthalpy per formula unit,
 *
 *   h(p) = [E(p) + p V(p)] / Z,     E, V of a cell holding Z formula units, relaxed at p,
 *
 * is stable. Since dh/dp = V/Z at a relaxed structure (the ∂/∂(geometry) terms vanish at the
 * minimum), Δh(p) = h_B(p) − h_A(p) has slope v_B − v_A: negative when B is denser, so a denser
 * high-pressure phase B takes over from A where Δh crosses zero,
 *
 *   p_T:  h_A(p_T) = h_B(p_T).
 *
 * Both structures are relaxed (ions and cell, each in its own space group) at a series of
 * pressures, each warm-started from the previous pressure. The walk starts at the pressure of the
 * given relaxed structures (normally 0) and goes in the direction where the linear estimate
 * p₀ − Δh(p₀)/(v_B − v_A) lies, in steps of `step`, until Δh changes sign or the range ends.
 * The bracket is then refined by Brent's method (R. P. Brent, Algorithms for Minimization without
 * Derivatives, 1973, ch. 4) on Δh(p), each evaluation a pair of relaxations warm-started from the
 * nearer end of the bracket, until the bracket is narrower than `tolerance` or the best point
 * is within it to first order (|Δh| / |v_B − v_A| ≤ tolerance). Pressures are in eV/Å³ (options,
 * curve and result); the messages give them in GPa.
 *
 * A polymorph may stop being itself under pressure: with its symmetry kept, wurtzite can flatten
 * continuously into the five-fold honeycomb structure (u → ½), and a structure can lose its
 * minimum altogether. A relaxation that fails or stops far from a minimum, or that reports a
 * change of coordination or a volume jump of more than 10 % from the previous pressure, marks that
 * polymorph as lost from that pressure on; the crossing is sought only where both are still
 * themselves, and the result says what happened rather than throwing. (A relaxation that stops
 * with the forces relaxed and a small residual stress has found its lowest enthalpy on a
 * discontinuity of the truncated pair potentials; it counts.) The enthalpies are those of the
 * structures as given: if B turns out the less dense, the message says that B is the low-pressure
 * phase.
 */
import { isDomainError, throwIfAborted } from '../errors.js';
import type { EnergyModel } from '../potentials/model.js';
import { GPA_PER_EV_PER_A3, evPerA3ToGPa } from '../units/index.js';
import { type CrystalRelaxOptions, type PreparedCrystal, type RelaxedCrystal, type CrystalGeometry, relaxCrystal } from './crystal.js';

export interface TransitionOptions extends Omit<CrystalRelaxOptions, 'start' | 'pressure' | 'fixVolume' | 'fixCell'> {
  /** Lowest pressure tried, eV/Å³ (default −20 GPa). */
  minPressure?: number;
  /** Highest pressure tried, eV/Å³ (default 60 GPa). */
  maxPressure?: number;
  /** Pressure step of the walk, eV/Å³ (default 2 GPa). */
  step?: number;
  /** Width of the final bracket, eV/Å³ (default 1e-4 GPa). */
  tolerance?: number;
  /** Warm starts: the two structures relaxed at `startPressure`. */
  startA?: RelaxedCrystal;
  startB?: RelaxedCrystal;
  /** Pressure at which the walk starts, eV/Å³ (default: that of startA, else 0). */
  startPressure?: number;
}

export interface TransitionPoint {
  /** eV/Å³ */
  pressure: number;
  /** Enthalpy per formula unit of A, eV (NaN when A failed there). */
  enthalpyA: number;
  enthalpyB: number;
  /** Å³ per formula unit */
  volumeA: number;
  volumeB: number;
  /** A (B) is still the polymorph it started as. */
  intactA: boolean;
  intactB: boolean;
}

export interface TransitionResult {
  /** ids of A and B as given (A is expected to be the low-pressure phase). */
  from: string;
  to: string;
  /** Transition pressure, eV/Å³; null when the enthalpies do not cross in the range tried. */
  pressure: number | null;
  /** Enthalpy per formula unit at the transition (eV) and the volumes of A and B there (Å³/f.u.). */
  enthalpy?: number;
  volumeA?: number;
  volumeB?: number;
  /** The denser phase (stable above the transition) and the other, when there is a transition. */
  lowPressurePhase?: string;
  highPressurePhase?: string;
  /** One sentence: the transition pressure, or why there is none. */
  message: string;
  /** The walk and the refinement, sorted by pressure. */
  curve: TransitionPoint[];
  warnings: string[];
}

/** −20, 60, 2 and 1e-4 GPa, in eV/Å³ */
const DEFAULTS = { minPressure: -20 / GPA_PER_EV_PER_A3, maxPressure: 60 / GPA_PER_EV_PER_A3, step: 2 / GPA_PER_EV_PER_A3, tolerance: 1e-4 / GPA_PER_EV_PER_A3 };

/**
 * A relaxation that stopped on a discontinuity of the truncated pair potentials (forces relaxed,
 * a small residual stress left) is still the polymorph at its lowest enthalpy.
 */
const nearlyConverged = (r: RelaxedCrystal): boolean => r.maxForce <= 1e-3 && r.maxStress <= 1 / GPA_PER_EV_PER_A3; // 1 GPa

/** A relative volume drop between neighbouring pressures larger than this is a transformation. */
const VOLUME_JUMP = 0.1;

interface Side {
  prepared: PreparedCrystal;
  relaxed: RelaxedCrystal | undefined;
  intact: boolean;
  error?: string;
}

/**
 * Transition pressure from A (`a`, low pressure) to B (`b`, high pressure). Never throws for
 * physics (failed or transformed relaxations are reported); throws CANCELLED when the signal fires.
 */
export function transitionPressure(model: EnergyModel, a: PreparedCrystal, b: PreparedCrystal, options: TransitionOptions = {}): TransitionResult {
  const o = { ...DEFAULTS, ...options };
  const { minPressure, maxPressure, step, tolerance, startA, startB, startPressure, ...relaxOptions } = o;
  const warnings: string[] = [];
  const curve: TransitionPoint[] = [];
  const note = (w: string): void => {
    if (!warnings.includes(w)) warnings.push(w);
  };

  const relaxSide = (prepared: PreparedCrystal, p: number, start: CrystalGeometry | undefined, previous: RelaxedCrystal | undefined): Side => {
    throwIfAborted(relaxOptions.signal);
    try {
      const r = relaxCrystal(model, prepared, { ...relaxOptions, pressure: p, ...(start ? { start } : {}) });
      let intact = r.converged || nearlyConverged(r);
      if (!r.converged) {
        note(intact
          ? `${prepared.id} stopped ${evPerA3ToGPa(r.maxStress).toExponential(1)} GPa short of zero residual stress at ${fmtP(p)} GPa (an enthalpy minimum on a cut-off discontinuity); its enthalpy is used`
          : `${prepared.id} did not converge at ${fmtP(p)} GPa`);
      }
      for (const w of r.warnings) {
        if (w.kind === 'coordination-change' || w.kind === 'volume-change') {
          intact = false;
          note(`${prepared.id} changes character at ${fmtP(p)} GPa: ${w.message}`);
        }
      }
      if (previous && Math.abs(r.volumePerFormulaUnit / previous.volumePerFormulaUnit - 1) > VOLUME_JUMP) {
        intact = false;
        note(`${prepared.id} changes volume by ${(100 * (r.volumePerFormulaUnit / previous.volumePerFormulaUnit - 1)).toFixed(1)}% between ${fmtP(previous.pressure)} and ${fmtP(p)} GPa: it transforms`);
      }
      return { prepared, relaxed: r, intact };
    } catch (e) {
      if (isDomainError(e) && e.code === 'CANCELLED') throw e;
      const msg = (e as Error).message;
      note(`${prepared.id} cannot be relaxed at ${fmtP(p)} GPa: ${msg}`);
      return { prepared, relaxed: undefined, intact: false, error: msg };
    }
  };

  interface Eval { p: number; A: Side; B: Side; dh: number }
  const point = (p: number, A: Side, B: Side): Eval => {
    const dh = A.relaxed && B.relaxed ? B.relaxed.enthalpyPerFormulaUnit - A.relaxed.enthalpyPerFormulaUnit : NaN;
    curve.push({
      pressure: p,
      enthalpyA: A.relaxed?.enthalpyPerFormulaUnit ?? NaN,
      enthalpyB: B.relaxed?.enthalpyPerFormulaUnit ?? NaN,
      volumeA: A.relaxed?.volumePerFormulaUnit ?? NaN,
      volumeB: B.relaxed?.volumePerFormulaUnit ?? NaN,
      intactA: A.intact,
      intactB: B.intact,
    });
    return { p, A, B, dh };
  };
  const valid = (e: Eval): boolean => e.A.intact && e.B.intact && Number.isFinite(e.dh);

  const p0 = startPressure ?? (startA ? startA.pressure : 0);
  const relaxedAtP0 = (r: RelaxedCrystal): boolean => Math.abs(r.pressure - p0) <= 1e-12 * Math.max(1 / GPA_PER_EV_PER_A3, Math.abs(p0));
  const first = point(
    p0,
    startA && relaxedAtP0(startA) ? { prepared: a, relaxed: startA, intact: startA.converged || nearlyConverged(startA) } : relaxSide(a, p0, startA, undefined),
    startB && relaxedAtP0(startB) ? { prepared: b, relaxed: startB, intact: startB.converged || nearlyConverged(startB) } : relaxSide(b, p0, startB, undefined),
  );
  const result = (pressure: number | null, message: string, extra: Partial<TransitionResult> = {}): TransitionResult => ({
    from: a.id,
    to: b.id,
    pressure,
    ...extra,
    message,
    curve: [...curve].sort((x, y) => x.pressure - y.pressure),
    warnings,
  });
  if (!valid(first)) return result(null, `no transition pressure: ${!first.A.intact ? a.id : b.id} is not a stable relaxed structure at ${fmtP(p0)} GPa`);
  if (first.dh === 0) return result(p0, `${a.id} and ${b.id} have equal enthalpies at ${fmtP(p0)} GPa`, atTransition(first));

  // direction of the walk: towards the linear estimate of the crossing
  const dv = first.B.relaxed!.volumePerFormulaUnit - first.A.relaxed!.volumePerFormulaUnit;
  const estimate = dv !== 0 ? p0 - first.dh / dv : first.dh > 0 ? Infinity : -Infinity;
  const dir = estimate >= p0 ? 1 : -1;
  if (dv >= 0) note(`${b.id} is not denser than ${a.id} at ${fmtP(p0)} GPa (${first.B.relaxed!.volumePerFormulaUnit.toFixed(3)} vs ${first.A.relaxed!.volumePerFormulaUnit.toFixed(3)} Å³/f.u.): pressure does not favour it`);

  let prev = first;
  let bracket: [Eval, Eval] | undefined;
  let stopped: Eval | undefined;
  const limit = dir > 0 ? maxPressure : minPressure;
  const slack = 1e-12 / GPA_PER_EV_PER_A3; // 1e-12 GPa
  for (let k = 1; ; k++) {
    const p = p0 + dir * k * step;
    if ((dir > 0 && p > limit + slack) || (dir < 0 && p < limit - slack)) break;
    const cur = point(p, relaxSide(a, p, prev.A.relaxed, prev.A.relaxed), relaxSide(b, p, prev.B.relaxed, prev.B.relaxed));
    if (!valid(cur)) {
      stopped = cur;
      break;
    }
    if (Math.sign(cur.dh) !== Math.sign(prev.dh)) {
      bracket = dir > 0 ? [prev, cur] : [cur, prev];
      break;
    }
    prev = cur;
  }
  if (!bracket) {
    const lo = Math.min(p0, prev.p), hi = Math.max(p0, prev.p);
    const lost = stopped ? [stopped.A, stopped.B].filter((side) => !side.intact).map((side) => side.prepared.id) : [];
    const why = stopped ? `: ${lost.join(' and ')} could not be followed to ${fmtP(stopped.p)} GPa` : '';
    return result(null, `no crossing between ${fmtP(lo)} and ${fmtP(hi)} GPa${why}`);
  }

  // Brent's method on Δh(p) between the bracket ends, warm-starting from the nearer end
  const [left, right] = bracket;
  const f = (p: number): Eval => {
    const near = Math.abs(p - left.p) <= Math.abs(p - right.p) ? left : right;
    return point(p, relaxSide(a, p, near.A.relaxed, undefined), relaxSide(b, p, near.B.relaxed, undefined));
  };
  // |Δh| / |Δv| is the distance to the root to first order (dΔh/dp = Δv): stop below the tolerance
  const close = (e: Eval): boolean =>
    valid(e) && Math.abs(e.dh) <= tolerance * Math.abs(e.B.relaxed!.volumePerFormulaUnit - e.A.relaxed!.volumePerFormulaUnit);
  const root = brent(left, right, f, tolerance, close);
  if (!valid(root)) return result(null, `the enthalpies cross between ${fmtP(left.p)} and ${fmtP(right.p)} GPa, but a relaxation failed inside the bracket`);
  const forward = root.B.relaxed!.volumePerFormulaUnit < root.A.relaxed!.volumePerFormulaUnit;
  return result(
    root.p,
    forward ? `${a.id} → ${b.id} at ${fmtP(root.p)} GPa` : `${b.id} → ${a.id} at ${fmtP(root.p)} GPa (${b.id} is the low-pressure phase)`,
    { ...atTransition(root), lowPressurePhase: forward ? a.id : b.id, highPressurePhase: forward ? b.id : a.id },
  );

  function atTransition(e: Eval): Partial<TransitionResult> {
    return {
      enthalpy: 0.5 * (e.A.relaxed!.enthalpyPerFormulaUnit + e.B.relaxed!.enthalpyPerFormulaUnit),
      volumeA: e.A.relaxed!.volumePerFormulaUnit,
      volumeB: e.B.relaxed!.volumePerFormulaUnit,
    };
  }
}

/**
 * Brent's root finder (inverse quadratic interpolation, secant and bisection) on a bracket
 * [a, b] with f(a) f(b) < 0, stopping when the bracket is narrower than `tol`, f = 0 or `close`
 * says the best point is near enough (the iterates may all fall on one side of the root). Returns
 * the evaluated point closest to the root (an invalid evaluation ends the search).
 */
function brent<T extends { p: number; dh: number }>(left: T, right: T, f: (p: number) => T, tol: number, close: (x: T) => boolean, maxIterations = 100): T {
  let a = left, b = right;
  if (Math.abs(a.dh) < Math.abs(b.dh)) [a, b] = [b, a];
  let c = a;
  let d = b.p - a.p;
  let mflag = true;
  for (let it = 0; it < maxIterations; it++) {
    if (b.dh === 0 || Math.abs(b.p - a.p) < tol || close(b)) break;
    let s: number;
    if (a.dh !== c.dh && b.dh !== c.dh) {
      s = (a.p * b.dh * c.dh) / ((a.dh - b.dh) * (a.dh - c.dh)) + (b.p * a.dh * c.dh) / ((b.dh - a.dh) * (b.dh - c.dh)) + (c.p * a.dh * b.dh) / ((c.dh - a.dh) * (c.dh - b.dh));
    } else {
      s = b.p - (b.dh * (b.p - a.p)) / (b.dh - a.dh);
    }
    const m = (3 * a.p + b.p) / 4;
    const between = (m < b.p ? m <= s && s <= b.p : b.p <= s && s <= m);
    if (!between || (mflag && Math.abs(s - b.p) >= Math.abs(b.p - c.p) / 2) || (!mflag && Math.abs(s - b.p) >= Math.abs(c.p - d) / 2) || (mflag && Math.abs(b.p - c.p) < tol) || (!mflag && Math.abs(c.p - d) < tol)) {
      s = (a.p + b.p) / 2;
      mflag = true;
    } else mflag = false;
    const fs = f(s);
    if (!Number.isFinite(fs.dh)) return fs;
    d = c.p;
    c = b;
    if (Math.sign(a.dh) !== Math.sign(fs.dh)) b = fs;
    else a = fs;
    if (Math.abs(a.dh) < Math.abs(b.dh)) [a, b] = [b, a];
  }
  return b;
}

/** A pressure in eV/Å³ as the messages give it: GPa, six significant digits. */
function fmtP(pressure: number): string {
  const p = evPerA3ToGPa(pressure);
  return Math.abs(p) < 5e-13 ? '0' : Number(p.toPrecision(6)).toString();
}
