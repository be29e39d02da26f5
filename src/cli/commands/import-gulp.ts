/**
 * `latticefit import-gulp FILE.gin [--out FILE]`: translate a GULP input into a job document.
 * The document is printed (or written to --out); lines that were not translated are listed on
 * stderr, with the reason, and so is a document that does not yet run (e.g. a net charge).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { DomainError } from '../../errors.js';
import { importGulp } from '../../workflows/import.js';

export interface ImportGulpOptions {
  /** Write the document here instead of returning it. */
  out?: string;
  /** Where notes go (default: process.stderr). */
  warn?: (text: string) => void;
}

export function importGulpCommand(file: string, options: ImportGulpOptions = {}): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DomainError('PARSE_ERROR', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  const warn = options.warn ?? ((s: string) => void process.stderr.write(s));
  const { document, untranslated, problem } = importGulp(text, { library: (name) => readGulpLibrary(name, dirname(file)) });
  if (untranslated.length) {
    warn(`${file}: ${untranslated.length} line${untranslated.length === 1 ? '' : 's'} not translated:\n`);
    for (const u of untranslated) warn(`  line ${u.line}: ${u.text}  -- ${u.reason}\n`);
  }
  if (problem) warn(`${file}: the translated document does not run yet: ${problem.code}${problem.path ? ` at ${problem.path}` : ''}: ${problem.message}\n`);
  const json = JSON.stringify(document, null, 2) + '\n';
  if (options.out) {
    writeFileSync(options.out, json);
    return `wrote ${options.out}: ${document.structures.length} structure${document.structures.length === 1 ? '' : 's'}, ${document.potentials.length} potential${document.potentials.length === 1 ? '' : 's'}\n`;
  }
  return json;
}

/** A `library NAME` file as GULP finds it: beside the input, then in $GULP_LIB; `.lib` added when NAME has no extension. */
export function readGulpLibrary(name: string, besideInput: string): string | undefined {
  const names = extname(name) ? [name] : [name, `${name}.lib`];
  const dirs = isAbsolute(name) ? [''] : [besideInput, ...(process.env.GULP_LIB ? [process.env.GULP_LIB] : [])];
  for (const d of dirs)
    for (const n of names) {
      const f = d ? join(d, n) : n;
      if (existsSync(f)) return readFileSync(f, 'utf8');
    }
  return undefined;
}
