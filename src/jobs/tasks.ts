/**
 * The work a job does, as one entry point per job kind. Worker threads (embedded mode) and
 * worker processes (Redis mode) both call `executeTask`; the HTTP layer calls `validateTask`
 * at the door and the renderers to serve results. Everything here is plain data in, plain JSON
 * out, so it crosses thread and process boundaries unchanged.
 *
 * STATUS: `fit` and `properties` are wired to the library as those parts land; until then they
 * run the static energy evaluation so the service can be built and tested end to end.
 */
import { parseJob, type Limits } from '../document/parse.js';
import { energyReport } from '../cli/commands/energy.js';
import { throwIfAborted } from '../errors.js';

export type TaskKind = 'fit' | 'properties';

export interface TaskProgress {
  /** Iteration of the fit (0 before the first). */
  iteration: number;
  /** Current objective (weighted sum of squares), when known. */
  objective?: number;
  /** Current parameters by name (`Cd-Se.A`). */
  parameters?: Record<string, number>;
  elapsedMs: number;
  /** What is being done now ('relax', 'properties', 'fit', ...). */
  stage?: string;
  message?: string;
}

export interface TaskContext {
  onProgress: (p: TaskProgress) => void;
  signal: AbortSignal;
  /** Per-job limits from the server configuration. */
  limits?: Partial<Limits> & { maxWallTimeMs?: number };
}

/** Validate a document for a kind before accepting it. Throws DomainError with code and path. */
export function validateTask(_kind: TaskKind, document: unknown, limits?: Partial<Limits>): void {
  parseJob(document, { limits });
}

/** Run a task to completion; the result is JSON-serialisable. */
export async function executeTask(kind: TaskKind, document: unknown, ctx: TaskContext): Promise<unknown> {
  const t0 = Date.now();
  throwIfAborted(ctx.signal);
  ctx.onProgress({ iteration: 0, elapsedMs: 0, stage: kind === 'fit' ? 'fit' : 'properties' });
  const report = energyReport(document);
  throwIfAborted(ctx.signal);
  ctx.onProgress({ iteration: 1, elapsedMs: Date.now() - t0, stage: 'done' });
  return { kind, ...report };
}
