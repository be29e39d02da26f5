/**
 * API keys and rate limits: with keys configured every /v1 route needs a valid bearer key, a job
 * is visible only to the key that created it (others get 404, as for a job that does not exist),
 * and each key has its own token bucket (429 RATE_LIMITED with Retry-After).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TokenBuckets } from '../src/http/plugins/auth.js';
import { buildTestApp, smallDocument, type TestApp } from './helpers/http-harness.js';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef00';
const as = (key: string) => ({ authorization: `Bearer ${key}` });

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('API keys', () => {
  it('refuse /v1 requests without a key or with a wrong one: 401 UNAUTHORIZED, nothing stored', async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: `${ALICE},${BOB}` } });
    for (const headers of [{}, { authorization: 'Bearer not-a-key' }, { authorization: `Basic ${ALICE}` }]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument(), headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="latticefit"/);
    }
    expect(await t.store.countByStatus()).toMatchObject({ queued: 0 });
    // service routes stay open
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('make a job visible only to the key that created it', async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: `${ALICE},${BOB}` } });
    const created = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument(), headers: as(ALICE) });
    expect(created.statusCode).toBe(202);
    const { id } = created.json();
    expect((await t.app.inject({ url: `/v1/fits/${id}`, headers: as(ALICE) })).statusCode).toBe(200);
    const before = await t.store.get(id);
    for (const [method, url] of [
      ['GET', `/v1/fits/${id}`],
      ['GET', `/v1/fits/${id}/events`],
      ['GET', `/v1/fits/${id}/report`],
      ['GET', `/v1/fits/${id}/parameters`],
      ['DELETE', `/v1/fits/${id}`],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: as(BOB) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    expect(await t.store.get(id)).toEqual(before);
    expect((await t.app.inject({ url: '/v1/fits', headers: as(BOB) })).json().items).toEqual([]);
    expect((await t.app.inject({ url: '/v1/fits', headers: as(ALICE) })).json().items.map((j: { id: string }) => j.id)).toEqual([id]);
  });

  it('scope idempotency keys to the API key', async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: `${ALICE},${BOB}` } });
    const a = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument('a'), headers: { ...as(ALICE), 'idempotency-key': 'same' } });
    const b = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument('b'), headers: { ...as(BOB), 'idempotency-key': 'same' } });
    expect(b.statusCode).toBe(202);
    expect(b.json().id).not.toBe(a.json().id);
  });

  it('store a hash of the key as the owner, never the key', async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: ALICE } });
    const { id } = (await t.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument(), headers: as(ALICE) })).json();
    const owner = (await t.store.get(id))!.owner!;
    expect(owner).toMatch(/^[0-9a-f]{32}$/);
    expect(owner).not.toContain(ALICE);
  });
});

describe('rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After once a key’s bucket is empty, per key', async () => {
    t = await buildTestApp({ paused: true, env: { LATTICEFIT_API_KEYS: `${ALICE},${BOB}`, LATTICEFIT_RATE_LIMIT: '1', LATTICEFIT_RATE_BURST: '3' } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await t.app.inject({ url: '/v1/fits', headers: as(ALICE) })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await t.app.inject({ url: '/v1/fits', headers: as(ALICE) });
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await t.app.inject({ url: '/v1/fits', headers: as(BOB) })).statusCode).toBe(200);
  });

  it('refills tokens over time (token bucket)', () => {
    let now = 0;
    const b = new TokenBuckets(2, 2, () => now);
    expect([b.take('k'), b.take('k')]).toEqual([0, 0]);
    expect(b.take('k')).toBe(1);
    now += 500; // one token back at 2 per second
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBeGreaterThan(0);
  });
});
