/**
 * The import use case: a GULP input (text) translated into a job document, with the lines that
 * could not be translated (never dropped silently), and whether the document runs as it is
 * (`latticefit import-gulp`, `POST /v1/imports/gulp`).
 */
import { isDomainError } from '../errors.js';
import { parseJob } from '../document/parse.js';
import type { JobDocument } from '../document/schema.js';
import { readGulp } from '../io/gulp-read.js';
import type { UntranslatedLine } from '../io/common.js';

export interface GulpImport {
  document: JobDocument;
  untranslated: UntranslatedLine[];
  /** Why the translated document does not run yet (a net charge, say); undefined when it runs. */
  problem?: { code: string; path?: string; message: string };
}

/** `options.library` reads a `library NAME` file (the CLI looks beside the input and in $GULP_LIB; the service has none). */
export function importGulp(text: string, options: Parameters<typeof readGulp>[1] = {}): GulpImport {
  const { document, untranslated } = readGulp(text, options);
  try {
    parseJob(document);
    return { document, untranslated };
  } catch (e) {
    if (!isDomainError(e)) throw e;
    return { document, untranslated, problem: { code: e.code, ...(e.path ? { path: e.path } : {}), message: e.message } };
  }
}
