/**
 * The `import-gulp` and `export` commands: files in, text out.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importGulpCommand } from '../src/cli/commands/import-gulp.js';
import { exportCommand } from '../src/cli/commands/export.js';
import { exportText } from '../src/workflows/export.js';
import { readGulp } from '../src/io/gulp-read.js';
import { readCif } from '../src/io/cif-read.js';
import { parseJob } from '../src/document/parse.js';
import type { JobDocument } from '../src/document/schema.js';
import { DomainError } from '../src/errors.js';
import { FIXTURES, ROOT } from './helpers/cells.js';

const publishedPath = resolve(FIXTURES, 'pbcdse-published.json');
const published = (): JobDocument => JSON.parse(readFileSync(publishedPath, 'utf8'));

function withTemp<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'latticefit-io-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fit result in the shape `latticefit fit --format json` prints (only the fields export reads). */
function fitResult(withDocument: boolean): Record<string, unknown> {
  const doc = published();
  return {
    kind: 'fit',
    name: doc.name,
    ...(withDocument ? { document: doc } : {}),
    charges: { Cd: 0.8, Pb: 0.8, Se: -0.8 },
    parameters: [
      { species: ['Cd', 'Se'], type: 'buckingham', A: 2.5e9, rho: 0.109, C: 60, cutoff: 12, varied: ['A', 'rho', 'C'] },
      { species: ['Pb', 'Se'], type: 'buckingham', A: 5e6, rho: 0.172, C: 200, cutoff: 12, varied: ['A', 'rho', 'C'] },
      { species: ['Se', 'Se'], type: 'buckingham', A: 5000, rho: 0.385, C: 130, cutoff: 12, varied: ['A', 'rho', 'C'] },
    ],
    structures: [
      {
        id: 'PbSe-RS',
        converged: true,
        spaceGroup: { symbol: 'Fm-3m', number: 225 },
        cell: { a: 6.118, b: 6.118, c: 6.118, alpha: 90, beta: 90, gamma: 90, volume: 229.0 },
        sites: [
          { species: 'Pb', frac: [0, 0, 0] },
          { species: 'Se', frac: [0.5, 0.5, 0.5] },
        ],
        properties: { a: 6.118 },
      },
      {
        // every atom listed although a space group is named: read as P1
        id: 'PbSe-CsCl',
        converged: false,
        spaceGroup: 'Pm-3m',
        cell: { a: 7.4, b: 3.7, c: 3.7, alpha: 90, beta: 90, gamma: 90 },
        sites: [
          { species: 'Pb', frac: [0, 0, 0] },
          { species: 'Se', frac: [0.25, 0.5, 0.5] },
          { species: 'Pb', frac: [0.5, 0, 0] },
          { species: 'Se', frac: [0.75, 0.5, 0.5] },
        ],
        properties: {},
      },
    ],
  };
}

describe('latticefit import-gulp', () => {
  it('prints the job document and lists untranslated lines on the warning channel', () => {
    const notes: string[] = [];
    const out = importGulpCommand(resolve(ROOT, 'fixtures/io/cdse-pbse-relax-fit.gin'), { warn: (s) => notes.push(s) });
    const doc = JSON.parse(out);
    expect(doc.structures).toHaveLength(3);
    parseJob(doc);
    const text = notes.join('');
    expect(text).toMatch(/11 lines not translated/);
    expect(text).toMatch(/line 4: comp {2}-- keyword "comp" has no latticefit equivalent/);
    expect(text).toMatch(/line 86: maxcyc 500/);
  });

  it('writes the document with --out', () => {
    withTemp((dir) => {
      const gin = join(dir, 'job.gin');
      writeFileSync(gin, exportCommand('gulp', publishedPath));
      const out = join(dir, 'job.json');
      const notes: string[] = [];
      expect(importGulpCommand(gin, { out, warn: (s) => notes.push(s) })).toBe(`wrote ${out}: 8 structures, 3 potentials\n`);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(published());
      expect(notes).toEqual([]);
    });
  });

  it('says when the translated document does not run yet', () => {
    withTemp((dir) => {
      const gin = join(dir, 'charged.gin');
      writeFileSync(gin, 'opti\ncell\n5 5 5 90 90 90\nfrac\nNa core 0 0 0\nspecies\nNa core 1\n');
      const notes: string[] = [];
      importGulpCommand(gin, { warn: (s) => notes.push(s) });
      expect(notes.join('')).toMatch(/does not run yet: NOT_CHARGE_NEUTRAL/);
    });
  });

  it('reports an unreadable file as PARSE_ERROR', () => {
    expect(() => importGulpCommand('/nonexistent/file.gin', { warn: () => {} })).toThrow(DomainError);
  });
});

describe('latticefit export of a job document', () => {
  it('gulp: the GULP input that reads back as the job', () => {
    expect(readGulp(exportCommand('gulp', publishedPath)).document).toEqual(published());
  });

  it('gulp-library: the force field', () => {
    const t = exportCommand('gulp-library', publishedPath);
    expect(t).toMatch(/^Cd core Se core 2640000000 0\.108 64\.4 0 12$/m);
  });

  it('lammps: the force field, then one data file per structure', () => {
    const t = exportCommand('lammps', publishedPath);
    expect(t.match(/^# ==== /gm)).toHaveLength(9);
    expect(t).toMatch(/^# ==== PbSe-RS\.data ====\nPbSe-RS \(Rock salt\)/m);
    expect(t).toMatch(/^pair_style buck\/coul\/long 12$/m);
    expect(exportCommand('lammps', publishedPath, { structure: 'CdSe-ZB' }).match(/^# ==== /gm)).toHaveLength(2);
  });

  it('cif: one data block per structure, in its space group', () => {
    const { structures } = readCif(exportCommand('cif', publishedPath));
    expect(structures.map((s) => [s.id, s.spaceGroup])).toEqual(published().structures.map((s) => [s.id, s.spaceGroup]));
  });

  it('refuses an unknown format or structure', () => {
    expect(() => exportCommand('xyz', publishedPath)).toThrow(/one of gulp, gulp-library, lammps, cif/);
    expect(() => exportCommand('cif', publishedPath, { structure: 'nope' })).toThrow(/no structure "nope"/);
  });
});

describe('latticefit export of a fit result', () => {
  it('gulp: the job with the fitted parameters put in', () => {
    const doc = readGulp(exportText('gulp', fitResult(true))).document;
    expect(doc.potentials.map((p) => [p.species.join('-'), p.A, p.rho, p.C])).toEqual([
      ['Cd-Se', 2.5e9, 0.109, 60],
      ['Pb-Se', 5e6, 0.172, 200],
      ['Se-Se', 5000, 0.385, 130],
    ]);
    expect(doc.structures).toEqual(published().structures);
  });

  it('gulp without the job: an opti conp prop input of the relaxed structures', () => {
    const t = exportText('gulp', fitResult(false));
    expect(t.split('\n').find((l) => l && !l.startsWith('#'))).toBe('opti conp prop');
    const doc = readGulp(t).document;
    expect(doc.structures.map((s) => [s.id, s.spaceGroup, s.sites.length])).toEqual([
      ['PbSe-RS', 'Fm-3m', 2],
      ['PbSe-CsCl', undefined, 4],
    ]);
  });

  it('lammps and cif: the relaxed structures, saying which did not converge', () => {
    const lmp = exportText('lammps', fitResult(false));
    expect(lmp).toMatch(/^pair_coeff 2 3 5000000 0\.172 200 12 # Pb-Se$/m);
    expect(lmp).toMatch(/^0 6\.118 xlo xhi$/m);
    expect(lmp).toMatch(/^# ==== PbSe-CsCl\.data \(relaxation not converged\) ====$/m);
    const cif = exportText('cif', fitResult(false));
    expect(cif).toMatch(/relaxation not converged/);
    const [rs, cscl] = readCif(cif).structures;
    expect(rs).toMatchObject({ id: 'PbSe-RS', spaceGroup: 'Fm-3m', cell: { a: 6.118 } });
    expect(cscl!.sites).toHaveLength(4);
  });

  it('gulp-library: the fitted force field', () => {
    expect(exportText('gulp-library', fitResult(false))).toMatch(/^Se core Se core 5000 0\.385 130 0 12$/m);
  });

  it('refuses JSON that is neither a job nor a result', () => {
    expect(() => exportText('cif', { hello: 1 })).toThrow(/neither a job document nor a result/);
  });
});
