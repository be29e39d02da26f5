/**
 * One start of a multi-start fit, in a worker thread, when the task module has no `runStart` of
 * its own: parse the document and run the library's `runStart` from the given parameters. The
 * library is imported on first use, so that threads which never run a start never load it.
 */
import type { StartOutcome } from '../fitting/fit.js';

export async function runLibraryStart(document: unknown, start: number[], signal: AbortSignal): Promise<StartOutcome> {
  const [{ parseJob }, { runStart }] = await Promise.all([import('../document/parse.js'), import('../fitting/fit.js')]);
  return runStart(parseJob(document), start, { signal });
}
