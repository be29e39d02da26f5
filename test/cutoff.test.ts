/**
 * Smooth cut-off modes (src/potentials/cutoff.ts): the energy-model contract (gradient, strain,
 * Hessian against finite differences) with shifted-force and taper cut-offs, on the Pb-Se-Cd set
 * and on a formal-charge oxide (MgO, Lewis & Catlow) and a Lennard-Jones halide; continuity at the
 * cut-off; the form derivatives and the parameter derivatives against central differences.
 */
import { describe, expect, it } from 'vitest';
import type { PairPotentialSpec } from '../src/potentials/forcefield.js';
import { PairModel, pairForm } from '../src/potentials/pair.js';
import { withCutoffMode } from '../src/potentials/cutoff.js';
import { DomainError } from '../src/errors.js';
import { runContractSuite } from './helpers/contract.js';
import { close } from './helpers/tolerances.js';
import { PUBLISHED, referenceStructure, triclinicCell } from './helpers/cells.js';
import { rattle, rockSalt } from './helpers/relax.js';

const mode = (pairs: readonly PairPotentialSpec[], cutoffMode: PairPotentialSpec['cutoffMode'], cutoff?: number, taperWidth?: number): PairPotentialSpec[] =>
  pairs.map((p) => ({ ...p, cutoffMode, ...(cutoff ? { cutoff } : {}), ...(taperWidth ? { taperWidth } : {}) }));

const MGO: PairPotentialSpec[] = [
  { type: 'buckingham', species: ['Mg', 'O'], params: { A: 1428.5, rho: 0.2945, C: 0 }, cutoff: 6 },
  { type: 'buckingham', species: ['O', 'O'], params: { A: 22764, rho: 0.149, C: 27.88 }, cutoff: 6 },
];
const kcal = 0.0433641;
const lj = (eps: number, s: number) => ({ A: 4 * eps * s ** 12, B: 4 * eps * s ** 6 });
const NACL: PairPotentialSpec[] = [
  { type: 'lennard-jones', species: ['Na', 'Cl'], params: lj(0.1 * kcal, 3.375), cutoff: 7 },
  { type: 'lennard-jones', species: ['Cl', 'Cl'], params: lj(0.1 * kcal, 4.4), cutoff: 7 },
];

const CELLS = {
  'PbSe-RS-rattled': () => referenceStructure('PbSe-RS-rattled'),
  'CdSe-ZB-rattled': () => referenceStructure('CdSe-ZB-rattled'),
  'triclinic 4-atom cell': () => triclinicCell(),
};
// short cut-offs put many pairs inside the taper range; strained/rattled so nothing is symmetric
const MGO_CELL = { 'MgO rattled': () => rattle(rockSalt(4.2, 'Mg', 'O').structure, 0.05, 0.01, 3) };
const NACL_CELL = { 'NaCl rattled': () => rattle(rockSalt(5.7, 'Na', 'Cl').structure, 0.05, 0.01, 4) };

runContractSuite('Buckingham, shifted-force cut-off 12 Å (Pb-Se-Cd)', () => new PairModel(mode(PUBLISHED.pairs, 'shifted-force')), CELLS);
runContractSuite('Buckingham, taper 11-12 Å (Pb-Se-Cd)', () => new PairModel(mode(PUBLISHED.pairs, 'taper')), CELLS);
runContractSuite('Buckingham, shifted-force 6 Å (MgO)', () => new PairModel(mode(MGO, 'shifted-force')), MGO_CELL);
runContractSuite('Buckingham, taper 4.5-6 Å (MgO)', () => new PairModel(mode(MGO, 'taper', undefined, 1.5)), MGO_CELL);
runContractSuite('Lennard-Jones, taper 6-7 Å (NaCl)', () => new PairModel(mode(NACL, 'taper')), NACL_CELL);
runContractSuite('Lennard-Jones, shifted-force 7 Å (NaCl)', () => new PairModel(mode(NACL, 'shifted-force')), NACL_CELL);

describe('cut-off modes on one pair form', () => {
  const spec = MGO[1]!;
  const base = pairForm(spec);
  const rc = 6;
  const forms = { 'shifted-force': withCutoffMode(base, rc, 'shifted-force'), taper: withCutoffMode(base, rc, 'taper', 1.5) };
  const h = 1e-5;

  it('truncate is the plain form (default unchanged)', () => {
    expect(withCutoffMode(base, rc)).toBe(base);
    expect(withCutoffMode(base, rc, 'truncate')).toBe(base);
  });

  for (const [name, f] of Object.entries(forms)) {
    it(`${name}: energy and force vanish at the cut-off${name === 'taper' ? ', and so does the curvature' : ''}`, () => {
      expect(Math.abs(f.phi(rc))).toBeLessThan(1e-15);
      expect(Math.abs(f.dphi(rc))).toBeLessThan(1e-15);
      if (name === 'taper') expect(Math.abs(f.d2phi(rc - 1e-9))).toBeLessThan(1e-9);
    });

    it(`${name}: φ' and φ'' against central differences of φ and φ', evaluate() matches`, () => {
      const out = new Float64Array(3);
      for (const r of [2.5, 3.3, 4.6, 5.2, 5.9]) {
        expect(close(f.dphi(r), (f.phi(r + h) - f.phi(r - h)) / (2 * h), 1e-7, 1e-10)).toBe(true);
        expect(close(f.d2phi(r), (f.dphi(r + h) - f.dphi(r - h)) / (2 * h), 1e-6, 1e-9)).toBe(true);
        f.evaluate(r, out);
        expect(close(out[0]!, f.phi(r), 1e-14, 1e-16) && close(out[1]!, f.dphi(r), 1e-14, 1e-16) && close(out[2]!, f.d2phi(r), 1e-13, 1e-15)).toBe(true);
      }
    });

    it(`${name}: parameter derivatives against central differences of the wrapped form`, () => {
      const out = new Float64Array(2);
      const names = ['A', 'rho', 'C'];
      for (let k = 0; k < 3; k++) {
        const p0 = spec.params[names[k]!]!;
        const dp = 1e-6 * Math.abs(p0);
        const at = (v: number) => withCutoffMode(pairForm({ ...spec, params: { ...spec.params, [names[k]!]: v } }), rc, name as 'taper', 1.5);
        for (const r of [2.9, 4.8, 5.5]) {
          f.parameterDerivative(k, r, out);
          const fp = at(p0 + dp), fm = at(p0 - dp);
          // the central difference's rounding error: ~ε |φ| / dp (φ ~ 1e-3 eV at 5 Å, dp(ρ) ~ 1e-7 Å)
          const round = (v: number): number => (40 * Number.EPSILON * Math.abs(v)) / dp;
          expect(close(out[0]!, (fp.phi(r) - fm.phi(r)) / (2 * dp), 1e-6, round(f.phi(r)))).toBe(true);
          expect(close(out[1]!, (fp.dphi(r) - fm.dphi(r)) / (2 * dp), 1e-6, round(f.dphi(r)))).toBe(true);
        }
      }
    });
  }

  it('the model-level parameter derivatives follow the mode (against central differences of gradient/strain)', () => {
    const s = MGO_CELL['MgO rattled']();
    const pairs = mode(MGO, 'taper', undefined, 1.5);
    const d = new PairModel(pairs).parameterDerivatives(s, ['O-O.rho']);
    const dp = 1e-6;
    const at = (v: number) => new PairModel(pairs.map((p) => (p.species[0] === 'O' && p.species[1] === 'O' ? { ...p, params: { ...p.params, rho: v } } : p))).compute(s, 1);
    const plus = at(0.149 + dp), minus = at(0.149 - dp);
    expect(close(d.dEnergy[0]!, (plus.energy - minus.energy) / (2 * dp), 1e-6, 1e-8)).toBe(true);
    const n = s.numAtoms;
    for (let i = 0; i < 3 * n; i++) expect(close(d.dFirst[0]![i]!, (plus.gradient![i]! - minus.gradient![i]!) / (2 * dp), 1e-5, 1e-7)).toBe(true);
    for (let k = 0; k < 6; k++) expect(close(d.dFirst[0]![3 * n + k]!, (plus.strain![k]! - minus.strain![k]!) / (2 * dp), 1e-5, 1e-7)).toBe(true);
  });

  it('rejects an unknown mode and a taper wider than the cut-off, with a pointer', () => {
    expect(() => new PairModel([{ ...MGO[0]!, cutoffMode: 'smooth' as never }])).toThrow(DomainError);
    try { new PairModel([{ ...MGO[0]!, cutoffMode: 'taper', taperWidth: 7 }]); expect.unreachable(); } catch (e) { expect((e as DomainError).path).toMatch(/taperWidth/); }
  });
});
