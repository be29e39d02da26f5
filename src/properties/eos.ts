/**
 * Equation of state: the energy-volume curve of a relaxed crystal and its third-order
 * Birch-Murnaghan fit, the route to the bulk modulus that does not go through the elastic
 * constants.
 *
 * ## The curve
 *
 * At each volume V_i (by default V₀ (1 + δ), δ from −4 % to +4 % in 9 points) the cell is scaled
 * isotropically from the relaxed one and the ions and the cell shape are relaxed at fixed volume
 * (`fixVolume`, symmetry kept), so E(V) is the lowest energy the crystal can reach at that volume:
 * its slope is −p and V d²E/dV² the (relaxed, Reuss-type, isothermal static) bulk modulus.
 * When the optimiser cannot hold the volume, the same curve is traced by relaxing at a series of
 * pressures p_i ≈ −B δ_i and collecting (V, E): the minimum of E + pV over shapes at fixed V is
 * E(V), so both routes give points of one curve.
 *
 * ## The fit
 *
 * Birch's third-order form (F. Birch, Phys. Rev. 71, 809 (1947), doi:10.1103/PhysRev.71.809),
 * with the Eulerian strain f = ½ [(V₀/V)^{2/3} − 1]:
 *
 *   E(V) = E₀ + (9/2) B₀ V₀ f² [1 + (B₀' − 4) f]
 *        = E₀ + (9 V₀ B₀ / 16) { [(V₀/V)^{2/3} − 1]³ B₀' + [(V₀/V)^{2/3} − 1]² [6 − 4 (V₀/V)^{2/3}] }.
 *
 * f is linear in x = V^{−2/3}, so this E is a cubic polynomial in x, and every cubic in x (with a
 * minimum) is such an E: the four parameters (E₀, V₀, B₀, B₀') and the four coefficients of
 * E = c₀ + c₁ x + c₂ x² + c₃ x³ are two coordinates of the same family. The least-squares
 * Birch-Murnaghan fit is therefore a linear least-squares fit of the cubic, with no starting guess
 * and no local minima (the approach of ASE's and pymatgen's polynomial EOS fits). From the cubic,
 * x₀ is the root of E'(x) = 0 with E''(x₀) > 0, V₀ = x₀^{−3/2}, E₀ = E(x₀), and with
 * x' = dx/dV = −(2/3) V^{−5/3}, x'' = (10/9) V^{−8/3}, x''' = −(80/27) V^{−11/3}:
 *
 *   E_VV  = E_xx x'² + E_x x''                      (E_x = 0 at V₀)
 *   E_VVV = E_xxx x'³ + 3 E_xx x' x'' + E_x x'''
 *   B₀ = V₀ E_VV,   B₀' = dB/dp = −1 − V₀ E_VVV / E_VV   (dp = −E_VV dV).
 *
 * The same family fitted to the pressures of the points, p = −dE/dV, is linear in c₁..c₃ as well
 * (`fitBirchMurnaghanPressure`): with pair potentials truncated at a cut-off, E(V) jumps wherever
 * a neighbour shell crosses it, by up to ~10⁻⁴ eV, as much as the whole curvature term over ±1 %
 * for a soft structure, while p(V) only kinks; both fits are reported.
 *
 * Energies are per formula unit and volumes Å³ per formula unit; B₀ is reported in GPa.
 */
import { Matrix, QrDecomposition, inverse } from 'ml-matrix';
import { DomainError, throwIfAborted } from '../errors.js';
import type { EnergyModel } from '../potentials/model.js';
import { GPA_PER_EV_PER_A3, evPerA3ToGPa, gpaToEvPerA3 } from '../units/index.js';
import { type CrystalGeometry, type CrystalRelaxOptions, type RelaxedCrystal, relaxCrystal, scaledCrystal } from './crystal.js';

export interface BirchMurnaghanFit {
  /** eV per formula unit */
  E0: number;
  /** Å³ per formula unit */
  V0: number;
  /** GPa */
  B0: number;
  /** dimensionless */
  B0prime: number;
  /** root-mean-square residual of the fit: eV per formula unit (E-V), GPa (p-V) */
  rmsResidual: number;
  /**
   * Standard errors of V₀ (Å³/f.u.), B₀ (GPa) and B₀' from the scatter of the points about the fit
   * (NaN with exactly 4 points). The residuals are systematic, not random (the fourth-order terms
   * the third-order form lacks; jumps of E where a neighbour shell crosses a pair cut-off), so these
   * measure how far the curve is from a Birch-Murnaghan form rather than a statistical error.
   */
  standardErrors: { V0: number; B0: number; B0prime: number };
  /** cubic coefficients in x = V^{−2/3} (V in Å³/f.u.), lowest order first */
  coefficients: [number, number, number, number];
}

/** E(V) of a third-order Birch-Murnaghan form (eV/f.u. with V in Å³/f.u., B0 in GPa). */
export function birchMurnaghanEnergy(fit: Pick<BirchMurnaghanFit, 'E0' | 'V0' | 'B0' | 'B0prime'>, volume: number): number {
  const b = gpaToEvPerA3(fit.B0);
  const y = (fit.V0 / volume) ** (2 / 3) - 1;
  return fit.E0 + ((9 * fit.V0 * b) / 16) * (y ** 3 * fit.B0prime + y ** 2 * (6 - 4 * (y + 1)));
}

/**
 * p(V) of a third-order Birch-Murnaghan form (GPa, V in Å³/f.u.):
 *   p = (3B₀/2) [(V₀/V)^{7/3} − (V₀/V)^{5/3}] {1 + ¾ (B₀' − 4) [(V₀/V)^{2/3} − 1]}.
 */
export function birchMurnaghanPressure(fit: Pick<BirchMurnaghanFit, 'V0' | 'B0' | 'B0prime'>, volume: number): number {
  const r = fit.V0 / volume;
  return 1.5 * fit.B0 * (r ** (7 / 3) - r ** (5 / 3)) * (1 + 0.75 * (fit.B0prime - 4) * (r ** (2 / 3) - 1));
}

/**
 * Least-squares third-order Birch-Murnaghan fit to points (V, E) (Å³ and eV, any common
 * normalisation). Needs at least 4 points spanning a minimum; throws NUMERICAL_FAILURE otherwise.
 */
export function fitBirchMurnaghan(points: readonly { volume: number; energy: number }[]): BirchMurnaghanFit {
  const n = points.length;
  if (n < 4) throw new DomainError('NUMERICAL_FAILURE', `a Birch-Murnaghan fit needs at least 4 points (got ${n})`);
  // ξ = x / s with s = V̄^{-2/3} keeps the normal equations well conditioned; energies about their mean
  const s = scaleOf(points);
  const e0 = points.reduce((a, p) => a + p.energy, 0) / n;
  const A = new Matrix(n, 4);
  const y = new Matrix(n, 1);
  points.forEach((p, i) => {
    const xi = p.volume ** (-2 / 3) / s;
    for (let k = 0; k < 4; k++) A.set(i, k, xi ** k);
    y.set(i, 0, p.energy - e0);
  });
  const r = solveCubic(A, y, (c) => c, s, 'E-V');
  const coefficients: [number, number, number, number] = [r.c[0]! + e0, r.c[1]! / s, r.c[2]! / (s * s), r.c[3]! / (s * s * s)];
  return { ...r.fit, E0: r.fit.E0 + e0, rmsResidual: r.rms, standardErrors: r.standardErrors, coefficients };
}

/**
 * The same form fitted to pressures: p = −dE/dV = (2/3) V^{−5/3} dE/dx is linear in c₁, c₂, c₃,
 *
 *   p(V) = (2/3) V^{−5/3} (c₁ + 2 c₂ x + 3 c₃ x²),
 *
 * so this too is a linear least-squares problem; c₀ (hence E₀) then follows from the energies,
 * when they are given, as their mean offset from the fitted curve. The pressure of a relaxed point
 * is the analytic derivative of the smooth part of E: where neighbour shells cross the truncation
 * radius of a pair potential, E(V) jumps but p(V) only kinks, so this fit is the robust one for
 * truncated potentials. `rmsResidual` is in GPa here.
 */
export function fitBirchMurnaghanPressure(points: readonly { volume: number; pressure: number; energy?: number }[]): BirchMurnaghanFit {
  const n = points.length;
  if (n < 3) throw new DomainError('NUMERICAL_FAILURE', `a Birch-Murnaghan pressure fit needs at least 3 points (got ${n})`);
  const s = scaleOf(points);
  const A = new Matrix(n, 3);
  const y = new Matrix(n, 1);
  points.forEach((p, i) => {
    const xi = p.volume ** (-2 / 3) / s;
    const f = ((2 / 3) * p.volume ** (-5 / 3)) / s;
    A.set(i, 0, f);
    A.set(i, 1, 2 * f * xi);
    A.set(i, 2, 3 * f * xi * xi);
    y.set(i, 0, p.pressure);
  });
  const r = solveCubic(A, y, (c) => [0, c[0]!, c[1]!, c[2]!], s, 'p-V');
  const c = [0, ...r.c];
  const withEnergy = points.filter((p): p is { volume: number; pressure: number; energy: number } => p.energy !== undefined);
  let c0 = NaN;
  if (withEnergy.length) {
    c0 = 0;
    for (const p of withEnergy) {
      const xi = p.volume ** (-2 / 3) / s;
      c0 += p.energy - (c[1]! * xi + c[2]! * xi * xi + c[3]! * xi ** 3);
    }
    c0 /= withEnergy.length;
  }
  const coefficients: [number, number, number, number] = [c0, c[1]! / s, c[2]! / (s * s), c[3]! / (s * s * s)];
  return { ...r.fit, E0: r.fit.E0 + c0, rmsResidual: r.rms * GPA_PER_EV_PER_A3, standardErrors: r.standardErrors, coefficients };
}

const scaleOf = (points: readonly { volume: number }[]): number => (points.reduce((a, p) => a + p.volume, 0) / points.length) ** (-2 / 3);

/**
 * Linear least squares A c = y (QR) for the coefficients c of a cubic in ξ (`toCubic` maps them to
 * the four ξ-coefficients), the Birch-Murnaghan parameters of the cubic, and their standard errors:
 * cov(c) = σ² (AᵀA)⁻¹ with σ² = SSR/(n − m), propagated through the smooth map c → (V₀, B₀, B₀')
 * with a central-difference Jacobian.
 */
function solveCubic(A: Matrix, y: Matrix, toCubic: (c: number[]) => number[], s: number, what: string) {
  const n = A.rows, m = A.columns;
  const qr = new QrDecomposition(A);
  if (!qr.isFullRank()) throw new DomainError('NUMERICAL_FAILURE', `the ${what} points do not determine a Birch-Murnaghan curve (repeated volumes?)`);
  const c = qr.solve(y).to1DArray();
  const fit = fromCubic(toCubic(c), s);
  if (!fit) throw new DomainError('NUMERICAL_FAILURE', `the ${what} points have no minimum: the Birch-Murnaghan fit is undefined`);
  const res = A.mmul(Matrix.columnVector(c)).sub(y).to1DArray();
  const ss = res.reduce((a, r) => a + r * r, 0);
  const standardErrors = { V0: NaN, B0: NaN, B0prime: NaN };
  if (n > m) {
    const cov = inverse(A.transpose().mmul(A)).mul(ss / (n - m));
    const jac: Record<'V0' | 'B0' | 'B0prime', number[]> = { V0: [], B0: [], B0prime: [] };
    const big = Math.max(...c.map(Math.abs));
    for (let k = 0; k < m; k++) {
      const h = 1e-6 * Math.max(Math.abs(c[k]!), 1e-3 * big, 1e-300);
      const cp = [...c], cm = [...c];
      cp[k]! += h;
      cm[k]! -= h;
      const fp = fromCubic(toCubic(cp), s), fm = fromCubic(toCubic(cm), s);
      for (const key of ['V0', 'B0', 'B0prime'] as const) jac[key].push(fp && fm ? (fp[key] - fm[key]) / (2 * h) : NaN);
    }
    for (const key of ['V0', 'B0', 'B0prime'] as const) {
      let v = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) v += jac[key][i]! * cov.get(i, j) * jac[key][j]!;
      standardErrors[key] = Math.sqrt(Math.max(0, v));
    }
  }
  return { c, fit, rms: Math.sqrt(ss / n), standardErrors };
}

/** E₀ (relative), V₀, B₀ (GPa), B₀' of the cubic Σ c_k ξ^k in ξ = V^{−2/3}/s; undefined without a minimum. */
function fromCubic(c: readonly number[], s: number): { E0: number; V0: number; B0: number; B0prime: number } | undefined {
  const [c0, c1, c2, c3] = c as [number, number, number, number];
  const E = (xi: number): number => c0 + c1 * xi + c2 * xi * xi + c3 * xi ** 3;
  const E1 = (xi: number): number => c1 + 2 * c2 * xi + 3 * c3 * xi * xi;
  const E2 = (xi: number): number => 2 * c2 + 6 * c3 * xi;
  // roots of E'(ξ) = 3c₃ξ² + 2c₂ξ + c₁ (the numerically stable quadratic formula)
  const roots: number[] = [];
  if (Math.abs(c3) < 1e-14 * (Math.abs(c2) + Math.abs(c1))) {
    if (c2 !== 0) roots.push(-c1 / (2 * c2));
  } else {
    const disc = 4 * c2 * c2 - 12 * c3 * c1;
    if (disc >= 0) {
      const q = -0.5 * (2 * c2 + (c2 >= 0 ? 1 : -1) * Math.sqrt(disc));
      roots.push(q / (3 * c3));
      if (q !== 0) roots.push(c1 / q);
    }
  }
  // the minimum nearest the data (ξ ≈ 1)
  const xi0 = roots.filter((r) => r > 0 && E2(r) > 0).sort((p, q) => Math.abs(p - 1) - Math.abs(q - 1))[0];
  if (xi0 === undefined) return undefined;
  const x0 = xi0 * s;
  const V0 = x0 ** (-3 / 2);
  // derivatives in x (not ξ): d/dx = (1/s) d/dξ
  const Ex1 = E1(xi0) / s;
  const Ex2 = E2(xi0) / (s * s);
  const Ex3 = (6 * c3) / (s * s * s);
  const xp = (-2 / 3) * V0 ** (-5 / 3);
  const xpp = (10 / 9) * V0 ** (-8 / 3);
  const xppp = (-80 / 27) * V0 ** (-11 / 3);
  const EVV = Ex2 * xp * xp + Ex1 * xpp;
  const EVVV = Ex3 * xp ** 3 + 3 * Ex2 * xp * xpp + Ex1 * xppp;
  return { E0: E(xi0), V0, B0: V0 * EVV * GPA_PER_EV_PER_A3, B0prime: -1 - (V0 * EVVV) / EVV };
}

export interface EquationOfStateOptions extends Omit<CrystalRelaxOptions, 'start' | 'pressure' | 'fixVolume' | 'fixCell'> {
  /** Largest relative volume change either side of the relaxed volume (default 0.04). */
  range?: number;
  /** Number of volumes, odd so that the relaxed volume is one of them (default 9). */
  points?: number;
  /** 'volume' (fixed-volume relaxations, default) or 'pressure' (relax at p_i, collect (V, E)). */
  route?: 'volume' | 'pressure';
}

export interface EosPoint {
  /** Å³ per formula unit */
  volume: number;
  /** eV per formula unit */
  energy: number;
  /** hydrostatic pressure −dE/dV measured at the point, eV/Å³ */
  pressure: number;
  converged: boolean;
}

export interface EquationOfState {
  route: 'volume' | 'pressure';
  points: EosPoint[];
  /** Birch-Murnaghan fit to the energies (the E-V route). */
  fit: BirchMurnaghanFit;
  /** The same form fitted to the pressures of the points (robust to cut-off jumps of E). */
  pressureFit: BirchMurnaghanFit;
  warnings: string[];
}

/**
 * σ(B₀)/B₀ above which the curve is called rough. A smooth curve leaves only the quartic term the
 * third-order form lacks: σ(B₀)/B₀ ≈ 2e-4 at ±4 % for the rock-salt and CsCl structures of the
 * Pb-Se-Cd model; a neighbour shell crossing a cut-off raises it by an order of magnitude.
 */
const ROUGH_CURVE = 2e-3;

const EOS_DEFAULTS = { range: 0.04, points: 9, route: 'volume' as 'volume' | 'pressure' };

/**
 * The E-V curve about a relaxed crystal (relaxed at zero pressure) and its Birch-Murnaghan fit.
 * `bulkModulusGuessGPa` sets the pressures of the pressure route (default: from the elastic
 * constants if the caller has them, otherwise 50 GPa).
 */
export function equationOfState(model: EnergyModel, relaxed: RelaxedCrystal, options: EquationOfStateOptions = {}, bulkModulusGuessGPa = 50): EquationOfState {
  const o = { ...EOS_DEFAULTS, ...options };
  const { range, points: np, route, ...relaxOptions } = o;
  if (!(np >= 4)) throw new DomainError('NUMERICAL_FAILURE', 'an equation of state needs at least 4 points');
  const deltas = Array.from({ length: np }, (_, i) => -range + (2 * range * i) / (np - 1));
  const warnings: string[] = [];
  const pts: EosPoint[] = [];
  let used: 'volume' | 'pressure' = route;

  if (route === 'volume') {
    for (const d of deltas) {
      throwIfAborted(relaxOptions.signal);
      const start = scaledCrystal(relaxed, 1 + d);
      const r = relaxCrystal(model, relaxed.prepared, { ...relaxOptions, pressure: 0, start, fixVolume: true });
      const target = start.structure.lattice.volume;
      if (Math.abs(r.structure.lattice.volume / target - 1) > 1e-6) {
        warnings.push(`the optimiser did not hold the volume fixed (${r.structure.lattice.volume.toFixed(6)} vs ${target.toFixed(6)} Å³): using the pressure route`);
        used = 'pressure';
        pts.length = 0;
        break;
      }
      if (!r.converged) warnings.push(`not converged at V/V0 = ${(1 + d).toFixed(4)}`);
      pts.push({ volume: r.volumePerFormulaUnit, energy: r.energyPerFormulaUnit, pressure: r.measuredPressure, converged: r.converged });
    }
  }
  if (used === 'pressure') {
    let prev: CrystalGeometry = relaxed;
    // from the highest volume (lowest pressure) up, warm-starting each from the previous
    for (const d of [...deltas].reverse()) {
      throwIfAborted(relaxOptions.signal);
      const p = (-bulkModulusGuessGPa * d) / GPA_PER_EV_PER_A3; // eV/Å³ (the guess is a modulus, in the vocabulary's GPa)
      const r = relaxCrystal(model, relaxed.prepared, { ...relaxOptions, pressure: p, start: prev });
      if (!r.converged) warnings.push(`not converged at p = ${evPerA3ToGPa(p).toFixed(3)} GPa`);
      pts.push({ volume: r.volumePerFormulaUnit, energy: r.energyPerFormulaUnit, pressure: r.measuredPressure, converged: r.converged });
      prev = r;
    }
    pts.sort((a, b) => a.volume - b.volume);
  }
  const fit = fitBirchMurnaghan(pts);
  const pressureFit = fitBirchMurnaghanPressure(pts);
  if (fit.standardErrors.B0 > ROUGH_CURVE * Math.abs(fit.B0)) {
    warnings.push(
      `the E-V curve is not smooth on ±${(100 * range).toFixed(1)}% (rms residual ${fit.rmsResidual.toExponential(2)} eV/f.u., B0 = ${fit.B0.toPrecision(4)} ± ${fit.standardErrors.B0.toPrecision(2)} GPa): ` +
        `most likely neighbour shells crossing the pair cut-offs (truncated without shift); the p-V fit is not affected (B0 = ${pressureFit.B0.toPrecision(4)} ± ${pressureFit.standardErrors.B0.toPrecision(2)} GPa)`,
    );
  }
  return { route: used, points: pts, fit, pressureFit, warnings };
}
