/**
 * The `md` and `defects` blocks are checked and resolved at the door (src/document/md.ts,
 * src/document/defects.ts) into typed requests in internal units; the use cases
 * (src/workflows/md.ts, src/workflows/defects.ts) take those and check nothing of the document.
 */
import { describe, it, expect, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJob } from '../src/document/parse.js';
import { defectsRequest } from '../src/document/defects.js';
import { MD_DEFAULTS, mdRequest, mdSettings, parseMdJob, readMdBlock } from '../src/document/md.js';
import { lammpsMdOptions, mdInputScript, resolveMdOptions } from '../src/engines/lammps/md.js';
import { defectsResult } from '../src/workflows/defects.js';
import { validateTask } from '../src/workflows/tasks.js';
import { GPA_PER_EV_PER_A3 } from '../src/units/index.js';
import { FIXTURES, ROOT } from './helpers/cells.js';

type Doc = Record<string, unknown> & { structures: { id: string; pressure?: number }[]; options?: Record<string, unknown> };
const published = (): Doc => JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
const withDefects = (defects: unknown, edit: (d: Doc) => void = () => {}): Doc => {
  const d = published();
  edit(d);
  return { ...d, defects };
};
const refused = (f: () => unknown): Record<string, unknown> => {
  try {
    f();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('not refused');
};
const hex111 = [{ hexagonal: [1, 1, 1] }];
const mixingWZ = { phase: 'WZ', structure: 'CdSe-WZ', supercell: { hexagonal: [1, 1, 2] }, species: ['Pb', 'Cd'], references: { Pb: 'PbSe-RS', Cd: 'CdSe-WZ' }, x: [0, 0.5] };

describe('the defects block resolved at the door', () => {
  it('the stress tolerance in eV/Å³, the pressures of the structures it names in eV/Å³, the defaults filled in', () => {
    const job = parseJob(withDefects(
      { supercells: { 'PbSe-RS': hex111 }, list: [{ kind: 'vacancy', structure: 'PbSe-RS', species: 'Pb' }], mixing: [mixingWZ], stressToleranceGPa: 0.02, forceTolerance: 2e-3 },
      (d) => (d.options = { ...d.options, pressure: 3 }),
    ));
    const r = defectsRequest(job);
    expect(r.stressTolerance).toBe(0.02 / GPA_PER_EV_PER_A3);
    expect(r.forceTolerance).toBe(2e-3);
    expect(r.pressure).toEqual({ 'PbSe-RS': 3 / GPA_PER_EV_PER_A3, 'CdSe-WZ': 3 / GPA_PER_EV_PER_A3 });
    expect(r).toMatchObject({ coulombAccuracy: 1e-7, finiteSize: false, relaxCell: false });
    expect(r.mixing[0]).toMatchObject({ configurations: 3, seed: 1, hostSpecies: 'Cd', otherSpecies: 'Pb' });
    expect('maxIterations' in r || 'interstitialStarts' in r).toBe(false);
    expect(JSON.stringify(r)).not.toContain('GPa');
  });

  it('a structure without its own pressure takes the job’s, one with its own keeps it', () => {
    const job = parseJob(withDefects({ supercells: { 'PbSe-RS': hex111, 'CdSe-ZB': hex111 }, list: [{ kind: 'vacancy', structure: 'PbSe-RS', species: 'Pb' }, { kind: 'vacancy', structure: 'CdSe-ZB', species: 'Cd' }] }, (d) => (d.structures.find((s) => s.id === 'PbSe-RS')!.pressure = 2)));
    expect(defectsRequest(job).pressure).toEqual({ 'PbSe-RS': 2 / GPA_PER_EV_PER_A3, 'CdSe-ZB': 0 });
  });

  const cases: [string, unknown, (d: Doc) => void, string, string][] = [
    ['an unknown structure', { supercells: { X: hex111 }, list: [{ kind: 'vacancy', structure: 'X', species: 'Pb' }] }, () => {}, 'UNKNOWN_REFERENCE', '/defects/list/0/structure'],
    ['a structure without a supercell', { supercells: {}, list: [{ kind: 'vacancy', structure: 'PbSe-RS', species: 'Pb' }] }, () => {}, 'INVALID_DOCUMENT', '/defects/list/0/structure'],
    ['a swap without a partner', { supercells: { 'PbSe-RS': hex111 }, list: [{ kind: 'swap', structure: 'PbSe-RS' }] }, () => {}, 'INVALID_DOCUMENT', '/defects/list/0/partner'],
    ['a swap partner at another pressure', { supercells: { 'PbSe-RS': hex111, 'CdSe-ZB': hex111 }, list: [{ kind: 'swap', structure: 'PbSe-RS', partner: 'CdSe-ZB' }] }, (d) => (d.structures.find((s) => s.id === 'CdSe-ZB')!.pressure = 1), 'INVALID_DOCUMENT', '/defects/list/0/partner'],
    ['a mixed species without a reference', { supercells: {}, mixing: [{ ...mixingWZ, references: { Pb: 'PbSe-RS' } }] }, () => {}, 'INVALID_DOCUMENT', '/defects/mixing/0/references'],
    ['an unknown reference', { supercells: {}, mixing: [{ ...mixingWZ, references: { Pb: 'PbSe-XX', Cd: 'CdSe-WZ' } }] }, () => {}, 'UNKNOWN_REFERENCE', '/defects/mixing/0/references/Pb'],
    ['a reference at another pressure', { supercells: {}, mixing: [mixingWZ] }, (d) => (d.structures.find((s) => s.id === 'PbSe-RS')!.pressure = 5), 'INVALID_DOCUMENT', '/defects/mixing/0/references/Pb'],
    ['a host that holds neither species', { supercells: {}, mixing: [{ ...mixingWZ, species: ['Pb', 'Te'], references: { Pb: 'PbSe-RS', Te: 'PbSe-RS' } }] }, () => {}, 'INVALID_DOCUMENT', '/defects/mixing/0/species'],
  ];
  for (const [what, block, edit, code, path] of cases)
    it(`${what} is ${code} at ${path}`, () => {
      expect(refused(() => defectsRequest(parseJob(withDefects(block, edit))))).toMatchObject({ code, path });
    });

  it('no block is INVALID_DOCUMENT at /defects', () => {
    expect(refused(() => defectsRequest(parseJob(published())))).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/defects', message: 'the document has no "defects" block' });
  });

  it('the service refuses a bad reference when the job is submitted, not when it runs', () => {
    const doc = withDefects({ supercells: { X: hex111 }, list: [{ kind: 'vacancy', structure: 'X', species: 'Pb' }] });
    expect(refused(() => validateTask('defects', doc))).toMatchObject({ code: 'UNKNOWN_REFERENCE', path: '/defects/list/0/structure' });
  });

  it('a host that holds neither mixed species is told before any work starts (no progress reported)', async () => {
    const onProgress = vi.fn();
    const doc = withDefects({ supercells: { 'PbSe-RS': hex111 }, list: [{ kind: 'vacancy', structure: 'PbSe-RS', species: 'Pb' }], mixing: [{ ...mixingWZ, species: ['Pb', 'Te'], references: { Pb: 'PbSe-RS', Te: 'PbSe-RS' } }] });
    const err = await defectsResult(doc, { onProgress }).catch((e) => e);
    expect(err).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/defects/mixing/0/species', message: 'the host CdSe-WZ holds neither Pb nor Te' });
    expect(onProgress).not.toHaveBeenCalled();
  });
});

describe('the md block resolved at the door', () => {
  it('the pressure in eV/Å³, every setting filled in from the defaults', () => {
    const s = mdSettings({ temperature: 600, pressure: 2.5, productionSteps: 4000 });
    expect(s).toEqual({ ...MD_DEFAULTS, temperature: 600, pressure: 2.5 / GPA_PER_EV_PER_A3, productionSteps: 4000 });
    expect(Object.keys(s).some((k) => /GPa/.test(k))).toBe(false);
  });

  const bad: [Record<string, unknown>, string][] = [
    [{ temperature: -3 }, '/md/temperature'],
    [{ pressure: 2000 }, '/md/pressure'],
    [{ timestepFs: 20 }, '/md/timestepFs'],
    [{ blocks: 1 }, '/md/blocks'],
    [{ productionSteps: 100, sampleEvery: 20 }, '/md/productionSteps'],
    [{ kspace: 'p3m' }, '/md/kspace'],
  ];
  for (const [block, path] of bad)
    it(`${JSON.stringify(block)} is INVALID_DOCUMENT at ${path}, before the document is parsed`, () => {
      // the structures are not even a list: the block is refused first
      expect(refused(() => parseMdJob({ structures: 'none', md: block }))).toMatchObject({ code: 'INVALID_DOCUMENT', path });
    });

  it('unknown fields and the service’s md.lmp are refused with their pointers; the CLI may set lmp', () => {
    const doc = { ...published(), md: { lmp: '/usr/bin/lmp' } };
    expect(refused(() => readMdBlock({ ...published(), md: { temprature: 20 } }))).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/md/temprature' });
    expect(refused(() => readMdBlock(doc, { service: true }))).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/md/lmp' });
    expect(parseMdJob(doc).md.lmp).toBe('/usr/bin/lmp');
  });

  it('the structures it names are crystals of the job; an unknown one is UNKNOWN_REFERENCE at /md/structures/i', () => {
    const { job, md } = parseMdJob({ ...published(), md: { structures: ['PbSe-RS', 'CdSe-WZ'], supercell: [2, 2, 2] } });
    expect(md.structures.map((c) => c.id)).toEqual(['PbSe-RS', 'CdSe-WZ']);
    expect(md.structures[0]).toBe(job.structures.find((c) => c.id === 'PbSe-RS'));
    expect(md.supercell).toEqual([2, 2, 2]);
    expect(refused(() => parseMdJob({ ...published(), md: { structures: ['PbSe-RS', 'PbTe'] } }))).toMatchObject({ code: 'UNKNOWN_REFERENCE', path: '/md/structures/1' });
  });

  it('overrides (the CLI flags) replace the block’s fields, undefined ones are ignored', () => {
    const read = readMdBlock({ ...published(), md: { temperature: 100, pressure: 1 } }, { overrides: { temperature: 50, pressure: undefined } });
    expect(read.settings.temperature).toBe(50);
    expect(read.settings.pressure).toBe(1 / GPA_PER_EV_PER_A3);
    expect(mdRequest(parseJob(read.document), read).structures).toHaveLength(8);
  });

  it('the LAMMPS adapter converts the pressure at its edge: GPa in its options, bar in the input script', () => {
    const o = resolveMdOptions(lammpsMdOptions(mdSettings({ pressure: 1.5 })));
    expect(o.pressureGPa).toBe(1.5);
    expect(mdInputScript(o, false)).toMatch(/^fix md all npt temp 300 300 0\.2 aniso 15000 15000 2$/m);
  });

  it('a pressure given in GPa reaches the adapter as given (7.9 GPa does not survive x / k · k in doubles)', () => {
    expect((7.9 / GPA_PER_EV_PER_A3) * GPA_PER_EV_PER_A3).not.toBe(7.9);
    for (let i = -200; i <= 1000; i++) expect(lammpsMdOptions(mdSettings({ pressure: i / 10 })).pressureGPa).toBe(i / 10);
  });

  it('the use cases check nothing of the document: no error, pointer or GPa field of a block in workflows/md.ts or workflows/defects.ts', () => {
    for (const f of ['src/workflows/md.ts', 'src/workflows/defects.ts']) {
      const src = readFileSync(resolve(ROOT, f), 'utf8');
      expect(src, f).not.toMatch(/new DomainError|stressToleranceGPa|['`]\/(md|defects)\/(?!supercells|mixing\/\$\{i\}\/supercell)/);
    }
  });
});
