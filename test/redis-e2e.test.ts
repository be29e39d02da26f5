/**
 * Many processes, one Redis: the API server (`src/server.ts`, LATTICEFIT_QUEUE=redis) and two
 * worker processes (`src/worker-server.ts`) as children of the test, running the fake task module
 * with short BullMQ locks (2.5 s) so that a lost worker is noticed within about five seconds.
 *
 * 1. several fits run to completion on both workers; progress reaches GET and the SSE stream;
 *    /metrics shows the queue and the workers seen;
 * 2. a worker SIGKILLed mid-fit: the other worker finishes the job — one attempt more, exactly one
 *    result, one final event;
 * 3. a job running on a worker is cancelled through the API and stops there at once;
 * 4. the API is SIGKILLed while the workers run and started again: every job is there and done,
 *    including one the dead API had stored but not yet enqueued;
 * 5. SIGTERM: a worker hands its job back, the other finishes it, the worker exits 0.
 *
 * Needs LATTICEFIT_TEST_REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteByPrefix } from '../src/jobs/redis-keys.js';
import { RedisJobStore } from '../src/jobs/redis-store.js';
import { requestHash } from '../src/jobs/store.js';
import { killAll, startChild, type Child } from './helpers/child-process.js';
import { parseSse, smallDocument, until } from './helpers/http-harness.js';

const url = process.env.LATTICEFIT_TEST_REDIS_URL;
if (!url) console.warn('redis-e2e.test.ts skipped: set LATTICEFIT_TEST_REDIS_URL (e.g. redis://127.0.0.1:6391) to run the multi-process Redis tests');

const prefix = `latticefit-test-${randomBytes(4).toString('hex')}`;
const ENV: Record<string, string> = {
  LATTICEFIT_QUEUE: 'redis',
  REDIS_URL: url ?? '',
  LATTICEFIT_REDIS_PREFIX: prefix,
  LATTICEFIT_TASK_MODULE: 'test/helpers/fake-tasks.ts',
  LATTICEFIT_FAKE_STEP_MS: '100',
  LATTICEFIT_PROGRESS_THROTTLE_MS: '50',
  LATTICEFIT_LOCK_DURATION_MS: '2500',
  LATTICEFIT_STALLED_INTERVAL_MS: '1000',
  LATTICEFIT_HEARTBEAT_MS: '250',
  LATTICEFIT_RETRY_BACKOFF_MS: '100',
  LATTICEFIT_CANCEL_GRACE_MS: '300',
  LATTICEFIT_WORKER_CONCURRENCY: '1',
  LATTICEFIT_START_CONCURRENCY: '1',
  LATTICEFIT_RATE_LIMIT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};

let workerCount = 0;
const startApi = (): Promise<Child> => startChild('api', 'src/server.ts', { ...ENV, PORT: '0' }, 'latticefit listening');
const startWorker = (): Promise<Child> => startChild(`worker-${++workerCount}`, 'src/worker-server.ts', { ...ENV, LATTICEFIT_WORKER_PORT: '0' }, 'latticefit worker ready');

type Json = Record<string, any>;

describe.skipIf(!url)('API and worker processes over Redis', () => {
  let api: Child;
  let base: string;
  let workers: Child[] = [];

  const submit = async (name: string, iterations: number, extra: Json = {}): Promise<string> => {
    const res = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...smallDocument(name, iterations), ...extra }) });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const getJob = async (id: string): Promise<Json> => (await (await fetch(`${base}/v1/fits/${id}`)).json()) as Json;
  const done = (id: string, timeoutMs = 20_000): Promise<Json> =>
    until(async () => {
      const j = await getJob(id);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    }, timeoutMs, 50);
  /** Collect a job's SSE stream until the server ends it. */
  const stream = async (id: string): Promise<{ event: string; data: Json }[]> => {
    const res = await fetch(`${base}/v1/fits/${id}/events`);
    return parseSse(await res.text()) as { event: string; data: Json }[];
  };
  const ownerOf = (id: string): Child | undefined => workers.find((w) => w.logged(id, 'job started').length > 0 && w.child.exitCode === null);

  beforeAll(async () => {
    [api, ...workers] = await Promise.all([startApi(), startWorker(), startWorker()]);
    base = api.ready.url as string;
  }, 60_000);

  afterAll(async () => {
    killAll();
    const admin = connectRedis({ url: url!, prefix }, { name: 'test-admin' });
    await deleteByPrefix(admin, prefix);
    await admin.quit();
  });

  it('runs several fits to completion on both workers, with progress on GET and SSE, and metrics of the queue and workers', async () => {
    const ids = await Promise.all([0, 1, 2, 3].map((i) => submit(`fit-${i}`, 8)));
    const events = await stream(ids[0]!);
    expect(events[0]!.event).toBe('status');
    expect(events.filter((e) => e.event === 'progress').map((e) => e.data.iteration)).toContain(8);
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { id: ids[0], status: 'succeeded' } });
    for (const id of ids) expect(await done(id)).toMatchObject({ status: 'succeeded', attempts: 1, progress: { iteration: 8 }, result: { kind: 'fit', iterations: 8 } });
    expect(workers.map((w) => w.lines.filter((l) => l.msg === 'job succeeded').length).every((n) => n >= 1)).toBe(true);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('latticefit_workers_seen 2');
    expect(metrics).toContain('latticefit_workers{state="capacity"} 2');
    expect(metrics).toMatch(/latticefit_bullmq_jobs\{queue="jobs",state="waiting"\} 0/);
    expect(metrics).toContain('latticefit_jobs{status="succeeded"} 4');
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const health = (await (await fetch(`${workers[0]!.ready.url as string}/healthz`)).json()) as Json;
    expect(health).toMatchObject({ status: 'ok', worker: { state: 'running', concurrency: 1 } });
    expect(await (await fetch(`${workers[0]!.ready.url as string}/metrics`)).text()).toMatch(/latticefit_worker_jobs_processed\{outcome="succeeded"\} [1-9]/);
  });

  it('a worker killed with SIGKILL mid-fit: the other worker finishes the job, with exactly one result', async () => {
    const id = await submit('victim', 25); // 2.5 s
    const sse = stream(id);
    await until(async () => (await getJob(id)).progress?.iteration >= 3, 10_000);
    const victim = ownerOf(id)!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const job = await done(id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, requeued: { count: 1, reason: 'requeued after its worker was lost' }, result: { iterations: 25 } });
    expect(survivor.logged(id, 'job succeeded')).toHaveLength(1);
    expect(victim.logged(id, 'job succeeded')).toHaveLength(0);
    const events = await sse;
    expect(events.filter((e) => e.event === 'status' && e.data.status === 'succeeded')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'requeued').map((e) => e.data.reason)).toEqual(['requeued after its worker was lost']);
    workers = [survivor, await startWorker()];
  });

  it('cancels a job running on a worker: it stops there at once', async () => {
    const id = await submit('cancel me', 300); // 30 s
    await until(async () => (await getJob(id)).progress?.iteration >= 2, 10_000);
    const owner = ownerOf(id)!;
    const res = await fetch(`${base}/v1/fits/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).status).toBe('cancelled');
    await until(() => owner.logged(id, 'job cancelled while running; task stopped').length > 0, 3000, 20); // 28 s to go
    expect(await getJob(id)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect((await stream(id)).map((e) => e.data.status)).toEqual(['cancelled']);
  });

  it('the API is killed while workers run and restarted: nothing is lost', async () => {
    const ids = await Promise.all(['during-1', 'during-2', 'during-3'].map((n) => submit(n, 15)));
    api.child.kill('SIGKILL');
    await api.exited;
    // the dead API had stored this job but not enqueued it yet
    const store = new RedisJobStore({ url: url!, prefix });
    const doc = smallDocument('stored, never enqueued', 3);
    const orphan = (await store.create({ kind: 'fit', owner: null, name: 'orphan', document: doc, requestHash: requestHash('fit', doc) })).job.id;
    // the workers go on without any API
    await until(async () => (await store.get(ids[0]!))?.status === 'succeeded', 15_000, 50);
    await store.close();

    api = await startApi();
    base = api.ready.url as string;
    expect(api.lines.find((l) => l.msg === 'jobs the queue did not know were enqueued again')).toMatchObject({ enqueued: 1, requeued: 0 });
    for (const id of [...ids, orphan]) expect(await done(id)).toMatchObject({ status: 'succeeded', attempts: 1, result: { kind: 'fit' } });
    const later = await submit('after the restart', 3);
    expect(await done(later)).toMatchObject({ status: 'succeeded' });
    const list = (await (await fetch(`${base}/v1/fits?limit=100`)).json()) as { items: { id: string }[] };
    expect(list.items.map((j) => j.id)).toEqual(expect.arrayContaining([...ids, orphan, later]));
  });

  it('SIGTERM: a worker hands its running job back to the queue, the other finishes it, and it exits 0', async () => {
    const id = await submit('hand back', 25);
    await until(async () => (await getJob(id)).progress?.iteration >= 2, 10_000);
    const owner = ownerOf(id)!;
    owner.child.kill('SIGTERM');
    expect(await owner.exited).toBe(0);
    expect(owner.lines.some((l) => l.msg === 'worker shut down')).toBe(true);
    expect(await done(id)).toMatchObject({ status: 'succeeded', attempts: 2, requeued: { reason: 'requeued at shutdown' } });
  });
});
