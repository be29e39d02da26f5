/**
 * GULP input: job → .gin → job round trips, the documented GULP blocks in what is written, the
 * reader on a hand-written input covering every translated block, and its errors.
 *
 * The GULP syntax checked here is GULP's own input routines (fitword.F90 for observables, the
 * coordinate and potential readers): observables are one sub-keyword per line with `i j value
 * [weight]` / `value [weight]` data lines, reactions `nconf value [weight] cfg coeff ...`,
 * coordinates `X core x y z q occ radius fx fy fz`, potentials `X core Y core coeffs rmin rmax
 * flags`. No GULP binary is available here.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readGulp } from '../src/io/gulp-read.js';
import { writeGulpInput, writeGulpLibrary } from '../src/io/gulp-write.js';
import { parseJob } from '../src/document/parse.js';
import type { JobDocument } from '../src/document/schema.js';
import { DomainError } from '../src/errors.js';
import { FIXTURES, ROOT } from './helpers/cells.js';

const example = (name: string): JobDocument => JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8'));
const fixture = (name: string): string => readFileSync(resolve(ROOT, 'fixtures/io', name), 'utf8');

/** Lines of a GULP text without comments and blank lines. */
const content = (text: string): string[] => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));

/** A job with what GULP cannot say directly: LJ by epsilon/sigma, bounds, no cut-off, a P1 cell of vectors, labels, weights. */
function kitchenSink(): JobDocument {
  return {
    name: 'MgO test job — round trip',
    species: { Mg: { charge: 2 }, O: { charge: -2 } },
    potentials: [
      { type: 'lennard-jones', species: ['O', 'O'], epsilon: 0.002, sigma: 3.1, vary: ['B', 'A'] },
      { type: 'buckingham', species: ['Mg', 'O'], A: 1428.5, rho: 0.2945, C: 0, cutoff: 10, vary: ['A', 'rho'], bounds: { rho: [0.1, 0.5] } },
    ],
    structures: [
      {
        id: 'MgO-RS',
        label: 'Periclase',
        spaceGroup: 225,
        cell: { a: 4.2, b: 4.2 },
        sites: [
          { species: 'Mg', frac: [0, 0, 0], label: 'Mg1' },
          { species: 'O', frac: [0.5, 0.5, 0.5] },
        ],
        properties: {
          a: { exp: 4.212, dft: 4.25, fit: 'exp', weight: 500 },
          C11: { exp: 297, fit: 'exp' },
          C44: { exp: 156, dft: 150 },
          B: { exp: 160, fit: 'exp', weight: 2 },
          G: { exp: 131, fit: 'exp' },
          latticeEnergy: { dft: -41.0, fit: 'dft' },
          volume: { exp: 18.7, fit: 'exp' },
          transitionPressure: { to: 'MgO-CsCl', dft: 490, fit: 'dft' },
          rmsdAt300K: { Mg: { md: 0.05 } },
        },
      },
      {
        id: 'MgO-CsCl',
        cell: { vectors: [[2.6, 0, 0], [0, 2.6, 0], [0, 0, 2.6]] },
        sites: [
          { species: 'Mg', frac: [0, 0, 0] },
          { species: 'O', frac: [0.5, 0.5, 0.5] },
        ],
        properties: { relativeEnergy: { reference: 'MgO-RS', dft: 1.2, fit: 'dft', weight: 50 } },
      },
    ],
    options: { relax: true, bulkModulus: 'reuss', defaultWeights: { elastic: 0.02, bulkModulus: 1, shearModulus: 3 }, starts: 2, seed: 7 },
  };
}

describe('GULP round trip (job → .gin → job)', () => {
  it.each(['pbcdse-published.json', 'pbcdse-fit.json'])('gives back %s unchanged', (name) => {
    const doc = example(name);
    const { document, untranslated } = readGulp(writeGulpInput(doc));
    expect(untranslated).toEqual([]);
    expect(document).toEqual(doc);
  });

  it('gives back a job with Lennard-Jones ε/σ, bounds, vectors, labels, per-target and class weights', () => {
    const doc = kitchenSink();
    parseJob(doc);
    const { document, untranslated } = readGulp(writeGulpInput(doc));
    expect(untranslated).toEqual([]);
    expect(document).toEqual(doc);
  });

  it('gives back a properties-only job (no parameter varied)', () => {
    const doc = example('pbcdse-published.json');
    for (const p of doc.potentials) delete p.vary;
    delete doc.options;
    const text = writeGulpInput(doc);
    expect(content(text)[0]).toBe('opti conp prop');
    expect(text).not.toMatch(/^observables$/m);
    expect(readGulp(text).document).toEqual(doc);
  });

  it('keeps fitted values, weights and sources when the metadata comments are stripped (GULP alone)', () => {
    const doc = example('pbcdse-published.json');
    const bare = writeGulpInput(doc)
      .split('\n')
      .filter((l) => !l.startsWith('#latticefit'))
      .join('\n');
    const { document } = readGulp(bare);
    const ws = document.structures.find((s) => s.id === 'CdSe-WZ')!;
    expect(ws.properties).toEqual({
      C11: { exp: 74.1, fit: 'exp' },
      C12: { exp: 45.2, fit: 'exp' },
      C13: { exp: 39, fit: 'exp' },
      C33: { exp: 84.3, fit: 'exp' },
      C44: { exp: 13.4, fit: 'exp' },
      C66: { exp: 14.5, fit: 'exp' },
      B: { exp: 53.1, fit: 'exp' },
      a: { exp: 4.3, fit: 'exp' },
      c: { exp: 7.01, fit: 'exp' },
    });
    const hc = document.structures.find((s) => s.id === 'CdSe-HC')!;
    expect(hc.properties!.relativeEnergy).toEqual({ reference: 'CdSe-WZ', exp: 0.211, fit: 'exp' });
    expect(document.options!.defaultWeights).toMatchObject(doc.options!.defaultWeights!);
    expect(document.potentials.map((p) => [p.species, p.A, p.rho, p.C, p.cutoff, p.vary])).toEqual(doc.potentials.map((p) => [p.species, p.A, p.rho, p.C, p.cutoff, p.vary]));
  });
});

describe('GULP input written for pbcdse-published.json', () => {
  const doc = example('pbcdse-published.json');
  const text = writeGulpInput(doc);
  const lines = content(text);

  it('starts with the keywords of a relaxed fit at constant pressure', () => {
    expect(lines[0]).toBe('fit relax conp prop');
  });

  it('gives each structure a name, a cell of six numbers and six flags, fractional cores and a space group number', () => {
    for (const s of doc.structures) {
      const k = lines.indexOf(`name ${s.id}`);
      expect(k).toBeGreaterThan(0);
      expect(lines[k + 1]).toBe('cell');
      expect(lines[k + 2]).toMatch(/^(\S+ ){6}[01] [01] [01] [01] [01] [01]$/);
      expect(lines[k + 3]).toBe('fractional');
      expect(lines[k + 4]).toMatch(/^(Cd|Pb) core \S+ \S+ \S+ 0\.8 1 0 1 1 1$/);
      expect(lines[k + 5]).toMatch(/^Se core \S+ \S+ \S+ -0\.8 1 0 1 1 1$/);
      expect(lines[k + 6]).toBe('space');
      expect(lines[k + 7]).toMatch(/^\d{1,3}$/);
    }
    const wz = lines.indexOf('name CdSe-WZ');
    expect(lines[wz + 2]).toBe('4.3 4.3 7.01 90 90 120 1 1 1 0 0 0');
    expect(lines[wz + 7]).toBe('186');
  });

  it('states elastic constants as "elastic n" and n lines "i j value", moduli as a sub-keyword and a value line', () => {
    const k = lines.indexOf('name PbSe-RS');
    const obs = lines.slice(k).slice(lines.slice(k).indexOf('observables'));
    expect(obs.slice(0, 8)).toEqual(['observables', 'elastic 3', '1 1 123.7', '1 2 19.3', '4 4 15.9', 'bulk_modulus', '54.1', 'end']);
  });

  it('states relative energies as reactions of primitive-cell energies, per formula unit', () => {
    // ZB (F, 1 f.u. per primitive cell) from WZ (P, 2 f.u.); HC (P, 2 f.u.); CsCl (P, 1 f.u.) from RS (F, 1 f.u.)
    const reactions = lines.filter((_, i) => lines[i - 1] === 'reaction');
    expect(reactions).toContain('2 -0.002 2 1 1 -0.5');
    expect(reactions).toContain('2 0.211 4 0.5 1 -0.5');
    expect(reactions).toContain('2 0.478 6 1 5 -1');
    expect(reactions).toHaveLength(6);
  });

  it('gives species charges, Buckingham lines with rmin, rmax and fit flags, and the class weights', () => {
    const k = lines.indexOf('species 3');
    expect(lines.slice(k + 1, k + 4)).toEqual(['Cd core 0.8', 'Pb core 0.8', 'Se core -0.8']);
    const b = lines.indexOf('buckingham');
    expect(lines.slice(b + 1, b + 4)).toEqual([
      'Cd core Se core 2640000000 0.108 64.4 0 12 1 1 1',
      'Pb core Se core 4880000 0.173 211 0 12 1 1 1',
      'Se core Se core 5200 0.384 127 0 12 1 1 1',
    ]);
    expect(lines.filter((l) => l.startsWith('default_weight'))).toEqual([
      'default_weight cell_length 1000',
      'default_weight cell_angle 1',
      'default_weight frac 0',
      'default_weight elastic 0.01',
      'default_weight modulus 0.1',
      'default_weight energy 100',
    ]);
  });

  it('uses only sub-keywords GULP reads inside observables blocks', () => {
    let inside = false;
    const seen = new Set<string>();
    for (const l of lines) {
      if (l === 'observables') inside = true;
      else if (l === 'end') inside = false;
      else if (inside && /^[a-z]/.test(l)) seen.add(l.split(' ')[0]!);
    }
    expect([...seen].sort()).toEqual(['bulk_modulus', 'elastic', 'reaction']);
  });

  it('names the fitted targets GULP cannot state', () => {
    const doc2 = kitchenSink();
    const t = writeGulpInput(doc2);
    expect(t).toMatch(/^# fitted in latticefit, not expressible as a GULP observable: volume, transitionPressure$/m);
    // latticeEnergy per formula unit × 1 formula unit per primitive cell of F-centred MgO
    expect(t).toMatch(/^energy\n-41$/m);
    // a shear class weight that differs from the bulk one is written on the observable (GULP has one "modulus" weight)
    expect(t).toMatch(/^shear_modulus\n131 3$/m);
    expect(t).toMatch(/^bulk_modulus\n160 2$/m);
    expect(t).toMatch(/^reaction\n2 1\.2 50 2 1 1 -1$/m);
  });
});

describe('GULP reader on a hand-written input', () => {
  const { document, untranslated } = readGulp(fixture('cdse-pbse-relax-fit.gin'));

  it('reads the title, the species charges and the keywords of a relaxed fit', () => {
    expect(document.name).toBe('CdSe and PbSe rigid-ion fit');
    expect(document.species).toEqual({ Cd: { charge: 0.8 }, Pb: { charge: 0.8 }, Se: { charge: -0.8 } });
    // `pressure 0.0 GPa` follows configuration 3 and is its pressure (GULP's presscfg), the job's default
    expect(document.options).toEqual({
      relax: true,
      defaultWeights: { length: 1000, angle: 1000, internal: 10000, elastic: 0.01, energy: 100, bulkModulus: 1, shearModulus: 1 },
    });
  });

  it('reads Buckingham lines with and without rmin, fit flags, Fortran exponents and a continued line, and 12-6 Lennard-Jones', () => {
    expect(document.potentials).toEqual([
      { type: 'buckingham', species: ['Cd', 'Se'], A: 2.64e9, rho: 0.108, C: 64.4, cutoff: 12, vary: ['A', 'rho', 'C'] },
      { type: 'buckingham', species: ['Pb', 'Se'], A: 4880000, rho: 0.173, C: 211, cutoff: 12, vary: ['A', 'rho'] },
      { type: 'buckingham', species: ['Se', 'Se'], A: 5200, rho: 0.384, C: 127, cutoff: 12, vary: ['rho', 'C'] },
      { type: 'lennard-jones', species: ['Cd', 'Cd'], A: 1000, B: 0, cutoff: 12 },
    ]);
  });

  it('starts a structure at each name or new cell, reads symbols and numbers for space groups and Cartesian atoms', () => {
    expect(document.structures.map((s) => [s.id, s.label, s.spaceGroup, s.cell])).toEqual([
      ['CdSe_wurtzite', 'CdSe wurtzite', 'P6_3mc', { a: 4.2996, c: 7.0096 }],
      ['structure-2', undefined, 'Fm-3m', { a: 6.124 }],
      ['CdSe-ZB', undefined, 'F-43m', { a: 6.077 }],
    ]);
    expect(document.structures[1]!.sites).toEqual([
      { species: 'Pb', frac: [0, 0, 0] },
      { species: 'Se', frac: [0.5, 0.5, 0.5] },
    ]);
  });

  it('reads elastic, bulk and shear moduli, energies per primitive cell and weights (inline, and by observable number)', () => {
    const [wz, rs, zb] = document.structures;
    expect(wz!.properties).toEqual({
      C11: { exp: 74.1, fit: 'exp', weight: 0.05 },
      C33: { exp: 84.3, fit: 'exp', weight: 0.02 },
      C44: { exp: 13.4, fit: 'exp' },
      B: { exp: 53.1, fit: 'exp', weight: 0.1 },
      a: { exp: 4.2996, fit: 'exp' },
      c: { exp: 7.0096, fit: 'exp' },
      latticeEnergy: { exp: -12.05 / 2, fit: 'exp' },
    });
    expect(rs!.properties).toEqual({ C11: { exp: 123.7, fit: 'exp' }, C12: { exp: 19.3, fit: 'exp' }, G: { exp: 16.5, fit: 'exp', weight: 0.5 }, a: { exp: 6.124, fit: 'exp' } });
    expect(zb!.properties).toEqual({ a: { exp: 6.077, fit: 'exp' }, relativeEnergy: { reference: 'CdSe_wurtzite', exp: -0.002, fit: 'exp', weight: 10 } });
  });

  it('lists every line it does not translate, with its line number and a reason', () => {
    expect(untranslated.map((u) => [u.line, u.text])).toEqual([
      [4, 'comp'],
      [14, 'Cd 0.333333 0.666667 0'],
      [15, 'Se 0.333333 0.666667 0.375'],
      [27, 'hfdlc 1'],
      [28, '1 1 6.2'],
      [60, '3 0.1 1 1.0 2 -1.0 3    1.0'],
      [62, 'weight 3'],
      [86, 'maxcyc 500'],
      [87, 'switch rfo gnorm 0.1'],
      [88, 'dump every fit.res'],
      [89, 'output cif cdse-pbse.cif'],
    ]);
    expect(untranslated.find((u) => u.line === 60)!.reason).toMatch(/not a relative energy/);
    expect(untranslated.find((u) => u.line === 62)!.reason).toMatch(/observable 40/);
    // relax fitting observes wurtzite's free z of each site in GULP, which latticefit does not fit
    expect(untranslated.find((u) => u.line === 15)!.reason).toMatch(/GULP also fits the 1 free fractional coordinate of this site of CdSe_wurtzite/);
  });

  it('gives a document that parses as a job', () => {
    const job = parseJob(document);
    expect(job.vary).toEqual(['Cd-Se.A', 'Cd-Se.rho', 'Cd-Se.C', 'Pb-Se.A', 'Pb-Se.rho', 'Se-Se.rho', 'Se-Se.C']);
    expect(job.structures.map((s) => s.structure.numAtoms)).toEqual([4, 8, 8]);
  });
});

describe('GULP reader errors and edge cases', () => {
  const minimal = (body: string): string => `opti conp\ncell\n5 5 5 90 90 90\nfractional\n${body}\nspecies\nNa core 1\nCl core -1\n`;

  it('refuses shells with PARSE_ERROR and the line', () => {
    const text = minimal('Na core 0 0 0\nCl core 0.5 0.5 0.5\nCl shel 0.5 0.5 0.5');
    const err = (() => {
      try {
        readGulp(text);
      } catch (e) {
        return e as DomainError;
      }
    })()!;
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.message).toMatch(/shells are not supported \(rigid-ion model only\)/);
    expect(err.detail.line).toBe(7);
  });

  it('refuses a shell species line too', () => {
    expect(() => readGulp(minimal('Na 0 0 0\nCl 0.5 0.5 0.5') + 'species\nCl shel -2.5\n')).toThrow(/shells are not supported/);
  });

  it('refuses partial occupancy', () => {
    expect(() => readGulp(minimal('Na core 0 0 0 1.0 0.5 0\nCl core 0.5 0.5 0.5'))).toThrow(/partial occupancy 0.5/);
  });

  it('reads core lines without "core", continuation with & and inline comments', () => {
    const { document } = readGulp(minimal('Na 0 0 0   # sodium\nCl 0.5 0.5 &\n 0.5'));
    expect(document.structures[0]!.sites).toEqual([
      { species: 'Na', frac: [0, 0, 0] },
      { species: 'Cl', frac: [0.5, 0.5, 0.5] },
    ]);
    expect(document.options).toEqual({ relax: true, kink: 'stationary' });
  });

  it('reports an unknown space group with its line', () => {
    expect(() => readGulp(minimal('Na 0 0 0\nCl 0.5 0.5 0.5') + 'space\nQ 9 9\n')).toThrow(/line 11: unknown space group "Q 9 9"/);
  });

  it('takes charges from coordinate lines when there is no species block, and notes a species without any', () => {
    const { document, untranslated } = readGulp('opti\ncell\n5 5 5 90 90 90\nfrac\nNa core 0 0 0 1.0\nCl core 0.5 0.5 0.5 -1.0\nK core 0.5 0 0\n');
    expect(document.species).toEqual({ Na: { charge: 1 }, Cl: { charge: -1 }, K: { charge: 0 } });
    expect(untranslated.map((u) => u.reason)).toEqual(['no charge is given for K (no species line, no charge on its coordinates): set to 0']);
  });

  it('reads keywords by their start, as GULP does: optimisation, properties, relaxed and fitting are opti, prop, relax and fit', () => {
    const body = 'cell\n5.4 5.4 5.4 90 90 90\nfrac\nZn 0 0 0\nS 0.25 0.25 0.25\nspace\n216\nspecies\nZn 2\nS -2\nbuck\nZn S 600 0.3 0 10 1 1 0\n';
    const short = readGulp(`opti conv prop\n${body}`), long = readGulp(`optimisation conv properties\n${body}`);
    expect(long.document.options).toEqual(short.document.options);
    expect(long.document.options).toMatchObject({ relax: true, relaxCell: false });
    expect(long.untranslated).toEqual(short.untranslated);
    const fit = readGulp(`fit relax conp\n${body}observables\nelastic 1\n1 1 100\nend\n`), fitLong = readGulp(`fitting relaxed conp\n${body}observables\nelastic 1\n1 1 100\nend\n`);
    expect(fitLong.document.options).toEqual(fit.document.options);
    expect(fitLong.document.options).toMatchObject({ relax: true });
  });

  it('tells the elements C and S from the core and shell markers c and s', () => {
    const { document } = readGulp('opti\ncell\n5.4 5.4 5.4 90 90 90\nfrac\nZn 0 0 0\nS 0.25 0.25 0.25\nspace\n216\nspecies\nZn 2\nS -2\nbuck\nZn S 600 0.3 0 10\nS c S c 1200 0.149 120 12\n');
    expect(document.structures[0]!.sites.map((x) => x.species)).toEqual(['Zn', 'S']);
    expect(document.potentials.map((p) => p.species)).toEqual([
      ['Zn', 'S'],
      ['S', 'S'],
    ]);
    expect(() => readGulp('opti\ncell\n5.4 5.4 5.4 90 90 90\nfrac\nZn 0 0 0\nS s 0.25 0.25 0.25\n')).toThrow(/shells are not supported/);
  });

  it('reads origin 2 and a vectors cell', () => {
    const { document } = readGulp('opti\nname diamond\ncell\n5.43 5.43 5.43 90 90 90\nfrac\nSi 0.125 0.125 0.125\nspace\nF D -3 M\norigin 2\nname box\nvectors\n5 0 0\n0 5 0\n0 0 5\nfrac\nSi 0 0 0\nspecies\nSi 0\n');
    expect(document.structures).toEqual([
      { id: 'diamond', spaceGroup: 'Fd-3m', origin: 2, cell: { a: 5.43 }, sites: [{ species: 'Si', frac: [0.125, 0.125, 0.125] }] },
      { id: 'box', cell: { vectors: [[5, 0, 0], [0, 5, 0], [0, 0, 5]] }, sites: [{ species: 'Si', frac: [0, 0, 0] }] },
    ]);
    expect(parseJob(document).structures[0]!.structure.numAtoms).toBe(8);
  });

  it('puts an R group with a rhombohedral cell on rhombohedral axes', () => {
    const { document } = readGulp('opti\ncell\n5.0 5.0 5.0 60 60 60\nfrac\nNa 0 0 0\nCl 0.5 0.5 0.5\nspace\nR -3 M\nspecies\nNa 1\nCl -1\n');
    expect(document.structures[0]).toMatchObject({ spaceGroup: 'R-3m', rhombohedralAxes: true, cell: { a: 5, alpha: 60 } });
    expect(parseJob(document).structures[0]!.structure.numAtoms).toBe(2);
  });

  it('throws PARSE_ERROR when there is no structure', () => {
    expect(() => readGulp('opti\nspecies\nNa core 1\n')).toThrow(DomainError);
  });
});

describe('GULP library', () => {
  const job = parseJob(example('pbcdse-published.json'));
  const lib = writeGulpLibrary(job.forceField, 'published Pb-Se-Cd');

  it('holds the species and Buckingham lines without fit flags', () => {
    const lines = content(lib);
    expect(lines).toEqual([
      'species 3',
      'Cd core 0.8',
      'Pb core 0.8',
      'Se core -0.8',
      'buckingham',
      'Cd core Se core 2640000000 0.108 64.4 0 12',
      'Pb core Se core 4880000 0.173 211 0 12',
      'Se core Se core 5200 0.384 127 0 12',
    ]);
  });

  it('reads back into the same force field', () => {
    const text = `opti conp\ncell\n6.12 6.12 6.12 90 90 90\nfrac\nPb core 0 0 0\nSe core 0.5 0.5 0.5\nspace\n225\n${lib}`;
    const again = parseJob(readGulp(text).document).forceField;
    expect(again.charges).toEqual(job.forceField.charges);
    expect(again.pairs).toEqual(job.forceField.pairs);
  });
});

describe('GULP maxcyc', () => {
  it('maps "maxcyc fit N" to options.maxIterations and writes it back', () => {
    const gin = ['fit relax conp', 'maxcyc fit 37', 'cell', '6.12 6.12 6.12 90 90 90', 'frac', 'Pb core 0 0 0', 'Se core 0.5 0.5 0.5', 'space', '225', 'species', 'Pb core 0.8', 'Se core -0.8', 'buckingham', 'Pb core Se core 4880000 0.173 211 0 12 1 1 1', ''].join('\n');
    const { document } = readGulp(gin);
    expect(document.options?.maxIterations).toBe(37);
    expect(writeGulpInput(document)).toMatch(/^maxcyc fit 37$/m);
  });
});
