/**
 * Bad input is refused before anything is stored: every case answers the right status and code
 * as application/problem+json (with the JSON pointer of the offending field when there is one)
 * and leaves the store exactly as it was. The cases run with the fake validator always, and again
 * with the real `validateTask` once the library behind it loads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';
import { ERROR_CATALOGUE, problem, renderErrorTable, statusOf } from '../src/http/errors.js';
import type { JobStore } from '../src/jobs/store.js';
import * as fake from './helpers/fake-tasks.js';
import { buildTestApp, example, smallDocument, until, type TestApp } from './helpers/http-harness.js';

const realTasks = await import('../src/workflows/tasks.js').catch(() => undefined);

type Doc = Record<string, any>;

interface Case {
  name: string;
  status: number;
  code: string;
  path?: string;
  request: { method?: 'POST' | 'GET' | 'DELETE'; url?: string; payload?: string | object; headers?: Record<string, string> };
}

const withDoc = (edit: (d: Doc) => void, base: () => Doc = example): object => {
  const d = base();
  edit(d);
  return d;
};

/** Cases whose answer does not depend on which validator runs. */
const DOOR_CASES: Case[] = [
  { name: 'malformed JSON', status: 400, code: 'INVALID_JSON', path: '/', request: { payload: '{"species": {', headers: { 'content-type': 'application/json' } } },
  { name: 'empty JSON body', status: 400, code: 'INVALID_JSON', request: { payload: '', headers: { 'content-type': 'application/json' } } },
  { name: 'prototype poisoning', status: 400, code: 'INVALID_JSON', request: { payload: '{"__proto__": {"x": 1}}', headers: { 'content-type': 'application/json' } } },
  { name: 'not JSON at all', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', request: { payload: 'species: Cd', headers: { 'content-type': 'text/yaml' } } },
  { name: 'a number where a length belongs', status: 400, code: 'INVALID_DOCUMENT', path: '/structures/1/cell/a', request: { payload: withDoc((d) => (d.structures[1].cell.a = '6.08')) } },
  { name: 'structures not an array', status: 400, code: 'INVALID_DOCUMENT', path: '/structures', request: { payload: withDoc((d) => (d.structures = {})) } },
  { name: 'an unknown field', status: 400, code: 'INVALID_DOCUMENT', path: '/species/Cd/colour', request: { payload: withDoc((d) => (d.species.Cd.colour = 'red')) } },
  { name: 'a missing required field', status: 400, code: 'INVALID_DOCUMENT', path: '/structures', request: { payload: withDoc((d) => delete d.structures) } },
  { name: 'a top-level array', status: 400, code: 'INVALID_DOCUMENT', path: '/', request: { payload: '[1, 2]', headers: { 'content-type': 'application/json' } } },
  { name: 'an oversize body', status: 413, code: 'PAYLOAD_TOO_LARGE', request: { payload: withDoc((d) => (d.name = 'x'.repeat(20_000))) } },
  { name: 'an unknown job id', status: 404, code: 'NOT_FOUND', request: { method: 'GET', url: '/v1/fits/01ZZZZZZZZZZZZZZZZZZZZZZZZ' } },
  { name: 'an unknown job id (events)', status: 404, code: 'NOT_FOUND', request: { method: 'GET', url: '/v1/fits/nope/events' } },
  { name: 'an unknown job id (report)', status: 404, code: 'NOT_FOUND', request: { method: 'GET', url: '/v1/fits/nope/report?format=csv' } },
  { name: 'an unknown job id (parameters)', status: 404, code: 'NOT_FOUND', request: { method: 'GET', url: '/v1/properties/nope/parameters' } },
  { name: 'an unknown job id (cancel)', status: 404, code: 'NOT_FOUND', request: { method: 'DELETE', url: '/v1/fits/nope' } },
  { name: 'an unknown route', status: 404, code: 'NOT_FOUND', request: { method: 'GET', url: '/v2/fits' } },
];

/** Cases the validator decides (the fake and the real one agree on code and path). */
const VALIDATOR_CASES: Case[] = [
  { name: 'an unknown species', status: 422, code: 'UNKNOWN_SPECIES', path: '/structures/0/sites/1/species', request: { payload: withDoc((d) => (d.structures[0].sites[1].species = 'Xx')) } },
  { name: 'a non-neutral cell', status: 422, code: 'NOT_CHARGE_NEUTRAL', path: '/structures/0/sites', request: { payload: withDoc((d) => (d.species.Cl.charge = -0.9), smallDocument) } },
  {
    name: 'an unknown reference',
    status: 422,
    code: 'UNKNOWN_REFERENCE',
    path: '/structures/1/properties/relativeEnergy/reference',
    request: { payload: withDoc((d) => (d.structures[1].properties.relativeEnergy.reference = 'CdSe-XX')) },
  },
  { name: 'too many structures', status: 422, code: 'LIMIT_EXCEEDED', path: '/structures', request: { payload: withDoc((d) => d.structures.push(...d.structures.map((s: Doc) => ({ ...s, id: `${s.id}-2` })))) } },
];

async function snapshot(store: JobStore): Promise<unknown> {
  return { counts: await store.countByStatus(), jobs: (await store.list({ owner: null, limit: 200 })).jobs };
}

function runCases(label: string, validate: (kind: 'fit' | 'properties' | 'defects', doc: unknown, limits?: Record<string, number>) => unknown, cases: Case[]) {
  describe(label, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ validate, config: { limits: { maxBodyBytes: 16_384, maxStructures: 8, maxAtoms: 512, maxIterations: 10_000, maxWallTimeMs: 60_000, maxJobCost: 1e12, maxActiveJobsPerKey: 0, maxRunningJobsPerKey: 0 } } });
      // one accepted job, so "unchanged" is not trivially "empty"
      const ok = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: example() });
      expect(ok.statusCode).toBe(202);
      // ... and finished: a job still running would change the store between a case's two snapshots
      const id = ok.json().id as string;
      await until(async () => { const j = await t.store.get(id); return j && ['succeeded', 'failed', 'cancelled'].includes(j.status); }, 30_000);
    });
    afterAll(() => t.close());

    it.each(cases)('$name → $status $code', async (c) => {
      const before = await snapshot(t.store);
      const res = await t.app.inject({ method: c.request.method ?? 'POST', url: c.request.url ?? '/v1/fits', payload: c.request.payload as object, headers: c.request.headers ?? {} });
      expect(res.statusCode).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ type: `urn:latticefit:problem:${c.code.toLowerCase().replace(/_/g, '-')}`, title: expect.any(String), status: c.status, code: c.code, detail: expect.any(String), instance: (c.request.url ?? '/v1/fits').split('?')[0] });
      if (c.path !== undefined) expect(body.path).toBe(c.path);
      expect(await snapshot(t.store)).toEqual(before);
    });
  });
}

runCases('bad input (fake validator)', fake.validateTask, [...DOOR_CASES, ...VALIDATOR_CASES]);

describe.skipIf(!realTasks)('bad input (real validateTask)', () => {
  runCases('real validator', (kind, doc, limits) => realTasks!.validateTask(kind, doc, limits), VALIDATOR_CASES);
});

describe('the error catalogue', () => {
  it('maps every domain error code to an HTTP status', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(ERROR_CATALOGUE, code).toHaveProperty(code);
  });

  it('has the HTTP codes the API answers with', () => {
    expect(statusOf('NOT_FOUND')).toBe(404);
    expect(statusOf('JOB_NOT_FINISHED')).toBe(409);
    expect(statusOf('IDEMPOTENCY_CONFLICT')).toBe(422);
    expect(statusOf('PAYLOAD_TOO_LARGE')).toBe(413);
    expect(statusOf('UNAUTHORIZED')).toBe(401);
    expect(statusOf('RATE_LIMITED')).toBe(429);
    expect(statusOf('INVALID_JSON')).toBe(400);
    expect(statusOf('INVALID_DOCUMENT')).toBe(400);
    expect(statusOf('SOMETHING_ELSE')).toBe(500);
    for (const e of Object.values(ERROR_CATALOGUE)) expect(e.status).toBeGreaterThanOrEqual(400);
  });

  it('renders the markdown table of every code, by status', () => {
    const table = renderErrorTable();
    const lines = table.trim().split('\n');
    expect(lines[0]).toBe('| code | HTTP status | meaning |');
    expect(lines).toHaveLength(2 + Object.keys(ERROR_CATALOGUE).length);
    expect(table).toContain(`| \`NOT_CHARGE_NEUTRAL\` | 422 | ${ERROR_CODES.NOT_CHARGE_NEUTRAL} |`);
    const statuses = lines.slice(2).map((l) => Number(l.split('|')[2]));
    expect([...statuses].sort((a, b) => a - b)).toEqual(statuses);
  });

  it('builds problems whose extensions cannot override the standard members', () => {
    expect(problem('NOT_FOUND', 'no', '/x', { status: 200, code: 'OK', path: '/a', extra: 1 })).toEqual({
      type: 'urn:latticefit:problem:not-found',
      title: ERROR_CATALOGUE.NOT_FOUND.title,
      status: 404,
      code: 'NOT_FOUND',
      detail: 'no',
      instance: '/x',
      path: '/a',
      extra: 1,
    });
  });
});
