/** What the routes share: the resolved dependencies of `buildApp`. */
import type { Config } from '../config.js';
import type { JobQueue } from '../jobs/queue.js';
import type { JobStore } from '../jobs/store.js';
import type { TaskKind } from '../jobs/types.js';
import type { Metrics } from './metrics.js';
import type { Renderers } from './renderers.js';
import type { GulpImport } from '../workflows/import.js';

/** Mutable run state of the service (set by the server on shutdown). */
export interface ServiceState {
  /** Shutting down: new jobs are refused with 503 and /readyz fails. */
  draining: boolean;
}

export interface AppContext {
  store: JobStore;
  queue: JobQueue;
  config: Config;
  /** The door check (the task module's `validateTask`, in a worker thread in the service): rejects with a DomainError with code and path. */
  validate: (kind: TaskKind, document: unknown, limits: Config['limits'], text?: string) => Promise<unknown>;
  /** A GULP input translated into a job document (in a worker thread in the service). */
  importGulp: (text: string) => Promise<GulpImport>;
  renderers: Renderers;
  metrics: Metrics;
  state: ServiceState;
  /** End functions of open SSE streams (ended at shutdown). */
  openStreams: Set<() => void>;
}
