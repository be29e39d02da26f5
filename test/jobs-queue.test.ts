/**
 * The embedded queue over real worker threads (piscina) running the fake task module written in
 * TypeScript: jobs run off the event loop, report progress, fail with their code and path, stop
 * promptly when cancelled (cooperatively, or by terminating a thread that ignores its signal),
 * respect the wall-time and iteration limits, and go back to the queue at shutdown and restart.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ServiceLimits } from '../src/config.js';
import { EmbeddedJobQueue } from '../src/jobs/embedded-queue.js';
import type { JobEvent } from '../src/jobs/events.js';
import { MemoryJobStore } from '../src/jobs/memory-store.js';
import { PiscinaTaskRunner } from '../src/jobs/piscina-runner.js';
import { requestHash } from '../src/jobs/store.js';
import { smallDocument, until } from './helpers/http-harness.js';

const TASKS = new URL('./helpers/fake-tasks.ts', import.meta.url).href;
const logger = pino({ level: 'silent' });
const limits = (over: Partial<ServiceLimits> = {}): ServiceLimits => ({ ...loadConfig({}).limits, ...over });

let runner: PiscinaTaskRunner;
beforeAll(async () => {
  process.env.LATTICEFIT_FAKE_STEP_MS = '40';
  runner = new PiscinaTaskRunner({ threads: 2, taskModule: TASKS, cancelGraceMs: 300, logger });
  await runner.warmUp();
});
afterAll(async () => {
  await runner.close();
});

function setup(over: Partial<ServiceLimits> = {}) {
  const store = new MemoryJobStore();
  const queue = new EmbeddedJobQueue({ store, runner, logger, limits: limits(over), progressThrottleMs: 100, pollMs: 0 });
  const events: JobEvent[] = [];
  queue.events.subscribeAll((e) => events.push(e));
  const submit = async (name: string, iterations: number, owner: string | null = null) => {
    const document = smallDocument(name, iterations);
    const { job } = await store.create({ kind: 'fit', owner, name, document, requestHash: requestHash('fit', document) });
    await queue.enqueue(job);
    return job.id;
  };
  const finished = (id: string) => until(async () => {
    const j = await store.get(id);
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
  }, 20_000);
  return { store, queue, events, submit, finished };
}

describe('EmbeddedJobQueue with worker threads', () => {
  it('one API key with maxRunningJobsPerKey = 1 holds one of the two threads: another key\'s later job runs beside it', async () => {
    const { store, queue, submit, finished } = setup({ maxRunningJobsPerKey: 1 });
    const a1 = await submit('a1', 10, 'key-a');
    const a2 = await submit('a2', 10, 'key-a');
    const b = await submit('b', 10, 'key-b');
    await queue.start();
    await until(async () => (await store.get(b))?.status === 'running');
    expect((await store.get(a1))?.status).toBe('running');
    expect((await store.get(a2))?.status).toBe('queued');
    // a2 runs once a1 has ended
    expect((await finished(a1)).status).toBe('succeeded');
    expect((await finished(a2)).status).toBe('succeeded');
    expect((await finished(b)).status).toBe('succeeded');
    await queue.close({ timeoutMs: 2000 });
  });

  it('runs a TypeScript task in a worker and stores its result and last progress', async () => {
    const { store, queue, submit, finished, events } = setup();
    await queue.start();
    const id = await submit('ok', 4);
    const job = await finished(id);
    expect(job.status).toBe('succeeded');
    expect(job.progress).toMatchObject({ iteration: 4, stage: 'fit' });
    expect(await store.getResult(id)).toMatchObject({ kind: 'fit', iterations: 4 });
    const progress = events.filter((e) => e.type === 'progress' && e.id === id);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status)).toEqual(['running', 'succeeded']);
    await queue.close();
  });

  it('keeps the event loop free while a task computes', async () => {
    const { queue, submit, finished } = setup();
    await queue.start();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const id = await submit('busy', 20); // ~0.8 s of busy CPU in the worker
    await finished(id);
    clearInterval(timer);
    // a blocked loop would tick about once; a free one ticks every 10 ms or so
    expect(ticks).toBeGreaterThan(10);
    await queue.close();
  });

  it('fails a job with the code, message and path the task threw', async () => {
    const { queue, submit, finished } = setup();
    await queue.start();
    const job = await finished(await submit('[fail]', 5));
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({ code: 'NUMERICAL_FAILURE', message: 'the Hessian of CdSe-RS is singular', path: '/structures/0', structure: 'NaCl-RS' });
    await queue.close();
  });

  it('fails an unexpected exception as INTERNAL_ERROR without leaking its message', async () => {
    const { queue, submit, finished } = setup();
    await queue.start();
    const job = await finished(await submit('[crash]', 5));
    expect(job.error).toEqual({ code: 'INTERNAL_ERROR', message: 'the task failed with an unexpected error' });
    await queue.close();
  });

  it('stops a running task through its own signal when cancelled, without killing the thread', async () => {
    const { store, queue, submit, finished } = setup();
    await queue.start();
    await until(() => runner.threadIds().length === 2);
    const threads = runner.threadIds();
    const id = await submit('long', 500); // 20 s if not stopped
    await until(async () => (await store.get(id))?.progress?.iteration);
    await queue.cancel(id);
    await until(() => queue.stats().busy === 0);
    expect((await finished(id)).status).toBe('cancelled');
    expect(runner.threadIds()).toEqual(threads);
    await queue.close();
  });

  it('terminates the thread of a task that ignores its signal after the grace period', async () => {
    const { store, queue, submit, finished } = setup();
    await queue.start();
    await until(() => runner.threadIds().length === 2);
    const threads = runner.threadIds();
    const id = await submit('[deaf]', 500); // 20 s if not stopped
    await until(async () => (await store.get(id))?.progress?.iteration);
    await queue.cancel(id);
    await until(() => queue.stats().busy === 0, 5000);
    expect((await store.get(id))?.status).toBe('cancelled');
    await until(() => runner.threadIds().length === 2, 5000);
    expect(runner.threadIds()).not.toEqual(threads);
    // the pool replaced the thread and still runs jobs
    expect((await finished(await submit('after', 2))).status).toBe('succeeded');
    await queue.close();
  });

  it('fails a job that exceeds the wall-time limit with LIMIT_EXCEEDED', async () => {
    const { queue, submit, finished } = setup({ maxWallTimeMs: 300 });
    await queue.start();
    const job = await finished(await submit('slow', 500));
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('LIMIT_EXCEEDED');
    expect(job.error?.message).toMatch(/wall-time limit of 300 ms/);
    await queue.close();
  });

  it('fails a job that reports more iterations than the limit with LIMIT_EXCEEDED', async () => {
    const { queue, submit, finished } = setup({ maxIterations: 3 });
    await queue.start();
    const job = await finished(await submit('many', 10));
    expect(job.error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(job.error?.message).toMatch(/above the limit of 3/);
    await queue.close();
  });

  it('runs at most as many jobs as threads; the rest wait queued', async () => {
    const { store, queue, submit, finished } = setup();
    await queue.start();
    const ids = [await submit('a', 10), await submit('b', 10), await submit('c', 10)];
    await until(() => queue.stats().busy === 2);
    expect((await store.countByStatus()).queued).toBe(1);
    for (const id of ids) expect((await finished(id)).status).toBe('succeeded');
    await queue.close();
  });

  it('puts running jobs back to the queue at shutdown, saying why', async () => {
    const { store, queue, submit, events } = setup();
    await queue.start();
    const id = await submit('long', 500);
    await until(async () => (await store.get(id))?.status === 'running');
    await queue.close({ timeoutMs: 5000 });
    expect(await store.get(id)).toMatchObject({ status: 'queued', requeues: 1, lastRequeue: { reason: 'requeued at shutdown' } });
    expect(events.some((e) => e.type === 'requeued' && e.id === id)).toBe(true);
  });

  it('requeues jobs left running by a previous process at start, and runs them to the end', async () => {
    const store = new MemoryJobStore();
    const document = smallDocument('interrupted', 3);
    const { job } = await store.create({ kind: 'fit', owner: null, name: 'x', document, requestHash: 'h' });
    await store.claimNext(); // a crashed process left it running
    const queue = new EmbeddedJobQueue({ store, runner, logger, limits: limits(), progressThrottleMs: 100, pollMs: 0 });
    const { requeued } = await queue.start();
    expect(requeued.map((j) => j.id)).toEqual([job.id]);
    const done = await until(async () => {
      const j = await store.get(job.id);
      return j?.status === 'succeeded' ? j : undefined;
    });
    expect(done).toMatchObject({ attempts: 2, requeues: 1, lastRequeue: { reason: 'requeued after restart' } });
    await queue.close();
  });
});
