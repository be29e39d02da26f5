/**
 * The `phonons` and `md` doors: JSON shape of the phonon output, the md request block, the refusal
 * of MD inside a fit, and ENGINE_UNAVAILABLE through the md use case when the binary is missing.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { phononsCommand } from '../src/cli/commands/phonons.js';
import { fitCommand } from '../src/cli/commands/fit.js';
import { mdResult, splitMdRequest } from '../src/workflows/md.js';
import { FIXTURES } from './helpers/cells.js';

const published = () => JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
/** The document with one structure, its cross-structure properties dropped. */
const only = (id: string) => {
  const d = published();
  d.structures = d.structures.filter((s: { id: string }) => s.id === id);
  for (const s of d.structures) s.properties = { a: s.properties.a };
  return d;
};
const onlyRockSalt = () => only('PbSe-RS');
const dir = mkdtempSync(join(tmpdir(), 'latticefit-dyn-cli-'));
const write = (name: string, doc: unknown): string => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(doc));
  return f;
};

describe('latticefit phonons', () => {
  it('prints Γ and mesh frequencies in THz and cm⁻¹, the stability and the harmonic ξ', () => {
    const out = JSON.parse(phononsCommand(write('rs.json', onlyRockSalt()), { format: 'json', mesh: '2,2,2', temperature: '300' }));
    expect(out.kind).toBe('phonons');
    const s = out.structures[0];
    expect(s.phonons.gamma.THz).toHaveLength(6);
    expect(s.phonons.points).toHaveLength(8);
    expect(s.phonons.gamma.inverseCm[5] / s.phonons.gamma.THz[5]).toBeCloseTo(33.35641, 4);
    expect(s.phonons.stable).toBe(true);
    expect(Object.keys(s.harmonic.xi).sort()).toEqual(['Pb', 'Se']);
  });

  it('names the imaginary modes of an unstable structure in the table', () => {
    const d = only('CdSe-HC');
    const out = phononsCommand(write('hc.json', d), { format: 'table', mesh: '1,1,1' });
    expect(out).toMatch(/UNSTABLE: \d+ imaginary modes, e\.g\. branch 0 at q = \(0, 0, 0\) -2\.\d+ THz/);
  });
  it('relaxes each structure at its own pressure (structures[].pressure), as at the same options.pressure, not at 0', () => {
    const at = (doc: Record<string, unknown>, name: string) => JSON.parse(phononsCommand(write(name, doc), { format: 'json', mesh: '1,1,1' })).structures[0].phonons.gamma.THz as number[];
    const own = onlyRockSalt();
    own.structures[0].pressure = 5;
    const job = onlyRockSalt();
    job.options = { ...(job.options ?? {}), pressure: 5 };
    const zero = onlyRockSalt();
    const fOwn = at(own, 'p-own.json'), fJob = at(job, 'p-job.json'), fZero = at(zero, 'p-zero.json');
    // compression stiffens the optical mode; the two ways of asking for 5 GPa agree to round-off
    expect(fOwn[5]! - fZero[5]!).toBeGreaterThan(0.05);
    fOwn.forEach((f, k) => expect(f).toBeCloseTo(fJob[k]!, 8));
  });
});

describe('latticefit md (no LAMMPS started)', () => {
  it('reads the md block and refuses unknown fields with their path', () => {
    expect(splitMdRequest({ ...onlyRockSalt(), md: { temperature: 20 } }).md).toEqual({ temperature: 20 });
    expect(() => splitMdRequest({ ...onlyRockSalt(), md: { temprature: 20 } })).toThrow(expect.objectContaining({ path: '/md/temprature' }));
  });

  it('a missing lmp is ENGINE_UNAVAILABLE with the install hint', async () => {
    const err = await mdResult({ ...onlyRockSalt(), md: { lmp: '/nonexistent/lmp', productionSteps: 100, sampleEvery: 10, equilibrationSteps: 0, supercell: [1, 1, 1] } }).catch((e) => e);
    expect(err.code).toBe('ENGINE_UNAVAILABLE');
    expect(err.message).toMatch(/apt-get install lammps/);
  });

  it('a fit refuses a document with an md block: MD is a report column only', async () => {
    const f = write('fit.json', { ...onlyRockSalt(), md: { temperature: 300 } });
    await expect(fitCommand(f, { format: 'json', quiet: true })).rejects.toThrow(/a fit does not run molecular dynamics/);
  });
});

describe('reports with MD', () => {
  it('Tables S8/S9 put the MD a and ξ in parentheses and the harmonic ξ beside them', async () => {
    const { renderReport } = await import('../src/reports/index.js');
    const doc = onlyRockSalt();
    const { parseJob } = await import('../src/document/parse.js');
    const job = parseJob(doc);
    const result = {
      kind: 'properties', name: 'md', document: doc, targets: job.targets, settings: { relax: true, pressureGPa: 0, bulkModulus: 'reuss', shearModulus: 'hill' }, charges: { Pb: 0.8, Se: -0.8 }, parameters: [], normalization: [], warnings: [], wallTimeMs: 0,
      structures: [{
        id: 'PbSe-RS', label: 'Rock salt', formula: 'PbSe', spaceGroup: { symbol: 'Fm-3m', number: 225 }, properties: { a: 6.0863 },
        md: { temperature: { value: 300, error: 1 }, a: { value: 6.1234, error: 0.001 }, xi: { Pb: { value: 0.2049, error: 0.002 }, Se: { value: 0.1851, error: 0.002 } } },
        harmonic: { temperature: 300, xi: { Pb: 0.1612, Se: 0.1457 } },
      }],
    };
    const md = renderReport(result as never, 'markdown').body;
    expect(md).toContain('| a (Å) | **6.120** | 6.086 (6.123) | 6.210 |');
    expect(md).toContain('| RMSD Pb (300 K) (Å) | — | 0.16 (0.20) | — |');
    expect(md).toContain('| RMSD Se (300 K) (Å) | — | 0.15 (0.19) | — |');
  });
});

describe('jobs: properties with an md block', () => {
  it('validateTask accepts an md block for properties and refuses it for a fit', async () => {
    const { validateTask } = await import('../src/workflows/tasks.js');
    expect(validateTask('properties', { ...onlyRockSalt(), md: { temperature: 30 } }).structures).toBe(1);
    expect(() => validateTask('properties', { ...onlyRockSalt(), md: { temperature: -3 } })).toThrow(expect.objectContaining({ path: '/md/temperature' }));
    expect(() => validateTask('fit', { ...onlyRockSalt(), md: {} })).toThrow(/a fit does not run molecular dynamics/);
  });
});
