/**
 * Short-range pair models: E = Σ_{pairs} φ_{ab}(|d|), summed once over every unordered pair of
 * atoms (i, j, image T) with |d| below that species pair's own cut-off rc_ab, d = r_j + T − r_i.
 * The truncation is plain (no shift, no taper), as GULP does by default, so E jumps by φ(rc) when
 * a neighbour crosses rc; all derivatives below are those of the truncated sum (exact away from
 * the measure-zero set of configurations with a distance exactly at a cut-off).
 *
 * Derivatives, following the contract in `model.ts` (E(x, e) = Σ φ(|F d|), F = I + Σ_k e_k D_k,
 * Voigt engineering strain, e = 0). Per pair write r = |d|, u = F d and
 *
 *   g = φ'(r)/r,   h = (φ''(r) − g)/r²,   K = ∇_u² φ(|u|) = g I + h d dᵀ,
 *   s_k = dᵀ D_k d = d_a d_b for (a, b) the Cartesian pair of Voigt index k,
 *   w_k = D_k d   (w_0 = (d_x,0,0), ..., w_3 = (0, d_z/2, d_y/2), w_4 = (d_z/2, 0, d_x/2),
 *                  w_5 = (d_y/2, d_x/2, 0)).
 *
 * - Gradient (the pair force): ∂φ/∂r_j = g d = −∂φ/∂r_i.
 * - Strain derivative (the virial): ∂|F d|/∂e_k = dᵀ D_k d / r, so ∂E/∂e_k = Σ g s_k,
 *   i.e. Σ g d_a d_b in Voigt order xx, yy, zz, yz, xz, xy; σ_k = (1/V) ∂E/∂e_k.
 * - H_rr: the pair adds K to blocks (i,i) and (j,j) and −K to (i,j) and (j,i). A self-image pair
 *   (i = j) has d = T independent of x and adds nothing to the gradient, H_rr or H_re.
 * - H_re = ∂/∂e_k [Fᵀ ∇ψ(F d)] for atom j (minus for i) = D_k (g d) + K D_k d
 *         = 2 g w_k + h s_k d.
 *   Summed over the pairs of atom j, the first term is 2 D_k ∇_j E (the term of the contract that
 *   is nonzero away from a minimum), so the loop accumulates only h s_k d and adds 2 D_k ∇_j E at
 *   the end.
 * - H_ee = ∂²E/∂e_k∂e_l at fixed x; F is linear in e, so per pair w_kᵀ K w_l = g w_k·w_l + h s_k s_l.
 *   Σ g w_k·w_l is linear in the virial sums Σ g d_a d_b (e.g. w_3·w_3 = (d_y² + d_z²)/4,
 *   w_0·w_4 = d_x d_z/2), so the loop accumulates only the 21 sums Σ h s_k s_l.
 * - The blocks (i,i) of H_rr follow from the acoustic sum rule H_ii = −Σ_{j≠i} H_ij (translation
 *   invariance; self-image pairs contribute zero to both), so the loop writes only (i,j), i < j.
 *
 * Parameter derivatives for the fit's Jacobian: ∂E/∂p = Σ ∂φ/∂p, ∂(∂E/∂r_j)/∂p = (∂φ'/∂p / r) d,
 * ∂(∂E/∂e_k)/∂p = Σ (∂φ'/∂p / r) s_k, summed over the pairs of that potential.
 *
 * References: M. P. Allen and D. J. Tildesley, Computer Simulation of Liquids, 2nd ed. (OUP, 2017),
 * doi:10.1093/oso/9780198803195.001.0001 (pair virial); J. D. Gale, J. Chem. Soc. Faraday Trans.
 * 93, 629 (1997), doi:10.1039/A606455H (strain derivatives and the (3N+6) Hessian in GULP).
 */
import { DomainError } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import { forEachPair } from './neighbours.js';
import { type DerivativeOrder, type EnergyResult, type ParameterDerivatives, type ParametrisedModel, emptyResult } from './model.js';
import { PAIR_PARAMETERS, type PairPotentialSpec, pairKey, parseParameterName } from './forcefield.js';
import type { PairForm } from './pair-form.js';
import { BuckinghamForm } from './buckingham.js';
import { LennardJonesForm } from './lennard-jones.js';
import { withCutoffMode } from './cutoff.js';

export type { PairForm };

/** The pair form of a spec, after checking its type and parameters (INVALID_POTENTIAL otherwise). */
export function pairForm(spec: PairPotentialSpec, path = '/pairs'): PairForm {
  const names = PAIR_PARAMETERS[spec.type];
  if (!names) throw new DomainError('INVALID_POTENTIAL', `unknown pair type ${String(spec.type)}`, { path: `${path}/type` });
  for (const k of Object.keys(spec.params)) {
    if (!names.includes(k)) throw new DomainError('INVALID_POTENTIAL', `${spec.type} has no parameter ${k} (expected ${names.join(', ')})`, { path: `${path}/params/${k}` });
  }
  const p = names.map((k) => {
    const v = spec.params[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DomainError('INVALID_POTENTIAL', `${spec.type} parameter ${k} must be a finite number (got ${v})`, { path: `${path}/params/${k}` });
    return v;
  });
  if (spec.type === 'buckingham') {
    if (!(p[1]! > 0)) throw new DomainError('INVALID_POTENTIAL', `Buckingham rho must be positive (got ${p[1]})`, { path: `${path}/params/rho` });
    return new BuckinghamForm(p[0]!, p[1]!, p[2]!);
  }
  return new LennardJonesForm(p[0]!, p[1]!);
}

/**
 * The short-range part of a force field: one pair form per unordered species pair, each truncated
 * at its own cut-off. One neighbour search at the largest cut-off that matters for the structure,
 * dispatched per pair through a species-pair table (no string work per pair).
 */
export class PairModel implements ParametrisedModel {
  readonly name = 'shortRange';
  readonly pairs: readonly PairPotentialSpec[];
  readonly forms: readonly PairForm[];
  readonly parameterNames: readonly string[];
  /** pair key (`Cd-Se`) → index into `forms` */
  private readonly byKey: Map<string, number>;
  /** species label → type index (species without any potential map to `numTypes`) */
  private readonly speciesIndex: Map<string, number>;
  private readonly numTypes: number;
  /** (numTypes + 1)² table of form indices, −1 where no potential */
  private readonly table: Int32Array;
  private readonly cutoff2: Float64Array;
  /** the two type indices of each form */
  private readonly formTypes: Int32Array;

  constructor(pairs: readonly PairPotentialSpec[]) {
    const species: string[] = [];
    const byKey = new Map<string, number>();
    const forms: PairForm[] = [];
    const frozen: PairPotentialSpec[] = [];
    pairs.forEach((spec, q) => {
      const path = `/pairs/${q}`;
      const [a, b] = spec.species ?? [];
      if (typeof a !== 'string' || typeof b !== 'string' || !a || !b) throw new DomainError('INVALID_POTENTIAL', 'a pair potential needs two species labels', { path: `${path}/species` });
      if (!(typeof spec.cutoff === 'number' && Number.isFinite(spec.cutoff) && spec.cutoff > 0)) {
        throw new DomainError('INVALID_POTENTIAL', `pair cut-off must be a positive number of Å (got ${spec.cutoff})`, { path: `${path}/cutoff` });
      }
      const key = pairKey(a, b);
      if (byKey.has(key)) throw new DomainError('INVALID_POTENTIAL', `duplicate pair potential for ${key}`, { path: `${path}/species` });
      byKey.set(key, forms.length);
      forms.push(withCutoffMode(pairForm(spec, path), spec.cutoff, spec.cutoffMode, spec.taperWidth, path));
      frozen.push(Object.freeze({ ...spec, species: Object.freeze([a, b]) as readonly [string, string], params: Object.freeze({ ...spec.params }) }));
      for (const s of [a, b]) if (!species.includes(s)) species.push(s);
    });
    this.pairs = Object.freeze(frozen);
    this.forms = Object.freeze(forms);
    this.byKey = byKey;
    this.speciesIndex = new Map(species.map((s, i) => [s, i]));
    this.numTypes = species.length;
    const stride = species.length + 1;
    this.table = new Int32Array(stride * stride).fill(-1);
    this.cutoff2 = new Float64Array(forms.length);
    this.formTypes = new Int32Array(2 * forms.length);
    frozen.forEach((spec, q) => {
      const ta = this.speciesIndex.get(spec.species[0])!, tb = this.speciesIndex.get(spec.species[1])!;
      this.table[ta * stride + tb] = q;
      this.table[tb * stride + ta] = q;
      this.cutoff2[q] = spec.cutoff * spec.cutoff;
      this.formTypes[2 * q] = ta;
      this.formTypes[2 * q + 1] = tb;
    });
    this.parameterNames = Object.freeze(frozen.flatMap((p) => PAIR_PARAMETERS[p.type].map((k) => `${pairKey(p.species[0], p.species[1])}.${k}`)));
  }

  parameterValues(): Float64Array {
    return Float64Array.from(this.pairs.flatMap((p) => PAIR_PARAMETERS[p.type].map((k) => p.params[k]!)));
  }

  /**
   * The same pairs with new parameter values (in `parameterNames` order): new pair forms, the same
   * species and cut-off tables. INVALID_POTENTIAL for a value the form does not accept (ρ ≤ 0).
   */
  withParameterValues(values: ArrayLike<number>): PairModel {
    if (values.length !== this.parameterNames.length) throw new RangeError(`${values.length} values for the ${this.parameterNames.length} pair parameters`);
    let k = 0;
    const pairs = this.pairs.map((spec) => {
      const params: Record<string, number> = {};
      for (const name of PAIR_PARAMETERS[spec.type]) params[name] = values[k++]!;
      return Object.freeze({ ...spec, params: Object.freeze(params) });
    });
    const forms = pairs.map((spec, q) => pairForm(spec, `/pairs/${q}`));
    // every table but the forms depends on the species and cut-offs only: share them
    return Object.assign(Object.create(PairModel.prototype) as PairModel, this, { pairs: Object.freeze(pairs), forms: Object.freeze(forms) });
  }

  /** Type index of every atom. */
  private atomTypes(structure: Structure): Int32Array {
    const types = new Int32Array(structure.numAtoms);
    for (let i = 0; i < types.length; i++) types[i] = this.speciesIndex.get(structure.species[i]!) ?? this.numTypes;
    return types;
  }

  /** The largest cut-off among the potentials whose two species are both present (0 if none). */
  private searchCutoff(types: Int32Array): number {
    const present = new Uint8Array(this.numTypes + 1);
    for (let i = 0; i < types.length; i++) present[types[i]!] = 1;
    let rc2 = 0;
    for (let q = 0; q < this.forms.length; q++) {
      if (present[this.formTypes[2 * q]!] && present[this.formTypes[2 * q + 1]!]) rc2 = Math.max(rc2, this.cutoff2[q]!);
    }
    return Math.sqrt(rc2);
  }

  compute(structure: Structure, order: DerivativeOrder = 0): EnergyResult {
    const n = structure.numAtoms;
    const res = emptyResult(n, order);
    const types = this.atomTypes(structure);
    const rc = this.searchCutoff(types);
    if (rc > 0) {
      if (order === 0) res.energy = this.energyOnly(structure, types, rc);
      else if (order === 1) res.energy = this.firstOrder(structure, types, rc, res.gradient!, res.strain!);
      else res.energy = this.secondOrder(structure, types, rc, res.gradient!, res.strain!, res.hessian!);
    }
    res.parts.shortRange = res.energy;
    return res;
  }

  private energyOnly(structure: Structure, types: Int32Array, rc: number): number {
    const { table, cutoff2, forms } = this;
    const stride = this.numTypes + 1;
    let energy = 0;
    forEachPair(structure, rc, (i, j, _dx, _dy, _dz, r2) => {
      const t = table[types[i]! * stride + types[j]!]!;
      if (t < 0 || r2 >= cutoff2[t]!) return;
      energy += forms[t]!.phi(Math.sqrt(r2));
    });
    return energy;
  }

  private firstOrder(structure: Structure, types: Int32Array, rc: number, grad: Float64Array, strain: Float64Array): number {
    const { table, cutoff2, forms } = this;
    const stride = this.numTypes + 1;
    const out = new Float64Array(3);
    let energy = 0, sxx = 0, syy = 0, szz = 0, syz = 0, sxz = 0, sxy = 0;
    forEachPair(structure, rc, (i, j, dx, dy, dz, r2) => {
      const t = table[types[i]! * stride + types[j]!]!;
      if (t < 0 || r2 >= cutoff2[t]!) return;
      const r = Math.sqrt(r2);
      forms[t]!.evaluate(r, out);
      energy += out[0]!;
      const g = out[1]! / r;
      const fx = g * dx, fy = g * dy, fz = g * dz;
      sxx += fx * dx; syy += fy * dy; szz += fz * dz;
      syz += fy * dz; sxz += fx * dz; sxy += fx * dy;
      if (i !== j) {
        grad[3 * i]! -= fx; grad[3 * i + 1]! -= fy; grad[3 * i + 2]! -= fz;
        grad[3 * j]! += fx; grad[3 * j + 1]! += fy; grad[3 * j + 2]! += fz;
      }
    });
    strain[0] = sxx; strain[1] = syy; strain[2] = szz; strain[3] = syz; strain[4] = sxz; strain[5] = sxy;
    return energy;
  }

  private secondOrder(structure: Structure, types: Int32Array, rc: number, grad: Float64Array, strain: Float64Array, H: Float64Array): number {
    const { table, cutoff2, forms } = this;
    const stride = this.numTypes + 1;
    const n = structure.numAtoms, dim = 3 * n + 6;
    const out = new Float64Array(3);
    // per atom, Σ ± h s_k d_a over its pairs: re[18 a + 3 k + c]
    const re = new Float64Array(18 * n);
    // Σ h s_k s_l, upper triangle, row-major over k ≤ l
    const ee = new Float64Array(21);
    let energy = 0, sxx = 0, syy = 0, szz = 0, syz = 0, sxz = 0, sxy = 0;
    forEachPair(structure, rc, (i, j, dx, dy, dz, r2) => {
      const t = table[types[i]! * stride + types[j]!]!;
      if (t < 0 || r2 >= cutoff2[t]!) return;
      const r = Math.sqrt(r2);
      forms[t]!.evaluate(r, out);
      energy += out[0]!;
      const g = out[1]! / r;
      const h = (out[2]! - g) / r2;
      const fx = g * dx, fy = g * dy, fz = g * dz;
      // the same arithmetic as at order 1, so both orders return identical first derivatives
      sxx += fx * dx; syy += fy * dy; szz += fz * dz;
      syz += fy * dz; sxz += fx * dz; sxy += fx * dy;
      const xx = dx * dx, yy = dy * dy, zz = dz * dz, yz = dy * dz, xz = dx * dz, xy = dx * dy;
      const hxx = h * xx, hyy = h * yy, hzz = h * zz, hyz = h * yz, hxz = h * xz, hxy = h * xy;
      ee[0]! += hxx * xx; ee[1]! += hxx * yy; ee[2]! += hxx * zz; ee[3]! += hxx * yz; ee[4]! += hxx * xz; ee[5]! += hxx * xy;
      ee[6]! += hyy * yy; ee[7]! += hyy * zz; ee[8]! += hyy * yz; ee[9]! += hyy * xz; ee[10]! += hyy * xy;
      ee[11]! += hzz * zz; ee[12]! += hzz * yz; ee[13]! += hzz * xz; ee[14]! += hzz * xy;
      ee[15]! += hyz * yz; ee[16]! += hyz * xz; ee[17]! += hyz * xy;
      ee[18]! += hxz * xz; ee[19]! += hxz * xy;
      ee[20]! += hxy * xy;
      if (i === j) return;
      grad[3 * i]! -= fx; grad[3 * i + 1]! -= fy; grad[3 * i + 2]! -= fz;
      grad[3 * j]! += fx; grad[3 * j + 1]! += fy; grad[3 * j + 2]! += fz;
      // off-diagonal block (i, j), i < j: −K
      const kxy = -hxy, kxz = -hxz, kyz = -hyz;
      let p = (3 * i) * dim + 3 * j;
      H[p]! -= g + hxx; H[p + 1]! += kxy; H[p + 2]! += kxz;
      p += dim;
      H[p]! += kxy; H[p + 1]! -= g + hyy; H[p + 2]! += kyz;
      p += dim;
      H[p]! += kxz; H[p + 1]! += kyz; H[p + 2]! -= g + hzz;
      // position-strain: ± h s_k d
      const ri = 18 * i, rj = 18 * j;
      addStrainColumn(re, ri, rj, 0, hxx, dx, dy, dz);
      addStrainColumn(re, ri, rj, 3, hyy, dx, dy, dz);
      addStrainColumn(re, ri, rj, 6, hzz, dx, dy, dz);
      addStrainColumn(re, ri, rj, 9, hyz, dx, dy, dz);
      addStrainColumn(re, ri, rj, 12, hxz, dx, dy, dz);
      addStrainColumn(re, ri, rj, 15, hxy, dx, dy, dz);
    });
    strain[0] = sxx; strain[1] = syy; strain[2] = szz; strain[3] = syz; strain[4] = sxz; strain[5] = sxy;

    // H_rr: mirror the (i, j) blocks (each is symmetric), then the diagonal blocks by the sum rule
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) H[(3 * j + a) * dim + 3 * i + b] = H[(3 * i + a) * dim + 3 * j + b]!;
    for (let i = 0; i < n; i++)
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          let sum = 0;
          for (let j = 0; j < n; j++) if (j !== i) sum += H[(3 * i + a) * dim + 3 * j + b]!;
          H[(3 * i + a) * dim + 3 * i + b] = 0 - sum; // 0 − 0 = +0, not −0
        }

    // H_re = Σ h s_k d (accumulated) + 2 D_k ∇_j E; mirrored into H_er
    for (let a = 0; a < n; a++) {
      const gx = grad[3 * a]!, gy = grad[3 * a + 1]!, gz = grad[3 * a + 2]!;
      // 2 D_k g for k = xx, yy, zz, yz, xz, xy
      const dk = [gx * 2, 0, 0, 0, gy * 2, 0, 0, 0, gz * 2, 0, gz, gy, gz, 0, gx, gy, gx, 0];
      for (let k = 0; k < 6; k++)
        for (let c = 0; c < 3; c++) {
          const v = re[18 * a + 3 * k + c]! + dk[3 * k + c]!;
          H[(3 * a + c) * dim + 3 * n + k] = v;
          H[(3 * n + k) * dim + 3 * a + c] = v;
        }
    }

    // H_ee = Σ h s_k s_l + Σ g w_k·w_l, the latter from the virial sums
    const gw = [
      [sxx, 0, 0, 0, sxz / 2, sxy / 2],
      [0, syy, 0, syz / 2, 0, sxy / 2],
      [0, 0, szz, syz / 2, sxz / 2, 0],
      [0, syz / 2, syz / 2, (syy + szz) / 4, sxy / 4, sxz / 4],
      [sxz / 2, 0, sxz / 2, sxy / 4, (sxx + szz) / 4, syz / 4],
      [sxy / 2, sxy / 2, 0, sxz / 4, syz / 4, (sxx + syy) / 4],
    ];
    let q = 0;
    for (let k = 0; k < 6; k++)
      for (let l = k; l < 6; l++, q++) {
        const v = ee[q]! + gw[k]![l]!;
        H[(3 * n + k) * dim + 3 * n + l] = v;
        H[(3 * n + l) * dim + 3 * n + k] = v;
      }
    return energy;
  }

  parameterDerivatives(structure: Structure, names: readonly string[]): ParameterDerivatives {
    const n = structure.numAtoms;
    const np = names.length;
    // resolve every name to (form, parameter index), then group the requests by form (CSR)
    const formOf = new Int32Array(np), paramOf = new Int32Array(np);
    names.forEach((name, q) => {
      const id = parseParameterName(name);
      const f = id ? this.byKey.get(id.pair) : undefined;
      const k = f === undefined ? -1 : this.forms[f]!.parameterNames.indexOf(id!.param);
      if (f === undefined || k < 0) {
        throw new DomainError('UNKNOWN_PARAMETER', `unknown parameter ${name} (known: ${this.parameterNames.join(', ')})`, { parameter: name });
      }
      formOf[q] = f;
      paramOf[q] = k;
    });
    const startOf = new Int32Array(this.forms.length + 1);
    for (let q = 0; q < np; q++) startOf[formOf[q]! + 1]!++;
    for (let f = 0; f < this.forms.length; f++) startOf[f + 1]! += startOf[f]!;
    const fill = startOf.slice(0, this.forms.length);
    const requests = new Int32Array(np);
    for (let q = 0; q < np; q++) requests[fill[formOf[q]!]!++] = q;

    const dEnergy = new Float64Array(np);
    const dFirst = names.map(() => new Float64Array(3 * n + 6));
    const types = this.atomTypes(structure);
    const rc = this.searchCutoff(types);
    if (np === 0 || rc === 0) return { names: [...names], dEnergy, dFirst };

    const { table, cutoff2, forms } = this;
    const stride = this.numTypes + 1;
    const out = new Float64Array(2);
    const s0 = 3 * n;
    forEachPair(structure, rc, (i, j, dx, dy, dz, r2) => {
      const t = table[types[i]! * stride + types[j]!]!;
      if (t < 0 || r2 >= cutoff2[t]!) return;
      const lo = startOf[t]!, hi = startOf[t + 1]!;
      if (lo === hi) return;
      const r = Math.sqrt(r2);
      const form = forms[t]!;
      for (let u = lo; u < hi; u++) {
        const q = requests[u]!;
        form.parameterDerivative(paramOf[q]!, r, out);
        dEnergy[q]! += out[0]!;
        const g = out[1]! / r;
        const fx = g * dx, fy = g * dy, fz = g * dz;
        const d = dFirst[q]!;
        d[s0]! += fx * dx; d[s0 + 1]! += fy * dy; d[s0 + 2]! += fz * dz;
        d[s0 + 3]! += fy * dz; d[s0 + 4]! += fx * dz; d[s0 + 5]! += fx * dy;
        if (i !== j) {
          d[3 * i]! -= fx; d[3 * i + 1]! -= fy; d[3 * i + 2]! -= fz;
          d[3 * j]! += fx; d[3 * j + 1]! += fy; d[3 * j + 2]! += fz;
        }
      }
    });
    return { names: [...names], dEnergy, dFirst };
  }
}

/** re[j] += (h s_k) d, re[i] −= (h s_k) d for one strain component (offset 3k in the 18-block). */
function addStrainColumn(re: Float64Array, ri: number, rj: number, off: number, hs: number, dx: number, dy: number, dz: number): void {
  const vx = hs * dx, vy = hs * dy, vz = hs * dz;
  re[rj + off]! += vx; re[rj + off + 1]! += vy; re[rj + off + 2]! += vz;
  re[ri + off]! -= vx; re[ri + off + 1]! -= vy; re[ri + off + 2]! -= vz;
}
