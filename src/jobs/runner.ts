/**
 * `TaskRunner`: runs one task (kind + document) somewhere that is not the event loop and reports
 * progress back. The embedded implementation is a pool of worker threads (`PiscinaTaskRunner`);
 * tests inject a function runner. The runner knows nothing about stores or HTTP.
 *
 * Contract:
 * - resolves with the task's JSON result;
 * - rejects with `TaskFailedError` (code, message, path) when the task throws or its thread dies;
 * - when `signal` fires, rejects with `signal.reason` (the caller decides what an abort means)
 *   and stops the task promptly: cooperatively first (the task's own AbortSignal fires), by
 *   terminating its thread after a grace period otherwise.
 */
import type { ServiceLimits } from '../config.js';
import type { StartOutcome } from '../workflows/tasks.js';
import type { JobError, TaskKind, TaskProgress } from './types.js';

export type TaskLimits = Pick<ServiceLimits, 'maxStructures' | 'maxAtoms' | 'maxIterations' | 'maxWallTimeMs' | 'maxJobCost'>;

export type { StartOutcome };

export interface TaskRequest {
  kind: TaskKind;
  document: unknown;
  limits: TaskLimits;
  /**
   * Run one start of a multi-start fit of `document` from these parameter values instead of the
   * task (Redis mode: a child job); resolves with a `StartOutcome`.
   */
  start?: number[];
}

/**
 * Runs the starts of a multi-start fit somewhere else and gathers their outcomes in order (Redis
 * mode: one child job per start, on any worker). Called on the main thread, for a task running
 * in a worker thread; `signal` is the job's.
 */
/** The outcome of a start that could not run (its thread died, its child job failed): no objective, the error. */
export const failedStart = (start: number[], error: string): StartOutcome => ({ start, parameters: start, objective: Number.NaN, initialObjective: Number.NaN, iterations: 0, converged: false, error });

export type RunStartsRemotely = (document: unknown, starts: number[][], signal: AbortSignal) => Promise<StartOutcome[]>;

export interface TaskRunOptions {
  signal: AbortSignal;
  onProgress: (p: TaskProgress) => void;
  /** When given, the task's `ctx.runStarts` sends its starts here instead of running them itself. */
  runStarts?: RunStartsRemotely;
}

export interface TaskRunner {
  run(req: TaskRequest, opts: TaskRunOptions): Promise<unknown>;
  /** Tasks that can run at once. */
  readonly capacity: number;
  /** Tasks running now. */
  readonly busy: number;
  /** Load the task code in the workers; rejects when it cannot be loaded. */
  warmUp(): Promise<void>;
  healthy(): boolean;
  close(): Promise<void>;
}

/** A task ended with an error; `info` is what the job records, `internal` is for the log only. */
export class TaskFailedError extends Error {
  constructor(
    readonly info: JobError,
    readonly internal?: unknown,
  ) {
    super(info.message);
    this.name = 'TaskFailedError';
  }
}

/**
 * What a job records of an error thrown by a task: a DomainError keeps its code, path and
 * structure; anything else becomes INTERNAL_ERROR with a generic message (the details go to the
 * log, not to clients). Duck-typed on `name` because errors cross module copies and threads.
 */
export function describeTaskError(e: unknown): { error: JobError; internal?: { name: string; message: string; stack?: string } } {
  const err = e as { name?: unknown; code?: unknown; message?: unknown; path?: unknown; detail?: { structure?: unknown } } | null;
  if (err && err.name === 'DomainError' && typeof err.code === 'string') {
    const error: JobError = { code: err.code, message: String(err.message ?? err.code) };
    if (typeof err.path === 'string') error.path = err.path;
    if (typeof err.detail?.structure === 'string') error.structure = err.detail.structure;
    return { error };
  }
  const x = e instanceof Error ? e : new Error(String(e));
  return {
    error: { code: 'INTERNAL_ERROR', message: 'the task failed with an unexpected error' },
    internal: { name: x.name, message: x.message, ...(x.stack ? { stack: x.stack } : {}) },
  };
}
