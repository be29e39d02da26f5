/**
 * The doors under hostile input: answers that used to leave in fastify's own shape, in the wrong
 * status or not at all are problem+json with a catalogue code; failed authentication and one key's
 * submissions are limited; the real validator refuses huge or absurd documents at once, and never
 * stores anything for them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as tasks from '../src/workflows/tasks.js';
import { AUTH_FAILURE_BURST } from '../src/http/plugins/quota.js';
import { buildTestApp, example, smallDocument, type TestApp } from './helpers/http-harness.js';

const KEY = 'hardening-key-0123456789';
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const isProblem = (res: { statusCode: number; headers: Record<string, unknown>; json: () => any }, status: number, code: string) => {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, code, type: `urn:latticefit:problem:${code.toLowerCase().replace(/_/g, '-')}` });
};

describe('URLs and media types', () => {
  it('a too-long path parameter is 414 URI_TOO_LONG as problem+json', async () => {
    t = await buildTestApp({ paused: true });
    isProblem(await t.app.inject({ url: `/v1/fits/${'x'.repeat(500)}` }), 414, 'URI_TOO_LONG');
  });

  it('a bad percent-encoding is 400 BAD_REQUEST as problem+json', async () => {
    t = await buildTestApp({ paused: true });
    isProblem(await t.app.inject({ url: '/v1/fits/%E0%A4%A' }), 400, 'BAD_REQUEST');
  });

  it('a path out of the docs assets is 404 NOT_FOUND, not 403 BAD_REQUEST', async () => {
    t = await buildTestApp({ paused: true });
    for (const url of ['/docs/static/%2e%2e/%2e%2e/package.json', '/docs/static/..%2f..%2fpackage.json']) {
      const res = await t.app.inject({ url });
      isProblem(res, 404, 'NOT_FOUND');
      expect(res.body).not.toContain('"version"');
    }
  });

  it('text/plain on a job route is 415 UNSUPPORTED_MEDIA_TYPE; the GULP import still takes it', async () => {
    t = await buildTestApp({ paused: true });
    isProblem(await t.app.inject({ method: 'POST', url: '/v1/fits', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(smallDocument()) }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    isProblem(await t.app.inject({ method: 'POST', url: '/v1/properties', headers: { 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const gulp = await t.app.inject({ method: 'POST', url: '/v1/imports/gulp', headers: { 'content-type': 'text/plain' }, payload: 'cell\n5.64 5.64 5.64 90 90 90\n' });
    expect(gulp.statusCode).not.toBe(415);
    expect(gulp.statusCode).toBeLessThan(500);
  });

  it.each([
    ['\\u005f_proto__', '/\\u005f_proto__'],
    ['constr\\u0075ctor', '/species/constr\\u0075ctor'],
  ])('a forbidden key written with \\u escapes (%s) is refused on the parsed keys', async (key) => {
    t = await buildTestApp({ paused: true });
    const body = JSON.stringify(smallDocument()).replace('"species":{', `"species":{"${key}":{"charge":0},`);
    const res = await t.app.inject({ method: 'POST', url: '/v1/fits', headers: { 'content-type': 'application/json' }, payload: body });
    isProblem(res, 400, 'INVALID_JSON');
    expect(res.json().path).toMatch(/__proto__|constructor/);
    expect(await t.store.countByStatus()).toMatchObject({ queued: 0 });
  });
});

describe('limits per client', () => {
  it(`wrong API keys: ${AUTH_FAILURE_BURST} × 401, then 429 with Retry-After; the right key still works`, async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: KEY } });
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_FAILURE_BURST + 5; i++) statuses.push((await t.app.inject({ url: '/v1/fits', headers: { authorization: `Bearer wrong-${i}-0123456789abcdef` } })).statusCode);
    expect(statuses.slice(0, AUTH_FAILURE_BURST)).toEqual(Array(AUTH_FAILURE_BURST).fill(401));
    expect(statuses.slice(AUTH_FAILURE_BURST)).toEqual(Array(5).fill(429));
    const limited = await t.app.inject({ url: '/v1/fits', headers: { authorization: 'Bearer wrong-again-0123456789' } });
    isProblem(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.app.inject({ url: '/v1/fits', headers: { authorization: `Bearer ${KEY}` } })).statusCode).toBe(200);
  });

  it('a key with the maximum of active jobs gets 429 for the next one, nothing stored', async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: KEY, LATTICEFIT_MAX_ACTIVE_JOBS_PER_KEY: '2' } });
    const post = () => t!.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument(), headers: { authorization: `Bearer ${KEY}` } });
    expect((await post()).statusCode).toBe(202);
    expect((await post()).statusCode).toBe(202);
    const third = await post();
    isProblem(third, 429, 'RATE_LIMITED');
    expect(third.headers['retry-after']).toBeDefined();
    expect(await t.store.countByStatus()).toMatchObject({ queued: 2 });
  });
});

describe('the real validator at the door', () => {
  const real = { validate: tasks.validateTask };

  it('10,000 sites in Fm-3m: 422 LIMIT_EXCEEDED at /structures/0/sites, nothing stored', async () => {
    t = await buildTestApp({ paused: true, ...real });
    const doc = smallDocument() as any;
    doc.structures[0].spaceGroup = 'Fm-3m';
    doc.structures[0].sites = Array.from({ length: 10_000 }, (_, i) => ({ species: i % 2 ? 'Cl' : 'Na', frac: [(i % 100) / 100, Math.floor(i / 100) / 100, 0.123] }));
    const res = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: doc });
    isProblem(res, 422, 'LIMIT_EXCEEDED');
    expect(res.json().path).toBe('/structures/0/sites');
    expect(await t.store.countByStatus()).toMatchObject({ queued: 0 });
  });

  it.each([
    ['/structures/0/cell/a', 1e308, 422, 'INVALID_CELL'],
    ['/potentials/0/cutoff', 1e4, 400, 'INVALID_DOCUMENT'],
    ['/options/coulombAccuracy', 1e300, 400, 'INVALID_DOCUMENT'],
    ['/options/pressure', 1e308, 400, 'INVALID_DOCUMENT'],
    ['/potentials/0/A', 1e300, 400, 'INVALID_DOCUMENT'],
    ['/structures/0/properties/a/exp', 1e308, 400, 'INVALID_DOCUMENT'],
  ] as const)('%s = %s: %s %s at that pointer, nothing stored', async (pointer, value, status, code) => {
    t = await buildTestApp({ paused: true, ...real });
    const doc = smallDocument() as any;
    const segs = pointer.split('/').slice(1);
    let o = doc;
    for (const s of segs.slice(0, -1)) o = o[s] ??= {};
    o[segs.at(-1)!] = value;
    for (const url of ['/v1/fits', '/v1/properties']) {
      const res = await t.app.inject({ method: 'POST', url, payload: doc });
      isProblem(res, status, code);
      expect(res.json().path).toBe(pointer);
    }
    expect(await t.store.countByStatus()).toMatchObject({ queued: 0 });
  });

  it('the reference fit is accepted', async () => {
    t = await buildTestApp({ paused: true, ...real });
    expect((await t.app.inject({ method: 'POST', url: '/v1/fits', payload: example() })).statusCode).toBe(202);
  });
});
