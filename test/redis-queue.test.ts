/**
 * The Redis queue in one process: an API-side `RedisJobQueue` and two `RemoteWorker`s, each with
 * its own store connection and its own worker threads running the fake task module, as two
 * machines would. Jobs spread over both workers with their progress reaching the API's event bus;
 * a running job is cancelled on its worker; a crashing job is retried a bounded number of times;
 * a domain failure is final at once; a multi-start fit fans its starts out as child jobs, and
 * cancelling it stops them everywhere; a worker that shuts down hands its job back to the other. Last, a real (small) multi-start fit with the
 * built-in tasks, its starts run as child jobs by both workers. Needs LATTICEFIT_TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { JobEvent } from '../src/jobs/events.js';
import { PiscinaTaskRunner } from '../src/jobs/piscina-runner.js';
import { connectRedis, deleteByPrefix, type RedisSettings } from '../src/jobs/redis-keys.js';
import { RedisJobQueue } from '../src/jobs/redis-queue.js';
import { RedisJobStore } from '../src/jobs/redis-store.js';
import { RemoteWorker } from '../src/jobs/remote-worker.js';
import { requestHash } from '../src/jobs/store.js';
import { isTerminal, type JobRecord } from '../src/jobs/types.js';
import { smallDocument, until } from './helpers/http-harness.js';

const url = process.env.LATTICEFIT_TEST_REDIS_URL;
if (!url) console.warn('redis-queue.test.ts skipped: set LATTICEFIT_TEST_REDIS_URL (e.g. redis://127.0.0.1:6391) to run the Redis queue tests');

const TASKS = new URL('./helpers/fake-tasks.ts', import.meta.url).href;
const logger = pino({ level: 'silent' });
const config = loadConfig({ LATTICEFIT_FAKE_STEP_MS: '40' });
const queueConfig = { attempts: 3, lockDurationMs: 5000, stalledIntervalMs: 2000, retryBackoffMs: 50 };

/**
 * An API-side queue and store on a prefix of their own, and in-process workers. Nothing connects
 * before `start()` (the suites are collected even when skipped).
 */
function cluster(taskModule: string | undefined) {
  const settings: RedisSettings = { url: url ?? '', prefix: `latticefit-test-${randomBytes(4).toString('hex')}` };
  const closers: (() => Promise<unknown>)[] = [];
  const events: JobEvent[] = [];
  const c = {
    store: undefined as unknown as RedisJobStore,
    queue: undefined as unknown as RedisJobQueue,
    events,
    async start(): Promise<void> {
      c.store = new RedisJobStore(settings);
      c.queue = new RedisJobQueue({ redis: settings, store: c.store, logger, attempts: queueConfig.attempts, retryBackoffMs: queueConfig.retryBackoffMs, heartbeatMs: 200, reconcileMs: 0 });
      c.queue.events.subscribeAll((e) => events.push(e));
      await c.queue.start();
    },
    async startWorker(name: string, limits = config.limits): Promise<RemoteWorker> {
      const runner = new PiscinaTaskRunner({ threads: 1, taskModule, cancelGraceMs: 300, logger });
      const startsRunner = new PiscinaTaskRunner({ threads: 1, taskModule, cancelGraceMs: 300, logger });
      await Promise.all([runner.warmUp(), startsRunner.warmUp()]);
      const workerStore = new RedisJobStore(settings);
      const w = new RemoteWorker({
        id: name,
        redis: settings,
        store: workerStore,
        runner,
        startsRunner,
        logger,
        limits,
        progressThrottleMs: 50,
        queue: queueConfig,
        worker: { concurrency: 1, startConcurrency: 1, heartbeatMs: 200, drainMs: 0 },
        startsPollMs: 200,
      });
      await w.start();
      closers.push(async () => {
        await w.close();
        await Promise.all([runner.close(), startsRunner.close(), workerStore.close()]);
      });
      return w;
    },
    async close(): Promise<void> {
      for (const close of closers.reverse()) await close();
      await c.queue?.close();
      await c.store?.close();
      const admin = connectRedis(settings, { name: 'test-admin' });
      await deleteByPrefix(admin, settings.prefix);
      await admin.quit();
    },
    async submit(document: Record<string, unknown>, owner: string | null = null): Promise<string> {
      const name = String(document.name);
      const { job } = await c.store.create({ kind: 'fit', owner, name, document, requestHash: requestHash('fit', document) });
      await c.queue.enqueue(job);
      return job.id;
    },
    finished: (id: string, timeoutMs = 20_000): Promise<JobRecord> =>
      until(async () => {
        const j = await c.store.get(id);
        return j && isTerminal(j.status) ? j : undefined;
      }, timeoutMs, 25),
    eventsOf: (id: string) => events.filter((e) => e.id === id),
  };
  return c;
}

describe.skipIf(!url)('RedisJobQueue with two RemoteWorkers', () => {
  const c = cluster(TASKS);
  const workers: RemoteWorker[] = [];
  beforeAll(async () => {
    process.env.LATTICEFIT_FAKE_STEP_MS = '40';
    await c.start();
    workers.push(await c.startWorker('worker-a'), await c.startWorker('worker-b'));
  });
  afterAll(() => c.close());

  it('runs jobs on both workers; progress and status reach the API through pub/sub; results land in the store', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => c.submit(smallDocument(`batch-${i}`, 5))));
    for (const id of ids) {
      const job = await c.finished(id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, progress: { iteration: 5 } });
      expect(await c.store.getResult(id)).toMatchObject({ kind: 'fit', iterations: 5 });
      const mine = c.eventsOf(id);
      expect(mine.filter((e) => e.type === 'progress').length).toBeGreaterThanOrEqual(2);
      await until(() => c.eventsOf(id).some((e) => e.type === 'status' && e.status === 'succeeded'));
      expect(c.eventsOf(id).filter((e) => e.type === 'status').map((e) => (e as { status: string }).status)).toEqual(['running', 'succeeded']);
    }
    expect(workers.map((w) => w.processed.succeeded ?? 0).every((n) => n >= 1)).toBe(true);
    const details = await c.queue.details();
    expect(details.workers.map((w) => w.id).sort()).toEqual(['worker-a', 'worker-b']);
    expect(details.queues.jobs).toMatchObject({ waiting: 0, active: 0, failed: 0 });
    expect(c.queue.stats().capacity).toBe(2);
  });

  it('cancels a job running on a worker: the task stops at once and the job stays cancelled', async () => {
    const id = await c.submit(smallDocument('cancel me', 200)); // 8 s if not stopped
    await until(async () => (await c.store.get(id))?.progress?.iteration === 2, 10_000);
    const out = await c.queue.cancel(id);
    expect(out).toMatchObject({ changed: true, job: { status: 'cancelled' } });
    await until(() => workers.every((w) => w.busy === 0), 3000); // the task had 7 s to go
    expect(workers.reduce((n, w) => n + (w.processed.cancelled ?? 0), 0)).toBe(1);
    expect(await c.store.get(id)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(await c.store.getResult(id)).toBeUndefined();
  });

  it('retries a job whose worker thread crashes, at most `attempts` times, then fails it with WORKER_CRASHED', async () => {
    const id = await c.submit(smallDocument('[exit] crashes', 5));
    const job = await c.finished(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 3, requeues: 2, error: { code: 'WORKER_CRASHED' }, lastRequeue: { reason: 'requeued for another attempt after a worker crash' } });
    expect(c.eventsOf(id).filter((e) => e.type === 'requeued')).toHaveLength(2);
  });

  it('fails a job at once when the fit itself fails (no retry)', async () => {
    const id = await c.submit(smallDocument('[fail] singular', 5));
    expect(await c.finished(id)).toMatchObject({ status: 'failed', attempts: 1, requeues: 0, error: { code: 'NUMERICAL_FAILURE', path: '/structures/0' } });
  });

  it('fans the starts of a multi-start fit out as child jobs and gathers them in order', async () => {
    const doc = smallDocument('multi-start', 3);
    doc.options = { maxIterations: 3, starts: 6 };
    const id = await c.submit(doc);
    expect(await c.finished(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    const result = (await c.store.getResult(id)) as { starts: number[]; bestStart: number };
    expect(result.starts).toEqual([1000, 1100, 1200, 1300, 1400, 1500].map((a) => (a - 1234) ** 2));
    expect(result.bestStart).toBe(2);
    // the fit held one worker's job thread; the starts ran in the starts pools
    expect(workers.reduce((n, w) => n + w.heartbeat().starts, 0)).toBe(6);
  });

  it('cancelling a multi-start fit stops its running starts on every worker and drops the waiting ones', async () => {
    const doc = smallDocument('multi-start cancelled', 100);
    doc.options = { maxIterations: 100, starts: 6 }; // each start 2 s
    const id = await c.submit(doc);
    await until(() => workers.every((w) => w.heartbeat().startsBusy === 1), 10_000);
    await c.queue.cancel(id);
    await until(() => workers.every((w) => w.busy === 0 && w.heartbeat().startsBusy === 0), 3000);
    expect(await c.store.get(id)).toMatchObject({ status: 'cancelled' });
    expect((await c.queue.details()).queues.starts).toMatchObject({ waiting: 0, active: 0 });
  });

  it('at shutdown a worker hands its running job back and the other worker finishes it', async () => {
    const id = await c.submit(smallDocument('hand back', 40)); // 1.6 s
    const running = await until(async () => {
      const j = await c.store.get(id);
      return j?.status === 'running' && (j.progress?.iteration ?? 0) >= 2 ? j : undefined;
    }, 10_000);
    const owner = workers.find((w) => w.busy > 0)!;
    const other = workers.find((w) => w !== owner)!;
    expect(running.attempts).toBe(1);
    await owner.close();
    // 1.6 s of work: taken at once by the idle worker, not after its 5 s long poll
    const job = await c.finished(id, 4000);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, requeues: 1, lastRequeue: { reason: 'requeued at shutdown' } });
    expect(other.processed.succeeded).toBeGreaterThanOrEqual(1);
    expect(c.eventsOf(id).filter((e) => e.type === 'status' && e.status === 'succeeded')).toHaveLength(1);
  });
});

describe.skipIf(!url)('a real multi-start fit over Redis', () => {
  const c = cluster(undefined);
  const workers: RemoteWorker[] = [];
  beforeAll(async () => {
    await c.start();
    workers.push(...(await Promise.all([c.startWorker('real-a'), c.startWorker('real-b')])));
  }, 60_000);
  afterAll(() => c.close());

  it('fits rock salt with four starts run as child jobs on both workers, and keeps the best', async () => {
    const doc = smallDocument('NaCl multi-start', 20);
    doc.options = { maxIterations: 20, starts: 4 };
    const id = await c.submit(doc);
    const job = await c.finished(id, 60_000);
    expect(job, JSON.stringify(job.error)).toMatchObject({ status: 'succeeded', attempts: 1 });
    const result = (await c.store.getResult(id)) as { multiStart: { starts: number; objectives: (number | null)[]; best: number }; varied: { name: string; final: number }[] };
    expect(result.multiStart.starts).toBe(4);
    expect(result.multiStart.objectives).toHaveLength(4);
    const best = result.multiStart.objectives[result.multiStart.best]!;
    expect(result.multiStart.objectives.filter((o): o is number => typeof o === 'number').every((o) => o >= best)).toBe(true);
    expect(result.varied[0]).toMatchObject({ name: 'Cl-Na.A' });
    expect(workers.reduce((n, w) => n + w.heartbeat().starts, 0)).toBe(4);
  }, 60_000);
});

describe.skipIf(!url)('the per-key limit of running jobs over Redis', () => {
  const c = cluster(TASKS);
  beforeAll(async () => {
    process.env.LATTICEFIT_FAKE_STEP_MS = '40';
    await c.start();
    const limits = { ...config.limits, maxRunningJobsPerKey: 1 };
    await Promise.all([c.startWorker('fair-a', limits), c.startWorker('fair-b', limits)]);
  }, 60_000);
  afterAll(() => c.close());

  it('with maxRunningJobsPerKey = 1 a key holds one of the two workers: another key\'s later job runs beside its first', async () => {
    const a1 = await c.submit(smallDocument('a1', 40), 'key-a'); // 1.6 s
    const a2 = await c.submit(smallDocument('a2', 40), 'key-a');
    const b = await c.submit(smallDocument('b', 40), 'key-b');
    await until(async () => (await c.store.get(b))?.status === 'running', 10_000);
    expect((await c.store.get(a1))?.status).toBe('running');
    expect((await c.store.get(a2))?.status).toBe('queued');
    for (const id of [a1, a2, b]) expect(await c.finished(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  }, 60_000);
});
