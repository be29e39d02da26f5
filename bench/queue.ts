/**
 * The Redis queue against the embedded one: the same batch of short fits (the reference example,
 * fixtures/pbcdse-fit.json, capped at 2 iterations: about 0.35 s each once warm) through
 *
 *   embedded, 1 thread        embedded, 2 threads        (SQLite, this process's worker threads)
 *   redis, 1 worker process   redis, 2 worker processes  (API here; `src/worker-server.ts` children)
 *
 * and prints wall time, throughput, the mean run time of a fit (inside its task), and two measures
 * of what the queue costs:
 * - overhead per fit in the batch: the slot time (wall × slots) not spent inside a task, per fit —
 *   dispatch, claim, store writes, events, and the idle tail of the batch;
 * - latency of a lone fit: submit one fit to an idle queue and wait for its final event, minus its
 *   run time (median of 5): the round trip through HTTP, the store, the queue and the events.
 * Each configuration first runs 2 × slots fits untimed, so that every thread or process is warm
 * (JIT, caches). Fits are submitted over HTTP and their ends are heard on the queue's event bus
 * (pub/sub in Redis mode), as SSE clients hear them.
 *
 *   node --import tsx bench/queue.ts [--jobs 8] [--iterations 2] [--redis redis://127.0.0.1:6391]
 *
 * Redis: --redis, else LATTICEFIT_TEST_REDIS_URL, else REDIS_URL, else redis://127.0.0.1:6379.
 * Keys live under a fresh prefix, deleted at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import { connectRedis, deleteByPrefix } from '../src/jobs/redis-keys.js';
import type { JobRecord } from '../src/jobs/types.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '8' },
    iterations: { type: 'string', default: '2' },
    redis: { type: 'string' },
  },
});
const N = Number(values.jobs);
const redisUrl = values.redis ?? process.env.LATTICEFIT_TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const example = JSON.parse(readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8')) as { options?: Record<string, unknown> };
const document = (i: number) => ({ ...example, name: `bench-${i}`, options: { ...example.options, maxIterations: Number(values.iterations), starts: 1 } });

interface Row {
  mode: string;
  slots: number;
  wallMs: number;
  runMs: number[];
  /** Lone fits: total − run, ms. */
  loneOverheadMs: number[];
}

/** Submit `n` fits, resolve when all have ended; the jobs as stored. */
async function batch(service: Service, base: string, n: number, tag: string): Promise<{ wallMs: number; jobs: JobRecord[] }> {
  const pending = new Set<string>();
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const ended = new Set<string>();
  const off = service.queue.events.subscribeAll((e) => {
    if (e.type !== 'status' || !['succeeded', 'failed', 'cancelled'].includes(e.status)) return;
    if (e.status !== 'succeeded') console.error(`  ${e.id} ${e.status}: ${JSON.stringify(e.job.error)}`);
    ended.add(e.id);
    if ([...pending].every((id) => ended.has(id)) && pending.size === n) resolveAll();
  });
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document(i)) });
      if (res.status !== 202) throw new Error(`submit ${tag}: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      pending.add(id);
      return id;
    }),
  );
  if (ids.every((id) => ended.has(id))) resolveAll();
  await allDone;
  const wallMs = performance.now() - t0;
  off();
  const jobs = (await Promise.all(ids.map((id) => service.store.get(id)))) as JobRecord[];
  return { wallMs, jobs };
}

async function measure(mode: string, slots: number, service: Service, base: string): Promise<Row> {
  await batch(service, base, 2 * slots, `${mode} warm-up`);
  const { wallMs, jobs } = await batch(service, base, N, mode);
  const bad = jobs.filter((j) => j.status !== 'succeeded');
  if (bad.length) throw new Error(`${mode}: ${bad.length} fits did not succeed: ${JSON.stringify(bad[0]?.error)}`);
  const loneOverheadMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const lone = await batch(service, base, 1, `${mode} lone`);
    const j = lone.jobs[0]!;
    loneOverheadMs.push(lone.wallMs - (j.finishedAt! - j.startedAt!));
  }
  const row = { mode, slots, wallMs, runMs: jobs.map((j) => j.finishedAt! - j.startedAt!), loneOverheadMs };
  console.error(`  ${mode}: ${(wallMs / 1000).toFixed(2)} s; runs ${row.runMs.join(' ')} ms; lone-fit overheads ${loneOverheadMs.map((x) => x.toFixed(1)).join(' ')} ms`);
  return row;
}

const common = { PORT: '0', HOST: '127.0.0.1', LATTICEFIT_RATE_LIMIT: '0', LOG_LEVEL: 'warn', LATTICEFIT_PROGRESS_THROTTLE_MS: '500' };

async function embedded(threads: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'latticefit-bench-queue-'));
  const service = await createService(loadConfig({ ...common, LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: String(threads) }));
  try {
    return await measure(`embedded, ${threads} thread${threads > 1 ? 's' : ''}`, threads, service, await service.listen());
  } finally {
    await service.shutdown('bench done');
    rmSync(dir, { recursive: true, force: true });
  }
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-server.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('"latticefit worker ready"')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function redis(workers: number): Promise<Row> {
  const prefix = `latticefit-bench-${randomBytes(4).toString('hex')}`;
  const env = { ...common, LATTICEFIT_QUEUE: 'redis', REDIS_URL: redisUrl, LATTICEFIT_REDIS_PREFIX: prefix };
  const service = await createService(loadConfig(env));
  const children = await Promise.all(Array.from({ length: workers }, () => startWorker({ ...env, LOG_LEVEL: 'info', LATTICEFIT_WORKER_CONCURRENCY: '1', LATTICEFIT_START_CONCURRENCY: '1' })));
  try {
    return await measure(`redis, ${workers} worker process${workers > 1 ? 'es' : ''}`, workers, service, await service.listen());
  } finally {
    await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))));
    await service.shutdown('bench done');
    const admin = connectRedis({ url: redisUrl, prefix }, { name: 'bench-admin' });
    await deleteByPrefix(admin, prefix);
    await admin.quit();
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

// is Redis there?
const probe = connectRedis({ url: redisUrl, prefix: 'x' }, { name: 'bench-probe' });
const reachable = await Promise.race([probe.ping().then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
probe.disconnect();
if (!reachable) {
  console.error(`no Redis at ${redisUrl}: start one (redis-server --port 6391 --save '' --appendonly no --daemonize yes) and pass --redis redis://127.0.0.1:6391`);
  process.exit(1);
}

console.error(`${N} fits of ${values.iterations} iterations each (fixtures/pbcdse-fit.json, 8 structures); Redis at ${redisUrl}`);
const rows: Row[] = [];
for (const run of [() => embedded(1), () => embedded(2), () => redis(1), () => redis(2)]) rows.push(await run());

const fmt = (x: number, d = 0): string => x.toFixed(d);
const perFit = (r: Row): number => (r.wallMs * r.slots - sum(r.runMs)) / N;
const lines = [
  '| mode | slots | wall (s) | throughput (fits/min) | mean run of a fit (ms) | overhead per fit in the batch (ms) | latency of a lone fit beyond its run (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.mode} | ${r.slots} | ${fmt(r.wallMs / 1000, 2)} | ${fmt((N / r.wallMs) * 60_000, 1)} | ${fmt(mean(r.runMs))} | ${fmt(perFit(r), 1)} | ${fmt(median(r.loneOverheadMs), 1)} |`),
];
console.log(lines.join('\n'));
const by = (mode: string) => rows.find((r) => r.mode.startsWith(mode))!;
console.log(
  `\nRedis against embedded, per fit: ${fmt(perFit(by('redis, 1')) - perFit(by('embedded, 1')), 1)} ms (one slot), ${fmt(perFit(by('redis, 2')) - perFit(by('embedded, 2')), 1)} ms (two slots) in the batch; ` +
    `${fmt(median(by('redis, 1').loneOverheadMs) - median(by('embedded, 1').loneOverheadMs), 1)} ms on a lone fit. ` +
    `Two worker processes run the batch ${fmt(by('redis, 1').wallMs / by('redis, 2').wallMs, 2)}× as fast as one (embedded: two threads ${fmt(by('embedded, 1').wallMs / by('embedded, 2').wallMs, 2)}× one).`,
);
