/**
 * The HTTP API through `app.inject`, built in memory (MemoryJobStore, the embedded queue over an
 * in-process fake task): submission, idempotency, listing, status, events, cancellation,
 * reports, synchronous properties, health, readiness, metrics and headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jsonRenderers } from '../src/http/renderers.js';
import type { TaskContext, TaskKind } from '../src/workflows/tasks.js';
import * as fake from './helpers/fake-tasks.js';
import { buildTestApp, example, parseSse, smallDocument, until, type TestApp, type TestAppOptions } from './helpers/http-harness.js';

let t: TestApp | undefined;
const start = async (opts: TestAppOptions = {}): Promise<TestApp> => (t = await buildTestApp(opts));
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const post = (app: TestApp['app'], url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers });
const finished = (tt: TestApp, id: string) =>
  until(async () => {
    const j = await tt.store.get(id);
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
  });

/** A task that waits until released, reporting progress meanwhile. */
function gatedTask() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const signals: AbortSignal[] = [];
  const task = async (_kind: TaskKind, _doc: unknown, ctx: TaskContext) => {
    signals.push(ctx.signal);
    ctx.onProgress({ iteration: 1, objective: 10, elapsedMs: 1, stage: 'fit' });
    await gate;
    ctx.onProgress({ iteration: 2, objective: 5, elapsedMs: 2, stage: 'fit' });
    return { parameters: { 'Na-Cl.A': 1 }, name: 'gated', structures: [{ id: 'x' }], objective: 5 };
  };
  return { task, release, signals };
}

describe('POST /v1/fits', () => {
  it('accepts a valid document with 202, the job id, its status and a Location header', async () => {
    const { app, store } = await start({ paused: true });
    const res = await post(app, '/v1/fits', example());
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toEqual({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'queued', location: `/v1/fits/${body.id}` });
    expect(res.headers.location).toBe(body.location);
    expect(await store.get(body.id)).toMatchObject({ kind: 'fit', status: 'queued', name: example().name });
    expect(await store.getDocument(body.id)).toEqual(example());
  });

  it('returns the same job for a retry with the same Idempotency-Key and body', async () => {
    const { app, store } = await start({ paused: true });
    const a = await post(app, '/v1/fits', example(), { 'idempotency-key': 'abc-1' });
    const b = await post(app, '/v1/fits', example(), { 'idempotency-key': 'abc-1' });
    expect(b.statusCode).toBe(202);
    expect(b.json()).toEqual(a.json());
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect((await store.countByStatus()).queued).toBe(1);
  });

  it('refuses the same Idempotency-Key with another body: 422 IDEMPOTENCY_CONFLICT, nothing stored', async () => {
    const { app, store } = await start({ paused: true });
    await post(app, '/v1/fits', example(), { 'idempotency-key': 'abc-2' });
    const before = await store.countByStatus();
    const res = await post(app, '/v1/fits', { ...example(), name: 'another' }, { 'idempotency-key': 'abc-2' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 422 });
    expect(await store.countByStatus()).toEqual(before);
  });

  it('refuses new jobs with 503 while shutting down', async () => {
    const { app, store } = await start({ paused: true });
    app.latticefit.state.draining = true;
    const res = await post(app, '/v1/fits', example());
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('SERVICE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    expect((await store.list({ owner: null, limit: 10 })).jobs).toEqual([]);
  });
});

describe('GET /v1/fits/{id}', () => {
  it('shows progress while running and the result, timings and final progress when done', async () => {
    const g = gatedTask();
    const tt = await start({ task: g.task });
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await until(async () => (await tt.store.get(id))?.progress);
    const running = (await tt.app.inject({ url: `/v1/fits/${id}` })).json();
    expect(running).toMatchObject({ id, kind: 'fit', status: 'running', progress: { iteration: 1, objective: 10, stage: 'fit' }, attempts: 1 });
    expect(running.result).toBeUndefined();
    expect(running.timings).toMatchObject({ createdAt: expect.any(String), startedAt: expect.any(String), queuedMs: expect.any(Number) });
    g.release();
    await finished(tt, id);
    const done = (await tt.app.inject({ url: `/v1/fits/${id}` })).json();
    expect(done).toMatchObject({ status: 'succeeded', progress: { iteration: 2, objective: 5 }, result: { objective: 5 } });
    expect(done.timings.finishedAt).toEqual(expect.any(String));
    expect(done.links).toEqual({ self: `/v1/fits/${id}`, events: `/v1/fits/${id}/events`, report: `/v1/fits/${id}/report`, parameters: `/v1/fits/${id}/parameters` });
  });

  it('shows a failed job’s error with code, message and path', async () => {
    const tt = await start();
    const { id } = (await post(tt.app, '/v1/fits', smallDocument('[fail]'))).json();
    await finished(tt, id);
    const res = (await tt.app.inject({ url: `/v1/fits/${id}` })).json();
    expect(res).toMatchObject({ status: 'failed', error: { code: 'NUMERICAL_FAILURE', message: expect.any(String), path: '/structures/0' } });
  });

  it('does not show a property job under /v1/fits', async () => {
    const { app } = await start({ paused: true, config: { syncProperties: { maxAtoms: 0, timeoutMs: 0 } } });
    const { id } = (await post(app, '/v1/properties', smallDocument())).json();
    expect((await app.inject({ url: `/v1/fits/${id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/v1/properties/${id}` })).statusCode).toBe(200);
  });
});

describe('GET /v1/fits', () => {
  it('pages newest first with limit and cursor, and filters by status', async () => {
    const { app, queue } = await start({ paused: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(app, '/v1/fits', smallDocument(`job ${i}`))).json().id);
    await queue.cancel(ids[1]!);
    const seen: string[] = [];
    let url = '/v1/fits?limit=2';
    for (;;) {
      const page = (await app.inject({ url })).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((j: { id: string }) => j.id));
      if (!page.nextCursor) break;
      url = `/v1/fits?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    expect(seen).toEqual([...ids].reverse());
    const cancelled = (await app.inject({ url: '/v1/fits?status=cancelled' })).json();
    expect(cancelled.items.map((j: { id: string }) => j.id)).toEqual([ids[1]]);
    expect(cancelled.items[0]).not.toHaveProperty('result');
  });

  it('refuses a bad limit, status or cursor with 400 INVALID_QUERY and the parameter', async () => {
    const { app } = await start({ paused: true });
    for (const [q, path] of [
      ['limit=0', '/limit'],
      ['limit=abc', '/limit'],
      ['status=done', '/status'],
      ['cursor=xyz', '/cursor'],
    ] as const) {
      const res = await app.inject({ url: `/v1/fits?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json(), q).toMatchObject({ code: 'INVALID_QUERY', path });
    }
  });
});

describe('GET /v1/fits/{id}/events', () => {
  it('streams progress events, then the final status, and ends', async () => {
    const g = gatedTask();
    const tt = await start({ task: g.task });
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await until(async () => (await tt.store.get(id))?.status === 'running');
    const streaming = tt.app.inject({ url: `/v1/fits/${id}/events` });
    await until(() => tt.queue.events.listenerCount(id) === 1); // subscribed
    g.release();
    const res = await streaming;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const events = parseSse(res.body);
    expect(events[0]).toMatchObject({ event: 'status', data: { id, status: 'running' } });
    expect(events.filter((e) => e.event === 'progress').map((e) => (e.data as { iteration: number }).iteration)).toContain(2);
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { id, status: 'succeeded' } });
  });

  it('answers a job that has already ended with its final status and ends', async () => {
    const tt = await start();
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await finished(tt, id);
    const events = parseSse((await tt.app.inject({ url: `/v1/fits/${id}/events` })).body);
    expect(events).toEqual([{ event: 'status', data: expect.objectContaining({ id, status: 'succeeded' }) }]);
  });

  it('ends with the cancelled status when the job is cancelled', async () => {
    const g = gatedTask();
    const tt = await start({ task: g.task });
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await until(async () => (await tt.store.get(id))?.status === 'running');
    const streaming = tt.app.inject({ url: `/v1/fits/${id}/events` });
    await until(() => tt.queue.events.listenerCount(id) === 1);
    await tt.app.inject({ method: 'DELETE', url: `/v1/fits/${id}` });
    const events = parseSse((await streaming).body);
    expect(events[0]).toMatchObject({ event: 'status', data: { status: 'running' } });
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: 'cancelled' } });
    g.release();
  });
});

describe('DELETE /v1/fits/{id}', () => {
  it('cancels a queued job, idempotently', async () => {
    const { app, store } = await start({ paused: true });
    const { id } = (await post(app, '/v1/fits', smallDocument())).json();
    const a = await app.inject({ method: 'DELETE', url: `/v1/fits/${id}` });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ id, status: 'cancelled' });
    const b = await app.inject({ method: 'DELETE', url: `/v1/fits/${id}` });
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ id, status: 'cancelled' });
    expect((await store.get(id))?.status).toBe('cancelled');
  });

  it('cancels a running job and aborts its task’s signal', async () => {
    const g = gatedTask();
    const tt = await start({ task: g.task });
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await until(() => g.signals.length === 1);
    const res = await tt.app.inject({ method: 'DELETE', url: `/v1/fits/${id}` });
    expect(res.json()).toMatchObject({ status: 'cancelled' });
    expect(g.signals[0]!.aborted).toBe(true);
    await until(() => tt.queue.stats().busy === 0);
    g.release();
    expect((await tt.store.get(id))?.status).toBe('cancelled');
  });

  it('refuses to cancel a finished job with 409 JOB_ALREADY_FINISHED', async () => {
    const tt = await start();
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await finished(tt, id);
    const res = await tt.app.inject({ method: 'DELETE', url: `/v1/fits/${id}` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'JOB_ALREADY_FINISHED', status: 409 });
  });
});

describe('reports and parameters', () => {
  it('answer 409 JOB_NOT_FINISHED before the job has succeeded', async () => {
    const { app } = await start({ paused: true });
    const { id } = (await post(app, '/v1/fits', smallDocument())).json();
    for (const url of [`/v1/fits/${id}/report`, `/v1/fits/${id}/parameters?format=gulp`]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'JOB_NOT_FINISHED', status: 409, instance: url.split('?')[0] });
    }
  });

  it('render every format through the injected renderers', async () => {
    const tt = await start();
    const { id } = (await post(tt.app, '/v1/fits', example())).json();
    await finished(tt, id);
    const types = { markdown: 'text/markdown', html: 'text/html', csv: 'text/csv', latex: 'application/x-latex', json: 'application/json' };
    for (const [format, type] of Object.entries(types)) {
      const res = await tt.app.inject({ url: `/v1/fits/${id}/report?format=${format}` });
      expect(res.statusCode, format).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.body).toContain('CdSe-WZ');
    }
    expect((await tt.app.inject({ url: `/v1/fits/${id}/report` })).headers['content-type']).toContain('text/markdown');
    for (const format of ['json', 'gulp', 'lammps']) {
      const res = await tt.app.inject({ url: `/v1/fits/${id}/parameters?format=${format}` });
      expect(res.statusCode, format).toBe(200);
      expect(res.body).toContain('Cd-Se.A');
      expect(res.headers['content-disposition']).toContain(`${id}-parameters`);
    }
  });

  it('serve JSON only, and 501 RENDERER_UNAVAILABLE for other formats, without renderers', async () => {
    const tt = await start({ renderers: jsonRenderers });
    const { id } = (await post(tt.app, '/v1/fits', example())).json();
    await finished(tt, id);
    expect((await tt.app.inject({ url: `/v1/fits/${id}/report?format=json` })).json()).toMatchObject({ kind: 'fit' });
    const res = await tt.app.inject({ url: `/v1/fits/${id}/report?format=latex` });
    expect(res.statusCode).toBe(501);
    expect(res.json().code).toBe('RENDERER_UNAVAILABLE');
  });

  it('refuse an unknown format with 400 INVALID_QUERY', async () => {
    const { app } = await start({ paused: true });
    const { id } = (await post(app, '/v1/fits', smallDocument())).json();
    const res = await app.inject({ url: `/v1/fits/${id}/report?format=docx` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_QUERY', path: '/format' });
  });
});

describe('POST /v1/properties', () => {
  it('answers a small document at once with 200 and the finished job', async () => {
    const { app } = await start();
    const res = await post(app, '/v1/properties', smallDocument('quick', 1));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'properties', status: 'succeeded', result: { kind: 'properties' } });
    expect(res.headers.location).toBe(`/v1/properties/${res.json().id}`);
  });

  it('makes a job (202) of a document above the size threshold, with the same sub-routes', async () => {
    const tt = await start({ config: { syncProperties: { maxAtoms: 4, timeoutMs: 2000 } } });
    const res = await post(tt.app, '/v1/properties', smallDocument('big', 1)); // 8 atoms
    expect(res.statusCode).toBe(202);
    const { id, location } = res.json();
    expect(location).toBe(`/v1/properties/${id}`);
    await finished(tt, id);
    expect((await tt.app.inject({ url: `${location}/report?format=csv` })).statusCode).toBe(200);
    expect(parseSse((await tt.app.inject({ url: `${location}/events` })).body).at(-1)).toMatchObject({ data: { status: 'succeeded' } });
  });

  it('falls back to 202 when a small document takes longer than the timeout; the job goes on', async () => {
    const g = gatedTask();
    const tt = await start({ task: g.task, config: { syncProperties: { maxAtoms: 100, timeoutMs: 100 } } });
    const res = await post(tt.app, '/v1/properties', smallDocument('slow', 1));
    expect(res.statusCode).toBe(202);
    g.release();
    expect((await finished(tt, res.json().id)).status).toBe('succeeded');
  });

  it('answers a small document that fails with its problem, status from the catalogue', async () => {
    const { app } = await start();
    const res = await post(app, '/v1/properties', smallDocument('[fail]', 3));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'NUMERICAL_FAILURE', path: '/structures/0', job: expect.stringMatching(/^\/v1\/properties\//) });
  });
});

describe('service routes', () => {
  it('GET /healthz answers ok', async () => {
    const { app } = await start();
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is ready when the store and workers are up, 503 when draining or the store is gone', async () => {
    const tt = await start();
    expect((await tt.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', checks: { store: true, workers: true, accepting: true } });
    tt.app.latticefit.state.draining = true;
    const draining = await tt.app.inject({ url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json().checks.accepting).toBe(false);
    tt.app.latticefit.state.draining = false;
    await tt.store.close();
    expect((await tt.app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'unavailable', checks: { store: false } });
  });

  it('GET /metrics exposes jobs by state, queue depth, job durations and HTTP latency by route and status', async () => {
    const tt = await start();
    const { id } = (await post(tt.app, '/v1/fits', smallDocument())).json();
    await finished(tt, id);
    await tt.app.inject({ url: `/v1/fits/${id}` });
    await tt.app.inject({ url: '/v1/fits/nope' });
    const res = await tt.app.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('latticefit_jobs{status="succeeded"} 1');
    expect(text).toContain('latticefit_queue_depth 0');
    expect(text).toContain('latticefit_workers{state="capacity"} 2');
    expect(text).toContain('latticefit_jobs_submitted_total{kind="fit"} 1');
    expect(text).toMatch(/latticefit_job_duration_seconds_count\{kind="fit",status="succeeded"\} 1/);
    expect(text).toMatch(/latticefit_http_request_duration_seconds_count\{method="GET",route="\/v1\/fits\/:id",status="200"\} 1/);
    expect(text).toMatch(/latticefit_http_request_duration_seconds_count\{method="GET",route="\/v1\/fits\/:id",status="404"\} 1/);
    expect(text).toMatch(/latticefit_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/fits",status="202",le="\+Inf"\} 1/);
    // every sample line is "name{labels} value"
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [-+0-9.eInfNa]+$/);
  });

  it('sets security headers on API responses and a swagger-compatible CSP on /docs', async () => {
    const { app } = await start();
    const api = await app.inject({ url: '/healthz' });
    expect(api.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" });
    expect(api.headers['x-request-id']).toEqual(expect.any(String));
    const docs = await app.inject({ url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await app.inject({ url: '/openapi.json' })).json().openapi).toBe('3.1.0');
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const { app } = await start();
    expect((await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id']).toBe('abc-123');
    expect((await app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\u0000' } })).headers['x-request-id']).not.toBe('a b\u0000');
  });

  it('sends no CORS headers by default, and answers preflights for configured origins', async () => {
    const off = await start();
    const plain = await off.app.inject({ url: '/healthz', headers: { origin: 'https://example.org' } });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    await off.close();
    t = undefined;
    const { app } = await start({ config: { corsOrigins: ['https://example.org'] } });
    const pre = await app.inject({ method: 'OPTIONS', url: '/v1/fits', headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://example.org');
    expect(pre.headers['access-control-allow-headers']).toContain('Idempotency-Key');
    const other = await app.inject({ url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

// keep the fake module referenced (it is the default task of the harness)
void fake;
