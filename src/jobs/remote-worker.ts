/**
 * A worker process of the Redis mode (`latticefit worker`): takes jobs from the BullMQ `jobs`
 * queue, claims each in the shared store, runs it with `processJob` in its own worker threads,
 * and runs child jobs of the `starts` queue (starts of multi-start fits) in a second pool.
 *
 * Delivery is at least once, results exactly once:
 * - BullMQ hands a job to one worker and keeps a lock on it while the worker renews it; a worker
 *   that dies stops renewing, and the stalled-job check of any worker puts the job back in the
 *   queue (within lockDuration + 2 × stalledInterval);
 * - the next worker's `store.claim` takes it over as the next attempt, so the lost attempt (were
 *   it still running somewhere, e.g. behind a network partition) is fenced out of the store and
 *   stops at its next ownership check; whichever attempt completes, only the current one writes;
 * - failures are bounded: a job whose worker was lost (`stalledCounter`) or whose thread crashed
 *   (`attemptsMade`) `attempts` times in all fails with WORKER_CRASHED. Errors of the fit itself
 *   (bad physics, limits) are final at once: running it again gives the same answer.
 *
 * Shutdown (`close`): BullMQ stops fetching; running jobs get `drainMs` to finish, then they are
 * aborted and handed back (`requeued at shutdown`, BullMQ `moveToWait`: another worker takes them
 * at once, and a hand-back does not count as a failure).
 *
 * Cancellation: a `cancel` on the control channel aborts the job (shared-flag abort in its
 * thread, termination after the grace period) and its starts; each heartbeat also re-reads the
 * stored status of the running jobs, so a lost message delays a cancel by one heartbeat at most.
 *
 * Heartbeat: every `heartbeatMs` the worker writes `{p}:worker:{id}` (expiring after three
 * periods) and its time in `{p}:workers`; the API's /metrics counts the workers it sees.
 */
import { hostname } from 'node:os';
import { DelayedError, Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { QueueConfig, ServiceLimits, WorkerConfig } from '../config.js';
import { processJob, type AbortReason, type JobOutcome, type RunningJob } from './process-job.js';
import { RedisChannels } from './redis-channels.js';
import { bullConnection, connectRedis, JOBS_QUEUE, newWorkerId, RedisKeys, STARTS_QUEUE, type RedisSettings } from './redis-keys.js';
import type { RedisJobStore } from './redis-store.js';
import { StartsDispatcher, StartsProcessor, type StartJobData } from './remote-starts.js';
import type { TaskRunner } from './runner.js';
import { REQUEUE_REASONS, type JobRecord, type TaskKind } from './types.js';

/** A job passed over for its key's limit of running jobs is looked at again after this, ms. */
const PER_KEY_RECHECK_MS = 1000;

export interface JobData {
  kind: TaskKind;
}

/** What a worker says about itself in its heartbeat (and on its /healthz). */
export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  state: 'running' | 'draining';
  startedAt: number;
  at: number;
  concurrency: number;
  busy: number;
  startConcurrency: number;
  startsBusy: number;
  /** Jobs this process has run to each outcome. */
  processed: Partial<Record<JobOutcome, number>>;
  starts: number;
  /** Where its /healthz and /metrics are, when it serves them. */
  healthUrl?: string;
}

export interface RemoteWorkerOptions {
  redis: RedisSettings;
  store: RedisJobStore;
  /** Runs jobs (one thread each). */
  runner: TaskRunner;
  /** Runs starts of multi-start fits (a separate pool). */
  startsRunner: TaskRunner;
  logger: Logger;
  limits: ServiceLimits;
  progressThrottleMs: number;
  queue: Pick<QueueConfig, 'attempts' | 'lockDurationMs' | 'stalledIntervalMs' | 'retryBackoffMs'>;
  worker: Pick<WorkerConfig, 'concurrency' | 'startConcurrency' | 'heartbeatMs' | 'drainMs'>;
  id?: string;
  healthUrl?: string;
  /** Poll period of a fit waiting for its starts, ms (default 1000). */
  startsPollMs?: number;
}

/** How long start outcomes and shared documents are kept: a retried fit can reuse them. */
const startsTtlMs = (limits: ServiceLimits): number => limits.maxWallTimeMs + 3_600_000;

export class RemoteWorker {
  readonly id: string;
  readonly startedAt = Date.now();
  readonly processed: Partial<Record<JobOutcome, number>> = {};
  private readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly channels: RedisChannels;
  private readonly startsQueue: Queue<StartJobData>;
  private readonly dispatcher: StartsDispatcher;
  private readonly startsProcessor: StartsProcessor;
  private readonly jobsWorker: Worker<JobData, string>;
  private readonly startsWorker: Worker<StartJobData, string>;
  private readonly running = new Map<string, RunningJob>();
  private readonly log: Logger;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastBeat = 0;
  private draining = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: RemoteWorkerOptions) {
    this.id = opts.id ?? newWorkerId();
    this.log = opts.logger.child({ component: 'worker', workerId: this.id });
    this.keys = new RedisKeys(opts.redis.prefix);
    this.redis = connectRedis(opts.redis, { name: 'worker', logger: this.log });
    this.channels = new RedisChannels(opts.redis, this.log, { events: false, control: true });
    const connection = bullConnection(opts.redis);
    const ttlMs = startsTtlMs(opts.limits);
    this.startsQueue = new Queue<StartJobData>(STARTS_QUEUE, { connection, prefix: this.keys.bull });
    this.startsQueue.on('error', (err) => this.log.warn({ err }, 'starts queue error'));
    this.dispatcher = new StartsDispatcher({
      queue: this.startsQueue,
      redis: this.redis,
      keys: this.keys,
      channels: this.channels,
      logger: this.log,
      ttlMs,
      attempts: opts.queue.attempts,
      retryBackoffMs: opts.queue.retryBackoffMs,
      ...(opts.startsPollMs ? { pollMs: opts.startsPollMs } : {}),
    });
    this.startsProcessor = new StartsProcessor({ runner: opts.startsRunner, redis: this.redis, keys: this.keys, channels: this.channels, store: opts.store, logger: this.log, limits: opts.limits, ttlMs });
    const common = {
      connection,
      prefix: this.keys.bull,
      name: this.id,
      autorun: false,
      lockDuration: opts.queue.lockDurationMs,
      stalledInterval: opts.queue.stalledIntervalMs,
      // the processor fails a job lost `attempts` times itself (with a reason); BullMQ fails it one stall later
      maxStalledCount: opts.queue.attempts,
    };
    this.jobsWorker = new Worker<JobData, string>(JOBS_QUEUE, (job, token) => this.processJob(job, token), { ...common, concurrency: opts.worker.concurrency });
    this.startsWorker = new Worker<StartJobData, string>(STARTS_QUEUE, (job, token) => this.startsProcessor.process(job, token), { ...common, concurrency: opts.worker.startConcurrency });
    for (const [name, w] of [
      ['jobs', this.jobsWorker],
      ['starts', this.startsWorker],
    ] as const) {
      w.on('error', (err) => this.log.warn({ err, queue: name }, 'queue worker error'));
      w.on('stalled', (jobId) => {
        this.log.warn({ jobId, queue: name }, 'a job lost its worker and went back to the queue');
        if (name === 'jobs') void this.markWorkerLost(jobId);
      });
    }
    this.channels.onControl((m) => {
      if (m.type === 'cancel') {
        this.running.get(m.id)?.abort({ kind: 'cancelled' });
        this.startsProcessor.cancel(m.id);
      } else if (m.type === 'cancel-starts') this.startsProcessor.cancel(m.id);
    });
  }

  /** Connect, subscribe, announce, and begin taking jobs. */
  async start(): Promise<void> {
    await this.channels.start();
    await Promise.all([this.jobsWorker.waitUntilReady(), this.startsWorker.waitUntilReady(), this.startsQueue.waitUntilReady()]);
    await this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat(), this.opts.worker.heartbeatMs);
    this.heartbeatTimer.unref();
    for (const w of [this.jobsWorker, this.startsWorker])
      w.run().catch((err: unknown) => {
        this.log.error({ err }, 'queue worker stopped');
      });
    this.log.info({ concurrency: this.opts.worker.concurrency, startConcurrency: this.opts.worker.startConcurrency }, 'worker taking jobs');
  }

  get busy(): number {
    return this.running.size;
  }

  heartbeat(): WorkerHeartbeat {
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      state: this.draining ? 'draining' : 'running',
      startedAt: this.startedAt,
      at: Date.now(),
      concurrency: this.opts.worker.concurrency,
      busy: this.running.size,
      startConcurrency: this.opts.worker.startConcurrency,
      startsBusy: this.startsProcessor.busy,
      processed: { ...this.processed },
      starts: this.startsProcessor.processed,
      ...(this.opts.healthUrl ? { healthUrl: this.opts.healthUrl } : {}),
    };
  }

  /** Taking jobs: not shutting down, threads up, Redis reached at the last heartbeat. */
  healthy(): boolean {
    return (
      !this.draining &&
      this.opts.runner.healthy() &&
      this.opts.startsRunner.healthy() &&
      this.jobsWorker.isRunning() &&
      this.channels.ready &&
      Date.now() - this.lastBeat < 3 * this.opts.worker.heartbeatMs
    );
  }

  private async beat(): Promise<void> {
    const hb = this.heartbeat();
    try {
      await this.redis
        .multi()
        .set(this.keys.worker(this.id), JSON.stringify(hb), 'PX', 3 * this.opts.worker.heartbeatMs)
        .zadd(this.keys.workers, hb.at, this.id)
        .exec();
      this.lastBeat = hb.at;
    } catch (err) {
      this.log.warn({ err }, 'heartbeat not written');
    }
    await this.checkOwnership();
  }

  /** Stop running attempts the store no longer backs: cancelled (a lost message), or taken over. */
  private async checkOwnership(): Promise<void> {
    for (const run of [...this.running.values()]) {
      const rec = await this.opts.store.get(run.id).catch(() => undefined);
      if (!rec) continue;
      if (rec.status === 'cancelled') run.abort({ kind: 'cancelled' });
      else if (rec.status !== 'running' || rec.attempts !== run.attempt) run.abort({ kind: 'superseded' });
    }
  }

  /**
   * The store says at once that a stalled job's worker was lost (queued again, with the reason),
   * instead of `running` with frozen progress until another worker claims it. Fenced by the
   * attempt: when a worker has already claimed it again, this changes nothing and says nothing
   * (the claim then reports the takeover itself).
   */
  private async markWorkerLost(id: string): Promise<void> {
    try {
      const rec = await this.opts.store.get(id);
      if (rec?.status !== 'running') return;
      const requeued = await this.opts.store.requeue(id, rec.attempts, REQUEUE_REASONS.workerLost);
      if (requeued) this.channels.emit({ type: 'requeued', id, reason: REQUEUE_REASONS.workerLost, job: stripDocument(requeued) });
    } catch (err) {
      this.log.warn({ err, jobId: id }, 'could not mark a stalled job as requeued');
    }
  }

  private count(outcome: JobOutcome): void {
    this.processed[outcome] = (this.processed[outcome] ?? 0) + 1;
  }

  /** The BullMQ processor of the `jobs` queue. */
  /**
   * A queued job whose API key already has `limits.maxRunningJobsPerKey` jobs running, on any
   * worker (0: no limit; jobs without an owner are not limited). Read from the store, not
   * atomically with the claim: two workers deciding at once may let a key run one job more.
   */
  private async keyAtLimit(id: string): Promise<boolean> {
    const max = this.opts.limits.maxRunningJobsPerKey;
    if (!(max > 0)) return false;
    const rec = await this.opts.store.get(id);
    if (!rec || rec.status !== 'queued' || rec.owner === null) return false;
    const running = await this.opts.store.list({ owner: rec.owner, status: 'running', limit: max });
    return running.jobs.length >= max;
  }

  private async processJob(bull: Job<JobData>, token?: string): Promise<string> {
    const { store, queue } = this.opts;
    const id = bull.id!;
    const failures = bull.stalledCounter + bull.attemptsMade;
    if (await this.keyAtLimit(id)) {
      // another key's job may take this slot: this one waits in BullMQ's delayed set (no attempt counted)
      await bull.moveToDelayed(Date.now() + PER_KEY_RECHECK_MS, token);
      throw new DelayedError();
    }
    const claimed = await store.claim(id, REQUEUE_REASONS.workerLost);
    if (!claimed) return 'ended'; // cancelled, or finished by an earlier attempt
    const log = this.log.child({ jobId: id, attempt: claimed.attempts });
    if (claimed.lastRequeue?.reason === REQUEUE_REASONS.workerLost && claimed.lastRequeue.at === claimed.startedAt) {
      log.warn({ failures }, REQUEUE_REASONS.workerLost);
      this.channels.emit({ type: 'requeued', id, reason: REQUEUE_REASONS.workerLost, job: stripDocument(claimed) });
    }
    if (failures >= queue.attempts) {
      const error = { code: 'WORKER_CRASHED', message: `the job's worker was lost or crashed ${failures} times (killed, out of memory, or cut off from Redis); giving up after ${queue.attempts} attempts` };
      const rec = await store.fail(id, claimed.attempts, error);
      if (rec) {
        log.error({ error }, 'job failed');
        this.channels.emit({ type: 'status', id, status: 'failed', job: rec, error });
      }
      this.count('failed');
      return 'failed';
    }
    const run = processJob(claimed, {
      store,
      runner: this.opts.runner,
      // the running event carries the claimed job: without its document on the wire
      emit: (e) => this.channels.emit(e.type === 'progress' ? e : { ...e, job: stripDocument(e.job) }),
      logger: this.log.child({ workerId: this.id }),
      limits: this.opts.limits,
      progressThrottleMs: this.opts.progressThrottleMs,
      retryable: (error) => error.code === 'WORKER_CRASHED' && failures + 1 < queue.attempts,
      runStarts: (document, starts, signal) => this.dispatcher.run(id, document, starts, signal),
    });
    // an older attempt here (this process lost its lock, and BullMQ gave the job back to it) stops
    this.running.get(id)?.abort({ kind: 'superseded' });
    this.running.set(id, run);
    let outcome: JobOutcome;
    try {
      outcome = await run.done;
    } finally {
      if (this.running.get(id) === run) this.running.delete(id);
    }
    this.count(outcome);
    switch (outcome) {
      case 'requeued': // handed back at shutdown: to the front of the queue, no attempt counted
        await bull.moveToWait(token);
        throw new WaitingError();
      case 'retry': // BullMQ counts a failed attempt and runs it again after the back-off
        throw new Error('the worker thread running the job crashed; the job will be retried');
      case 'error':
        throw new Error('the job store could not be written; the job will be retried');
      default:
        return outcome;
    }
  }

  /**
   * Graceful stop: take no more jobs, give running ones `drainMs`, hand back what is still
   * running, then disconnect. Idempotent.
   */
  close(): Promise<void> {
    this.draining = true;
    return (this.closing ??= (async () => {
      this.log.info({ running: [...this.running.keys()], drainMs: this.opts.worker.drainMs }, 'worker stopping: no new jobs');
      await this.beat();
      const closed = Promise.all([this.jobsWorker.close(), this.startsWorker.close()]);
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.opts.worker.drainMs)))]);
      clearTimeout(timer);
      if (!drained) {
        if (this.running.size) this.log.info({ jobs: [...this.running.keys()] }, 'handing running jobs back to the queue');
        const reason: AbortReason = { kind: 'shutdown' };
        for (const run of this.running.values()) run.abort(reason);
        this.startsProcessor.abortAll(reason);
        await closed;
      }
      clearInterval(this.heartbeatTimer);
      await this.redis.multi().del(this.keys.worker(this.id)).zrem(this.keys.workers, this.id).exec().catch(() => undefined);
      await this.startsQueue.close();
      await this.channels.close();
      await this.redis.quit().catch(() => this.redis.disconnect());
      this.log.info('worker stopped');
    })());
  }
}

const stripDocument = ({ document: _document, ...job }: JobRecord & { document?: unknown }): JobRecord => job;
