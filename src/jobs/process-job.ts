/**
 * Run one claimed job to its end: the part every queue shares. The embedded queue calls it for
 * jobs it claims from the store; a Redis worker process (`remote-worker.ts`) calls it for jobs
 * BullMQ hands it, and acts on the outcome (hand the BullMQ job back, retry it, complete it).
 *
 * - limits: wall time (timer) and iterations (checked on every progress report) abort the task
 *   and fail the job with LIMIT_EXCEEDED;
 * - progress: every report is emitted (SSE), and written to the store at most once per
 *   `progressThrottleMs` (leading and trailing edge);
 * - the end: `complete` / `fail` / `requeue` fenced by the attempt number, so a job cancelled
 *   meanwhile stays cancelled and a stale attempt cannot write;
 * - an abort says why: `cancelled` (the store already says so), `shutdown` (back to the queue),
 *   `timeout` or `iterations` (failed), `superseded` (another worker has taken the job over: this
 *   attempt just stops);
 * - a failure `retryable` says is worth another attempt (Redis mode: a crashed worker thread,
 *   while attempts remain) puts the job back to `queued` instead of failing it.
 */
import type { Logger } from 'pino';
import type { ServiceLimits } from '../config.js';
import type { JobEvent } from './events.js';
import { TaskFailedError, describeTaskError, type RunStartsRemotely, type TaskRunner } from './runner.js';
import type { JobStore } from './store.js';
import { REQUEUE_REASONS, type ClaimedJob, type JobError, type JobProgress, type TaskProgress } from './types.js';

export type AbortReason = { kind: 'cancelled' } | { kind: 'shutdown' } | { kind: 'timeout' } | { kind: 'iterations'; iteration: number } | { kind: 'superseded' };

/**
 * Where the job is when `done` settles: `succeeded`, `failed`, `cancelled` (while it ran),
 * `requeued` (handed back at shutdown), `retry` (requeued for another attempt), `discarded` (the
 * store refused the end: cancelled or taken over meanwhile), `error` (the store could not be
 * written: the job stays as it is).
 */
export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'requeued' | 'retry' | 'discarded' | 'error';

export interface ProcessJobDeps {
  store: JobStore;
  runner: TaskRunner;
  emit: (e: JobEvent) => void;
  logger: Logger;
  limits: ServiceLimits;
  progressThrottleMs: number;
  /** A failure worth another attempt: the job is requeued (REQUEUE_REASONS.retry) instead of failed. */
  retryable?: (error: JobError, attempt: number) => boolean;
  /** Runs the starts of a multi-start fit elsewhere (Redis mode: child jobs on any worker). */
  runStarts?: RunStartsRemotely;
}

export interface RunningJob {
  id: string;
  attempt: number;
  abort(reason: AbortReason): void;
  /** Settles when the job has reached its next state (never rejects). */
  done: Promise<JobOutcome>;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Keep the documented fields of a progress report, with finite numbers only. */
export function cleanProgress(p: TaskProgress): JobProgress {
  const out: JobProgress = { iteration: finite(p.iteration) ? p.iteration : 0, elapsedMs: finite(p.elapsedMs) ? Math.round(p.elapsedMs) : 0 };
  if (finite(p.objective)) out.objective = p.objective;
  if (typeof p.accepted === 'boolean') out.accepted = p.accepted;
  if (typeof p.stage === 'string') out.stage = p.stage;
  if (typeof p.message === 'string') out.message = p.message;
  if (p.parameters && typeof p.parameters === 'object') {
    const params = Object.fromEntries(Object.entries(p.parameters).filter(([, v]) => finite(v)));
    if (Object.keys(params).length) out.parameters = params;
  }
  return out;
}

export function processJob(job: ClaimedJob, deps: ProcessJobDeps): RunningJob {
  const { store, runner, emit, limits } = deps;
  const id = job.id;
  const attempt = job.attempts;
  const log = deps.logger.child({ jobId: id, kind: job.kind, attempt });
  const ac = new AbortController();
  const abort = (reason: AbortReason): void => {
    if (!ac.signal.aborted) ac.abort(reason);
  };
  const wallTimer = setTimeout(() => abort({ kind: 'timeout' }), limits.maxWallTimeMs);

  let last: JobProgress | null = null;
  let writtenAt = 0;
  let writeTimer: NodeJS.Timeout | undefined;
  const persist = (): void => {
    writtenAt = Date.now();
    if (last) store.updateProgress(id, attempt, last).catch((err: unknown) => log.warn({ err }, 'progress not saved'));
  };
  const onProgress = (p: TaskProgress): void => {
    if (ac.signal.aborted) return;
    last = cleanProgress(p);
    if (last.iteration > limits.maxIterations) {
      abort({ kind: 'iterations', iteration: last.iteration });
      return;
    }
    emit({ type: 'progress', id, progress: last });
    const since = Date.now() - writtenAt;
    if (since >= deps.progressThrottleMs) persist();
    else writeTimer ??= setTimeout(() => {
      writeTimer = undefined;
      persist();
    }, deps.progressThrottleMs - since);
  };
  const stopTimers = (): void => {
    clearTimeout(wallTimer);
    clearTimeout(writeTimer);
  };

  log.info({ requeues: job.requeues }, 'job started');
  emit({ type: 'status', id, status: 'running', job });

  const done = (async (): Promise<JobOutcome> => {
    try {
      const runStarts = deps.runStarts;
      const result = await runner.run({ kind: job.kind, document: job.document, limits }, { signal: ac.signal, onProgress, ...(runStarts ? { runStarts } : {}) });
      stopTimers();
      const rec = await store.complete(id, attempt, result, last ?? undefined);
      if (rec) {
        log.info({ durationMs: rec.finishedAt! - rec.startedAt! }, 'job succeeded');
        emit({ type: 'status', id, status: 'succeeded', job: rec });
        return 'succeeded';
      }
      log.info('result discarded: the job was cancelled or requeued meanwhile');
      return 'discarded';
    } catch (err) {
      stopTimers();
      const reason = ac.signal.aborted ? (ac.signal.reason as AbortReason) : undefined;
      if (reason?.kind === 'cancelled') {
        log.info('job cancelled while running; task stopped');
        return 'cancelled';
      }
      if (reason?.kind === 'superseded') {
        log.warn('another worker has taken the job over; this attempt stopped');
        return 'discarded';
      }
      if (reason?.kind === 'shutdown') {
        const rec = await store.requeue(id, attempt, REQUEUE_REASONS.shutdown);
        if (!rec) return 'discarded';
        log.info('job requeued at shutdown');
        emit({ type: 'requeued', id, reason: REQUEUE_REASONS.shutdown, job: rec });
        return 'requeued';
      }
      let error: JobError;
      let internal: unknown;
      if (reason?.kind === 'timeout') error = { code: 'LIMIT_EXCEEDED', message: `the job ran longer than the wall-time limit of ${limits.maxWallTimeMs} ms` };
      else if (reason?.kind === 'iterations') error = { code: 'LIMIT_EXCEEDED', message: `the job reached iteration ${reason.iteration}, above the limit of ${limits.maxIterations}` };
      else if (err instanceof TaskFailedError) ({ info: error, internal } = err);
      else ({ error, internal } = describeTaskError(err));
      if (!reason && deps.retryable?.(error, attempt)) {
        const rec = await store.requeue(id, attempt, REQUEUE_REASONS.retry);
        if (!rec) return 'discarded';
        log.warn({ error, ...(internal ? { internal } : {}) }, 'job attempt crashed; it will be retried');
        emit({ type: 'requeued', id, reason: REQUEUE_REASONS.retry, job: rec });
        return 'retry';
      }
      const rec = await store.fail(id, attempt, error);
      if (!rec) return 'discarded';
      (internal ? log.error.bind(log) : log.warn.bind(log))({ error, ...(internal ? { internal } : {}) }, 'job failed');
      emit({ type: 'status', id, status: 'failed', job: rec, error });
      return 'failed';
    }
  })().catch((err: unknown): JobOutcome => {
    log.error({ err }, 'job bookkeeping failed (store error); the job stays as it is and is requeued at the next start');
    return 'error';
  });

  return { id, attempt, abort, done };
}
