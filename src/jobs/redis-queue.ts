/**
 * The API side of the Redis mode: a `JobQueue` whose jobs run in worker processes elsewhere
 * (`remote-worker.ts`, `latticefit worker`). The API process runs no task itself.
 *
 * - `enqueue`: one BullMQ job in the `jobs` queue per job, with the job's id (adding it twice is
 *   a no-op). A synchronous property request (store priority ≥ 1) goes to the front of the queue
 *   (`lifo`). BullMQ priorities are not used: a prioritized job handed back with `moveToWait`
 *   does not wake idle workers (they notice it only after their 5 s long poll).
 * - `events`: the workers' events, heard on the `events` channel and re-emitted on a local bus,
 *   so SSE streams, synchronous requests and metrics work as in the embedded mode.
 * - `cancel`: the store says `cancelled` at once (atomically); a `cancel` message on the control
 *   channel stops the task wherever it runs; a job still waiting is removed from BullMQ.
 * - `start` and then every `reconcileMs`: the store and BullMQ are brought back in line. A job
 *   the store has queued or running but BullMQ does not know (the API died between storing and
 *   enqueueing, or Redis lost BullMQ's keys) is enqueued again — a running one first goes back to
 *   `queued`; a job BullMQ has given up on (failed) is failed in the store with BullMQ's reason.
 *   Nothing else is requeued at start: workers keep running their jobs while APIs restart.
 * - `details`: BullMQ's counts of both queues and the workers whose heartbeats have not
 *   expired, for /metrics; `stats()` sums the workers' capacity and busy threads.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobEventBus } from './events.js';
import type { JobQueue, QueueCounts, QueueDetails, QueueStats, WorkerSeen } from './queue.js';
import { RedisChannels } from './redis-channels.js';
import { bullConnection, connectRedis, JOBS_QUEUE, RedisKeys, STARTS_QUEUE, type RedisSettings } from './redis-keys.js';
import type { RedisJobStore } from './redis-store.js';
import type { JobData, WorkerHeartbeat } from './remote-worker.js';
import { isTerminal, REQUEUE_REASONS, type JobRecord } from './types.js';

export interface RedisQueueOptions {
  redis: RedisSettings;
  store: RedisJobStore;
  logger: Logger;
  /** BullMQ attempts of a job (see `RemoteWorker`). */
  attempts: number;
  retryBackoffMs: number;
  /** The workers' heartbeat period: how often the capacity is refreshed, ms. */
  heartbeatMs: number;
  /** Reconcile the store with BullMQ this often, ms (0: only at start). Default 30 000. */
  reconcileMs?: number;
}

const FAILED_JOBS_KEPT = { age: 7 * 24 * 3600, count: 10_000 };

export class RedisJobQueue implements JobQueue {
  readonly events: JobEventBus;
  private readonly keys: RedisKeys;
  private readonly channels: RedisChannels;
  private readonly queue: Queue<JobData>;
  private readonly startsQueue: Queue;
  private readonly redis: Redis;
  private readonly log: Logger;
  private cached: QueueStats = { capacity: 0, busy: 0 };
  private timers: NodeJS.Timeout[] = [];
  private started = false;

  constructor(private readonly opts: RedisQueueOptions) {
    this.log = opts.logger.child({ component: 'queue' });
    this.keys = new RedisKeys(opts.redis.prefix);
    this.channels = new RedisChannels(opts.redis, this.log, { events: true, control: false });
    this.events = this.channels.events;
    const connection = bullConnection(opts.redis);
    this.queue = new Queue<JobData>(JOBS_QUEUE, { connection, prefix: this.keys.bull });
    this.startsQueue = new Queue(STARTS_QUEUE, { connection, prefix: this.keys.bull });
    for (const q of [this.queue, this.startsQueue]) q.on('error', (err) => this.log.warn({ err }, 'queue connection error'));
    this.redis = connectRedis(opts.redis, { name: 'api', logger: this.log });
  }

  async start(): Promise<{ requeued: JobRecord[] }> {
    await this.channels.start();
    await Promise.all([this.queue.waitUntilReady(), this.startsQueue.waitUntilReady()]);
    const requeued = await this.reconcile();
    await this.readWorkers().catch(() => undefined);
    this.started = true;
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      if (ms <= 0) return;
      const t = setInterval(() => void fn().catch((err: unknown) => this.log.warn({ err }, 'queue housekeeping failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.heartbeatMs, () => this.readWorkers());
    every(this.opts.reconcileMs ?? 30_000, () => this.reconcile());
    return { requeued };
  }

  private jobOptions(job: Pick<JobRecord, 'id' | 'priority'>) {
    return {
      jobId: job.id,
      lifo: job.priority > 0,
      attempts: this.opts.attempts,
      backoff: { type: 'fixed', delay: this.opts.retryBackoffMs },
      removeOnComplete: true,
      removeOnFail: FAILED_JOBS_KEPT,
    };
  }

  async enqueue(job: JobRecord): Promise<void> {
    await this.queue.add(job.kind, { kind: job.kind }, this.jobOptions(job));
  }

  async cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined> {
    const out = await this.opts.store.cancel(id);
    if (out?.changed) {
      await this.channels.publishControl({ type: 'cancel', id });
      this.channels.emit({ type: 'status', id, status: 'cancelled', job: out.job });
      // a waiting BullMQ job goes away; a running one is locked and ends when its worker stops it
      await this.queue.remove(id).catch(() => 0);
      this.opts.logger.child({ jobId: id }).info('job cancelled');
    }
    return out;
  }

  /** Bring the store and BullMQ back in line (see the file comment); returns the jobs requeued. */
  async reconcile(): Promise<JobRecord[]> {
    const { store } = this.opts;
    const { queued, running } = await store.unfinished();
    const requeued: JobRecord[] = [];
    let enqueued = 0;
    for (const id of [...queued, ...running]) {
      const state = await this.queue.getJobState(id);
      if (state !== 'unknown' && state !== 'completed' && state !== 'failed') continue;
      const job = await store.get(id); // again: it may have ended meanwhile
      if (!job || isTerminal(job.status)) continue;
      const log = this.opts.logger.child({ jobId: id });
      if (state === 'failed') {
        const reason = (await this.queue.getJob(id))?.failedReason ?? 'unknown reason';
        const claimed = job.status === 'queued' ? await store.claim(id, REQUEUE_REASONS.workerLost) : job;
        const error = { code: 'WORKER_CRASHED', message: `the queue gave up on the job: ${reason}` };
        const rec = claimed && (await store.fail(id, claimed.attempts, error));
        if (rec) {
          log.error({ error }, 'job failed');
          this.channels.emit({ type: 'status', id, status: 'failed', job: rec, error });
        }
        continue;
      }
      if (state === 'completed') await this.queue.remove(id).catch(() => 0);
      if (job.status === 'running') {
        const rec = await store.requeue(id, job.attempts, REQUEUE_REASONS.restart);
        if (!rec) continue;
        log.warn({ attempts: rec.attempts, requeues: rec.requeues }, REQUEUE_REASONS.restart);
        this.channels.emit({ type: 'requeued', id, reason: REQUEUE_REASONS.restart, job: rec });
        requeued.push(rec);
      }
      await this.enqueue(job);
      enqueued++;
    }
    if (enqueued) this.log.warn({ enqueued, requeued: requeued.length }, 'jobs the queue did not know were enqueued again');
    return requeued;
  }

  /** Live workers from their heartbeats; expired ones are dropped from the index. */
  private async readWorkers(): Promise<WorkerSeen[]> {
    const ids = await this.redis.zrange(this.keys.workers, '0', '-1');
    if (!ids.length) {
      this.cached = { capacity: 0, busy: 0 };
      return [];
    }
    const beats = await this.redis.mget(...ids.map(this.keys.worker));
    const gone = ids.filter((_, i) => beats[i] === null);
    if (gone.length) await this.redis.zrem(this.keys.workers, ...gone);
    const now = Date.now();
    const workers = beats
      .filter((b): b is string => b !== null)
      .map((b) => JSON.parse(b) as WorkerHeartbeat)
      .map((h) => ({ id: h.id, host: h.host, state: h.state, concurrency: h.concurrency, busy: h.busy, ageMs: Math.max(0, now - h.at) }));
    this.cached = {
      capacity: workers.filter((w) => w.state === 'running').reduce((n, w) => n + w.concurrency, 0),
      busy: workers.reduce((n, w) => n + w.busy, 0),
    };
    return workers;
  }

  /** Capacity and busy threads over the live workers (refreshed every heartbeat period). */
  stats(): QueueStats {
    return { ...this.cached };
  }

  async details(): Promise<QueueDetails> {
    const counts = async (q: Queue): Promise<QueueCounts> => {
      const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    };
    const [jobs, starts, workers] = await Promise.all([counts(this.queue), counts(this.startsQueue), this.readWorkers()]);
    return { queues: { [JOBS_QUEUE]: jobs, [STARTS_QUEUE]: starts }, workers };
  }

  /** Redis answers and the event subscription is up (jobs are accepted even with no worker). */
  async healthy(): Promise<boolean> {
    return this.started && this.channels.ready && (await this.opts.store.ping());
  }

  /** Nothing runs here: stop listening and disconnect; the workers go on. */
  async close(): Promise<void> {
    this.started = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all([this.queue.close(), this.startsQueue.close()]);
    await this.channels.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
