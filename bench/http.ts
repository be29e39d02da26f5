/**
 * HTTP latency under load: GET /v1/fits/{id} hammered by autocannon from a second process while
 * fits keep every worker thread busy. Shows that tasks do not run on the event loop: the status
 * route answers at the same speed with idle and with busy workers.
 *
 *   node --import tsx bench/http.ts [--connections 50] [--seconds 10] [--workers N] [--tasks fake|real]
 *
 * The service runs in this process (SQLite in a temporary directory, LATTICEFIT_WORKERS threads,
 * rate limit off, LOG_LEVEL warn unless set). `--tasks fake` (default) keeps the workers busy with
 * CPU-bound fake fits (test/helpers/fake-tasks.ts, 60 s each, cancelled at the end); `--tasks
 * real` submits the reference example (fixtures/pbcdse-fit.json) to the real tasks, enough to
 * occupy every worker.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createService } from '../src/service.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string' },
    tasks: { type: 'string', default: 'fake' },
  },
});
const fakeTasks = values.tasks === 'fake';
const dir = mkdtempSync(join(tmpdir(), 'latticefit-bench-'));
process.env.LATTICEFIT_FAKE_STEP_MS = '100';

const config = loadConfig({
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  LATTICEFIT_DATA_DIR: dir,
  LATTICEFIT_RATE_LIMIT: '0',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  ...(values.workers ? { LATTICEFIT_WORKERS: values.workers } : {}),
  ...(fakeTasks ? { LATTICEFIT_TASK_MODULE: fileURLToPath(new URL('../test/helpers/fake-tasks.ts', import.meta.url)) } : {}),
});

const example = JSON.parse(readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const service = await createService(config);
const base = await service.listen();

const post = async (doc: unknown): Promise<string> => {
  const res = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
};
const metric = async (name: string): Promise<string[]> => (await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => l.startsWith(name));

interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}

/** autocannon in a child process, JSON result. */
function autocannon(url: string, seconds = values.seconds!): Promise<AutocannonResult> {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '-c', values.connections!, '-d', seconds, '-j', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as AutocannonResult) : reject(new Error(`autocannon exited ${code}`))));
  });
}

const report = (label: string, r: AutocannonResult, busy: string): void => {
  console.log(
    `${label.padEnd(28)} p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   max ${String(r.latency.max).padStart(5)} ms   ${Math.round(r.requests.average).toString().padStart(6)} req/s   non-2xx ${r.non2xx}   workers busy ${busy}`,
  );
};

try {
  const target = await post({ ...example, name: 'bench target', ...(fakeTasks ? { options: { ...(example.options as object), maxIterations: 1 } } : {}) });
  // wait for the target to finish so the GET returns a full result document
  for (let i = 0; i < 600; i++) {
    const s = ((await (await fetch(`${base}/v1/fits/${target}`)).json()) as { status: string }).status;
    if (s === 'succeeded' || s === 'failed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `${base}/v1/fits/${target}`;
  console.log(`latticefit HTTP bench: GET /v1/fits/{id}, ${values.connections} connections, ${values.seconds} s, ${config.workers} worker thread(s), ${values.tasks} tasks`);

  await autocannon(url, '2'); // warm-up (JIT), not reported
  const idle = await autocannon(url);
  report('idle workers', idle, (await metric('latticefit_workers{state="busy"}'))[0]?.split(' ')[1] ?? '?');

  // keep every worker busy (and some jobs queued behind them)
  const load: string[] = [];
  for (let i = 0; i < config.workers * 2; i++) load.push(await post({ ...example, name: `load ${i}`, ...(fakeTasks ? { options: { ...(example.options as object), maxIterations: 600 } } : {}) }));
  for (let i = 0; i < 100 && service.queue.stats().busy < config.workers; i++) await new Promise((r) => setTimeout(r, 50));
  const busyBefore = service.queue.stats().busy;
  const busy = await autocannon(url);
  report('all workers busy', busy, `${busyBefore}→${service.queue.stats().busy} of ${config.workers}`);
  console.log((await metric('nodejs_eventloop_delay_seconds')).join('\n'));
  for (const id of load) await fetch(`${base}/v1/fits/${id}`, { method: 'DELETE' });
} finally {
  await service.shutdown('bench done');
  rmSync(dir, { recursive: true, force: true });
}
