/**
 * One start of a multi-start fit, in a worker thread, when the task module has no `runStart` of
 * its own: the library's (`workflows/fit-job.ts`). It is imported on first use, so that threads
 * which never run a start never load it.
 */
import type { StartOutcome } from '../workflows/tasks.js';

export async function runLibraryStart(document: unknown, start: number[], signal: AbortSignal): Promise<StartOutcome> {
  const { runFitStart } = await import('../workflows/fit-job.js');
  return runFitStart(document, start, { signal });
}
