/**
 * End to end: the real service (SQLite store in a temporary directory, worker threads, fastify
 * listening on 127.0.0.1 with a free port), driven over HTTP with fetch: submit the reference
 * example, stream its events to the end, fetch the job and every report and parameter format.
 *
 * With the fake task module always; with the real tasks (`src/workflows/tasks.ts`) once the library
 * behind them loads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import { readEventStream, until } from './helpers/http-harness.js';

const EXAMPLE = readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8');
const FAKE_TASKS = fileURLToPath(new URL('./helpers/fake-tasks.ts', import.meta.url));
const realTasks = await import('../src/workflows/tasks.js').catch(() => undefined);

interface E2eOptions {
  stepMs: number;
  renderers: boolean;
  timeoutMs: number;
  document: string;
  /** A document that runs for seconds (to walk away from its stream); the test is skipped without. */
  slowDocument?: string;
  /** A multi-start fit: its starts run on the embedded starts pool (jobs/pool-starts.ts). */
  multiStartDocument?: { document: string; starts: number };
}

function e2e(label: string, taskModule: string | undefined, opts: E2eOptions) {
  describe(label, () => {
    let dir: string;
    let service: Service;
    let base: string;

    beforeAll(async () => {
      process.env.LATTICEFIT_FAKE_STEP_MS = String(opts.stepMs);
      dir = mkdtempSync(join(tmpdir(), 'latticefit-e2e-'));
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LATTICEFIT_DATA_DIR: dir,
        LATTICEFIT_WORKERS: '2',
        LATTICEFIT_PROGRESS_THROTTLE_MS: '50',
        LOG_LEVEL: 'silent',
        ...(taskModule ? { LATTICEFIT_TASK_MODULE: taskModule } : {}),
      });
      service = await createService(config);
      base = await service.listen();
    }, 60_000);

    afterAll(async () => {
      await service?.shutdown('test done');
      rmSync(dir, { recursive: true, force: true });
    });

    it('fits the reference example: submit, stream events to the end, fetch the job and every format', async () => {
      const submitted = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: opts.document });
      expect(submitted.status).toBe(202);
      const { id, location } = (await submitted.json()) as { id: string; location: string };
      expect(submitted.headers.get('location')).toBe(location);

      const events = await readEventStream(`${base}${location}/events`);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ event: 'status', data: { id, status: 'succeeded' } });
      expect(events[0]!.event).toBe('status');
      const progress = events.filter((e) => e.event === 'progress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((e) => typeof e.data.iteration === 'number' && typeof e.data.elapsedMs === 'number')).toBe(true);

      const job = (await (await fetch(`${base}${location}`)).json()) as Record<string, unknown>;
      expect(job).toMatchObject({ id, kind: 'fit', status: 'succeeded', attempts: 1 });
      expect(job.result).toBeDefined();
      expect(job.timings).toMatchObject({ finishedAt: expect.any(String), runMs: expect.any(Number) });

      const formats = opts.renderers ? ['markdown', 'html', 'csv', 'latex', 'json'] : ['json'];
      for (const format of formats) {
        const res = await fetch(`${base}${location}/report?format=${format}`);
        expect(res.status, format).toBe(200);
        expect((await res.text()).length, format).toBeGreaterThan(0);
      }
      for (const format of opts.renderers ? ['json', 'gulp', 'lammps'] : []) {
        const res = await fetch(`${base}${location}/parameters?format=${format}`);
        expect(res.status, format).toBe(200);
        expect(await res.text(), format).toMatch(format === 'json' ? /Cd-Se/ : /Cd\b.*Se\b/);
      }
    }, opts.timeoutMs);

    it.skipIf(!opts.slowDocument)('stops streaming to a client that went away', async () => {
      const submitted = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: opts.slowDocument });
      const { id, location } = (await submitted.json()) as { id: string; location: string };
      const ac = new AbortController();
      const res = await fetch(`${base}${location}/events`, { signal: ac.signal });
      const reader = res.body!.getReader();
      await reader.read();
      expect(service.queue.events.listenerCount(id)).toBe(1);
      ac.abort();
      await until(() => service.queue.events.listenerCount(id) === 0);
      await fetch(`${base}${location}`, { method: 'DELETE' });
    });

    it.skipIf(!opts.multiStartDocument)('runs a multi-start fit, its starts on the starts pool', async () => {
      const { document, starts } = opts.multiStartDocument!;
      const submitted = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: document });
      expect(submitted.status).toBe(202);
      const { id, location } = (await submitted.json()) as { id: string; location: string };
      const events = await readEventStream(`${base}${location}/events`);
      expect(events.at(-1)).toMatchObject({ event: 'status', data: { id, status: 'succeeded' } });
      const job = (await (await fetch(`${base}${location}`)).json()) as { result: { multiStart?: { starts: number; failed: number; objectives: number[] } } };
      expect(job.result.multiStart).toMatchObject({ starts, failed: 0 });
      expect(job.result.multiStart!.objectives).toHaveLength(starts);
      expect(job.result.multiStart!.objectives.every(Number.isFinite)).toBe(true);
    }, opts.timeoutMs);

    it('serves health, readiness, metrics, the OpenAPI document and the docs page', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready', checks: { store: true, workers: true, accepting: true } });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('latticefit_workers{state="capacity"} 2');
      expect(((await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string }).openapi).toBe('3.1.0');
      const docs = await fetch(`${base}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui');
    });
  });
}

e2e('end to end with the fake task module', FAKE_TASKS, {
  stepMs: 100,
  renderers: true,
  timeoutMs: 30_000,
  document: EXAMPLE,
  slowDocument: JSON.stringify({ ...JSON.parse(EXAMPLE), name: 'walk away', options: { maxIterations: 600 } }),
});

describe.skipIf(!realTasks)('with the real tasks', () => {
  e2e('end to end with src/workflows/tasks.ts', undefined, {
    stepMs: 0,
    renderers: typeof (realTasks as { renderReport?: unknown } | undefined)?.renderReport === 'function',
    timeoutMs: 600_000,
    // the reference example, with the iterations capped so that CI stays quick once real fits run
    document: JSON.stringify({ ...JSON.parse(EXAMPLE), options: { ...JSON.parse(EXAMPLE).options, maxIterations: 2 } }),
    multiStartDocument: { document: JSON.stringify({ ...JSON.parse(EXAMPLE), name: 'multi-start', options: { ...JSON.parse(EXAMPLE).options, maxIterations: 1, starts: 3, seed: 7 } }), starts: 3 },
  });
});
