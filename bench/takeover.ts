/**
 * Redis mode: how long a SIGKILLed worker's job stays with the dead worker, and what the lock and
 * stalled-check settings cost in Redis traffic.
 *
 *   LATTICEFIT_TEST_REDIS_URL=redis://127.0.0.1:6391 node --import tsx bench/takeover.ts [--lock 5000 --stalled 2500]
 *
 * An API process and two workers (the fake task module: a 60-step fit of 200 ms steps) on a fresh
 * key prefix; with a job running, the Redis commands processed per second (INFO stats, over 10 s,
 * minus an idle Redis's, which this Redis's other users may disturb); then the job's worker is
 * SIGKILLed and the bench reports when the job's status first says its worker was lost
 * (`requeued.reason`) and when it runs again on the other worker (progress moves), both from the
 * kill. Without options: the defaults (LATTICEFIT_LOCK_DURATION_MS, LATTICEFIT_STALLED_INTERVAL_MS).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectRedis, deleteByPrefix } from '../src/jobs/redis-keys.js';
import { killAll, startChild, type Child } from '../test/helpers/child-process.js';
import { smallDocument, until } from '../test/helpers/http-harness.js';

const url = process.env.LATTICEFIT_TEST_REDIS_URL ?? process.env.REDIS_URL;
if (!url) throw new Error('set LATTICEFIT_TEST_REDIS_URL');
const { values } = parseArgs({ options: { lock: { type: 'string' }, stalled: { type: 'string' } } });
const prefix = `latticefit-bench-${randomBytes(4).toString('hex')}`;
const ENV: Record<string, string> = {
  LATTICEFIT_QUEUE: 'redis',
  REDIS_URL: url,
  LATTICEFIT_REDIS_PREFIX: prefix,
  LATTICEFIT_TASK_MODULE: 'test/helpers/fake-tasks.ts',
  LATTICEFIT_FAKE_STEP_MS: '200',
  LATTICEFIT_WORKER_CONCURRENCY: '1',
  LATTICEFIT_RATE_LIMIT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  ...(values.lock ? { LATTICEFIT_LOCK_DURATION_MS: values.lock } : {}),
  ...(values.stalled ? { LATTICEFIT_STALLED_INTERVAL_MS: values.stalled } : {}),
};
const admin = connectRedis({ url, prefix }, { name: 'bench-admin' });
const commands = async (): Promise<number> => Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))![1]);
const rate = async (seconds: number): Promise<number> => {
  const c0 = await commands();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((await commands()) - c0 - 1) / seconds;
};

try {
  const idle = await rate(5);
  const [api, ...workers] = await Promise.all([
    startChild('api', 'src/server.ts', { ...ENV, PORT: '0' }, 'latticefit listening'),
    startChild('worker-1', 'src/worker-server.ts', ENV, 'latticefit worker ready'),
    startChild('worker-2', 'src/worker-server.ts', ENV, 'latticefit worker ready'),
  ]);
  const base = api.ready.url as string;
  const noJobs = await rate(10);
  const res = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(smallDocument('victim', 60)) });
  const { id } = (await res.json()) as { id: string };
  const job = async (): Promise<{ status: string; progress?: { iteration: number }; requeued?: { reason: string } }> => (await (await fetch(`${base}/v1/fits/${id}`)).json()) as never;
  await until(async () => ((await job()).progress?.iteration ?? 0) >= 2, 30_000, 50);
  const oneJob = await rate(10);
  const victim = workers.find((w) => w.logged(id, 'job started').length > 0) as Child;
  const before = (await job()).progress!.iteration;
  const killed = performance.now();
  victim.child.kill('SIGKILL');
  const lostAt = await until(async () => ((await job()).requeued?.reason ? performance.now() - killed : undefined), 120_000, 50);
  const lostStatus = await job();
  // running again: progress beyond where the dead worker left it, on the other worker
  const movedAt = await until(async () => ((await job()).status === 'running' && ((await job()).progress?.iteration ?? 0) > 0 && workers.some((w) => w !== victim && w.logged(id, 'job started').length > 0) ? performance.now() - killed : undefined), 120_000, 50);
  console.log(`settings: lock ${values.lock ?? 'default'} ms, stalled interval ${values.stalled ?? 'default'} ms`);
  console.log(`Redis commands/s: idle Redis ${idle.toFixed(1)}, API + 2 idle workers ${noJobs.toFixed(1)}, one job running ${oneJob.toFixed(1)}`);
  console.log(`killed at iteration ${before}; status says the worker was lost after ${(lostAt / 1000).toFixed(1)} s ("${lostStatus.requeued?.reason}", status ${lostStatus.status}); running again on the other worker after ${(movedAt / 1000).toFixed(1)} s`);
} finally {
  killAll();
  await deleteByPrefix(admin, prefix);
  await admin.quit();
}
