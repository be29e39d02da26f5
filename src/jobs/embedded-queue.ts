/**
 * The embedded `JobQueue`: one process, jobs in the store, tasks in this process's worker pool.
 * A pump claims queued jobs while the runner has free threads; it runs when a job is enqueued,
 * when a job ends, and every `pollMs` (jobs added to the same database by another process).
 * An API key with `limits.maxRunningJobsPerKey` jobs running has its next jobs passed over
 * until one of them ends.
 */
import type { Logger } from 'pino';
import type { ServiceLimits } from '../config.js';
import { JobEventBus } from './events.js';
import { processJob, type RunningJob } from './process-job.js';
import type { JobQueue, QueueStats } from './queue.js';
import type { RunStartsRemotely, TaskRunner } from './runner.js';
import type { JobStore } from './store.js';
import { REQUEUE_REASONS, type JobRecord } from './types.js';

export interface EmbeddedQueueOptions {
  store: JobStore;
  runner: TaskRunner;
  logger: Logger;
  limits: ServiceLimits;
  progressThrottleMs: number;
  /** Runs the starts of a multi-start fit (`pool-starts.ts`: a pool apart from the jobs'). */
  runStarts?: RunStartsRemotely;
  /** Poll the store for queued jobs this often, ms (0: only on events). Default 1000. */
  pollMs?: number;
}

export class EmbeddedJobQueue implements JobQueue {
  readonly events: JobEventBus;
  private readonly running = new Map<string, RunningJob>();
  /** Owner (API key hash) of each running job that has one. */
  private readonly owners = new Map<string, string>();
  private accepting = false;
  private pumping = false;
  private pumpAgain = false;
  private poll: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: EmbeddedQueueOptions) {
    this.log = opts.logger.child({ component: 'queue' });
    this.events = new JobEventBus((err) => this.log.error({ err }, 'job event listener failed'));
  }

  async start(): Promise<{ requeued: JobRecord[] }> {
    const requeued = await this.opts.store.requeueRunning(REQUEUE_REASONS.restart);
    for (const job of requeued) {
      this.opts.logger.child({ jobId: job.id }).warn({ attempts: job.attempts, requeues: job.requeues }, REQUEUE_REASONS.restart);
      this.events.emit({ type: 'requeued', id: job.id, reason: REQUEUE_REASONS.restart, job });
    }
    this.accepting = true;
    const pollMs = this.opts.pollMs ?? 1000;
    if (pollMs > 0) {
      this.poll = setInterval(() => this.pump(), pollMs);
      this.poll.unref();
    }
    this.pump();
    return { requeued };
  }

  async enqueue(_job: JobRecord): Promise<void> {
    this.pump();
  }

  /**
   * API keys with `limits.maxRunningJobsPerKey` jobs running (0: no limit): their next jobs wait
   * while other keys' jobs take the free threads, so one key cannot hold every worker. Jobs
   * without an owner (no API keys configured) are not limited.
   */
  private ownersAtLimit(): string[] {
    const max = this.opts.limits.maxRunningJobsPerKey;
    if (!(max > 0)) return [];
    const n = new Map<string, number>();
    for (const o of this.owners.values()) n.set(o, (n.get(o) ?? 0) + 1);
    return [...n].filter(([, k]) => k >= max).map(([o]) => o);
  }

  /** Claim and start jobs while there are free threads. Re-entrant calls coalesce. */
  private pump(): void {
    if (!this.accepting) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpAgain = false;
    void (async () => {
      while (this.accepting && this.running.size < this.opts.runner.capacity) {
        const job = await this.opts.store.claimNext({ skipOwners: this.ownersAtLimit() });
        if (!job) break;
        if (!this.accepting) {
          // closed while claiming: give it back
          await this.opts.store.requeue(job.id, job.attempts, REQUEUE_REASONS.shutdown);
          break;
        }
        const run = processJob(job, { ...this.opts, emit: (e) => this.events.emit(e) });
        this.running.set(job.id, run);
        if (job.owner !== null) this.owners.set(job.id, job.owner);
        void run.done.finally(() => {
          this.running.delete(job.id);
          this.owners.delete(job.id);
          this.pump();
        });
      }
    })()
      .catch((err: unknown) => this.log.error({ err }, 'claiming jobs failed'))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) this.pump();
      });
  }

  async cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined> {
    const out = await this.opts.store.cancel(id);
    if (out?.changed) {
      this.running.get(id)?.abort({ kind: 'cancelled' });
      this.opts.logger.child({ jobId: id }).info('job cancelled');
      this.events.emit({ type: 'status', id, status: 'cancelled', job: out.job });
    }
    return out;
  }

  stats(): QueueStats {
    return { capacity: this.opts.runner.capacity, busy: this.running.size };
  }

  async healthy(): Promise<boolean> {
    return this.accepting && this.opts.runner.healthy();
  }

  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.accepting = false;
    clearInterval(this.poll);
    const runs = [...this.running.values()];
    for (const r of runs) r.abort({ kind: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, opts.timeoutMs ?? 10_000);
    });
    await Promise.race([Promise.allSettled(runs.map((r) => r.done)), deadline]);
    clearTimeout(timer);
    if (this.running.size) this.log.warn({ jobs: [...this.running.keys()] }, 'shutdown deadline passed with jobs still stopping; they will be requeued at the next start');
  }
}
