/**
 * `JobQueue`: the seam between accepting a job (HTTP) and running it. The store holds the truth;
 * the queue decides where and when a queued job runs, stops it on cancel, and tells subscribers
 * what happens.
 *
 * Implementations:
 * - `EmbeddedJobQueue`: claims jobs from the store and runs them in this process's worker
 *   threads; events on an in-process bus.
 * - `RedisJobQueue` (the API side of the Redis mode): `enqueue` adds a BullMQ job whose id is the
 *   job id; worker processes (`RemoteWorker`, `latticefit worker`) take it, claim it in the shared
 *   store and call the same `processJob` with their own `PiscinaTaskRunner`; `events` is Redis
 *   pub/sub (progress and status published by the workers); `cancel` marks the store and
 *   publishes a cancel message the owning worker turns into `abort({ kind: 'cancelled' })`;
 *   `start` relies on BullMQ's stalled-job recovery instead of `requeueRunning`, and reconciles
 *   the store with BullMQ. The HTTP layer does not change.
 */
import type { JobEventSource } from './events.js';
import type { JobRecord } from './types.js';

/** BullMQ's counts of one queue. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** A worker process as its last heartbeat describes it. */
export interface WorkerSeen {
  id: string;
  host: string;
  state: string;
  concurrency: number;
  busy: number;
  /** Age of its last heartbeat, ms. */
  ageMs: number;
}

/** What a distributed queue can say beyond `stats()` (for /metrics). */
export interface QueueDetails {
  /** Per queue (`jobs`, `starts`). */
  queues: Record<string, QueueCounts>;
  workers: WorkerSeen[];
}

export interface QueueStats {
  /** Jobs that can run at once (here; across workers for a distributed queue, if known). */
  capacity: number;
  /** Jobs running now. */
  busy: number;
}

export interface JobQueue {
  readonly events: JobEventSource;
  /** Recover (jobs that were running go back to the queue and say so) and begin running jobs. */
  start(): Promise<{ requeued: JobRecord[] }>;
  /** A job was created `queued` in the store: run it when there is room. */
  enqueue(job: JobRecord): Promise<void>;
  /** Cancel a queued or running job: the store says `cancelled`, a running task is stopped. */
  cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined>;
  stats(): QueueStats;
  /** Able to run jobs (workers up). */
  healthy(): Promise<boolean>;
  /** Stop taking jobs; running tasks are aborted and put back to `queued` (nothing accepted is lost). */
  close(opts?: { timeoutMs?: number }): Promise<void>;
  /** Queue depth and workers seen, for a queue whose workers are elsewhere. */
  details?(): Promise<QueueDetails>;
}
