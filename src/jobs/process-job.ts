/**
 * Run one claimed job to its end: the part every queue shares. The embedded queue calls it for
 * jobs it claims from the store; a Redis worker process would call it for jobs BullMQ hands it.
 *
 * - limits: wall time (timer) and iterations (checked on every progress report) abort the task
 *   and fail the job with LIMIT_EXCEEDED;
 * - progress: every report is emitted (SSE), and written to the store at most once per
 *   `progressThrottleMs` (leading and trailing edge);
 * - the end: `complete` / `fail` / `requeue` fenced by the attempt number, so a job cancelled
 *   meanwhile stays cancelled and a stale attempt cannot write;
 * - an abort says why: `cancelled` (the store already says so), `shutdown` (back to the queue),
 *   `timeout` or `iterations` (failed).
 */
import type { Logger } from 'pino';
import type { ServiceLimits } from '../config.js';
import type { JobEvent } from './events.js';
import { TaskFailedError, describeTaskError, type TaskRunner } from './runner.js';
import type { JobStore } from './store.js';
import { REQUEUE_REASONS, type ClaimedJob, type JobError, type JobProgress, type TaskProgress } from './types.js';

export type AbortReason = { kind: 'cancelled' } | { kind: 'shutdown' } | { kind: 'timeout' } | { kind: 'iterations'; iteration: number };

export interface ProcessJobDeps {
  store: JobStore;
  runner: TaskRunner;
  emit: (e: JobEvent) => void;
  logger: Logger;
  limits: ServiceLimits;
  progressThrottleMs: number;
}

export interface RunningJob {
  id: string;
  attempt: number;
  abort(reason: AbortReason): void;
  /** Settles when the job has reached its next state (never rejects). */
  done: Promise<void>;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Keep the documented fields of a progress report, with finite numbers only. */
export function cleanProgress(p: TaskProgress): JobProgress {
  const out: JobProgress = { iteration: finite(p.iteration) ? p.iteration : 0, elapsedMs: finite(p.elapsedMs) ? Math.round(p.elapsedMs) : 0 };
  if (finite(p.objective)) out.objective = p.objective;
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

  const done = (async () => {
    try {
      const result = await runner.run({ kind: job.kind, document: job.document, limits }, { signal: ac.signal, onProgress });
      stopTimers();
      const rec = await store.complete(id, attempt, result, last ?? undefined);
      if (rec) {
        log.info({ durationMs: rec.finishedAt! - rec.startedAt! }, 'job succeeded');
        emit({ type: 'status', id, status: 'succeeded', job: rec });
      } else log.info('result discarded: the job was cancelled or requeued meanwhile');
    } catch (err) {
      stopTimers();
      const reason = ac.signal.aborted ? (ac.signal.reason as AbortReason) : undefined;
      if (reason?.kind === 'cancelled') {
        log.info('job cancelled while running; task stopped');
        return;
      }
      if (reason?.kind === 'shutdown') {
        const rec = await store.requeue(id, attempt, REQUEUE_REASONS.shutdown);
        if (rec) {
          log.info('job requeued at shutdown');
          emit({ type: 'requeued', id, reason: REQUEUE_REASONS.shutdown, job: rec });
        }
        return;
      }
      let error: JobError;
      let internal: unknown;
      if (reason?.kind === 'timeout') error = { code: 'LIMIT_EXCEEDED', message: `the job ran longer than the wall-time limit of ${limits.maxWallTimeMs} ms` };
      else if (reason?.kind === 'iterations') error = { code: 'LIMIT_EXCEEDED', message: `the job reached iteration ${reason.iteration}, above the limit of ${limits.maxIterations}` };
      else if (err instanceof TaskFailedError) ({ info: error, internal } = err);
      else ({ error, internal } = describeTaskError(err));
      const rec = await store.fail(id, attempt, error);
      if (rec) {
        (internal ? log.error.bind(log) : log.warn.bind(log))({ error, ...(internal ? { internal } : {}) }, 'job failed');
        emit({ type: 'status', id, status: 'failed', job: rec, error });
      }
    }
  })().catch((err: unknown) => log.error({ err }, 'job bookkeeping failed (store error); the job stays as it is and is requeued at the next start'));

  return { id, attempt, abort, done };
}
