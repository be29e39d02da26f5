/**
 * `latticefit worker [--redis URL] [--concurrency N] [--start-concurrency N] [--port N] [--host H]`:
 * a worker process of the Redis queue. It takes jobs that any `latticefit serve` with
 * LATTICEFIT_QUEUE=redis accepted (same REDIS_URL and LATTICEFIT_REDIS_PREFIX), runs them in its
 * worker threads and writes their progress and results to Redis. Run as many as the machines
 * allow. Flags override the environment (REDIS_URL, LATTICEFIT_WORKER_CONCURRENCY,
 * LATTICEFIT_START_CONCURRENCY, LATTICEFIT_WORKER_PORT, HOST; the rest is configured by
 * environment only, see `src/config.ts`). The command returns once the worker takes jobs; the
 * process then lives until SIGTERM / SIGINT, which hand running jobs back to the queue.
 */
import type { ParseArgsConfig } from 'node:util';
import { loadConfig } from '../../config.js';

export const WORKER_USAGE = `  latticefit worker [--redis URL] [--concurrency N] [--start-concurrency N] [--port N] [--host H]
      a worker of the Redis queue (LATTICEFIT_QUEUE=redis on the API): runs jobs
      from Redis; /healthz and /metrics on --port when given`;

export const workerCommand: {
  options: ParseArgsConfig['options'];
  run: (positionals: string[], values: Record<string, string | boolean | undefined>) => Promise<string>;
} = {
  options: {
    redis: { type: 'string' },
    concurrency: { type: 'string' },
    'start-concurrency': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
  },
  run: async (positionals, values) => {
    if (positionals.length) throw new Error('worker takes no positional arguments');
    const env: Record<string, string | undefined> = { ...process.env, LATTICEFIT_QUEUE: 'redis' };
    if (typeof values.redis === 'string') env.REDIS_URL = values.redis;
    if (typeof values.concurrency === 'string') env.LATTICEFIT_WORKER_CONCURRENCY = values.concurrency;
    if (typeof values['start-concurrency'] === 'string') env.LATTICEFIT_START_CONCURRENCY = values['start-concurrency'];
    if (typeof values.port === 'string') env.LATTICEFIT_WORKER_PORT = values.port;
    if (typeof values.host === 'string') env.HOST = values.host;
    const { startWorker } = await import('../../worker-server.js');
    await startWorker(loadConfig(env));
    return '';
  },
};
