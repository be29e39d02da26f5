/**
 * The composition root of the service: the service assembled from its production parts: SQLite store, worker-thread runner, embedded
 * queue, fastify app. `server.ts` and `latticefit serve` call `createService(config)` and
 * `listen()`; the end-to-end test does the same in-process.
 *
 * With `LATTICEFIT_QUEUE=redis` the parts are the Redis store and the Redis queue instead, and no
 * task runs in this process (`latticefit worker` processes run them): no worker threads, no data
 * directory. Start-up subscribes to the job events and reconciles the store with BullMQ; shutdown
 * leaves running jobs alone (they run elsewhere) and only disconnects.
 *
 * Start-up: load the task module (main thread: validation and renderers), start the workers and
 * load the task module in them (a broken module fails here, not at the first job), lock the data
 * directory (one server per directory), open the store (migrations), build the app, then start
 * the queue, which first puts jobs left `running` by a previous process back to `queued`
 * ("requeued after restart").
 *
 * Shutdown (SIGTERM/SIGINT): new jobs are refused with 503 and /readyz fails; running tasks are
 * aborted and their jobs put back to `queued`; event streams end (clients reconnect); in-flight
 * requests finish; the workers stop; the store closes.
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { createLogger } from './process.js';
import { redactRedisUrl, type Config } from './config.js';
import { lockDataDir } from './jobs/data-dir-lock.js';
import { EmbeddedJobQueue } from './jobs/embedded-queue.js';
import type { JobEventBus } from './jobs/events.js';
import { PiscinaTaskRunner } from './jobs/piscina-runner.js';
import { poolStarts } from './jobs/pool-starts.js';
import type { JobQueue } from './jobs/queue.js';
import { RedisJobQueue } from './jobs/redis-queue.js';
import { RedisJobStore } from './jobs/redis-store.js';
import { SqliteJobStore } from './jobs/sqlite-store.js';
import type { JobStore } from './jobs/store.js';
import { loadTaskModule, type TaskModule } from './jobs/task-module.js';
import { buildApp, type App } from './http/app.js';
import { ValidationPool } from './jobs/validation-pool.js';
import type { ServiceState } from './http/context.js';
import { renderersFrom } from './http/renderers.js';

export { createLogger };

export interface Service {
  app: App;
  config: Config;
  logger: Logger;
  store: JobStore;
  queue: JobQueue & { readonly events: JobEventBus };
  /** The worker threads (embedded mode only). */
  runner?: PiscinaTaskRunner;
  /** Listen on config.host:config.port; resolves with the URL. */
  listen(): Promise<string>;
  /** Graceful shutdown (idempotent). */
  shutdown(reason?: string): Promise<void>;
}

export async function createService(config: Config, opts: { logger?: Logger } = {}): Promise<Service> {
  const logger = opts.logger ?? createLogger(config);
  const tasks = await loadTaskModule(config.taskModule);
  const checker = new ValidationPool({ taskModule: config.taskModule, timeoutMs: config.validationTimeoutMs, logger: logger.child({ component: 'validation' }) });
  try {
    await checker.warmUp();
  } catch (err) {
    await checker.close();
    throw err;
  }
  try {
    return config.queue.backend === 'redis' ? await createRedisService(config, logger, tasks, checker) : await createEmbeddedService(config, logger, tasks, checker);
  } catch (err) {
    await checker.close();
    throw err;
  }
}

/** The embedded mode: SQLite store, jobs in this process's worker threads. */
async function createEmbeddedService(config: Config, logger: Logger, tasks: TaskModule, checker: ValidationPool): Promise<Service> {
  const runner = new PiscinaTaskRunner({ threads: config.workers, taskModule: config.taskModule, cancelGraceMs: config.cancelGraceMs, logger: logger.child({ component: 'workers' }) });
  try {
    await runner.warmUp();
  } catch (err) {
    await runner.close();
    throw err;
  }
  // the starts of multi-start fits: a pool apart from the jobs' (jobs/pool-starts.ts), as many
  // threads as the jobs' at most, started when starts come and ended after a minute idle
  const startsRunner = new PiscinaTaskRunner({ threads: config.workers, minThreads: 0, taskModule: config.taskModule, cancelGraceMs: config.cancelGraceMs, logger: logger.child({ component: 'start-workers' }) });
  const closeRunners = (): Promise<unknown> => Promise.all([runner.close(), startsRunner.close()]);
  mkdirSync(config.dataDir, { recursive: true });
  let unlock: () => void;
  try {
    unlock = lockDataDir(config.dataDir);
  } catch (err) {
    await closeRunners();
    throw err;
  }
  let store: SqliteJobStore | undefined;
  let app: App | undefined;
  const state: ServiceState = { draining: false };
  let queue: EmbeddedJobQueue;
  let requeued: { id: string }[];
  try {
    store = new SqliteJobStore({ dataDir: config.dataDir });
    queue = new EmbeddedJobQueue({ store, runner, logger, limits: config.limits, progressThrottleMs: config.progressThrottleMs, runStarts: poolStarts(startsRunner, config.limits) });
    app = await buildApp({ store, queue, logger, tasks, checker, renderers: renderersFrom(tasks), config, state });
    ({ requeued } = await queue.start());
  } catch (err) {
    await app?.close();
    await store?.close();
    await closeRunners();
    unlock();
    throw err;
  }
  logger.info({ workers: config.workers, dataDir: config.dataDir, database: store.filename, schemaVersion: store.schemaVersion, requeued: requeued.length, auth: config.apiKeys.length > 0 }, 'latticefit service ready');

  return serviceHandle({ app, config, logger, store, queue, runner }, state, 'refusing new jobs, returning running jobs to the queue', async () => {
    await queue.close({ timeoutMs: config.shutdownTimeoutMs });
    await app.close();
    await closeRunners();
    await checker.close();
    await store.close();
    unlock();
  });
}

/** The API process of the Redis mode: validation, the store and the events here; tasks run in workers. */
async function createRedisService(config: Config, logger: Logger, tasks: TaskModule, checker: ValidationPool): Promise<Service> {
  const settings = { url: config.queue.redisUrl, prefix: config.queue.redisPrefix };
  const store = new RedisJobStore(settings);
  const queue = new RedisJobQueue({
    redis: settings,
    store,
    logger,
    attempts: config.queue.attempts,
    retryBackoffMs: config.queue.retryBackoffMs,
    heartbeatMs: config.worker.heartbeatMs,
  });
  const state: ServiceState = { draining: false };
  let app: App | undefined;
  let requeued: { id: string }[];
  try {
    app = await buildApp({ store, queue, logger, tasks, checker, renderers: renderersFrom(tasks), config, state });
    ({ requeued } = await queue.start());
  } catch (err) {
    await app?.close();
    await queue.close().catch(() => undefined);
    await store.close();
    throw err;
  }
  const workers = queue.stats();
  logger.info({ queue: 'redis', redis: redactRedisUrl(settings.url), prefix: settings.prefix, workersCapacity: workers.capacity, requeued: requeued.length, auth: config.apiKeys.length > 0 }, 'latticefit service ready');

  return serviceHandle({ app, config, logger, store, queue }, state, 'refusing new jobs (running jobs go on in the workers)', async () => {
    await app.close();
    await queue.close();
    await checker.close();
    await store.close();
  });
}

/**
 * The service object both modes return: `listen`, and an idempotent `shutdown` that stops
 * accepting work (`state.draining`), runs `close` once and logs around it.
 */
function serviceHandle(parts: Omit<Service, 'listen' | 'shutdown'>, state: ServiceState, what: string, close: () => Promise<void>): Service {
  const { app, config, logger } = parts;
  let stopping: Promise<void> | undefined;
  return {
    ...parts,
    listen: async () => {
      const url = await app.listen({ port: config.port, host: config.host });
      logger.info({ url }, 'latticefit listening');
      return url;
    },
    shutdown: (reason = 'shutdown') =>
      (stopping ??= (async () => {
        state.draining = true;
        logger.info({ reason }, `shutting down: ${what}`);
        await close();
        logger.info('shut down');
      })()),
  };
}
