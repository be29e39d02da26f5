import { describe, expect, it } from 'vitest';
import { guardWarnings, DEFAULT_BOUNDS, boundsOf } from '../src/fitting/guards.js';
import type { ForceField } from '../src/potentials/forcefield.js';
import { rockSalt, build } from './helpers/relax.js';

// MgO, Lewis & Catlow (1985) rigid-ion set (fixtures/fit-suite/mgo-cao.json)
const mgo = (mgoA = 1428.5, mgoRho = 0.2945, ooA = 22764, ooRho = 0.149, ooC = 27.88): ForceField => ({
  charges: { Mg: 2, O: -2 },
  pairs: [
    { type: 'buckingham', species: ['Mg', 'O'], params: { A: mgoA, rho: mgoRho, C: 0 }, cutoff: 12 },
    { type: 'buckingham', species: ['O', 'O'], params: { A: ooA, rho: ooRho, C: ooC }, cutoff: 12 },
  ],
});
const vary = ['Mg-O.A', 'Mg-O.rho', 'O-O.A', 'O-O.rho', 'O-O.C'];
const structure = rockSalt(4.198, 'Mg', 'O').structure;
const stableC = [
  [393, 164, 164, 0, 0, 0], [164, 393, 164, 0, 0, 0], [164, 164, 393, 0, 0, 0],
  [0, 0, 0, 164, 0, 0], [0, 0, 0, 0, 164, 0], [0, 0, 0, 0, 0, 164],
];
const kinds = (w: { kind: string }[]): string[] => w.map((x) => x.kind);

describe('guards', () => {
  it('the published set at its relaxed structure raises nothing', () => {
    expect(guardWarnings(mgo(), vary, {}, [{ id: 'MgO', structure, elastic: stableC }])).toEqual([]);
  });

  it('a fit that ran into a bound: the parameter at its bound is flagged (document bounds and the default box)', () => {
    // the end state of a fit whose O-O rho was driven onto its document bound [0.12, 0.2]
    const w = guardWarnings(mgo(1428.5, 0.2945, 22764, 0.12), vary, { 'O-O.rho': [0.12, 0.2] }, [{ id: 'MgO', structure }]);
    expect(w.filter((x) => x.kind === 'at-bound').map((x) => x.parameter)).toEqual(['O-O.rho']);
    // the same on the default box: rho lower bound 0.05 Å, C upper 1e4
    const d = guardWarnings(mgo(1428.5, 0.2945, 22764, 0.149, 1e4), vary, {}, [{ id: 'MgO', structure }]);
    expect(d.filter((x) => x.kind === 'at-bound').map((x) => x.parameter)).toEqual(['O-O.C']);
    expect(boundsOf(mgo(), 'O-O.rho')).toEqual(DEFAULT_BOUNDS['buckingham.rho']);
  });

  it('a fit that drove a repulsion to a hard wall (the issue: O-O rho 0.01 Å, A = 4e130 eV) is flagged', () => {
    const w = guardWarnings(mgo(1428.5, 0.2945, 4e130, 0.01), vary, { 'O-O.rho': [0.01, 2] }, [{ id: 'MgO', structure }]);
    expect(kinds(w)).toContain('hard-wall');
    expect(w.find((x) => x.kind === 'hard-wall')!.pair).toBe('O-O');
    expect(w.find((x) => x.kind === 'at-bound')!.parameter).toBe('O-O.rho');
    // A alone far beyond any published set, with an ordinary rho, is also a wall
    expect(kinds(guardWarnings(mgo(1e13, 0.2945), vary, {}, [{ id: 'MgO', structure }]))).toContain('hard-wall');
  });

  it('a repulsion that has vanished at every contact is flagged', () => {
    const w = guardWarnings(mgo(1e-3), vary, {}, [{ id: 'MgO', structure }]);
    expect(w.filter((x) => x.kind === 'repulsion-vanished').map((x) => x.pair)).toEqual(['Mg-O']);
  });

  it('a Buckingham turnover within reach of a contact and a pair with no barrier are flagged', () => {
    // C = 100 on Mg-O: the turnover moves out to 1.66 Å, within 30 % of the 2.10 Å contact
    const near = { ...mgo(), pairs: [{ type: 'buckingham' as const, species: ['Mg', 'O'] as [string, string], params: { A: 1428.5, rho: 0.2945, C: 100 }, cutoff: 12 }, mgo().pairs[1]!] };
    expect(kinds(guardWarnings(near, vary, {}, [{ id: 'MgO', structure }]))).toContain('near-turnover');
    const none = { ...mgo(), pairs: [{ type: 'buckingham' as const, species: ['Mg', 'O'] as [string, string], params: { A: 1, rho: 0.2945, C: 500 }, cutoff: 12 }, mgo().pairs[1]!] };
    expect(kinds(guardWarnings(none, vary, {}, [{ id: 'MgO', structure }]))).toContain('collapse');
  });

  it('a structure that is no longer a minimum: negative Hessian eigenvalue, Born-unstable C, phase change', () => {
    const unstableC = stableC.map((r) => [...r]);
    unstableC[0]![1] = unstableC[1]![0] = 500; // C11 − C12 < 0
    const w = guardWarnings(mgo(), vary, {}, [
      { id: 'a', structure, hessianEigenvalues: [0.3, -0.02, 1] },
      { id: 'b', structure, elastic: unstableC },
      { id: 'c', structure, phaseChange: 'the volume changed by 42 % on relaxation' },
    ]);
    expect(w.map((x) => `${x.kind}:${x.structure}`)).toEqual(['not-minimum:a', 'not-minimum:b', 'phase-change:c']);
  });

  it('on another chemistry (SrTiO3, Thomas et al. set) the relaxed published model raises nothing', () => {
    const ff: ForceField = {
      charges: { Sr: 2, Ti: 4, O: -2 },
      pairs: [
        { type: 'buckingham', species: ['Sr', 'O'], params: { A: 1952.39, rho: 0.33685, C: 19.22 }, cutoff: 12 },
        { type: 'buckingham', species: ['Ti', 'O'], params: { A: 4590.7279, rho: 0.261, C: 0 }, cutoff: 12 },
        { type: 'buckingham', species: ['O', 'O'], params: { A: 1388.77, rho: 0.36262, C: 175 }, cutoff: 12 },
      ],
    };
    // cubic perovskite has no free internal coordinate: the relaxed structure is the cell at the relaxed a
    const s = build('Pm-3m', { a: 3.956 }, [{ species: 'Sr', frac: [0, 0, 0] }, { species: 'Ti', frac: [0.5, 0.5, 0.5] }, { species: 'O', frac: [0.5, 0.5, 0] }]);
    expect(guardWarnings(ff, ['Sr-O.A', 'Sr-O.rho', 'Ti-O.A', 'Ti-O.rho', 'O-O.A', 'O-O.rho', 'O-O.C'], {}, [{ id: 'SrTiO3', structure: s.structure }])).toEqual([]);
  });
});
