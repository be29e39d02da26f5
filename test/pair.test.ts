/**
 * Short-range pair models (src/potentials/{pair,buckingham,lennard-jones}.ts): the energy-model
 * contract on rattled low-symmetry cells, the independent engine's short-range energies, parameter
 * derivatives against central differences, per-pair cut-offs, dispatch by species pair, errors,
 * and the Buckingham turnover.
 */
import { describe, it, expect } from 'vitest';
import { DomainError } from '../src/errors.js';
import { Structure } from '../src/crystal/structure.js';
import type { PairPotentialSpec } from '../src/potentials/forcefield.js';
import { PairModel, pairForm } from '../src/potentials/pair.js';
import { BuckinghamForm, buckinghamTurnover } from '../src/potentials/buckingham.js';
import { LennardJonesForm } from '../src/potentials/lennard-jones.js';
import { forEachPair } from '../src/potentials/neighbours.js';
import { runContractSuite } from './helpers/contract.js';
import { TOL, close } from './helpers/tolerances.js';
import { PUBLISHED, referenceCells, referenceStructure, triclinicCell } from './helpers/cells.js';

/**
 * A Lennard-Jones set for the contract (no Coulomb, so each pair has a real well): ε and the
 * well position r_m, converted by A = ε r_m¹², B = 2ε r_m⁶. Cd-Se ε = 0.2 eV at 2.7 Å (near the
 * 2.63 Å bond of zinc-blende CdSe), Pb-Se 0.2 eV at 3.1 Å (rock-salt PbSe: 3.06 Å), Se-Se 0.02 eV
 * at 4.2 Å (second neighbours, 4.3 Å). Different cut-offs per pair exercise the per-pair truncation.
 */
const lj = (eps: number, rm: number): { A: number; B: number } => ({ A: eps * rm ** 12, B: 2 * eps * rm ** 6 });
const LJ_PAIRS: PairPotentialSpec[] = [
  { type: 'lennard-jones', species: ['Cd', 'Se'], params: lj(0.2, 2.7), cutoff: 10.5 },
  { type: 'lennard-jones', species: ['Pb', 'Se'], params: lj(0.2, 3.1), cutoff: 10.5 },
  { type: 'lennard-jones', species: ['Se', 'Se'], params: lj(0.02, 4.2), cutoff: 12 },
];

const CELLS = {
  'CdSe-WZ-rattled': () => referenceStructure('CdSe-WZ-rattled'),
  'PbSe-RS-rattled': () => referenceStructure('PbSe-RS-rattled'),
  'CdSe-ZB-rattled': () => referenceStructure('CdSe-ZB-rattled'),
  'triclinic 4-atom cell': () => triclinicCell(),
};
const { 'CdSe-WZ-rattled': wurtzite, ...CLEAR_AT_12 } = CELLS;

/**
 * Plain truncation makes E jump by φ(rc) when a pair crosses its cut-off, and the contract's
 * strain-strain check takes second differences of E with strain steps up to 2e-4, which move a
 * 12 Å pair by up to 2.4e-3 Å. A jump of φ(12 Å) ≈ −2e-5 eV over 4h² = 4e-8 is an error of
 * ~500 eV in H_ee. So every cell whose Hessian is checked must keep its pairs clear of their
 * cut-offs (tested below). CdSe-WZ-rattled has a Cd-Se pair at 11.9997 Å: with the published
 * 12 Å cut-off it runs the contract without the Hessian check, and the Hessian is checked with
 * the published parameters at 12.12 Å, the middle of the widest gap in its Cd-Se distances.
 * (Derivatives of the truncated sum do not depend on where the cut-off lies.)
 */
const FD_BAND = 5e-3;
const PUBLISHED_1212 = PUBLISHED.pairs.map((p) => ({ ...p, cutoff: 12.12 }));

runContractSuite('Buckingham (published Pb-Se-Cd set, 12 Å)', () => new PairModel(PUBLISHED.pairs), CLEAR_AT_12);
runContractSuite('Buckingham (published Pb-Se-Cd set, 12 Å), no Hessian check', () => new PairModel(PUBLISHED.pairs), { 'CdSe-WZ-rattled': wurtzite }, { skipHessian: true });
runContractSuite('Buckingham (published parameters, 12.12 Å)', () => new PairModel(PUBLISHED_1212), { 'CdSe-WZ-rattled': wurtzite });
runContractSuite('Lennard-Jones', () => new PairModel(LJ_PAIRS), CELLS);

/** The smallest |r − rc| over the pairs of the structure that have a potential, Å. */
function cutoffClearance(pairs: readonly PairPotentialSpec[], s: Structure): number {
  let clearance = Infinity;
  const rcMax = Math.max(...pairs.map((p) => p.cutoff));
  forEachPair(s, rcMax + 1, (i, j, _x, _y, _z, r2) => {
    const spec = pairs.find((p) => [...p.species].sort().join() === [s.species[i], s.species[j]].sort().join());
    if (spec) clearance = Math.min(clearance, Math.abs(Math.sqrt(r2) - spec.cutoff));
  });
  return clearance;
}

describe('cells whose Hessian is checked keep every pair clear of its cut-off', () => {
  const checked: [string, readonly PairPotentialSpec[], Record<string, () => Structure>][] = [
    ['Buckingham 12 Å', PUBLISHED.pairs, CLEAR_AT_12],
    ['Buckingham 12.12 Å', PUBLISHED_1212, { 'CdSe-WZ-rattled': wurtzite }],
    ['Lennard-Jones', LJ_PAIRS, CELLS],
  ];
  for (const [label, pairs, cells] of checked)
    for (const [id, make] of Object.entries(cells))
      it(`${label} on ${id}: no pair within ${FD_BAND} Å of its cut-off`, () => {
        expect(cutoffClearance(pairs, make())).toBeGreaterThan(FD_BAND);
      });

  it('CdSe-WZ-rattled at the published 12 Å has a pair inside that band (why its Hessian is checked at 12.12 Å)', () => {
    expect(cutoffClearance(PUBLISHED.pairs, wurtzite())).toBeLessThan(FD_BAND);
  });
});

/** A copy of the pairs with one named parameter (canonical `Cd-Se.A`) replaced. */
function withParam(pairs: readonly PairPotentialSpec[], name: string, value: number): PairPotentialSpec[] {
  const [key, param] = name.split('.') as [string, string];
  return pairs.map((p) => ([...p.species].sort().join('-') === key ? { ...p, params: { ...p.params, [param]: value } } : p));
}

/** Brute-force short-range energy: the pair forms summed over the neighbour visits, per-pair cut-off. */
function bruteEnergy(pairs: readonly PairPotentialSpec[], s: Structure): number {
  let e = 0;
  const rcMax = Math.max(...pairs.map((p) => p.cutoff));
  forEachPair(s, rcMax, (i, j, _x, _y, _z, r2) => {
    const spec = pairs.find((p) => (p.species[0] === s.species[i] && p.species[1] === s.species[j]) || (p.species[1] === s.species[i] && p.species[0] === s.species[j]));
    if (spec && r2 < spec.cutoff ** 2) e += pairForm(spec).phi(Math.sqrt(r2));
  });
  return e;
}

describe('short-range energies of the independent engine (fixtures/reference/independent-energies.json)', () => {
  const model = new PairModel(PUBLISHED.pairs);
  for (const [id, cell] of Object.entries(referenceCells())) {
    it(`${id}: short-range energy matches to 1e-6 eV per cell`, () => {
      const e = model.compute(referenceStructure(id), 0).energy;
      expect(Math.abs(e - cell.shortRangeEnergy)).toBeLessThan(TOL.referenceEnergyEv);
    });
  }
});

describe('PairModel results', () => {
  const model = new PairModel(PUBLISHED.pairs);
  const s = referenceStructure('CdSe-WZ-rattled');

  it('is named shortRange and reports its energy as the part shortRange', () => {
    const r = model.compute(s, 0);
    expect(model.name).toBe('shortRange');
    expect(r.parts).toEqual({ shortRange: r.energy });
  });

  it('gives the same energy at orders 0, 1 and 2', () => {
    const e = [0, 1, 2].map((o) => model.compute(s, o as 0 | 1 | 2).energy);
    expect(Math.abs(e[1]! - e[0]!)).toBeLessThan(1e-12);
    expect(Math.abs(e[2]! - e[0]!)).toBeLessThan(1e-12);
  });

  it('gives the same gradient and strain derivatives at orders 1 and 2', () => {
    const r1 = model.compute(s, 1), r2 = model.compute(s, 2);
    expect(Array.from(r2.gradient!)).toEqual(Array.from(r1.gradient!));
    expect(Array.from(r2.strain!)).toEqual(Array.from(r1.strain!));
  });

  it('the Hessian of a structure with no potential pair present is zero', () => {
    const lone = Structure.fromCartesian(s.lattice, ['Cd', 'Pb'], [0, 0, 0, 1.5, 1.5, 1.5]);
    const r = model.compute(lone, 2);
    expect(r.energy).toBe(0);
    expect(r.hessian!.every((x) => x === 0)).toBe(true);
  });
});

describe('dispatch by species pair', () => {
  const s = referenceStructure('CdSe-ZB-rattled');

  it('a species pair without a potential contributes nothing: an extra atom of another species changes no energy', () => {
    const model = new PairModel(PUBLISHED.pairs);
    const extra = Structure.fromCartesian(s.lattice, [...s.species, 'Xe'], [...s.positions, 1.0, 2.0, 3.0]);
    expect(Math.abs(model.compute(extra, 0).energy - model.compute(s, 0).energy)).toBeLessThan(1e-12);
  });

  it('a species pair without a potential contributes nothing: the extra atom feels no force and no curvature', () => {
    const model = new PairModel(PUBLISHED.pairs);
    const extra = Structure.fromCartesian(s.lattice, [...s.species, 'Xe'], [...s.positions, 1.0, 2.0, 3.0]);
    const r = model.compute(extra, 2);
    const n = extra.numAtoms, dim = 3 * n + 6;
    const x = 3 * (n - 1);
    expect(Array.from(r.gradient!.slice(x, x + 3))).toEqual([0, 0, 0]);
    let nonzero = 0;
    for (let c = 0; c < dim; c++) for (let a = 0; a < 3; a++) if (r.hessian![(x + a) * dim + c] !== 0 || r.hessian![c * dim + x + a] !== 0) nonzero++;
    expect(nonzero).toBe(0);
  });

  it('without a Cd-Cd potential the energy is the sum of the Cd-Se and Se-Se terms alone', () => {
    const e = new PairModel(PUBLISHED.pairs).compute(s, 0).energy;
    const parts = new PairModel([PUBLISHED.pairs[0]!]).compute(s, 0).energy + new PairModel([PUBLISHED.pairs[2]!]).compute(s, 0).energy;
    expect(Math.abs(e - parts)).toBeLessThan(1e-12);
  });

  it('each pair is truncated plainly at its own cut-off: energy equals the brute-force sum', () => {
    const pairs: PairPotentialSpec[] = [
      { ...PUBLISHED.pairs[0]!, cutoff: 5.3 },
      { ...PUBLISHED.pairs[2]!, cutoff: 9.1 },
    ];
    const e = new PairModel(pairs).compute(s, 0).energy;
    expect(Math.abs(e - bruteEnergy(pairs, s))).toBeLessThan(1e-12);
    // and the truncation matters at this precision
    expect(Math.abs(e - bruteEnergy(PUBLISHED.pairs, s))).toBeGreaterThan(1e-6);
  });

  it('species order in a pair spec does not matter: energy, gradient, strain derivatives and Hessian are identical', () => {
    const swapped = PUBLISHED.pairs.map((p) => ({ ...p, species: [p.species[1], p.species[0]] as [string, string] }));
    const a = new PairModel(PUBLISHED.pairs).compute(s, 2);
    const b = new PairModel(swapped).compute(s, 2);
    expect(b.energy).toBe(a.energy);
    expect(Array.from(b.gradient!)).toEqual(Array.from(a.gradient!));
    expect(Array.from(b.strain!)).toEqual(Array.from(a.strain!));
    expect(Array.from(b.hessian!)).toEqual(Array.from(a.hessian!));
  });

  it('mixed forms dispatch per pair: Lennard-Jones Cd-Se with Buckingham Se-Se equals the sum of the two models', () => {
    const mixed = new PairModel([LJ_PAIRS[0]!, PUBLISHED.pairs[2]!]);
    const sum = new PairModel([LJ_PAIRS[0]!]).compute(s, 1).energy + new PairModel([PUBLISHED.pairs[2]!]).compute(s, 1).energy;
    expect(Math.abs(mixed.compute(s, 1).energy - sum)).toBeLessThan(1e-12);
  });
});

describe('parameter names and errors', () => {
  it('lists canonical parameter names in pair order', () => {
    const swapped = [{ ...PUBLISHED.pairs[0]!, species: ['Se', 'Cd'] as [string, string] }, LJ_PAIRS[2]!];
    expect(new PairModel(swapped).parameterNames).toEqual(['Cd-Se.A', 'Cd-Se.rho', 'Cd-Se.C', 'Se-Se.A', 'Se-Se.B']);
  });

  it('a duplicate pair (in either species order) is INVALID_POTENTIAL', () => {
    const dup = [PUBLISHED.pairs[0]!, { ...PUBLISHED.pairs[0]!, species: ['Se', 'Cd'] as [string, string] }];
    expect(() => new PairModel(dup)).toThrow(expect.objectContaining({ code: 'INVALID_POTENTIAL' }));
  });

  it('a non-positive rho, a missing or unknown parameter, or a bad cut-off is INVALID_POTENTIAL', () => {
    const base = PUBLISHED.pairs[0]!;
    const bad: PairPotentialSpec[] = [
      { ...base, params: { ...base.params, rho: 0 } },
      { ...base, params: { A: 1, rho: 0.3 } },
      { ...base, params: { ...base.params, B: 1 } },
      { ...base, params: { ...base.params, C: Number.NaN } },
      { ...base, cutoff: 0 },
      { ...base, type: 'morse' as never },
    ];
    for (const spec of bad) expect(() => new PairModel([spec])).toThrow(expect.objectContaining({ code: 'INVALID_POTENTIAL' }));
  });

  it('an unknown parameter name is UNKNOWN_PARAMETER', () => {
    const model = new PairModel(PUBLISHED.pairs);
    const s = referenceStructure('CdSe-ZB');
    for (const name of ['Cd-Se.B', 'Cd-Pb.A', 'Cd-Cd.A', 'nonsense', 'Cd.A', 'Cd-Se-Pb.A']) {
      let err: unknown;
      try {
        model.parameterDerivatives(s, [name]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('UNKNOWN_PARAMETER');
    }
  });

  it('accepts parameter names in either species order (Se-Cd.A means Cd-Se.A)', () => {
    const model = new PairModel(PUBLISHED.pairs);
    const s = referenceStructure('CdSe-WZ-rattled');
    const a = model.parameterDerivatives(s, ['Cd-Se.A', 'Cd-Se.rho']);
    const b = model.parameterDerivatives(s, ['Se-Cd.A', 'Se-Cd.rho']);
    expect(Array.from(b.dEnergy)).toEqual(Array.from(a.dEnergy));
    expect(b.dFirst.map((d) => Array.from(d))).toEqual(a.dFirst.map((d) => Array.from(d)));
    expect(b.names).toEqual(['Se-Cd.A', 'Se-Cd.rho']);
  });
});

/**
 * Parameter derivatives against central differences with step h = 1e-6 |p|. Compared as
 * logarithmic derivatives p ∂/∂p (eV, eV/Å): ∂E/∂A alone is ~e^{−r/ρ} ~ 1e-11 for Cd-Se and
 * would pass any absolute floor.
 */
describe('parameter derivatives equal central differences', () => {
  const cases: [string, PairPotentialSpec[], string][] = [
    ['Buckingham', PUBLISHED.pairs, 'CdSe-WZ-rattled'],
    ['Buckingham', PUBLISHED.pairs, 'PbSe-RS-rattled'],
    ['Lennard-Jones', LJ_PAIRS, 'CdSe-ZB-rattled'],
    ['Lennard-Jones', LJ_PAIRS, 'PbSe-RS-rattled'],
  ];
  for (const [label, pairs, id] of cases) {
    const model = new PairModel(pairs);
    const s = referenceStructure(id);
    const present = new Set(s.species);
    const names = model.parameterNames.filter((n) => n.split('.')[0]!.split('-').every((x) => present.has(x)));
    const pd = model.parameterDerivatives(s, names);
    names.forEach((name, q) => {
      const [key, param] = name.split('.') as [string, string];
      const p = pairs.find((x) => [...x.species].sort().join('-') === key)!.params[param]!;
      const h = 1e-6 * Math.abs(p);
      const plus = new PairModel(withParam(pairs, name, p + h)).compute(s, 1);
      const minus = new PairModel(withParam(pairs, name, p - h)).compute(s, 1);

      it(`${label} on ${id}: ∂E/∂(${name}) equals the central difference of the energy`, () => {
        const numeric = (p * (plus.energy - minus.energy)) / (2 * h);
        expect(close(p * pd.dEnergy[q]!, numeric)).toBe(true);
      });

      it(`${label} on ${id}: ∂(gradient, strain derivatives)/∂(${name}) equal central differences`, () => {
        const n = s.numAtoms;
        const bad: string[] = [];
        for (let c = 0; c < 3 * n + 6; c++) {
          const fp = c < 3 * n ? plus.gradient![c]! : plus.strain![c - 3 * n]!;
          const fm = c < 3 * n ? minus.gradient![c]! : minus.strain![c - 3 * n]!;
          const numeric = (p * (fp - fm)) / (2 * h);
          const analytic = p * pd.dFirst[q]![c]!;
          if (!close(analytic, numeric)) bad.push(`[${c}] analytic ${analytic} vs numeric ${numeric}`);
        }
        expect(bad).toEqual([]);
      });
    });
  }

  it('the derivative with respect to a parameter of an absent pair is zero', () => {
    const model = new PairModel(PUBLISHED.pairs);
    const pd = model.parameterDerivatives(referenceStructure('CdSe-ZB-rattled'), ['Pb-Se.A']);
    expect(pd.dEnergy[0]).toBe(0);
    expect(pd.dFirst[0]!.every((x) => x === 0)).toBe(true);
  });
});

describe('pair forms', () => {
  const forms = [
    ['Buckingham Cd-Se', new BuckinghamForm(2.64e9, 0.108, 64.4), [2.2, 2.6, 3.5, 6]],
    ['Buckingham Se-Se', new BuckinghamForm(5200, 0.384, 127), [3.0, 4.2, 7.5]],
    ['Lennard-Jones Cd-Se', new LennardJonesForm(lj(0.2, 2.7).A, lj(0.2, 2.7).B), [2.2, 2.9, 4.0, 9]],
  ] as const;
  for (const [label, form, radii] of forms) {
    it(`${label}: φ′ and φ″ equal central differences of φ and φ′`, () => {
      for (const r of radii) {
        const h = 1e-5;
        expect(close(form.dphi(r), (form.phi(r + h) - form.phi(r - h)) / (2 * h), 1e-7, 1e-12)).toBe(true);
        expect(close(form.d2phi(r), (form.dphi(r + h) - form.dphi(r - h)) / (2 * h), 1e-7, 1e-12)).toBe(true);
      }
    });

    it(`${label}: evaluate returns φ, φ′, φ″ together`, () => {
      const out = new Float64Array(3);
      for (const r of radii) {
        form.evaluate(r, out);
        expect(close(out[0]!, form.phi(r), 1e-14, 1e-18)).toBe(true);
        expect(close(out[1]!, form.dphi(r), 1e-14, 1e-18)).toBe(true);
        expect(close(out[2]!, form.d2phi(r), 1e-14, 1e-18)).toBe(true);
      }
    });
  }
});

describe('buckinghamTurnover', () => {
  const cases = [
    ['Cd-Se', 2.64e9, 0.108, 64.4],
    ['Pb-Se', 4.88e6, 0.173, 211],
    ['Se-Se', 5200, 0.384, 127],
  ] as const;
  for (const [pair, A, rho, C] of cases) {
    it(`${pair}: φ′ vanishes at the turnover`, () => {
      const rt = buckinghamTurnover(A, rho, C)!;
      const f = new BuckinghamForm(A, rho, C);
      // φ′ = −(A/ρ)e^{−r/ρ} + 6C/r⁷: the two terms cancel to round-off
      expect(Math.abs(f.dphi(rt))).toBeLessThan(1e-12 * ((6 * C) / rt ** 7));
    });

    it(`${pair}: the turnover is a local maximum of φ below 7ρ`, () => {
      const rt = buckinghamTurnover(A, rho, C)!;
      const f = new BuckinghamForm(A, rho, C);
      expect(rt).toBeLessThan(7 * rho);
      expect(f.dphi(rt * 0.99)).toBeGreaterThan(0);
      expect(f.dphi(rt * 1.01)).toBeLessThan(0);
      expect(f.d2phi(rt)).toBeLessThan(0);
    });
  }

  it('the published Se-Se turnover lies between 0.9 and 1.0 Å', () => {
    const rt = buckinghamTurnover(5200, 0.384, 127)!;
    expect(rt).toBeGreaterThan(0.9);
    expect(rt).toBeLessThan(1.0);
  });

  it('is undefined when C = 0 (no dispersion, no collapse)', () => {
    expect(buckinghamTurnover(1000, 0.3, 0)).toBeUndefined();
  });

  it('is Infinity when the repulsion is too weak for any barrier (collapse from any distance)', () => {
    // q(7ρ) = ln(A/ρ) − 7 − ln(6C) + 7 ln(7ρ) < 0
    expect(buckinghamTurnover(1, 0.3, 127)).toBe(Infinity);
    expect(new BuckinghamForm(1, 0.3, 127).dphi(2.1)).toBeGreaterThan(0);
  });

  it('rejects rho ≤ 0 as INVALID_POTENTIAL', () => {
    expect(() => buckinghamTurnover(1000, 0, 10)).toThrow(expect.objectContaining({ code: 'INVALID_POTENTIAL' }));
  });
});
