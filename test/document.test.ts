/**
 * parseJob (src/document/parse.ts): every problem with a job document is a DomainError with a
 * stable code and the JSON pointer of the offending field, raised before any calculation; and what
 * a valid document parses into (formula units, reduced formulae, Lennard-Jones conversion).
 *
 * Each negative case starts from a valid document (the wurtzite and zinc-blende CdSe entries of
 * fixtures/pbcdse-published.json) and breaks exactly one thing in it.
 */
import { describe, it, expect } from 'vitest';
import { parseJob, type ParseOptions } from '../src/document/parse.js';
import { DomainError, type ErrorCode } from '../src/errors.js';
import { fixture, publishedSubset } from './helpers/jobs.js';

/** The document is untrusted JSON: the negative cases write into it freely. */
type Doc = any;

/** A valid document: CdSe wurtzite (structure 0) and zinc blende (structure 1, relativeEnergy vs 0). */
const base = (): Doc => publishedSubset(['CdSe-WZ', 'CdSe-ZB']);

/** A rock-salt CdSe entry in P1 (8 sites) for cases that need plain cell parameters. */
const p1RockSalt = (id = 'CdSe-P1'): Doc => ({
  id,
  spaceGroup: 1,
  cell: { a: 5.63, b: 5.63, c: 5.63, alpha: 90, beta: 90, gamma: 90 },
  sites: [
    ['Cd', [0, 0, 0]],
    ['Cd', [0.5, 0.5, 0]],
    ['Cd', [0.5, 0, 0.5]],
    ['Cd', [0, 0.5, 0.5]],
    ['Se', [0.5, 0, 0]],
    ['Se', [0, 0.5, 0]],
    ['Se', [0, 0, 0.5]],
    ['Se', [0.5, 0.5, 0.5]],
  ].map(([species, frac]) => ({ species, frac })),
});

/** The DomainError parseJob throws for `doc` (fails the test if it throws nothing or something else). */
function rejection(doc: unknown, opts?: ParseOptions): DomainError {
  try {
    parseJob(doc, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('parseJob accepted the document');
}

function expectRejected(doc: unknown, code: ErrorCode, path: string, opts?: ParseOptions): DomainError {
  const e = rejection(doc, opts);
  expect({ code: e.code, path: e.path }).toEqual({ code, path });
  return e;
}

describe('parseJob rejects bad input with a code and the path of the field', () => {
  it('the unchanged base document parses (the negative cases below each break one thing)', () => {
    expect(() => parseJob(base())).not.toThrow();
  });

  describe('species and sites', () => {
    it('a site with an undeclared species is UNKNOWN_SPECIES at /structures/i/sites/j/species', () => {
      const d = base();
      d.structures[1].sites[1].species = 'Te';
      expectRejected(d, 'UNKNOWN_SPECIES', '/structures/1/sites/1/species');
    });

    it('a potential naming an undeclared species is UNKNOWN_SPECIES at /potentials/i/species/k', () => {
      const d = base();
      d.potentials[2].species = ['Se', 'Te'];
      expectRejected(d, 'UNKNOWN_SPECIES', '/potentials/2/species/1');
    });

    it('two atoms 0.06 Å apart are OVERLAPPING_ATOMS at the later site', () => {
      const d = base();
      const s = p1RockSalt();
      s.sites.push({ species: 'Se', frac: [0.01, 0, 0] }, { species: 'Cd', frac: [0.26, 0.25, 0.25] });
      d.structures.push(s);
      expectRejected(d, 'OVERLAPPING_ATOMS', '/structures/2/sites/8');
    });

    it('a cell with a net charge is NOT_CHARGE_NEUTRAL at /structures/i/sites', () => {
      const d = base();
      d.structures[1].sites.pop(); // zinc blende without Se: four Cd at +0.8
      delete d.structures[1].properties;
      const e = expectRejected(d, 'NOT_CHARGE_NEUTRAL', '/structures/1/sites');
      expect(e.detail.charge).toBeCloseTo(3.2, 10);
    });
  });

  describe('space groups and cells', () => {
    it('an unknown space-group symbol is UNKNOWN_SPACE_GROUP at /structures/i/spaceGroup', () => {
      const d = base();
      d.structures[1].spaceGroup = 'F-43x';
      expectRejected(d, 'UNKNOWN_SPACE_GROUP', '/structures/1/spaceGroup');
    });

    // P4, a = 10 Å: the images of (x, 0, 0) under the 4-fold axis are x·a·√2 (neighbours) and 2·x·a
    // (opposite) apart; x = 6e-5 puts 0.85e-3 Å and 1.2e-3 Å on both sides of the 1e-3 Å tolerance
    it('a site that merges with some of its images but not others is INVALID_STRUCTURE at /structures/i/sites/k/frac', () => {
      const d = base();
      d.structures[1] = { id: 'P4-near-axis', spaceGroup: 'P4', cell: { a: 10, c: 5 }, sites: [{ species: 'Cd', frac: [6e-5, 0, 0] }] };
      expectRejected(d, 'INVALID_STRUCTURE', '/structures/1/sites/0/frac');
    });

    it('a negative cell length is INVALID_CELL at /structures/i/cell/a', () => {
      const d = base();
      d.structures[1].cell.a = -6.08;
      expectRejected(d, 'INVALID_CELL', '/structures/1/cell/a');
    });

    it('a zero cell length is INVALID_CELL at /structures/i/cell/b', () => {
      const d = base();
      const s = p1RockSalt();
      s.cell.b = 0;
      d.structures.push(s);
      expectRejected(d, 'INVALID_CELL', '/structures/2/cell/b');
    });

    it('angles that close up into a plane (100° + 100° + 160° = 360°) are INVALID_CELL', () => {
      const d = base();
      const s = p1RockSalt();
      s.cell = { a: 5.63, b: 5.63, c: 5.63, alpha: 100, beta: 100, gamma: 160 };
      d.structures.push(s);
      expectRejected(d, 'INVALID_CELL', '/structures/2/cell/alpha');
    });

    it('an angle of 180° is INVALID_CELL at that angle', () => {
      const d = base();
      const s = p1RockSalt();
      s.cell.gamma = 180;
      d.structures.push(s);
      expectRejected(d, 'INVALID_CELL', '/structures/2/cell/gamma');
    });

    it('a hexagonal cell without c is INVALID_CELL at /structures/i/cell/c', () => {
      const d = base();
      delete d.structures[0].cell.c;
      expectRejected(d, 'INVALID_CELL', '/structures/0/cell/c');
    });

    it('a P1 cell without gamma is INVALID_CELL at /structures/i/cell/gamma', () => {
      const d = base();
      const s = p1RockSalt();
      delete s.cell.gamma;
      d.structures.push(s);
      expectRejected(d, 'INVALID_CELL', '/structures/2/cell/gamma');
    });
  });

  describe('schema', () => {
    it('a string where a number goes is INVALID_DOCUMENT at that field', () => {
      const d = base();
      d.structures[1].cell.a = '6.08';
      expectRejected(d, 'INVALID_DOCUMENT', '/structures/1/cell/a');
    });

    it('a string as a target value is INVALID_DOCUMENT at that value', () => {
      const d = base();
      d.structures[0].properties.c.exp = '7.01';
      expectRejected(d, 'INVALID_DOCUMENT', '/structures/0/properties/c/exp');
    });

    it('fractional coordinates with two numbers are INVALID_DOCUMENT at the frac field', () => {
      const d = base();
      d.structures[0].sites[1].frac = [0.3, 0.6];
      expectRejected(d, 'INVALID_DOCUMENT', '/structures/0/sites/1/frac');
    });

    it('an unknown field in a structure is INVALID_DOCUMENT at the field itself, naming it', () => {
      const d = base();
      d.structures[1].colour = 'red';
      const e = expectRejected(d, 'INVALID_DOCUMENT', '/structures/1/colour');
      expect(e.message).toContain('colour');
    });

    it('an unknown field in a potential is INVALID_DOCUMENT at the field itself, naming it', () => {
      const d = base();
      d.potentials[0].D = 1;
      const e = expectRejected(d, 'INVALID_DOCUMENT', '/potentials/0/D');
      expect(e.message).toContain('"D"');
    });

    it('a document without structures is INVALID_DOCUMENT at /structures', () => {
      const d = base();
      d.structures = [];
      expectRejected(d, 'INVALID_DOCUMENT', '/structures');
    });

    it('a second structure with the same id is INVALID_DOCUMENT at its id', () => {
      const d = base();
      d.structures[1].id = 'CdSe-WZ';
      delete d.structures[1].properties.relativeEnergy; // would otherwise refer to itself
      expectRejected(d, 'INVALID_DOCUMENT', '/structures/1/id');
    });
  });

  describe('properties', () => {
    it('a property name outside the vocabulary is UNKNOWN_PROPERTY at /structures/i/properties/name', () => {
      const d = base();
      d.structures[1].properties.hardness = { exp: 1.2 };
      expectRejected(d, 'UNKNOWN_PROPERTY', '/structures/1/properties/hardness');
    });

    it('an md value is accepted as a report column, and refused as a fit target (INVALID_DOCUMENT at its fit, saying why)', () => {
      const d = base();
      d.structures[0].properties.a = { exp: 4.3, md: 4.36, fit: 'exp' };
      expect(() => parseJob(d)).not.toThrow();
      d.structures[0].properties.a.fit = 'md';
      expect(expectRejected(d, 'INVALID_DOCUMENT', '/structures/0/properties/a/fit').message).toMatch(/finite-temperature.*exp, dft or dftNormalized/);
    });

    it('relativeEnergy against an id not in the document is UNKNOWN_REFERENCE at its reference', () => {
      const d = base();
      d.structures[1].properties.relativeEnergy.reference = 'CdSe-XX';
      expectRejected(d, 'UNKNOWN_REFERENCE', '/structures/1/properties/relativeEnergy/reference');
    });

    it('relativeEnergy against a structure of another composition is UNKNOWN_REFERENCE at its reference', () => {
      const d = publishedSubset(['CdSe-WZ', 'CdSe-ZB', 'PbSe-RS']) as Doc;
      d.structures[1].properties.relativeEnergy.reference = 'PbSe-RS';
      expectRejected(d, 'UNKNOWN_REFERENCE', '/structures/1/properties/relativeEnergy/reference');
    });

    it('relativeEnergy without a reference is UNKNOWN_REFERENCE at /…/relativeEnergy/reference', () => {
      const d = base();
      delete d.structures[1].properties.relativeEnergy.reference;
      expectRejected(d, 'UNKNOWN_REFERENCE', '/structures/1/properties/relativeEnergy/reference');
    });

    // Bug (src/document/parse.ts, "references between structures": `other.formula !== s.formula`):
    // compositions are compared as formula strings, and `composition()` (src/crystal/structure.ts)
    // writes species in order of first appearance, so zinc blende with its Se site listed first is
    // "SeCd" and is refused as UNKNOWN_REFERENCE against wurtzite "CdSe". The comparison should use
    // the reduced counts.
    it('relativeEnergy accepts a reference of the same composition whose sites are listed in another order', () => {
      const d = base();
      d.structures[1].sites.reverse(); // Se at 1/4 1/4 1/4 first, then Cd at the origin
      expect(() => parseJob(d)).not.toThrow();
    });
  });

  describe('potentials', () => {
    it('a vary name that is not a parameter of the form is UNKNOWN_PARAMETER at /potentials/i/vary/k', () => {
      const d = base();
      d.potentials[1].vary = ['A', 'sigma'];
      expectRejected(d, 'UNKNOWN_PARAMETER', '/potentials/1/vary/1');
    });

    it('bounds that do not contain the value are INVALID_POTENTIAL at /potentials/i/bounds/name', () => {
      const d = base();
      d.potentials[0].bounds = { rho: [0.2, 0.5] }; // rho = 0.108
      expectRejected(d, 'INVALID_POTENTIAL', '/potentials/0/bounds/rho');
    });

    it('bounds with lower above upper are INVALID_POTENTIAL', () => {
      const d = base();
      d.potentials[0].bounds = { rho: [0.2, 0.05] };
      expectRejected(d, 'INVALID_POTENTIAL', '/potentials/0/bounds/rho');
    });

    it('a second potential for the same pair, species in the other order, is INVALID_POTENTIAL', () => {
      const d = base();
      d.potentials.push({ type: 'buckingham', species: ['Se', 'Cd'], A: 1000, rho: 0.3, C: 0 });
      expectRejected(d, 'INVALID_POTENTIAL', '/potentials/3/species');
    });

    it('a buckingham potential without C is INVALID_POTENTIAL at /potentials/i/C', () => {
      const d = base();
      delete d.potentials[2].C;
      expectRejected(d, 'INVALID_POTENTIAL', '/potentials/2/C');
    });
  });

  describe('limits', () => {
    it('more structures than maxStructures is LIMIT_EXCEEDED at /structures', () => {
      expectRejected(base(), 'LIMIT_EXCEEDED', '/structures', { limits: { maxStructures: 1 } });
    });

    it('exactly maxStructures structures are accepted', () => {
      expect(() => parseJob(base(), { limits: { maxStructures: 2 } })).not.toThrow();
    });

    it('a conventional cell with more atoms than maxAtoms is LIMIT_EXCEEDED at its sites', () => {
      // wurtzite has 4 atoms, zinc blende 8 in the conventional cell
      expectRejected(base(), 'LIMIT_EXCEEDED', '/structures/1/sites', { limits: { maxAtoms: 7 } });
    });

    it('a conventional cell of exactly maxAtoms atoms is accepted', () => {
      expect(() => parseJob(base(), { limits: { maxAtoms: 8 } })).not.toThrow();
    });

    it('maxIterations above the limit is LIMIT_EXCEEDED at /options/maxIterations', () => {
      const d = base();
      d.options.maxIterations = 50;
      expectRejected(d, 'LIMIT_EXCEEDED', '/options/maxIterations', { limits: { maxIterations: 49 } });
    });
  });
});

describe('parseJob on valid documents', () => {
  it('parses fixtures/pbcdse-fit.json: 8 structures, 3 pairs, 9 varied parameters', () => {
    const job = parseJob(fixture('pbcdse-fit.json'));
    expect([job.structures.length, job.forceField.pairs.length, job.vary.length]).toEqual([8, 3, 9]);
  });

  it('parses fixtures/pbcdse-published.json with the published parameters', () => {
    const job = parseJob(fixture('pbcdse-published.json'));
    expect(job.forceField.charges).toEqual({ Cd: 0.8, Pb: 0.8, Se: -0.8 });
    expect(job.forceField.pairs.map((p) => [p.species.join('-'), p.params])).toEqual([
      ['Cd-Se', { A: 2.64e9, rho: 0.108, C: 64.4 }],
      ['Pb-Se', { A: 4.88e6, rho: 0.173, C: 211 }],
      ['Se-Se', { A: 5200, rho: 0.384, C: 127 }],
    ]);
  });

  // 1 eV/Å³ = 160.2176634 GPa (CODATA 2018 e and Å: 1.602176634e-19 J / 1e-30 m³)
  it('pressures enter the domain in eV/Å³: options.pressure and structures[].pressure (GPa in the document) are converted at the door', () => {
    const d = base();
    d.options = { ...d.options, pressure: 3 };
    d.structures[1].pressure = 12.5;
    const job = parseJob(d);
    expect(job.options.pressure).toBeCloseTo(3 / 160.2176634, 15);
    expect(job.structures[0]!.pressure).toBeUndefined();
    expect(job.structures[1]!.pressure).toBeCloseTo(12.5 / 160.2176634, 15);
    expect(Object.keys(job.options)).not.toContain('pressureGPa');
  });

  // Formula units per conventional cell (International Tables settings): wurtzite P6_3mc 2b + 2b
  // = 4 atoms, zinc blende F-43m 4a + 4c = 8, CsCl Pm-3m 1a + 1b = 2, honeycomb (h-BN type)
  // P6_3/mmc 2c + 2d = 4.
  const expected: [string, string, number, number][] = [
    ['CdSe-WZ', 'CdSe', 2, 4],
    ['CdSe-ZB', 'CdSe', 4, 8],
    ['PbSe-CsCl', 'PbSe', 1, 2],
    ['CdSe-HC', 'CdSe', 2, 4],
    ['PbSe-HC', 'PbSe', 2, 4],
    ['PbSe-RS', 'PbSe', 4, 8],
  ];
  const published = parseJob(fixture('pbcdse-published.json'));
  for (const [id, formula, z, atoms] of expected) {
    it(`${id}: formula ${formula}, Z = ${z}, ${atoms} atoms in the conventional cell`, () => {
      const s = published.structures.find((x) => x.id === id)!;
      expect({ formula: s.formula, z: s.z, atoms: s.structure.numAtoms }).toEqual({ formula, z, atoms });
    });
  }

  it('lennard-jones given as epsilon, sigma becomes A = 4εσ¹², B = 4εσ⁶', () => {
    const d = base();
    const epsilon = 0.0123, sigma = 3.456;
    d.potentials[2] = { type: 'lennard-jones', species: ['Se', 'Se'], epsilon, sigma, cutoff: 10 };
    const pair = parseJob(d).forceField.pairs[2]!;
    expect(pair.type).toBe('lennard-jones');
    expect(pair.params.A! / (4 * epsilon * sigma ** 12)).toBeCloseTo(1, 14);
    expect(pair.params.B! / (4 * epsilon * sigma ** 6)).toBeCloseTo(1, 14);
  });

  it('lennard-jones with epsilon but no sigma is INVALID_POTENTIAL at its sigma', () => {
    const d = base();
    d.potentials[2] = { type: 'lennard-jones', species: ['Se', 'Se'], epsilon: 0.01 };
    expectRejected(d, 'INVALID_POTENTIAL', '/potentials/2/sigma');
  });

  it('does not mutate the input document', () => {
    const d = fixture('pbcdse-published.json');
    const before = structuredClone(d);
    parseJob(d);
    expect(d).toEqual(before);
  });

  it('the parsed targets are copies: changing them (as normalisation does) leaves the document as it was', () => {
    const d = fixture('pbcdse-published.json');
    const before = structuredClone(d);
    const job = parseJob(d);
    job.targets[0]!.properties.a!.dftNormalized = 1.234;
    expect(d).toEqual(before);
  });
});
