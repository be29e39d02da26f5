/**
 * `latticefit properties JOB.json --format json|markdown|csv` (src/cli/commands/properties.ts).
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { propertiesCommand } from '../src/cli/commands/properties.js';
import { publishedDocument } from './helpers/properties.js';

describe('latticefit properties', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'latticefit-properties-'));
    file = join(dir, 'job.json');
    // the CdSe polymorphs only (fast); wurtzite keeps its transition to rock salt
    const doc = publishedDocument() as { structures: { id: string }[] };
    doc.structures = doc.structures.filter((s) => s.id.startsWith('CdSe-'));
    writeFileSync(file, JSON.stringify(doc));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--format json prints the result with a top-level structures array, one entry per structure', async () => {
    const out = JSON.parse(await propertiesCommand(file, 'json'));
    expect(out.kind).toBe('properties');
    expect(out.structures.map((s: { id: string }) => s.id)).toEqual(['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS', 'CdSe-HC']);
    expect(out.structures[0].properties.C11).toBeGreaterThan(0);
    expect(out.structures[0].properties.transitionPressure).toBeGreaterThan(0);
    // the equation of state is an extra, computed when asked for
    expect(out.structures.every((s: { eos?: unknown }) => s.eos === undefined)).toBe(true);
  });

  it('computes the equation of state of every structure when the document asks for it', async () => {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.options = { ...doc.options, equationOfState: true };
    const asked = join(dir, 'eos.json');
    writeFileSync(asked, JSON.stringify(doc));
    const out = JSON.parse(await propertiesCommand(asked, 'json'));
    for (const s of out.structures) expect(s.eos.fit.B0, s.id).toBeGreaterThan(0);
    // the E-V modulus is a cross-check of the Reuss modulus of the elastic constants
    const wz = out.structures[0];
    expect(Math.abs(wz.eos.fit.B0 - wz.properties.B) / wz.properties.B).toBeLessThan(0.02);
  });

  it('--format markdown prints the Table S8 layout and a section per structure', async () => {
    const out = await propertiesCommand(file, 'markdown');
    expect(out).toContain('Table S8. Properties of CdSe polymorphs');
    for (const id of ['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS', 'CdSe-HC']) expect(out).toContain(`## ${id}:`);
    expect(out).toContain('Relaxed-ion elastic constants');
  });

  it('--format csv prints one row per property of each structure', async () => {
    const out = await propertiesCommand(file, 'csv');
    const rows = out.split(/\r?\n/).filter((l) => l.startsWith('Table S8'));
    expect(rows.some((r) => r.includes('"Wurtzite (P6_3mc, No. 186)",C11,GPa'))).toBe(true);
  });

  it('an unknown format is an INVALID_DOCUMENT error naming the formats', async () => {
    await expect(propertiesCommand(file, 'xml')).rejects.toMatchObject({ code: 'INVALID_DOCUMENT', message: expect.stringContaining('json, markdown, csv') });
  });
});
