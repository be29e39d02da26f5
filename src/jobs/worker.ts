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
 * sent at once); the last report always travels with the outcome.
 */
import type { MessagePort } from 'node:worker_threads';
import { describeTaskError, type TaskLimits } from './runner.js';
import type { TaskModule } from './task-module.js';
import type { JobError, TaskKind, TaskProgress } from './types.js';

export interface WorkerTask {
  /** URL of the task module. */
  taskModule: string;
  /** Only load the module (warm-up). */
  warmUp?: boolean;
  kind: TaskKind;
  document: unknown;
  limits: TaskLimits;
  port?: MessagePort;
  /** Int32 cancellation flag: 0 run, 1 cancel. */
  abortFlag?: SharedArrayBuffer;
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
    last = p;
    if (p.stage !== sentStage || Date.now() - sentAt >= PROGRESS_INTERVAL_MS) send();
    else pending = true;
  };
  try {
    const mod = await load(task.taskModule);
    const result = await mod.executeTask(task.kind, task.document, { signal, onProgress, limits: task.limits });
    return { ok: true, result, progress: last };
  } catch (e) {
    return { ok: false, ...describeTaskError(e), progress: last };
  } finally {
    clearInterval(flusher);
    dispose();
    task.port?.close();
  }
}
