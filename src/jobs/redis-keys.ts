/**
 * Redis mode: where everything lives in Redis, and how connections are made. Every key and
 * channel starts with the configured prefix (`LATTICEFIT_REDIS_PREFIX`, default `latticefit`), so
 * several deployments (or test runs) can share one Redis. For Redis Cluster put the prefix in a
 * hash tag (`{latticefit}`): the store's scripts and BullMQ's touch several keys at once, and
 * they must all live in one slot.
 *
 *   {p}:job:{id}                 hash   the job record (fields JSON-encoded; `status` plain)
 *   {p}:doc:{id}                 string the job document (JSON)
 *   {p}:result:{id}              string the result of a succeeded job (JSON)
 *   {p}:jobs:queued              zset   queued ids, score −priority (ties: id order = age)
 *   {p}:jobs:running             set    running ids
 *   {p}:jobs:counts              hash   status → number of jobs
 *   {p}:jobs:idem                hash   JSON [owner, key] → id
 *   {p}:jobs:owner:{owner}:{kind|*}  zset  ids of one owner (lexicographic = creation order)
 *   {p}:worker:{workerId}        string heartbeat of a worker process (JSON, expires)
 *   {p}:workers                  zset   worker ids by last heartbeat (ms)
 *   {p}:start:{childId}          string outcome of one start of a multi-start fit (expires)
 *   {p}:start-doc:{parentId}     string the document the starts of a fit share (expires)
 *   {p}:events                   channel job events (progress, status, requeued) for every API
 *   {p}:control                  channel cancel requests and start completions, for workers
 *   {p}:bull:*                   BullMQ: queues `jobs` (one BullMQ job per job, id = job id)
 *                                and `starts` (one per start of a multi-start fit)
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export const JOBS_QUEUE = 'jobs';
export const STARTS_QUEUE = 'starts';

export class RedisKeys {
  constructor(readonly prefix: string) {}
  job = (id: string): string => `${this.prefix}:job:${id}`;
  get jobPrefix(): string {
    return `${this.prefix}:job:`;
  }
  doc = (id: string): string => `${this.prefix}:doc:${id}`;
  result = (id: string): string => `${this.prefix}:result:${id}`;
  get queued(): string {
    return `${this.prefix}:jobs:queued`;
  }
  get running(): string {
    return `${this.prefix}:jobs:running`;
  }
  get counts(): string {
    return `${this.prefix}:jobs:counts`;
  }
  get idempotency(): string {
    return `${this.prefix}:jobs:idem`;
  }
  byOwner = (owner: string | null, kind?: string): string => `${this.prefix}:jobs:owner:${JSON.stringify(owner)}:${kind ?? '*'}`;
  worker = (workerId: string): string => `${this.prefix}:worker:${workerId}`;
  get workers(): string {
    return `${this.prefix}:workers`;
  }
  startOutcome = (childId: string): string => `${this.prefix}:start:${childId}`;
  startDocument = (parentId: string): string => `${this.prefix}:start-doc:${parentId}`;
  get events(): string {
    return `${this.prefix}:events`;
  }
  get control(): string {
    return `${this.prefix}:control`;
  }
  /** BullMQ's key prefix. */
  get bull(): string {
    return `${this.prefix}:bull`;
  }
}

export interface RedisSettings {
  url: string;
  prefix: string;
}

/**
 * A new connection. `blocking`: for BullMQ workers and subscribers (commands wait for a
 * reconnection instead of failing after a few retries, as BullMQ requires).
 */
export function connectRedis(settings: RedisSettings, opts: { name: string; logger?: Logger; blocking?: boolean }): Redis {
  const options: RedisOptions = { connectionName: `latticefit-${opts.name}`, ...(opts.blocking ? { maxRetriesPerRequest: null } : {}) };
  const redis = new Redis(settings.url, options);
  let lastLogged = 0;
  redis.on('error', (err: unknown) => {
    // ioredis retries by itself; log at most every 5 s so that an outage does not flood the log
    if (Date.now() - lastLogged < 5000) return;
    lastLogged = Date.now();
    opts.logger?.warn({ err, connection: opts.name }, 'redis connection error (retrying)');
  });
  return redis;
}

/** Connection options for BullMQ classes (they open their own connections). */
export const bullConnection = (settings: RedisSettings): { url: string; maxRetriesPerRequest: null } => ({ url: settings.url, maxRetriesPerRequest: null });

/** A worker process's id: host, pid and a random suffix (pids repeat across containers). */
export const newWorkerId = (): string => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

/** Delete every key under a prefix (tests, and operators retiring a deployment). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}
