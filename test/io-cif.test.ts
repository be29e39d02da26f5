/**
 * CIF: the eight reference polymorphs, two database-style files (uncertainties, quotes, text
 * fields, loops in any order, several data blocks), symmetry handling, errors, and the round trip
 * CIF → job → CIF.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCif } from '../src/io/cif-read.js';
import { writeCif } from '../src/io/cif-write.js';
import { crystalOf } from '../src/io/common.js';
import type { JobDocument, StructureDocument } from '../src/document/schema.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { DomainError } from '../src/errors.js';
import { FIXTURES, ROOT } from './helpers/cells.js';

const published: JobDocument = JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
const fixture = (name: string): string => readFileSync(resolve(ROOT, 'fixtures/io', name), 'utf8');

/** Largest distance (Å) between matching atoms of two structures with the same cell, atoms matched by species and periodic image. */
function maxMismatch(a: Structure, b: Structure): number {
  expect(b.numAtoms).toBe(a.numAtoms);
  const fa = a.fractional;
  const fb = b.fractional;
  let worst = 0;
  for (let i = 0; i < a.numAtoms; i++) {
    let best = Infinity;
    for (let j = 0; j < b.numAtoms; j++) {
      if (a.species[i] !== b.species[j]) continue;
      const d = [0, 1, 2].map((k) => {
        const x = fa[3 * i + k]! - fb[3 * j + k]!;
        return x - Math.round(x);
      }) as [number, number, number];
      const r = a.lattice.fracToCart(d);
      best = Math.min(best, Math.hypot(...r));
    }
    worst = Math.max(worst, best);
  }
  return worst;
}

function sameCell(a: Structure, b: Structure, tol = 1e-9): void {
  const p = a.lattice.parameters;
  const q = b.lattice.parameters;
  for (const k of ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const) expect(q[k]).toBeCloseTo(p[k], -Math.log10(tol));
}

describe('CIF fixtures of the eight reference polymorphs', () => {
  it.each(published.structures.map((s) => [s.id, s] as const))('%s reads back as the published structure', (id, sd) => {
    const [s] = readCif(fixture(`polymorphs/${id}.cif`)).structures;
    expect(s!.id).toBe(id);
    expect(s!.spaceGroup).toBe(sd.spaceGroup);
    expect(s!.cell).toEqual(sd.cell);
    expect(s!.sites.map((x) => ({ species: x.species, frac: x.frac }))).toEqual(sd.sites);
    // the same crystal, atom for atom
    const a = crystalOf(sd).structure;
    const b = crystalOf(s!).structure;
    sameCell(a, b);
    expect(maxMismatch(a, b)).toBeLessThan(1e-9);
  });
});

describe('database-style CIF files', () => {
  it('reads an ICSD-style wurtzite: uncertainties, quoted and text-field values, loops in any order, ops in another order', () => {
    const { structures } = readCif(fixture('CdSe-wurtzite-icsd-style.cif'));
    expect(structures).toEqual([
      {
        id: 'CdSe_wurtzite_ICSD_style',
        label: 'Cadmoselite',
        spaceGroup: 'P6_3mc',
        cell: { a: 4.2999, c: 7.0109 },
        sites: [
          { species: 'Cd', frac: [0.3333, 0.6667, 0], label: 'Cd1' },
          { species: 'Se', frac: [0.3333, 0.6667, 0.3758], label: 'Se1' },
        ],
      },
    ]);
    // 4-digit coordinates are put on the special position when expanded: 2 + 2 atoms
    const c = crystalOf(structures[0]!);
    expect(c.structure.numAtoms).toBe(4);
    expect(c.sites[0]!.frac[0]).toBe(0.3333);
  });

  it('reads a COD-style file with a publication block, 192 shuffled operations, no type symbols, and a second phase named by H-M alone', () => {
    const { structures } = readCif(fixture('PbSe-cod-style.cif'));
    expect(structures.map((s) => [s.id, s.label, s.spaceGroup, s.cell])).toEqual([
      ['PbSe_rocksalt', 'Clausthalite', 'Fm-3m', { a: 6.1243 }],
      ['PbSe_CsCl_16GPa', undefined, 'Pm-3m', { a: 3.457 }],
    ]);
    expect(structures[0]!.sites).toEqual([
      { species: 'Pb', frac: [0, 0, 0], label: 'Pb1' },
      { species: 'Se', frac: [0.5, 0.5, 0.5], label: 'Se1' },
    ]);
    expect(crystalOf(structures[0]!).structure.numAtoms).toBe(8);
    expect(crystalOf(structures[1]!).structure.numAtoms).toBe(2);
  });

  it('makes ids unique when blocks share a name', () => {
    const block = 'data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n';
    expect(readCif(block + block).structures.map((s) => s.id)).toEqual(['x', 'x-2']);
  });
});

describe('CIF symmetry', () => {
  const head = 'data_t\n_cell_length_a 6\n_cell_length_b 6\n_cell_length_c 6\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
  const atoms = 'loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na+ 0 0 0\nCl1 Cl- 0.5 0.5 0.5\n';

  it('expands operations that are no standard setting and writes the result as P1', () => {
    // C-centring alone (C1): not one of the 230 groups in a standard setting
    const ops = "loop_\n_space_group_symop_operation_xyz\n'x,y,z'\n'x+1/2,y+1/2,z'\n";
    const [s] = readCif(head + ops + atoms).structures;
    expect(s!.spaceGroup).toBe('P1');
    expect(s!.cell).toEqual({ a: 6, b: 6, c: 6, alpha: 90, beta: 90, gamma: 90 });
    expect(s!.sites).toEqual([
      { species: 'Na', frac: [0, 0, 0] },
      { species: 'Na', frac: [0.5, 0.5, 0] },
      { species: 'Cl', frac: [0.5, 0.5, 0.5] },
      { species: 'Cl', frac: [0, 0, 0.5] },
    ]);
  });

  it('recognises the operations of a group given without its name, in origin choice 2', () => {
    // Fd-3m origin 2 (diamond-like), operations from the group itself
    const text = writeCif(crystalOf({ id: 'd', spaceGroup: 'Fd-3m', origin: 2, cell: { a: 5.43 }, sites: [{ species: 'Si', frac: [0.125, 0.125, 0.125] }] }).structure, {
      id: 'd',
      spaceGroup: 'Fd-3m',
      origin: 2,
    }).replace(/^_(space_group_IT_number|space_group_name_H-M_alt|symmetry_space_group_name_H-M) .*$/gm, '');
    const [s] = readCif(text).structures;
    expect(s!.spaceGroup).toBe('Fd-3m');
    expect(s!.origin).toBe(2);
    expect(crystalOf(s!).structure.numAtoms).toBe(8);
  });

  it('takes the H-M symbol or the IT number alone as the standard setting', () => {
    expect(readCif(head + "_symmetry_space_group_name_H-M 'F m -3 m'\n" + atoms).structures[0]!.spaceGroup).toBe('Fm-3m');
    expect(readCif(head + '_space_group_IT_number 221\n' + atoms).structures[0]!.spaceGroup).toBe('Pm-3m');
  });

  it('treats the sites as the whole cell when there is no symmetry at all', () => {
    const [s] = readCif(head + atoms).structures;
    expect(s!.spaceGroup).toBe('P1');
    expect(s!.sites).toHaveLength(2);
  });
});

describe('CIF errors', () => {
  const base = 'data_bad\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n';

  it('refuses a partially occupied site, naming it', () => {
    let err: DomainError | undefined;
    try {
      readCif(base + 'Na1 0 0 0 1.0\nCl1 0.5 0.5 0.5 0.75(2)\n');
    } catch (e) {
      err = e as DomainError;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect(err!.code).toBe('PARSE_ERROR');
    expect(err!.message).toMatch(/atom site Cl1 .* occupancy 0\.75/);
    expect(err!.detail).toMatchObject({ site: 'Cl1', line: 12 });
  });

  it('refuses a loop whose values do not fill its columns', () => {
    expect(() => readCif(base + 'Na1 0 0 0 1\nCl1 0.5 0.5\n')).toThrow(/not a multiple of its 5 columns/);
  });

  it('refuses an unclosed text field and a block without a cell', () => {
    expect(() => readCif('data_x\n_publ_section_title\n;\nnever closed\n')).toThrow(/never closed/);
    expect(() => readCif('data_x\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n')).toThrow(/no _cell_length_a/);
  });

  it('refuses an unknown space-group name when no operations decide', () => {
    expect(() => readCif(base.replace('loop_', "_symmetry_space_group_name_H-M 'Q 42'\nloop_") + 'Na1 0 0 0 1\n')).toThrow(DomainError);
  });
});

describe('CIF writer and round trip', () => {
  it('writes P1 with every atom when no space group is given', () => {
    const c = crystalOf(published.structures.find((s) => s.id === 'PbSe-RS')!);
    const text = writeCif(c.structure, { id: 'PbSe-RS' });
    expect(text).toMatch(/^_space_group_IT_number 1$/m);
    expect(text.match(/^(Pb|Se)\d+ /gm)).toHaveLength(8);
    const [s] = readCif(text).structures;
    expect(s!.spaceGroup).toBe('P1');
    expect(maxMismatch(c.structure, crystalOf(s!).structure)).toBeLessThan(1e-9);
  });

  it('refuses a space group the structure does not have', () => {
    const c = crystalOf(published.structures.find((s) => s.id === 'CdSe-WZ')!);
    expect(() => writeCif(c.structure, { id: 'x', spaceGroup: 'P6_3/mmc' })).toThrow(/does not have the symmetry of P6_3\/mmc/);
  });

  const files = [...published.structures.map((s) => `polymorphs/${s.id}.cif`), 'CdSe-wurtzite-icsd-style.cif', 'PbSe-cod-style.cif'];
  it.each(files)('CIF → job → CIF gives the same structure: %s', (file) => {
    for (const sd of readCif(fixture(file)).structures) {
      const c = crystalOf(sd);
      const again = readCif(writeCif(c.structure, { id: sd.id, spaceGroup: c.spaceGroup })).structures;
      expect(again).toHaveLength(1);
      const back = again[0]! as StructureDocument;
      expect(back.id).toBe(sd.id);
      expect(back.spaceGroup).toBe(sd.spaceGroup);
      expect(back.sites.map((s) => s.species)).toEqual(sd.sites.map((s) => s.species));
      const c2 = crystalOf(back);
      sameCell(c.structure, c2.structure);
      // the asymmetric unit may come back symmetrised (0.3333 → 1/3): the crystal is the same within 1e-3 Å
      expect(maxMismatch(c.structure, c2.structure)).toBeLessThan(1e-3);
    }
  });

  it('writes the cell of a rotated lattice by its parameters', () => {
    const lat = Lattice.fromVectors([
      [0, 5, 0],
      [-5, 0, 0],
      [0, 0, 5],
    ]);
    const s = Structure.fromFractional(lat, ['Na', 'Cl'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    const [back] = readCif(writeCif(s, { id: 'rot', spaceGroup: 'Pm-3m' })).structures;
    expect(back!.cell).toEqual({ a: 5 });
  });
});
