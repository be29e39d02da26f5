/**
 * The service assembled from its production parts: SQLite store, worker-thread runner, embedded
 * queue, fastify app. `server.ts` and `latticefit serve` call `createService(config)` and
 * `listen()`; the end-to-end test does the same in-process.
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
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { lockDataDir } from '../jobs/data-dir-lock.js';
import { EmbeddedJobQueue } from '../jobs/embedded-queue.js';
import { PiscinaTaskRunner } from '../jobs/piscina-runner.js';
import { SqliteJobStore } from '../jobs/sqlite-store.js';
import { loadTaskModule } from '../jobs/task-module.js';
import { buildApp, type App } from './app.js';
import type { ServiceState } from './context.js';
import { renderersFrom } from './renderers.js';

export interface Service {
  app: App;
  config: Config;
  logger: Logger;
  store: SqliteJobStore;
  queue: EmbeddedJobQueue;
  runner: PiscinaTaskRunner;
  /** Listen on config.host:config.port; resolves with the URL. */
  listen(): Promise<string>;
  /** Graceful shutdown (idempotent). */
  shutdown(reason?: string): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'latticefit', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

export async function createService(config: Config, opts: { logger?: Logger } = {}): Promise<Service> {
  const logger = opts.logger ?? createLogger(config);
  const tasks = await loadTaskModule(config.taskModule);
  const runner = new PiscinaTaskRunner({ threads: config.workers, taskModule: config.taskModule, cancelGraceMs: config.cancelGraceMs, logger: logger.child({ component: 'workers' }) });
  try {
    await runner.warmUp();
  } catch (err) {
    await runner.close();
    throw err;
  }
  mkdirSync(config.dataDir, { recursive: true });
  let unlock: () => void;
  try {
    unlock = lockDataDir(config.dataDir);
  } catch (err) {
    await runner.close();
    throw err;
  }
  let store: SqliteJobStore | undefined;
  let app: App | undefined;
  const state: ServiceState = { draining: false };
  let queue: EmbeddedJobQueue;
  let requeued: { id: string }[];
  try {
    store = new SqliteJobStore({ dataDir: config.dataDir });
    queue = new EmbeddedJobQueue({ store, runner, logger, limits: config.limits, progressThrottleMs: config.progressThrottleMs });
    app = await buildApp({ store, queue, logger, tasks, renderers: renderersFrom(tasks), config, state });
    ({ requeued } = await queue.start());
  } catch (err) {
    await app?.close();
    await store?.close();
    await runner.close();
    unlock();
    throw err;
  }
  logger.info({ workers: config.workers, dataDir: config.dataDir, database: store.filename, schemaVersion: store.schemaVersion, requeued: requeued.length, auth: config.apiKeys.length > 0 }, 'latticefit service ready');

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> =>
    (stopping ??= (async () => {
      state.draining = true;
      logger.info({ reason }, 'shutting down: refusing new jobs, returning running jobs to the queue');
      await queue.close({ timeoutMs: config.shutdownTimeoutMs });
      await app.close();
      await runner.close();
      await store.close();
      unlock();
      logger.info('shut down');
    })());

  return {
    app,
    config,
    logger,
    store,
    queue,
    runner,
    listen: async () => {
      const url = await app.listen({ port: config.port, host: config.host });
      logger.info({ url }, 'latticefit listening');
      return url;
    },
    shutdown,
  };
}
