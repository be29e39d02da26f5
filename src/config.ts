/**
 * Service configuration from the environment, resolved once at start-up (mljs `checkOptions`
 * style): every variable has a documented default, a bad value is an error that names the
 * variable, and the result is a complete, frozen object.
 *
 * `CONFIG_VARIABLES` is the single source of the table in the README (`renderConfigTable()`).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

export interface ServiceLimits {
  /** Largest accepted request body, bytes. */
  maxBodyBytes: number;
  /** Structures in one job document. */
  maxStructures: number;
  /** Atoms in one conventional cell. */
  maxAtoms: number;
  /** Fit iterations (also caps `options.maxIterations`). */
  maxIterations: number;
  /** Wall time of one job attempt, ms. */
  maxWallTimeMs: number;
  /** Jobs one API key may have queued or running at once (0: no limit); the next submission is 429. */
  maxActiveJobsPerKey: number;
  /** Jobs of one API key running at once (0: no limit; default off in redis mode); its others wait while other keys' jobs run. */
  maxRunningJobsPerKey: number;
  /** Estimated pair terms of one job (`estimateJobCost`, src/document/limits.ts); above: 422 LIMIT_EXCEEDED. */
  maxJobCost: number;
}

export interface Config {
  port: number;
  host: string;
  /** Directory of the SQLite job database. */
  dataDir: string;
  /** Worker threads running tasks (the number of jobs that run at once). */
  workers: number;
  logLevel: string;
  limits: ServiceLimits;
  /** Bearer keys; empty: no authentication, every job visible to every client. */
  apiKeys: string[];
  rateLimit: {
    /** Sustained requests per second per API key (per client address without keys); 0: off. */
    perSecond: number;
    /** Bucket size: requests allowed in a burst. */
    burst: number;
  };
  /** Allowed CORS origins; empty: CORS off (no headers sent). `*` allows any origin. */
  corsOrigins: string[];
  syncProperties: {
    /** POST /v1/properties answers at once when the document's total atoms are at most this. */
    maxAtoms: number;
    /** ... and the result comes within this time; otherwise 202 and the job goes on. */
    timeoutMs: number;
  };
  /** Progress is written to the store at most this often per job, ms (SSE gets every update). */
  progressThrottleMs: number;
  /** A cancelled task gets this long to stop by itself before its worker thread is terminated, ms. */
  cancelGraceMs: number;
  /** Deadline of the door's check of one document (in its own thread), ms; past it 422 LIMIT_EXCEEDED. */
  validationTimeoutMs: number;
  /** Graceful shutdown gives up waiting after this long, ms. */
  shutdownTimeoutMs: number;
  /** Module implementing validateTask/executeTask (and renderers); default: the built-in tasks. */
  taskModule: string | undefined;
  /** Trust X-Forwarded-* headers (behind a reverse proxy). */
  trustProxy: boolean;
  /** Where jobs wait and run: this process (SQLite) or worker processes reached through Redis. */
  queue: QueueConfig;
  /** The `latticefit worker` process (Redis mode only). */
  worker: WorkerConfig;
}

export const QUEUE_BACKENDS = ['embedded', 'redis'] as const;
export type QueueBackend = (typeof QUEUE_BACKENDS)[number];

export interface QueueConfig {
  /** `embedded`: SQLite + this process's worker threads; `redis`: Redis store + BullMQ + `latticefit worker` processes. */
  backend: QueueBackend;
  /** Redis of the shared store and queue (redis mode). */
  redisUrl: string;
  /** Prefix of every Redis key (store, BullMQ, channels): several deployments can share one Redis. */
  redisPrefix: string;
  /** Runs of a job whose worker dies or crashes before it fails with WORKER_CRASHED (hand-backs at shutdown do not count). */
  attempts: number;
  /** BullMQ lock of a running job, ms: a worker that stops renewing it for this long has lost the job. */
  lockDurationMs: number;
  /** BullMQ stalled-job check period, ms: how soon a lost job goes back to the queue. */
  stalledIntervalMs: number;
  /** Delay before a job whose worker thread crashed runs again, ms. */
  retryBackoffMs: number;
}

export interface WorkerConfig {
  /** Jobs one worker process runs at once (worker threads). */
  concurrency: number;
  /** Starts of multi-start fits one worker process runs at once (a separate pool of threads). */
  startConcurrency: number;
  /** Port of the worker's /healthz and /metrics; null: no HTTP server. */
  port: number | null;
  /** A worker writes its heartbeat this often, ms; it counts as gone after 3 missed beats. */
  heartbeatMs: number;
  /** At SIGTERM, running jobs get this long to finish before they are handed back to the queue, ms. */
  drainMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigVariable {
  name: string;
  default: string;
  description: string;
}

const defaultWorkers = (): number => Math.max(1, availableParallelism() - 1);

/** Every variable the service reads, with its default. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', default: '3000', description: 'TCP port (0: any free port)' },
  { name: 'HOST', default: '127.0.0.1', description: 'interface to listen on (0.0.0.0 for all)' },
  { name: 'LATTICEFIT_DATA_DIR', default: './data', description: 'directory of the SQLite job database (`jobs.sqlite`)' },
  { name: 'LATTICEFIT_WORKERS', default: 'cores - 1 (min 1)', description: 'worker threads, i.e. jobs running at once; the starts of multi-start fits run on a second pool of up to as many threads, started when starts come and ended after a minute idle' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent' },
  { name: 'LATTICEFIT_MAX_BODY_BYTES', default: '1048576', description: 'largest request body (413 PAYLOAD_TOO_LARGE above)' },
  { name: 'LATTICEFIT_MAX_STRUCTURES', default: '64', description: 'structures per job document' },
  { name: 'LATTICEFIT_MAX_ATOMS', default: '512', description: 'atoms per conventional cell' },
  { name: 'LATTICEFIT_MAX_ITERATIONS', default: '10000', description: 'fit iterations per job' },
  { name: 'LATTICEFIT_MAX_WALL_TIME_MS', default: '3600000', description: 'wall time per job attempt; the job fails with LIMIT_EXCEEDED' },
  { name: 'LATTICEFIT_MAX_JOB_COST', default: '1e12', description: 'estimated pair terms of one job (atoms × neighbours within the cut-off × evaluations); above it the job is refused with 422 LIMIT_EXCEEDED saying by how much (the reference fit estimates 1.2e9)' },
  { name: 'LATTICEFIT_MAX_ACTIVE_JOBS_PER_KEY', default: '32', description: 'jobs one API key (without keys: all clients together) may have queued or running; the next POST is 429 RATE_LIMITED with Retry-After; 0: no limit' },
  { name: 'LATTICEFIT_MAX_RUNNING_JOBS_PER_KEY', default: 'workers - 1 (min 1); redis mode: 0', description: 'jobs of one API key that run at once: its further jobs wait while other keys\' jobs take the free workers, so one key cannot hold every worker; 0: no limit; without API keys there is no limit; in redis mode set it on the workers (the whole cluster\'s limit; off by default, a worker does not know the cluster\'s size)' },
  { name: 'LATTICEFIT_API_KEYS', default: '(none)', description: 'comma-separated bearer keys, each at least 16 characters (e.g. `openssl rand -hex 24`); when set every /v1 route needs `Authorization: Bearer <key>` and a job is visible only to its key; after 10 wrong keys from one address, wrong keys get 429 (refill 10 per minute)' },
  { name: 'LATTICEFIT_RATE_LIMIT', default: '20', description: 'requests per second per key (per address without keys); 0 disables' },
  { name: 'LATTICEFIT_RATE_BURST', default: '2 × rate limit, min 10', description: 'token-bucket size' },
  { name: 'LATTICEFIT_CORS_ORIGINS', default: '(none: CORS off)', description: 'comma-separated allowed origins, or `*`' },
  { name: 'LATTICEFIT_SYNC_MAX_ATOMS', default: '64', description: 'POST /v1/properties answers 200 at once when the total atoms of all structures are at most this' },
  { name: 'LATTICEFIT_SYNC_TIMEOUT_MS', default: '2000', description: '... and the result is ready within this time (else 202 and a job)' },
  { name: 'LATTICEFIT_PROGRESS_THROTTLE_MS', default: '500', description: 'progress is persisted at most this often per job' },
  { name: 'LATTICEFIT_CANCEL_GRACE_MS', default: '1000', description: 'a cancelled task that does not stop by itself within this time has its thread terminated' },
  { name: 'LATTICEFIT_VALIDATION_TIMEOUT_MS', default: '5000', description: 'a submitted document (or GULP input) is checked in a thread of its own; a check that takes longer is 422 LIMIT_EXCEEDED' },
  { name: 'LATTICEFIT_SHUTDOWN_TIMEOUT_MS', default: '10000', description: 'graceful shutdown deadline' },
  { name: 'LATTICEFIT_TASK_MODULE', default: '(built-in)', description: 'path of a module exporting validateTask/executeTask (tests use a slow fake)' },
  { name: 'LATTICEFIT_TRUST_PROXY', default: 'false', description: 'trust X-Forwarded-* headers' },
  { name: 'LATTICEFIT_QUEUE', default: 'embedded', description: '`embedded` (SQLite, jobs run in this process) or `redis` (Redis store, BullMQ queue, jobs run by `latticefit worker` processes)' },
  { name: 'REDIS_URL', default: 'redis://127.0.0.1:6379', description: 'Redis of the `redis` queue (`redis://[:password@]host:port[/db]`, `rediss://` for TLS)' },
  { name: 'LATTICEFIT_REDIS_PREFIX', default: 'latticefit', description: 'prefix of every Redis key and channel (several deployments can share one Redis)' },
  { name: 'LATTICEFIT_JOB_ATTEMPTS', default: '3', description: 'redis mode: runs of a job whose worker dies or crashes before it fails with WORKER_CRASHED (hand-backs at shutdown do not count)' },
  { name: 'LATTICEFIT_LOCK_DURATION_MS', default: '5000', description: 'redis mode: a worker that stops renewing its lock on a job for this long has lost it (renewed every half of it: one Redis call per running job per 2.5 s)' },
  { name: 'LATTICEFIT_STALLED_INTERVAL_MS', default: '2500', description: 'redis mode: how often workers look for lost jobs and put them back in the queue (one Redis call per worker and queue each time); a killed worker\'s job is taken over within lock duration + this, 7.5 s by default' },
  { name: 'LATTICEFIT_RETRY_BACKOFF_MS', default: '1000', description: 'redis mode: delay before a job whose worker thread crashed runs again' },
  { name: 'LATTICEFIT_WORKER_CONCURRENCY', default: 'cores - 1 (min 1)', description: '`latticefit worker`: jobs one worker process runs at once' },
  { name: 'LATTICEFIT_START_CONCURRENCY', default: 'worker concurrency', description: '`latticefit worker`: starts of multi-start fits (child jobs) one worker process runs at once' },
  { name: 'LATTICEFIT_WORKER_PORT', default: '(none)', description: '`latticefit worker`: port of its /healthz and /metrics (0: any free port; on HOST)' },
  { name: 'LATTICEFIT_HEARTBEAT_MS', default: '5000', description: '`latticefit worker`: heartbeat period; a worker is gone after 3 missed beats' },
  { name: 'LATTICEFIT_WORKER_DRAIN_MS', default: '0', description: '`latticefit worker`: at SIGTERM running jobs get this long to finish before they are handed back to the queue' },
];

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new ConfigError(name, `expected an integer >= ${min}, got "${raw}"`);
  return v;
}

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || !(v > 0)) throw new ConfigError(name, `expected a positive number (e.g. 1e12), got "${raw}"`);
  return v;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function redisUrl(env: Env): string {
  const raw = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', `not a URL: "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('REDIS_URL', `expected redis:// or rediss://, got "${url.protocol}"`);
  return raw;
}

function redisPrefix(env: Env): string {
  const raw = env.LATTICEFIT_REDIS_PREFIX?.trim() || 'latticefit';
  // BullMQ joins keys with ':' and forbids it in queue names; keep the prefix a plain word (hash tags allowed)
  if (!/^[\w.{}-]{1,64}$/.test(raw)) throw new ConfigError('LATTICEFIT_REDIS_PREFIX', 'letters, digits, _ . - { } only, at most 64 characters');
  return raw;
}

/** The Redis URL with its password hidden, for logs. */
export function redactRedisUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Resolve the configuration from `env` (default `process.env`); `overrides` win (CLI flags, tests). */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  const perSecond = int(env, 'LATTICEFIT_RATE_LIMIT', 20);
  const apiKeys = list(env.LATTICEFIT_API_KEYS);
  const concurrency = int(env, 'LATTICEFIT_WORKER_CONCURRENCY', defaultWorkers(), 1);
  for (const k of apiKeys) if (k.length < 16) throw new ConfigError('LATTICEFIT_API_KEYS', 'every key must be at least 16 characters');
  const workers = int(env, 'LATTICEFIT_WORKERS', defaultWorkers(), 1);
  const config: Config = {
    port: int(env, 'PORT', 3000),
    host: env.HOST?.trim() || '127.0.0.1',
    dataDir: resolve(env.LATTICEFIT_DATA_DIR?.trim() || './data'),
    workers,
    logLevel,
    limits: {
      maxBodyBytes: int(env, 'LATTICEFIT_MAX_BODY_BYTES', 1024 * 1024, 1024),
      maxStructures: int(env, 'LATTICEFIT_MAX_STRUCTURES', 64, 1),
      maxAtoms: int(env, 'LATTICEFIT_MAX_ATOMS', 512, 1),
      maxIterations: int(env, 'LATTICEFIT_MAX_ITERATIONS', 10_000, 1),
      maxWallTimeMs: int(env, 'LATTICEFIT_MAX_WALL_TIME_MS', 3_600_000, 1),
      maxJobCost: positive(env, 'LATTICEFIT_MAX_JOB_COST', 1e12),
      maxActiveJobsPerKey: int(env, 'LATTICEFIT_MAX_ACTIVE_JOBS_PER_KEY', 32),
      // redis mode: off unless set (a worker does not know how many workers the cluster has)
      maxRunningJobsPerKey: int(env, 'LATTICEFIT_MAX_RUNNING_JOBS_PER_KEY', env.LATTICEFIT_QUEUE?.trim() === 'redis' ? 0 : Math.max(1, workers - 1)),
    },
    apiKeys,
    rateLimit: { perSecond, burst: int(env, 'LATTICEFIT_RATE_BURST', Math.max(10, 2 * perSecond), 1) },
    corsOrigins: list(env.LATTICEFIT_CORS_ORIGINS),
    syncProperties: {
      maxAtoms: int(env, 'LATTICEFIT_SYNC_MAX_ATOMS', 64),
      timeoutMs: int(env, 'LATTICEFIT_SYNC_TIMEOUT_MS', 2000),
    },
    progressThrottleMs: int(env, 'LATTICEFIT_PROGRESS_THROTTLE_MS', 500),
    cancelGraceMs: int(env, 'LATTICEFIT_CANCEL_GRACE_MS', 1000),
    validationTimeoutMs: int(env, 'LATTICEFIT_VALIDATION_TIMEOUT_MS', 5000, 100),
    shutdownTimeoutMs: int(env, 'LATTICEFIT_SHUTDOWN_TIMEOUT_MS', 10_000),
    taskModule: env.LATTICEFIT_TASK_MODULE?.trim() ? resolve(env.LATTICEFIT_TASK_MODULE.trim()) : undefined,
    trustProxy: bool(env, 'LATTICEFIT_TRUST_PROXY', false),
    queue: {
      backend: oneOf(env, 'LATTICEFIT_QUEUE', QUEUE_BACKENDS, 'embedded'),
      redisUrl: redisUrl(env),
      redisPrefix: redisPrefix(env),
      attempts: int(env, 'LATTICEFIT_JOB_ATTEMPTS', 3, 1),
      lockDurationMs: int(env, 'LATTICEFIT_LOCK_DURATION_MS', 5000, 500),
      stalledIntervalMs: int(env, 'LATTICEFIT_STALLED_INTERVAL_MS', 2500, 100),
      retryBackoffMs: int(env, 'LATTICEFIT_RETRY_BACKOFF_MS', 1000),
    },
    worker: {
      concurrency,
      startConcurrency: int(env, 'LATTICEFIT_START_CONCURRENCY', concurrency, 1),
      port: env.LATTICEFIT_WORKER_PORT?.trim() ? int(env, 'LATTICEFIT_WORKER_PORT', 0) : null,
      heartbeatMs: int(env, 'LATTICEFIT_HEARTBEAT_MS', 5000, 50),
      drainMs: int(env, 'LATTICEFIT_WORKER_DRAIN_MS', 0),
    },
  };
  return Object.freeze({ ...config, ...overrides });
}

/** The markdown table of environment variables for the README. */
export function renderConfigTable(): string {
  const rows = CONFIG_VARIABLES.map((v) => `| \`${v.name}\` | ${v.default} | ${v.description} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
