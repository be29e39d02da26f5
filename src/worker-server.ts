/**
 * The worker process of the Redis mode (`latticefit worker`): configuration from the environment
 * (see `src/config.ts`; it always uses Redis, whatever LATTICEFIT_QUEUE says), two pools of worker
 * threads (jobs, and starts of multi-start fits), the `RemoteWorker`, an optional tiny HTTP server
 * with /healthz and /metrics (LATTICEFIT_WORKER_PORT), and signals. SIGTERM / SIGINT stop taking
 * jobs, give running ones LATTICEFIT_WORKER_DRAIN_MS to finish and hand the rest back to the
 * queue (another worker takes them at once); a second signal exits at once — jobs it was running
 * are then recovered by BullMQ's stalled-job check on another worker.
 *
 *   node dist/worker-server.js                 (production, after `npm run build`)
 *   node --import tsx src/worker-server.ts     (development and tests)
 */
import { createLogger, exitOnSignals, runAsMain } from './process.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadConfig, redactRedisUrl, type Config } from './config.js';
import { gauge } from './prometheus.js';
import { PiscinaTaskRunner } from './jobs/piscina-runner.js';
import { RedisJobStore } from './jobs/redis-store.js';
import { RemoteWorker } from './jobs/remote-worker.js';

export interface WorkerProcess {
  worker: RemoteWorker;
  logger: Logger;
  /** Where /healthz and /metrics answer (undefined without LATTICEFIT_WORKER_PORT). */
  url: string | undefined;
  /** Graceful stop (idempotent). */
  shutdown(reason?: string): Promise<void>;
}

/** Prometheus text of one worker process. */
export function workerMetrics(worker: RemoteWorker): string {
  const hb = worker.heartbeat();
  const mem = process.memoryUsage();
  return (
    [
      gauge('latticefit_worker_up', '1 while the worker takes jobs (0 when draining or unhealthy)', [[{}, worker.healthy() ? 1 : 0]]),
      gauge('latticefit_worker_jobs', 'jobs running in this worker process', [
        [{ state: 'busy' }, hb.busy],
        [{ state: 'capacity' }, hb.concurrency],
      ]),
      gauge('latticefit_worker_starts', 'starts of multi-start fits running in this worker process', [
        [{ state: 'busy' }, hb.startsBusy],
        [{ state: 'capacity' }, hb.startConcurrency],
      ]),
      gauge('latticefit_worker_jobs_processed', 'jobs this process has run, by outcome', Object.entries(hb.processed).map(([outcome, n]) => [{ outcome }, n ?? 0])),
      gauge('latticefit_worker_starts_processed', 'starts of multi-start fits this process has run', [[{}, hb.starts]]),
      gauge('process_resident_memory_bytes', 'resident set size', [[{}, mem.rss]]),
      gauge('process_uptime_seconds', 'seconds since the worker started', [[{}, (Date.now() - hb.startedAt) / 1000]]),
    ].join('\n\n') + '\n'
  );
}

/** /healthz and /metrics of the worker `current()` returns (none yet: starting, 503). */
function healthServer(current: () => RemoteWorker | undefined, logger: Logger): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const worker = current();
    if (req.method === 'GET' && path === '/healthz') {
      const ok = worker?.healthy() ?? false;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : worker ? 'unavailable' : 'starting', ...(worker ? { worker: worker.heartbeat() } : {}) }));
    } else if (req.method === 'GET' && path === '/metrics' && worker) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(workerMetrics(worker));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 404, code: 'NOT_FOUND', detail: 'this worker serves GET /healthz and GET /metrics' }));
    }
  }).on('clientError', (err) => logger.debug({ err }, 'bad request to the health server'));
}

export async function createWorkerProcess(config: Config, opts: { logger?: Logger } = {}): Promise<WorkerProcess> {
  const logger = (opts.logger ?? createLogger(config)).child({ role: 'worker' });
  const settings = { url: config.queue.redisUrl, prefix: config.queue.redisPrefix };
  const threads = (n: number, component: string) => new PiscinaTaskRunner({ threads: n, taskModule: config.taskModule, cancelGraceMs: config.cancelGraceMs, logger: logger.child({ component }) });
  const runner = threads(config.worker.concurrency, 'workers');
  const startsRunner = threads(config.worker.startConcurrency, 'start-workers');
  const store = new RedisJobStore(settings);
  let server: Server | undefined;
  let worker: RemoteWorker | undefined;
  let url: string | undefined;
  try {
    await Promise.all([runner.warmUp(), startsRunner.warmUp()]);
    if (config.worker.port !== null) {
      const s = (server = healthServer(() => worker, logger));
      await new Promise<void>((resolve, reject) => s.once('error', reject).listen(config.worker.port!, config.host, resolve));
      const { address, port } = s.address() as AddressInfo;
      url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    }
    worker = new RemoteWorker({
      redis: settings,
      store,
      runner,
      startsRunner,
      logger,
      limits: config.limits,
      progressThrottleMs: config.progressThrottleMs,
      queue: config.queue,
      worker: config.worker,
      ...(url ? { healthUrl: url } : {}),
    });
    await worker.start();
  } catch (err) {
    server?.close();
    await worker?.close().catch(() => undefined);
    await Promise.all([runner.close(), startsRunner.close(), store.close()]);
    throw err;
  }
  logger.info(
    { workerId: worker.id, redis: redactRedisUrl(settings.url), prefix: settings.prefix, concurrency: config.worker.concurrency, startConcurrency: config.worker.startConcurrency, ...(url ? { url } : {}) },
    'latticefit worker ready',
  );

  const started = worker;
  let stopping: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'shutting down the worker');
      await started.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await Promise.all([runner.close(), startsRunner.close()]);
      await store.close();
      logger.info('worker shut down');
    })());
  return { worker: started, logger, url, shutdown };
}

export async function startWorker(config: Config = loadConfig()): Promise<WorkerProcess> {
  const proc = await createWorkerProcess(config);
  exitOnSignals(proc, config.worker.drainMs + config.shutdownTimeoutMs + 5000);
  return proc;
}

runAsMain(import.meta.url, () => startWorker());
