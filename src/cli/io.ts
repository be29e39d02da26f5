/** Small I/O helpers of the CLI: read a JSON file, print errors the way a user can act on. */
import { readFileSync } from 'node:fs';
import { DomainError, isDomainError } from '../errors.js';

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DomainError('INVALID_DOCUMENT', `cannot read ${path}: ${(e as Error).message}`, { path: '/' });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError('INVALID_DOCUMENT', `${path} is not valid JSON: ${(e as Error).message}`, { path: '/' });
  }
}

/** Print an error to stderr; returns the exit code (2 for bad input, 1 otherwise). */
export function reportError(err: unknown): number {
  if (isDomainError(err)) {
    process.stderr.write(`error ${err.code}${err.path ? ` at ${err.path}` : ''}: ${err.message}\n`);
    return 2;
  }
  if (err instanceof Error && err.name === 'ConfigError') {
    // a bad environment variable: say which and why, no stack trace
    process.stderr.write(`configuration error: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

export const fmt = (x: number, digits = 6): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/** A plain-text table with aligned columns. */
export function textTable(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
