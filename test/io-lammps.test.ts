/**
 * LAMMPS data and force-field text, and (when `lmp` is on PATH) LAMMPS's energy of the written
 * files against latticefit's energy model.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeLammpsData, writeLammpsPair, lammpsBox } from '../src/io/lammps.js';
import { parseJob } from '../src/document/parse.js';
import type { JobDocument } from '../src/document/schema.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import type { ForceField } from '../src/potentials/forcefield.js';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure } from '../src/crystal/structure.js';
import { DomainError } from '../src/errors.js';
import { FIXTURES } from './helpers/cells.js';

/** LAMMPS against latticefit, eV per atom (the bound; Coulomb constants differ by 3e-8). */
const LAMMPS_EV_PER_ATOM = 1e-5;

const published = (): JobDocument => JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
const job = parseJob(published());
const crystal = (id: string) => job.structures.find((s) => s.id === id)!;
const rockSalt = crystal('PbSe-RS').structure;

describe('LAMMPS data file', () => {
  const text = writeLammpsData(rockSalt, job.forceField.charges, { title: 'PbSe rock salt' });
  const lines = text.split('\n');

  it('declares atoms, types, an orthogonal box and no tilt for rock salt', () => {
    expect(lines[0]).toBe('PbSe rock salt (units metal, atom_style charge; types 1 Cd, 2 Pb, 3 Se)');
    expect(lines).toContain('8 atoms');
    expect(lines).toContain('3 atom types');
    expect(lines).toContain('0 6.12 xlo xhi');
    expect(lines).toContain('0 6.12 ylo yhi');
    expect(lines).toContain('0 6.12 zlo zhi');
    expect(text).not.toMatch(/xy xz yz/);
  });

  it('gives masses for the types and atoms as "id type q x y z"', () => {
    const m = lines.indexOf('Masses');
    expect(lines.slice(m + 2, m + 5)).toEqual(['1 112.41 # Cd', '2 207.2 # Pb', '3 78.971 # Se']);
    const a = lines.indexOf('Atoms # charge');
    const atoms = lines.slice(a + 2, a + 10);
    expect(atoms[0]).toBe('1 2 0.8 0 0 0');
    expect(atoms.filter((l) => / 3 -0\.8 /.test(` ${l.split(' ').slice(1, 3).join(' ')} `))).toHaveLength(4);
    expect(atoms).toContain('5 3 -0.8 3.06 3.06 3.06');
  });

  it('takes the type order and masses it is given', () => {
    const t = writeLammpsData(rockSalt, job.forceField.charges, { types: ['Se', 'Pb'], masses: { Pb: 207.0 } });
    expect(t).toMatch(/^2 atom types$/m);
    expect(t).toMatch(/^1 78\.971 # Se\n2 207 # Pb$/m);
    expect(t).toMatch(/^1 2 0\.8 0 0 0$/m);
  });

  it('writes a hexagonal cell as a triclinic box with xy = -a/2 and the same crystal', () => {
    const wz = crystal('CdSe-WZ').structure;
    const t = writeLammpsData(wz, job.forceField.charges);
    expect(t).toMatch(/^-2\.149999999999999\d* 0 0 xy xz yz$/m);
    const box = lammpsBox(wz);
    expect(Math.abs(box.xy)).toBeLessThanOrEqual(box.lx / 2);
    const lat = Lattice.fromVectors([
      [box.lx, 0, 0],
      [box.xy, box.ly, 0],
      [box.xz, box.yz, box.lz],
    ]);
    const again = Structure.fromCartesian(lat, wz.species, box.positions);
    const model = buildEnergyModel(job.forceField);
    expect(model.compute(again).energy).toBeCloseTo(model.compute(wz).energy, 9);
  });

  it('reduces a large tilt by adding lattice vectors', () => {
    const lat = Lattice.fromParameters({ a: 4, b: 6, c: 7, alpha: 70, beta: 110, gamma: 60 });
    const s = Structure.fromFractional(lat, ['Cd', 'Se'], [[0.1, 0.2, 0.3], [0.6, 0.7, 0.8]]);
    const box = lammpsBox(s);
    expect(Math.abs(box.xy)).toBeLessThanOrEqual(box.lx / 2 + 1e-12);
    expect(Math.abs(box.xz)).toBeLessThanOrEqual(box.lx / 2 + 1e-12);
    expect(Math.abs(box.yz)).toBeLessThanOrEqual(box.ly / 2 + 1e-12);
    expect(box.lx * box.ly * box.lz).toBeCloseTo(lat.volume, 9);
  });

  it('refuses a species without a mass or a charge', () => {
    const s = Structure.fromFractional(Lattice.fromParameters({ a: 5, b: 5, c: 5, alpha: 90, beta: 90, gamma: 90 }), ['Xx', 'Se'], [[0, 0, 0], [0.5, 0.5, 0.5]]);
    expect(() => writeLammpsData(s, { Xx: 0.8, Se: -0.8 })).toThrow(/no mass is known for species "Xx"/);
    expect(() => writeLammpsData(rockSalt, { Pb: 0.8 }, { types: ['Pb', 'Se'] })).toThrow(DomainError);
  });
});

describe('LAMMPS force field', () => {
  const text = writeLammpsPair(job.forceField);
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));

  it('uses buck/coul/long with Ewald, Buckingham pairs with cut-offs and Coulomb-only cation pairs, in the stated type order', () => {
    expect(text).toMatch(/^# types: 1 Cd, 2 Pb, 3 Se$/m);
    expect(lines).toEqual([
      'pair_style buck/coul/long 12',
      'pair_coeff 1 1 0.0 1.0 0.0 # Cd-Cd (Coulomb only)',
      'pair_coeff 1 2 0.0 1.0 0.0 # Cd-Pb (Coulomb only)',
      'pair_coeff 1 3 2640000000 0.108 64.4 12 # Cd-Se',
      'pair_coeff 2 2 0.0 1.0 0.0 # Pb-Pb (Coulomb only)',
      'pair_coeff 2 3 4880000 0.173 211 12 # Pb-Se',
      'pair_coeff 3 3 5200 0.384 127 12 # Se-Se',
      'pair_modify table 0',
      'kspace_style ewald 1e-10',
      'set type 1 charge 0.8',
      'set type 2 charge 0.8',
      'set type 3 charge -0.8',
    ]);
  });

  it('takes the Ewald accuracy it is given', () => {
    expect(writeLammpsPair(job.forceField, { ewaldAccuracy: 1e-8 })).toMatch(/^kspace_style ewald 1e-8$/m);
  });

  it('overlays lj/cut for Lennard-Jones pairs, with epsilon = B^2/4A and sigma = (A/B)^(1/6)', () => {
    const ff: ForceField = { ...job.forceField, pairs: [...job.forceField.pairs, { type: 'lennard-jones', species: ['Pb', 'Pb'], params: { A: 4 * 0.01 * 3 ** 12, B: 4 * 0.01 * 3 ** 6 }, cutoff: 10 }] };
    const t = writeLammpsPair(ff);
    expect(t).toMatch(/^pair_style hybrid\/overlay buck\/coul\/long 12 lj\/cut 12$/m);
    expect(t).toMatch(/^pair_coeff 2 2 buck\/coul\/long 0\.0 1\.0 0\.0 # Pb-Pb$/m);
    const m = /^pair_coeff 2 2 lj\/cut (\S+) (\S+) 10 # Pb-Pb$/m.exec(t)!;
    expect(Number(m[1])).toBeCloseTo(0.01, 12);
    expect(Number(m[2])).toBeCloseTo(3, 12);
  });

  it('explains why a Lennard-Jones pair with B <= 0 has no LAMMPS form', () => {
    const ff: ForceField = { ...job.forceField, pairs: [{ type: 'lennard-jones', species: ['Pb', 'Pb'], params: { A: 1000, B: 0 }, cutoff: 10 }] };
    expect(() => writeLammpsPair(ff)).toThrow(/lj\/cut needs A > 0 and B > 0/);
  });
});

// ---- integration: LAMMPS itself ----------------------------------------------------------------

const lmp = spawnSync('sh', ['-c', 'command -v lmp'], { encoding: 'utf8' }).stdout.trim();

function lammpsEnergy(structure: Structure, ff: ForceField): number {
  const dir = mkdtempSync(join(tmpdir(), 'latticefit-lammps-'));
  try {
    writeFileSync(join(dir, 'cell.data'), writeLammpsData(structure, ff.charges));
    writeFileSync(join(dir, 'forcefield.lmp'), writeLammpsPair(ff, { ewaldAccuracy: 1e-10 }));
    writeFileSync(
      join(dir, 'in.lmp'),
      ['units metal', 'atom_style charge', 'boundary p p p', 'read_data cell.data', 'include forcefield.lmp', 'thermo_style custom pe', 'run 0', 'variable e equal pe', 'print "$(v_e:%.12f)" file energy.txt', ''].join('\n'),
    );
    execFileSync(lmp, ['-in', 'in.lmp', '-log', 'none', '-screen', 'none'], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
    return Number(readFileSync(join(dir, 'energy.txt'), 'utf8').trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LAMMPS integration', () => {
  it.skipIf(!lmp)(`rock-salt PbSe: LAMMPS energy equals buildEnergyModel's to ${LAMMPS_EV_PER_ATOM} eV per atom${lmp ? '' : ' (skipped: lmp is not on PATH; apt-get install lammps)'}`, () => {
    const e = lammpsEnergy(rockSalt, job.forceField);
    const ref = buildEnergyModel(job.forceField).compute(rockSalt).energy;
    // fixtures/reference/independent-energies.json: PbSe-RS = -24.306369348358622 eV per cell
    expect(Math.abs(e - ref) / rockSalt.numAtoms).toBeLessThan(LAMMPS_EV_PER_ATOM);
  });

  it.skipIf(!lmp)('wurtzite CdSe in a triclinic box: LAMMPS energy equals buildEnergyModel\'s', () => {
    const wz = crystal('CdSe-WZ').structure;
    const e = lammpsEnergy(wz, job.forceField);
    const ref = buildEnergyModel(job.forceField).compute(wz).energy;
    expect(Math.abs(e - ref) / wz.numAtoms).toBeLessThan(LAMMPS_EV_PER_ATOM);
  });

  it.skipIf(!lmp)('a Lennard-Jones pair through hybrid/overlay: LAMMPS energy equals buildEnergyModel\'s', () => {
    const doc = published();
    doc.potentials.push({ type: 'lennard-jones', species: ['Pb', 'Pb'], A: 20000, B: 30, cutoff: 10 });
    const j = parseJob(doc);
    const s = j.structures.find((x) => x.id === 'PbSe-RS')!.structure;
    const e = lammpsEnergy(s, j.forceField);
    const ref = buildEnergyModel(j.forceField).compute(s).energy;
    expect(Math.abs(e - ref) / s.numAtoms).toBeLessThan(LAMMPS_EV_PER_ATOM);
  });
});
