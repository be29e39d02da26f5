/**
 * Keeps the README's generated tables (error catalogue, configuration variables) in step with the
 * code: `node --import tsx scripts/readme-tables.ts --write` rewrites the blocks between
 * `<!-- NAME:start -->` and `<!-- NAME:end -->`; `--check` exits 1 when they differ
 * (test/readme.test.ts runs the same check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorTable } from '../src/http/errors.js';
import { renderConfigTable } from '../src/config.js';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));

export function generatedBlocks(): Record<string, string> {
  return { 'error-table': renderErrorTable().trim(), 'config-table': renderConfigTable().trim() };
}

/** The README with every generated block replaced by its current content. */
export function updatedReadme(text: string): string {
  let out = text;
  for (const [name, body] of Object.entries(generatedBlocks())) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`README has no ${name} block`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}${body}\n${b}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(README, 'utf8');
  const next = updatedReadme(text);
  if (process.argv.includes('--write')) writeFileSync(README, next);
  else if (next !== text) {
    console.error('README tables are out of date: run node --import tsx scripts/readme-tables.ts --write');
    process.exitCode = 1;
  }
}
