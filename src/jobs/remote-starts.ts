/**
 * Multi-start fits across machines (Redis mode). The fitter asks for its starts through
 * `FitOptions.runStarts`; in a worker process that call arrives here (from the worker thread, see
 * `worker.ts`), and:
 *
 * - `StartsDispatcher.run` stores the document once (`{p}:start-doc:{parent}`), adds one BullMQ
 *   job per start to the `starts` queue, and gathers the outcomes in order. A child's id is the
 *   parent's id and a hash of its start vector, so a parent that is retried (its worker died)
 *   finds the outcomes of the starts that had already finished instead of running them again.
 * - `StartsProcessor` runs child jobs on any worker, in a pool of threads apart from the jobs'
 *   (a fit waiting for its starts holds a job thread; the starts must not need one, or N waiting
 *   fits on N threads would wait forever), stores each outcome (`{p}:start:{child}`, expiring)
 *   and announces it on the control channel.
 *
 * The gatherer wakes on the announcement and also polls (every `pollMs`), so a lost message only
 * costs time; every few polls it looks at the children still missing in BullMQ: one that failed
 * (its workers kept dying) becomes a failed start, one that vanished is added again.
 *
 * Cancellation: a job cancelled through the API is cancelled by id on every worker, which stops
 * its running starts too; a fit that stops for another reason (limits) removes its waiting
 * children and cancels the running ones. A fit handed back at shutdown leaves its starts alone:
 * the next attempt reuses them.
 */
import { createHash } from 'node:crypto';
import { WaitingError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServiceLimits } from '../config.js';
import type { AbortReason } from './process-job.js';
import type { RedisChannels } from './redis-channels.js';
import type { RedisKeys } from './redis-keys.js';
import { TaskFailedError, failedStart, type StartOutcome, type TaskRunner } from './runner.js';
import type { JobStore } from './store.js';
import { isTerminal } from './types.js';

export interface StartJobData {
  parentId: string;
  start: number[];
}

/** A child job's id: BullMQ ids must not contain ':'. */
export const childJobId = (parentId: string, start: readonly number[]): string => `${parentId}-s${createHash('sha256').update(JSON.stringify(start)).digest('hex').slice(0, 16)}`;

/** JSON turns NaN into null: the objectives of a failed start come back as NaN. */
function parseOutcome(text: string): StartOutcome {
  const o = JSON.parse(text) as StartOutcome;
  const num = (x: unknown): number => (typeof x === 'number' ? x : Number.NaN);
  return { ...o, objective: num(o.objective), initialObjective: num(o.initialObjective) };
}


/** Reasons after which the fit's starts are of no further use. */
const stopsStarts = (reason: AbortReason | undefined): boolean => reason?.kind !== 'shutdown' && reason?.kind !== 'superseded';

export interface StartsDispatcherOptions {
  queue: Queue<StartJobData>;
  redis: Redis;
  keys: RedisKeys;
  channels: RedisChannels;
  logger: Logger;
  /** Outcomes and shared documents expire after this, ms. */
  ttlMs: number;
  /** Look for outcomes at least this often, ms (default 1000). */
  pollMs?: number;
  /** Attempts of a child job whose processor throws (Redis errors). */
  attempts: number;
  retryBackoffMs: number;
}

export class StartsDispatcher {
  private readonly wake = new Map<string, Set<() => void>>();

  constructor(private readonly opts: StartsDispatcherOptions) {
    opts.channels.onControl((m) => {
      if (m.type === 'start-done') for (const w of this.wake.get(m.parentId) ?? []) w();
    });
  }

  /** The outcomes of `starts` of job `parentId`, in order; children are run for the missing ones. */
  async run(parentId: string, document: unknown, starts: number[][], signal: AbortSignal): Promise<StartOutcome[]> {
    signal.throwIfAborted();
    const { redis, keys, queue, ttlMs } = this.opts;
    const log = this.opts.logger.child({ jobId: parentId });
    const ids = starts.map((s) => childJobId(parentId, s));
    const outcomes: (StartOutcome | undefined)[] = new Array(starts.length);
    const missing = (): number[] => ids.flatMap((_, i) => (outcomes[i] ? [] : [i]));
    const read = async (): Promise<void> => {
      const found = await redis.mget(...ids.map(keys.startOutcome));
      found.forEach((v, i) => {
        if (v !== null && !outcomes[i]) outcomes[i] = parseOutcome(v);
      });
    };
    const add = (indices: number[]) =>
      queue.addBulk(
        indices.map((i) => ({
          name: 'start',
          data: { parentId, start: starts[i]! },
          opts: { jobId: ids[i]!, removeOnComplete: true, removeOnFail: { age: Math.ceil(ttlMs / 1000) }, attempts: this.opts.attempts, backoff: { type: 'fixed', delay: this.opts.retryBackoffMs } },
        })),
      );

    await redis.set(keys.startDocument(parentId), JSON.stringify(document), 'PX', ttlMs);
    await read();
    const reused = starts.length - missing().length;
    if (missing().length) await add(missing());
    log.info({ starts: starts.length, reused }, 'starts sent out as child jobs');

    let wakeUp: () => void = () => {};
    const wakers = this.wake.get(parentId) ?? new Set();
    this.wake.set(parentId, wakers);
    const waker = (): void => wakeUp();
    wakers.add(waker);
    const onAbort = (): void => wakeUp();
    signal.addEventListener('abort', onAbort);
    try {
      for (let round = 1; missing().length; round++) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.opts.pollMs ?? 1000);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        signal.throwIfAborted();
        await read();
        if (round % 5 === 0 && missing().length) await this.repair(ids, starts, outcomes, add, log);
      }
      return outcomes as StartOutcome[];
    } catch (err) {
      if (signal.aborted && stopsStarts(signal.reason as AbortReason)) {
        await Promise.all(missing().map((i) => queue.remove(ids[i]!).catch(() => 0)));
        await this.opts.channels.publishControl({ type: 'cancel-starts', id: parentId }).catch(() => undefined);
      }
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
      wakers.delete(waker);
      if (!wakers.size) this.wake.delete(parentId);
    }
  }

  /** Children still missing: failed in BullMQ → a failed start; gone → added again. */
  private async repair(ids: string[], starts: number[][], outcomes: (StartOutcome | undefined)[], add: (i: number[]) => Promise<unknown>, log: Logger): Promise<void> {
    const lost: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (outcomes[i]) continue;
      const state = await this.opts.queue.getJobState(ids[i]!);
      if (state === 'failed') {
        const job = await this.opts.queue.getJob(ids[i]!);
        outcomes[i] = failedStart(starts[i]!, `the start's child job failed: ${job?.failedReason ?? 'unknown reason'}`);
      } else if (state === 'unknown') lost.push(i);
    }
    if (lost.length) {
      log.warn({ children: lost.map((i) => ids[i]) }, 'child jobs of starts vanished; adding them again');
      await add(lost);
    }
  }
}

export interface StartsProcessorOptions {
  runner: TaskRunner;
  redis: Redis;
  keys: RedisKeys;
  channels: RedisChannels;
  store: JobStore;
  logger: Logger;
  limits: ServiceLimits;
  ttlMs: number;
}

/** Runs child jobs of the `starts` queue. */
export class StartsProcessor {
  private readonly running = new Map<string, { parentId: string; ac: AbortController }>();
  processed = 0;

  constructor(private readonly opts: StartsProcessorOptions) {}

  get busy(): number {
    return this.running.size;
  }

  process = async (job: Job<StartJobData>, token?: string): Promise<string> => {
    const { redis, keys } = this.opts;
    const childId = job.id!;
    const { parentId, start } = job.data;
    if ((await redis.exists(keys.startOutcome(childId))) === 1) return 'already done';
    const parent = await this.opts.store.get(parentId);
    if (!parent || isTerminal(parent.status)) return 'parent ended';
    const text = await redis.get(keys.startDocument(parentId));
    const save = async (outcome: StartOutcome): Promise<void> => {
      await redis.set(keys.startOutcome(childId), JSON.stringify(outcome), 'PX', this.opts.ttlMs);
      await this.opts.channels.publishControl({ type: 'start-done', parentId, childId });
      this.processed++;
    };
    if (text === null) {
      await save(failedStart(start, 'the document of the fit has expired'));
      return 'failed';
    }
    const ac = new AbortController();
    this.running.set(childId, { parentId, ac });
    try {
      const outcome = (await this.opts.runner.run({ kind: 'fit', document: JSON.parse(text), limits: this.opts.limits, start }, { signal: ac.signal, onProgress: () => {} })) as StartOutcome;
      await save(outcome);
      return 'done';
    } catch (err) {
      if (ac.signal.aborted) {
        if ((ac.signal.reason as AbortReason).kind === 'shutdown') {
          await job.moveToWait(token);
          throw new WaitingError();
        }
        return 'cancelled';
      }
      if (!(err instanceof TaskFailedError)) throw err; // Redis trouble: BullMQ retries
      const error = err.info;
      this.opts.logger.warn({ jobId: parentId, child: childId, error }, 'a start failed');
      await save(failedStart(start, `${error.code}: ${error.message}`));
      return 'failed';
    } finally {
      this.running.delete(childId);
    }
  };

  /** Stop the running starts of one fit. */
  cancel(parentId: string): void {
    for (const r of this.running.values()) if (r.parentId === parentId) r.ac.abort({ kind: 'cancelled' } satisfies AbortReason);
  }

  /** Stop every running start (shutdown: they go back to the queue). */
  abortAll(reason: AbortReason): void {
    for (const r of this.running.values()) r.ac.abort(reason);
  }
}
