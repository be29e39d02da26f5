/**
 * POST /v1/defects: a defects job through the real task module (in memory), with its report and
 * its relaxed cells.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tasks from '../src/workflows/tasks.js';
import { renderersFrom } from '../src/http/renderers.js';
import { buildTestApp, until, type TestApp } from './helpers/http-harness.js';
import { FIXTURES } from './helpers/cells.js';

const doc = JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
const small = {
  ...doc,
  defects: {
    supercells: { 'PbSe-RS': [{ hexagonal: [2, 1, 1] }] },
    list: [{ kind: 'schottky-dimer', structure: 'PbSe-RS', dft: 1.24 }],
  },
};

let t: TestApp | undefined;
afterAll(async () => t?.close());

describe('POST /v1/defects', () => {
  it('runs the job, reports Table S10 with Force field | DFT and serves the relaxed cells as CIF', async () => {
    t = await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/defects', payload: small });
    expect(res.statusCode).toBe(202);
    const { location } = res.json();
    const job = await until(async () => {
      const j = (await t!.app.inject({ url: location })).json();
      return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
    }, 30_000);
    expect(job.status).toBe('succeeded');
    expect(job.result.defects[0]).toMatchObject({ kind: 'schottky-dimer', structure: 'PbSe-RS', atoms: 12, dft: 1.24 });
    const report = await t.app.inject({ url: `${location}/report?format=markdown` });
    expect(report.body).toMatch(/Table S10/);
    expect(report.body).toMatch(/\| Defect \| Force field \| DFT \|/);
    const cif = await t.app.inject({ url: `${location}/structures?format=cif` });
    expect(cif.statusCode).toBe(200);
    expect(cif.body).toMatch(/_cell_length_a/);
  });

  it('refuses a document without a defects block with INVALID_DOCUMENT at /defects', async () => {
    const res = await t!.app.inject({ method: 'POST', url: '/v1/defects', payload: doc });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
});
