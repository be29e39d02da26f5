/**
 * io/common.ts `crystalOf`: the crystal of one structure document, built with the domain's
 * builders (crystal/crystal.ts `latticeOfCell`, `symmetrizedCrystal`) and not through a job
 * document: it must give the crystal that parseJob gives for the same entry, and the same errors
 * with pointers into what was sent.
 */
import { describe, expect, it } from 'vitest';
import { crystalOf } from '../src/io/common.js';
import { parseJob } from '../src/document/parse.js';
import { fixture } from './helpers/jobs.js';

describe('crystalOf', () => {
  for (const name of ['pbcdse-published.json', 'oxides-formal-fit.json']) {
    const doc = fixture(name);
    const job = parseJob(doc);
    it(`${name}: every structure is the crystal parseJob builds (atoms, cell, space group, Z, formula)`, () => {
      doc.structures.forEach((sd, i) => {
        const a = crystalOf(sd, `/structures/${i}`), b = job.structures[i]!;
        expect({ id: a.id, sg: a.spaceGroup.number, z: a.z, formula: a.formula, key: a.compositionKey, species: a.structure.species, siteOfAtom: a.siteOfAtom })
          .toEqual({ id: b.id, sg: b.spaceGroup.number, z: b.z, formula: b.formula, key: b.compositionKey, species: b.structure.species, siteOfAtom: b.siteOfAtom });
        expect(Array.from(a.structure.positions)).toEqual(Array.from(b.structure.positions));
        expect(a.structure.lattice.matrix).toEqual(b.structure.lattice.matrix);
      });
    });
  }

  it('sites that are the whole cell under a space group are OVERLAPPING_ATOMS at the structure given', () => {
    const sd = { id: 'RS', spaceGroup: 'Fm-3m', cell: { a: 5.6 }, sites: [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Na', frac: [0.5, 0.5, 0] }] };
    expect(() => crystalOf(sd, '/structures/3')).toThrow(expect.objectContaining({ code: 'OVERLAPPING_ATOMS', path: '/structures/3/sites/1' }));
  });

  it('cell vectors with a space group other than P1 are INVALID_CELL at the cell given', () => {
    const sd = { id: 'X', spaceGroup: 'Pm-3m', cell: { vectors: [[3, 0, 0], [0, 3, 0], [0, 0, 3]] }, sites: [{ species: 'Na', frac: [0, 0, 0] }] };
    expect(() => crystalOf(sd, '/structures/0')).toThrow(expect.objectContaining({ code: 'INVALID_CELL', path: '/structures/0/cell/vectors' }));
  });
});
