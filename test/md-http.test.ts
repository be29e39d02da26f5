/**
 * The HTTP twin of `latticefit md`: POST /v1/properties with an `md` block runs LAMMPS as a
 * properties job of the worker pool (real task module, in memory), and a fit refuses the block.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tasks from '../src/workflows/tasks.js';
import { renderersFrom } from '../src/http/renderers.js';
import { buildTestApp, until, type TestApp } from './helpers/http-harness.js';
import { FIXTURES } from './helpers/cells.js';

const lmp = process.env.LATTICEFIT_LMP ?? spawnSync('sh', ['-c', 'command -v lmp'], { encoding: 'utf8' }).stdout.trim();
if (!lmp) console.warn('test/md-http.test.ts: skipped, lmp (LAMMPS) is not on PATH; apt-get install lammps');

const rockSalt = (): Record<string, unknown> & { structures: { id: string; properties?: unknown }[] } => {
  const d = JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
  d.structures = d.structures.filter((s: { id: string }) => s.id === 'PbSe-RS');
  for (const s of d.structures) s.properties = { a: s.properties.a };
  return d;
};
const md = { temperature: 300, equilibrationSteps: 0, productionSteps: 200, sampleEvery: 20, supercell: [2, 2, 2] };

let t: TestApp | undefined;
afterAll(async () => t?.close());

describe('md block through the service', () => {
  it('POST /v1/fits with an md block is refused at the door: MD is a report column, not a fit observable', async () => {
    t ??= await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: { ...rockSalt(), md } });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().detail ?? res.json().title).toMatch(/molecular dynamics/);
  });

  it.skipIf(!lmp)('POST /v1/properties with an md block runs LAMMPS and returns structures[].md and the harmonic ξ', async () => {
    t ??= await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/properties', payload: { ...rockSalt(), md } });
    expect([200, 202], res.body.slice(0, 400)).toContain(res.statusCode);
    const location = res.headers.location as string; // 200 with the finished job when quick, else 202
    const job = await until(async () => {
      const j = (await t!.app.inject({ url: location })).json();
      return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
    }, 120_000);
    expect(job.status).toBe('succeeded');
    const s = job.result.structures[0];
    expect(s.id).toBe('PbSe-RS');
    for (const k of ['temperature', 'a', 'volume']) expect(Number.isFinite(s.md[k].value)).toBe(true);
    expect(Object.keys(s.md.xi).sort()).toEqual(['Pb', 'Se']);
    expect(Object.keys(s.harmonic.xi).sort()).toEqual(['Pb', 'Se']);
    const report = await t.app.inject({ url: `${location}/report?format=markdown` });
    expect(report.body).toMatch(/RMSD Pb \(300 K\)/);
  }, 180_000);
});
