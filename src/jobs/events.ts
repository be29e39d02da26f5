/**
 * Job events: what SSE subscribers and metrics hear while jobs run. In the embedded queue the
 * bus is this in-process emitter; a Redis queue implements `JobEventSource` over pub/sub so that
 * an HTTP process hears jobs that run in other processes.
 */
import type { JobError, JobProgress, JobRecord, JobStatus } from './types.js';

export type JobEvent =
  | { type: 'progress'; id: string; progress: JobProgress }
  | { type: 'status'; id: string; status: JobStatus; job: JobRecord; error?: JobError }
  | { type: 'requeued'; id: string; reason: string; job: JobRecord };

export type JobEventListener = (e: JobEvent) => void;

export interface JobEventSource {
  /** Listen to one job; returns the unsubscribe function. */
  subscribe(id: string, listener: JobEventListener): () => void;
  /** Listen to every job (metrics). */
  subscribeAll(listener: JobEventListener): () => void;
}

export class JobEventBus implements JobEventSource {
  private readonly byJob = new Map<string, Set<JobEventListener>>();
  private readonly all = new Set<JobEventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  subscribe(id: string, listener: JobEventListener): () => void {
    let set = this.byJob.get(id);
    if (!set) this.byJob.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byJob.get(id) === set) this.byJob.delete(id);
    };
  }

  subscribeAll(listener: JobEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  emit(e: JobEvent): void {
    for (const l of [...(this.byJob.get(e.id) ?? []), ...this.all]) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /** Subscribers of one job (tests, metrics). */
  listenerCount(id: string): number {
    return this.byJob.get(id)?.size ?? 0;
  }
}
