/**
 * The door's costlier checks off the event loop: a job document's `validateTask` (symmetry
 * expansion, overlap and neighbour counts, the cost estimate) and the translation of a GULP
 * input run in a worker thread of their own, with a deadline.
 *
 * - Deadline: a check that has not answered `timeoutMs` after it was handed to a thread is
 *   LIMIT_EXCEEDED ("checking the document took longer than ..."); the thread is terminated
 *   (piscina starts another, which loads the task module again before the next check is handed
 *   to it). The clock starts when the check starts, not while it waits for a thread.
 * - Waiting: at most `maxWaiting` checks wait for a thread; the next one is refused at once
 *   (`ValidationBusyError`, which the HTTP layer answers 503 with Retry-After).
 * - Errors: a DomainError of the check comes back with its code, message and path (structured
 *   clone drops them from Error objects, so the worker sends plain data).
 *
 * The event loop pays only for the structured clone of the document (linear, a few ms for the
 * largest body accepted).
 */
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { DomainError, type ErrorCode } from '../errors.js';
import type { TaskLimits } from './runner.js';
import { toModuleUrl, workerEntry } from './task-module.js';
import type { TaskKind } from './types.js';
import type { WorkerOutcome, WorkerTask } from './worker.js';
import type { GulpImport } from '../workflows/import.js';

export interface ValidationPoolOptions {
  /** Task module path or URL (default: the built-in tasks). */
  taskModule?: string | undefined;
  /** Threads checking documents at once (default 1). */
  threads?: number;
  /** Deadline of one check, ms. */
  timeoutMs: number;
  /** Checks waiting for a thread beyond which the next is refused (default 64). */
  maxWaiting?: number;
  logger: Logger;
}

/** Too many checks waiting: retry shortly. */
export class ValidationBusyError extends Error {
  override name = 'ValidationBusyError';
}

const NO_LIMITS: TaskLimits = { maxStructures: 0, maxAtoms: 0, maxIterations: 0, maxWallTimeMs: 0, maxJobCost: 0 };

export class ValidationPool {
  private readonly pool: Piscina<WorkerTask, WorkerOutcome>;
  private readonly taskModule: string;
  private readonly threads: number;
  private readonly timeoutMs: number;
  private readonly maxWaiting: number;
  private readonly logger: Logger;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(opts: ValidationPoolOptions) {
    this.taskModule = toModuleUrl(opts.taskModule);
    this.threads = opts.threads ?? 1;
    this.timeoutMs = opts.timeoutMs;
    this.maxWaiting = opts.maxWaiting ?? 64;
    this.logger = opts.logger;
    const { filename, execArgv } = workerEntry(this.taskModule);
    this.pool = new Piscina<WorkerTask, WorkerOutcome>({ filename, minThreads: this.threads, maxThreads: this.threads, idleTimeout: Infinity, ...(execArgv ? { execArgv } : {}) });
    this.pool.on('error', (err: unknown) => this.logger.warn({ err }, 'validation thread error (a terminated thread)'));
  }

  /** Load the task module in every thread (so that the first check does not pay for it). */
  async warmUp(): Promise<void> {
    const outcomes = await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(this.warmUpTask())));
    for (const o of outcomes) if (!o.ok) throw new Error(`the task module ${this.taskModule} cannot be loaded in a validation thread: ${JSON.stringify(o.internal ?? o.error)}`);
  }

  /**
   * The task module's `validateTask` in a thread; throws its DomainError, or LIMIT_EXCEEDED past
   * the deadline. With `text` (the document's JSON text) the thread parses the text instead of
   * receiving a copy of the object.
   */
  validate(kind: TaskKind, document: unknown, limits: TaskLimits, text?: string): Promise<unknown> {
    return this.check({ taskModule: this.taskModule, check: 'validate', kind, document: text === undefined ? document : null, ...(text !== undefined ? { text } : {}), limits });
  }

  /** `importGulp` (workflows/import.ts) in a thread. */
  importGulp(text: string): Promise<GulpImport> {
    return this.check({ taskModule: this.taskModule, check: 'importGulp', text, kind: 'fit', document: null, limits: NO_LIMITS }) as Promise<GulpImport>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }

  private warmUpTask(): WorkerTask {
    return { taskModule: this.taskModule, warmUp: true, kind: 'fit', document: null, limits: NO_LIMITS };
  }

  private async check(task: WorkerTask): Promise<unknown> {
    if (this.closed) throw new ValidationBusyError('the service is shutting down');
    await this.slot();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    let out: WorkerOutcome;
    try {
      out = await this.pool.run(task, { signal: deadline.signal });
    } catch (err) {
      if (!deadline.signal.aborted) {
        this.release();
        throw err;
      }
      this.logger.warn({ timeoutMs: this.timeoutMs, check: task.check }, 'a document check passed its deadline; its thread was terminated');
      // the replacement thread loads the task module before the slot is free again
      this.pool.run(this.warmUpTask()).catch(() => undefined).finally(() => this.release());
      throw new DomainError('LIMIT_EXCEEDED', `checking the document took longer than ${this.timeoutMs} ms (LATTICEFIT_VALIDATION_TIMEOUT_MS): send fewer or smaller structures`, { path: '/' });
    } finally {
      clearTimeout(timer);
    }
    this.release();
    if (out.ok) return out.result;
    if (out.error.code === 'INTERNAL_ERROR') throw Object.assign(new Error(`the document check failed: ${JSON.stringify(out.internal ?? out.error.message)}`), { internal: out.internal });
    throw new DomainError(out.error.code as ErrorCode, out.error.message, { ...(out.error.path !== undefined ? { path: out.error.path } : {}), ...(out.error.structure !== undefined ? { structure: out.error.structure } : {}) });
  }

  private slot(): Promise<void> {
    if (this.running < this.threads) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new ValidationBusyError(`${this.waiting.length} documents are waiting to be checked`));
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
