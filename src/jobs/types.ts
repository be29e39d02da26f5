/**
 * Jobs as data: the record a store keeps, its states, its progress and its error. Plain values
 * that cross threads, processes and the wire unchanged.
 *
 * State machine (every transition is made by a store method, atomically):
 *
 *   queued ──claimNext / claim──▶ running ──complete──▶ succeeded
 *     ▲                             │ └────fail──────▶ failed
 *     └──requeue / restart──────────┘
 *   running ──claim (takeover: its worker was lost)──▶ running, next attempt
 *   queued | running ──cancel──▶ cancelled
 */
import type { TaskKind, TaskProgress } from '../workflows/task-types.js';

export type { TaskKind, TaskProgress };

export const JOB_KINDS = ['fit', 'properties', 'defects'] as const satisfies readonly TaskKind[];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.has(s);

/** What the job is doing now (the last progress report of its current attempt). */
export interface JobProgress {
  iteration: number;
  objective?: number;
  /** false: the step at this iteration was a rejected trial step of the fit */
  accepted?: boolean;
  elapsedMs: number;
  stage?: string;
  message?: string;
  parameters?: Record<string, number>;
}

/** Why a job failed: the code of the catalogue, a message, and the offending field when known. */
export interface JobError {
  code: string;
  message: string;
  /** JSON pointer into the job document. */
  path?: string;
  /** Structure a calculation failure concerns. */
  structure?: string;
}

export interface JobRecord {
  /** Time-ordered id (ULID): sorting by id sorts by creation. */
  id: string;
  kind: TaskKind;
  status: JobStatus;
  /** Hash of the API key that created the job; null without authentication. */
  owner: string | null;
  /** The document's `name`, for listings. */
  name: string | null;
  /** Higher runs first (small synchronous property requests). */
  priority: number;
  idempotencyKey: string | null;
  /** sha256 of kind + canonical document: an idempotent retry must carry the same body. */
  requestHash: string;
  /** Total atoms of all structures, when the validator reports it. */
  atoms: number | null;
  progress: JobProgress | null;
  error: JobError | null;
  /** Attempts started (claims); the current attempt fences writes of stale workers. */
  attempts: number;
  /** Times the job went back to the queue (restart, shutdown). */
  requeues: number;
  lastRequeue: { at: number; reason: string } | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** A claimed job, with what the worker needs. */
export interface ClaimedJob extends JobRecord {
  document: unknown;
}

export const REQUEUE_REASONS = {
  restart: 'requeued after restart',
  shutdown: 'requeued at shutdown',
  /** Redis mode: the worker running it stopped (killed, lost its lock); another worker took it over. */
  workerLost: 'requeued after its worker was lost',
  /** Redis mode: its worker thread crashed; it runs again after a back-off. */
  retry: 'requeued for another attempt after a worker crash',
} as const;
