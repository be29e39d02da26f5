import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './helpers/cells.js';
import { buildTestApp } from './helpers/http-harness.js';

const gin = readFileSync(resolve(ROOT, 'fixtures/io/cdse-pbse-relax-fit.gin'), 'utf8');

describe('POST /v1/imports/gulp', async () => {
  const h = await buildTestApp();
  afterAll(() => h.close());

  it('translates a GULP input into a job document and lists what it could not translate', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/imports/gulp', headers: { 'content-type': 'text/plain' }, payload: gin });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.document.structures.length).toBeGreaterThan(0);
    expect(body.document.potentials.length).toBeGreaterThan(0);
    expect(Array.isArray(body.untranslated)).toBe(true);
    expect(body.untranslated.length).toBeGreaterThan(0);
  });

  it('answers a file it cannot read with PARSE_ERROR and the line', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/imports/gulp', headers: { 'content-type': 'text/plain' }, payload: 'opti conp\ncell\n4.3 4.3\nfractional\nCd shel 0 0 0\n' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().code).toBe('PARSE_ERROR');
  });
});
