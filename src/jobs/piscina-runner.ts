/**
 * `TaskRunner` on a piscina pool of worker threads: the embedded executor. One task per thread
 * at a time; the pool is sized by the caller (LATTICEFIT_WORKERS) and the job queue never hands
 * it more tasks than threads, so piscina's own queue stays empty and the durable queue is the
 * store.
 *
 * Cancel: set the shared flag (the task's AbortSignal fires at its next check); if the task has
 * not returned after `cancelGraceMs`, abort piscina's signal, which terminates the thread (piscina
 * starts a new one). A terminated thread can make the pool emit `error`; a listener is always
 * attached so that it is logged instead of crashing the process.
 *
 * Starts of multi-start fits: with `runStarts` in the run options, the task's `ctx.runStarts`
 * asks this thread over the task's port and `runStarts` (BullMQ child jobs in Redis mode) does
 * the work; the answer goes back on the same port. A request with `start` runs one start.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { TaskFailedError, type TaskRequest, type TaskRunOptions, type TaskRunner } from './runner.js';
import { toModuleUrl, workerEntry } from './task-module.js';
import type { TaskProgress } from './types.js';
import { isStartsMessage, type StartsReply, type WorkerOutcome, type WorkerTask } from './worker.js';

export interface PiscinaRunnerOptions {
  threads: number;
  /** Task module path or URL (default: the built-in tasks). */
  taskModule?: string | undefined;
  cancelGraceMs: number;
  logger: Logger;
  /** Threads kept when idle (default `threads`); fewer are started when tasks come and end after a minute idle. */
  minThreads?: number;
}

export class PiscinaTaskRunner implements TaskRunner {
  readonly capacity: number;
  private readonly pool: Piscina<WorkerTask, WorkerOutcome>;
  private readonly taskModule: string;
  private readonly graceMs: number;
  private readonly logger: Logger;
  private active = 0;
  private closed = false;

  constructor(opts: PiscinaRunnerOptions) {
    this.capacity = opts.threads;
    this.taskModule = toModuleUrl(opts.taskModule);
    this.graceMs = opts.cancelGraceMs;
    this.logger = opts.logger;
    const { filename, execArgv } = workerEntry(this.taskModule);
    this.pool = new Piscina<WorkerTask, WorkerOutcome>({
      filename,
      minThreads: opts.minThreads ?? opts.threads,
      maxThreads: opts.threads,
      idleTimeout: 60_000,
      ...(execArgv ? { execArgv } : {}),
    });
    this.pool.on('error', (err: unknown) => this.logger.warn({ err }, 'worker pool error (a terminated or crashed worker thread)'));
  }

  get busy(): number {
    return this.active;
  }

  /** Ids of the live worker threads (a terminated thread is replaced by one with a new id). */
  threadIds(): number[] {
    return this.pool.threads.map((t) => t.threadId).sort((a, b) => a - b);
  }

  healthy(): boolean {
    return !this.closed && this.pool.threads.length > 0;
  }

  async warmUp(): Promise<void> {
    const outcomes = await Promise.all(
      Array.from({ length: this.capacity }, () => this.pool.run({ taskModule: this.taskModule, warmUp: true, kind: 'fit', document: null, limits: { maxStructures: 0, maxAtoms: 0, maxIterations: 0, maxWallTimeMs: 0, maxJobCost: 0 } })),
    );
    for (const o of outcomes) if (!o.ok) throw new Error(`the task module ${this.taskModule} cannot be loaded in a worker: ${JSON.stringify(o.internal ?? o.error)}`);
  }

  async run(req: TaskRequest, { signal, onProgress, runStarts }: TaskRunOptions): Promise<unknown> {
    if (this.closed) throw new TaskFailedError({ code: 'SERVICE_UNAVAILABLE', message: 'the worker pool is closed' });
    signal.throwIfAborted();
    const flag = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    let portOpen = true;
    const reply = (m: StartsReply): void => {
      if (portOpen) port1.postMessage(m);
    };
    port1.on('message', (p: TaskProgress | null) => {
      if (!p) return;
      if (isStartsMessage(p)) {
        if (!runStarts) return reply({ rpc: 'runStarts', call: p.call, error: 'this runner does not run starts elsewhere' });
        // a runner that throws at once must still answer, or the task would wait for ever
        Promise.resolve().then(() => runStarts(p.document, p.starts, signal)).then(
          (outcomes) => reply({ rpc: 'runStarts', call: p.call, outcomes }),
          (err: unknown) => reply({ rpc: 'runStarts', call: p.call, error: err instanceof Error ? err.message : String(err) }),
        );
        return;
      }
      try {
        onProgress(p);
      } catch (err) {
        this.logger.error({ err }, 'progress listener failed');
      }
    });
    const hard = new AbortController();
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      Atomics.store(new Int32Array(flag), 0, 1);
      killTimer = setTimeout(() => hard.abort(signal.reason), this.graceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.active++;
    try {
      const task: WorkerTask = { taskModule: this.taskModule, kind: req.kind, document: req.document, limits: req.limits, port: port2, abortFlag: flag };
      if (req.start) task.start = req.start;
      if (runStarts) task.delegateStarts = true;
      const out = await this.pool.run(task, { transferList: [port2], signal: hard.signal });
      signal.throwIfAborted();
      if (out.progress) onProgress(out.progress);
      if (out.ok) return out.result;
      throw new TaskFailedError(out.error, out.internal);
    } catch (err) {
      signal.throwIfAborted();
      if (err instanceof TaskFailedError) throw err;
      throw new TaskFailedError({ code: 'WORKER_CRASHED', message: 'the worker thread running the task stopped unexpectedly' }, err);
    } finally {
      this.active--;
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      portOpen = false;
      port1.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
