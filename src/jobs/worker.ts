/**
 * Worker-thread entry point (piscina): runs one task of a task module and returns its outcome as
 * plain data. Never throws: errors come back as `{ ok: false, error }` because structured clone
 * drops the `code` and `path` of Error objects.
 *
 * Cancellation. An AbortSignal cannot cross threads, so the parent shares a 4-byte flag
 * (SharedArrayBuffer) and sets it to 1 to cancel. The task receives a real AbortSignal whose
 * `aborted` and `throwIfAborted()` read the flag directly, so a synchronous numerical loop that
 * checks `signal.aborted` (or `throwIfAborted(signal)`) stops at its next check without waiting
 * for the event loop; a timer also fires the signal's `abort` event for asynchronous code. If the
 * task ignores the signal, the parent terminates the thread after a grace period.
 *
 * Progress goes through a MessagePort, at most every PROGRESS_INTERVAL_MS (a change of stage is
 * sent at once, and a rejected fit step waiting to be sent is sent before a newer report replaces
 * it, so that the live convergence plot marks every rejected step); the last report always
 * travels with the outcome.
 *
 * Starts of multi-start fits (Redis mode). A task whose parent can fan starts out
 * (`delegateStarts`) gets `ctx.runStarts`, which asks the parent over the same port
 * (`StartsRequest` → `StartsReply`) — the parent thread owns the Redis connections. A task with
 * `start` set runs that one start (a child job) with the module's `runStart`, or the library's.
 */
import type { MessagePort } from 'node:worker_threads';
import { describeTaskError, type StartOutcome, type TaskLimits } from './runner.js';
import { runLibraryStart } from './start-task.js';
import type { TaskModule } from './task-module.js';
import type { TaskContext } from '../workflows/tasks.js';
import type { JobError, TaskKind, TaskProgress } from './types.js';

export interface WorkerTask {
  /** URL of the task module. */
  taskModule: string;
  /** Only load the module (warm-up). */
  warmUp?: boolean;
  /**
   * The door's checks instead of a task (`validation-pool.ts`): `validate` runs the module's
   * `validateTask(kind, document, limits)` (of `text` parsed, when given: the JSON text of the
   * document), `importGulp` translates `text` (a GULP input).
   */
  check?: 'validate' | 'importGulp';
  text?: string;
  kind: TaskKind;
  document: unknown;
  limits: TaskLimits;
  port?: MessagePort;
  /** Int32 cancellation flag: 0 run, 1 cancel. */
  abortFlag?: SharedArrayBuffer;
  /** Run this one start of a multi-start fit of `document` instead of the task. */
  start?: number[];
  /** The parent runs starts for this task: `ctx.runStarts` asks it through `port`. */
  delegateStarts?: boolean;
}

/** A task asks its parent to run starts (on the task's port, beside progress reports). */
export interface StartsRequest {
  rpc: 'runStarts';
  call: number;
  document: unknown;
  starts: number[][];
}

/** The parent's answer: the outcomes in order, or why they could not be gathered. */
export interface StartsReply {
  rpc: 'runStarts';
  call: number;
  outcomes?: StartOutcome[];
  error?: string;
}

export const isStartsMessage = (m: unknown): m is StartsRequest & StartsReply => typeof m === 'object' && m !== null && (m as { rpc?: unknown }).rpc === 'runStarts';

/** `ctx.runStarts` for a task whose parent gathers starts: a call over `port`. */
function startsOverPort(port: MessagePort): { runStarts: NonNullable<TaskContext['runStarts']>; dispose: () => void } {
  let calls = 0;
  const pending = new Map<number, { resolve: (o: StartOutcome[]) => void; reject: (e: Error) => void }>();
  const onMessage = (m: unknown): void => {
    if (!isStartsMessage(m)) return;
    const p = pending.get(m.call);
    if (!p) return;
    pending.delete(m.call);
    if (m.outcomes) p.resolve(m.outcomes);
    else p.reject(new Error(m.error ?? 'the starts could not be run'));
  };
  port.on('message', onMessage);
  return {
    runStarts: (document, starts) =>
      new Promise<StartOutcome[]>((resolve, reject) => {
        const call = ++calls;
        pending.set(call, { resolve, reject });
        port.postMessage({ rpc: 'runStarts', call, document, starts } satisfies StartsRequest);
      }),
    dispose: () => {
      port.off('message', onMessage);
      for (const p of pending.values()) p.reject(new Error('the task ended'));
      pending.clear();
    },
  };
}

export type WorkerOutcome =
  | { ok: true; result: unknown; progress: TaskProgress | null }
  | { ok: false; error: JobError; internal?: unknown; progress: TaskProgress | null };

const PROGRESS_INTERVAL_MS = 50;

const modules = new Map<string, Promise<TaskModule>>();
function load(url: string): Promise<TaskModule> {
  let m = modules.get(url);
  if (!m) {
    m = import(url) as Promise<TaskModule>;
    modules.set(url, m);
    m.catch(() => modules.delete(url));
  }
  return m;
}

/** An AbortSignal that fires when `flag[0]` becomes non-zero. */
function sharedFlagSignal(flag: Int32Array): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  let fired = false;
  const check = (): boolean => {
    if (!fired && Atomics.load(flag, 0) !== 0) {
      fired = true;
      const reason = Object.assign(new Error('cancelled'), { name: 'DomainError', code: 'CANCELLED' });
      ac.abort(reason);
    }
    return fired;
  };
  const signal = ac.signal;
  const nativeThrow = signal.throwIfAborted.bind(signal);
  Object.defineProperty(signal, 'aborted', { get: check, configurable: true });
  Object.defineProperty(signal, 'throwIfAborted', {
    value: () => {
      check();
      nativeThrow();
    },
    configurable: true,
  });
  const timer = setInterval(check, 25);
  return { signal, dispose: () => clearInterval(timer) };
}

export default async function runTask(task: WorkerTask): Promise<WorkerOutcome> {
  if (task.warmUp) {
    try {
      const mod = await load(task.taskModule);
      if (typeof mod.executeTask !== 'function') throw new Error(`${task.taskModule} does not export executeTask`);
      return { ok: true, result: null, progress: null };
    } catch (e) {
      return { ok: false, ...describeTaskError(e), progress: null };
    }
  }
  if (task.check) {
    try {
      if (task.check === 'importGulp') {
        const { importGulp } = await import('../workflows/import.js');
        return { ok: true, result: importGulp(task.text ?? ''), progress: null };
      }
      const mod = await load(task.taskModule);
      const document: unknown = task.text !== undefined ? JSON.parse(task.text) : task.document;
      return { ok: true, result: mod.validateTask(task.kind, document, task.limits as unknown as Record<string, number>) ?? null, progress: null };
    } catch (e) {
      return { ok: false, ...describeTaskError(e), progress: null };
    }
  }
  const { signal, dispose } = sharedFlagSignal(new Int32Array(task.abortFlag ?? new SharedArrayBuffer(4)));
  let last: TaskProgress | null = null;
  let sentAt = 0;
  let sentStage: string | undefined;
  let pending = false;
  const send = (): void => {
    pending = false;
    sentAt = Date.now();
    sentStage = last?.stage;
    task.port?.postMessage(last);
  };
  const flusher = setInterval(() => pending && send(), PROGRESS_INTERVAL_MS);
  const onProgress = (p: TaskProgress): void => {
    if (pending && last?.accepted === false) send();
    last = p;
    if (p.stage !== sentStage || Date.now() - sentAt >= PROGRESS_INTERVAL_MS) send();
    else pending = true;
  };
  const delegate = task.delegateStarts && task.port ? startsOverPort(task.port) : undefined;
  try {
    const mod = await load(task.taskModule);
    if (task.start) {
      const outcome = mod.runStart ? await mod.runStart(task.document, task.start, { signal }) : await runLibraryStart(task.document, task.start, signal);
      return { ok: true, result: outcome, progress: null };
    }
    const ctx: TaskContext = { signal, onProgress, limits: task.limits, ...(delegate ? { runStarts: delegate.runStarts } : {}) };
    const result = await mod.executeTask(task.kind, task.document, ctx);
    return { ok: true, result, progress: last };
  } catch (e) {
    return { ok: false, ...describeTaskError(e), progress: last };
  } finally {
    clearInterval(flusher);
    dispose();
    delegate?.dispose();
    task.port?.close();
  }
}
