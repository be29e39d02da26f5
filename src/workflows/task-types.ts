/** The kinds of task and their progress reports: shared by the use cases (`tasks.ts`) and the job machinery (`jobs/`). */
/** What a job computes: a relaxed fit, the properties of a document, or its defects and mixed phases (`workflows/tasks.ts`). */
export type TaskKind = 'fit' | 'properties' | 'defects';

/** Progress of a running task. */
export interface TaskProgress {
  /** Iteration of the fit (0 before the first). */
  iteration: number;
  /** Current objective (weighted sum of squares), when known. */
  objective?: number;
  /** Current parameters by name (`Cd-Se.A`). */
  parameters?: Record<string, number>;
  elapsedMs: number;
  /** false for a rejected trial step of the fit (failed relaxation, change of character, F up), true for an accepted one; absent outside the fit loop. */
  accepted?: boolean;
  /** What is being done now ('start', 'fit', 'final', 'properties', ...). */
  stage?: string;
  message?: string;
}
