/**
 * The job-document check compiled ahead of time (src/document/job-validator.generated.ts) is the
 * one TypeBox compiles from schema.ts when the process starts: the committed file is current, it
 * accepts and refuses the same documents, and the errors reported from its embedded schema are
 * the ones the TypeBox schema gives.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { JobDocumentSchema } from '../src/document/schema.js';
import { GENERATED_VALIDATOR_FILE, jobValidatorSource } from '../src/document/validator-build.js';
import { Check, SCHEMA } from '../src/document/job-validator.generated.js';
import { checkSchema } from '../src/document/parse.js';
import { ROOT } from './helpers/child-process.js';

const runtime = Compile(JobDocumentSchema);
const fromJson = Compile(SCHEMA as unknown as typeof JobDocumentSchema);

/** Every job document in fixtures/ (top level and the fit suite). */
const documents: [string, unknown][] = [
  ...readdirSync(join(ROOT, 'fixtures')).filter((f) => f.endsWith('.json')).map((f) => [f, JSON.parse(readFileSync(join(ROOT, 'fixtures', f), 'utf8'))] as [string, unknown]),
  ...readdirSync(join(ROOT, 'fixtures/fit-suite'))
    .filter((f) => f.endsWith('.json') && !['starts.json', 'best-known.json'].includes(f))
    .map((f) => [`fit-suite/${f}`, JSON.parse(readFileSync(join(ROOT, 'fixtures/fit-suite', f), 'utf8'))] as [string, unknown]),
];

/** Every value in a document, by JSON pointer. */
function pointers(v: unknown, path = ''): string[] {
  if (v === null || typeof v !== 'object') return [path];
  const keys = Array.isArray(v) ? v.map((_, i) => String(i)) : Object.keys(v);
  return [path, ...keys.flatMap((k) => pointers((v as Record<string, unknown>)[k], `${path}/${k}`))];
}

/** A copy of `doc` with the value at `path` replaced (or deleted when `value` is `undefined`). */
function mutate(doc: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const keys = path.split('/').slice(1);
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete at[last];
  } else at[last] = value;
  return copy;
}

/** Mutants of a document: at every pointer, the value deleted, replaced by a string, a negative number, null, an object with an unknown field. */
function mutants(doc: unknown): unknown[] {
  const out: unknown[] = [];
  for (const p of pointers(doc).filter((p) => p !== '')) {
    for (const v of [undefined, 'x', -1, null, { unknownField: 1 }, 1.5]) out.push(mutate(doc, p, v));
  }
  return out;
}

describe('the compiled job-document check', () => {
  it(`${GENERATED_VALIDATOR_FILE} is current (run "npm run validator:write" after changing schema.ts)`, () => {
    expect(readFileSync(join(ROOT, GENERATED_VALIDATOR_FILE), 'utf8')).toBe(jobValidatorSource());
  });

  it('embeds the schema of schema.ts', () => {
    expect(SCHEMA).toEqual(JSON.parse(JSON.stringify(JobDocumentSchema)));
  });

  it.each(documents)('accepts %s as the runtime-compiled schema does', (_name, doc) => {
    expect(runtime.Check(doc)).toBe(true);
    expect(Check(doc)).toBe(true);
  });

  it('refuses and accepts the same mutants of every document as the runtime-compiled schema, with the same errors', () => {
    let refused = 0, total = 0;
    for (const [name, doc] of documents) {
      if (!['pbcdse-defects.json', 'oxides-formal-fit.json', 'fit-suite/nacl-lj.json'].includes(name)) continue;
      for (const m of mutants(doc)) {
        total++;
        const ok = runtime.Check(m);
        expect(Check(m)).toBe(ok);
        if (ok) continue;
        // the errors of every fifth refusal (enumerating them is the slow part)
        if (refused++ % 5 === 0) expect([...fromJson.Errors(m)]).toEqual([...runtime.Errors(m)]);
      }
    }
    // the mutations must exercise the refusals (most of them are wrong types)
    expect(refused).toBeGreaterThan(total / 2);
  });

  it('checkSchema names the path of the first problem', () => {
    const doc = documents.find(([n]) => n === 'pbcdse-published.json')![1];
    expect(() => checkSchema(mutate(doc, '/structures/0/cell/a', 'x'))).toThrow(/\/structures\/0\/cell\/a/);
    expect(() => checkSchema(mutate(doc, '/options/unknownOption', 1))).toThrow(/unknown field.*unknownOption/);
  });
});
