/**
 * Property-based fuzzing of the doors with fast-check: job documents (valid ones and mutations of
 * them: values replaced by hostile numbers, strings and inherited member names, keys removed or
 * added) and GULP inputs (lines dropped, duplicated, numbers replaced), through `parseJob`,
 * POST /v1/fits, POST /v1/properties and POST /v1/imports/gulp (`app.inject`, the real validator,
 * a paused queue). What must hold for every input:
 *
 * - no 5xx and no exception other than a DomainError with a catalogue code;
 * - no hang: every call answers within `CALL_MS`;
 * - a job only from a document `parseJob` accepts; a refused one leaves the store unchanged;
 * - the error's `path` is a JSON pointer into what was sent (the value itself, or for a missing
 *   field its parent).
 *
 * Seeded (FUZZ_SEED, default fixed) and bounded (runs per property, and a time limit each), so the
 * suite is reproducible and finishes in well under a minute; a failure prints the seed and the
 * shrunk counterexample.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { rangeFor } from '../src/document/limits.js';
import { ERROR_CATALOGUE } from '../src/http/errors.js';
import { readGulp } from '../src/io/gulp-read.js';
import * as tasks from '../src/workflows/tasks.js';
import { buildTestApp, type TestApp } from './helpers/http-harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
/** Time limit of one property, ms (fast-check stops generating after it; what ran must pass). */
const PROPERTY_MS = 8000;
/** One call (parse or request) must answer within this, ms. */
const CALL_MS = 3000;
const settings = (numRuns: number) => ({ seed: SEED, numRuns, interruptAfterTimeLimit: PROPERTY_MS, markInterruptAsFailure: false });

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Rock salt in Fm-3m (2 sites, 8 atoms) with targets, bounds and options: every branch of the parser has something to bite. */
const rockSalt = (): Json => ({
  name: 'fuzz',
  species: { Na: { charge: 1, mass: 22.99 }, Cl: { charge: -1 } },
  potentials: [
    { type: 'buckingham', species: ['Na', 'Cl'], A: 1000, rho: 0.3, C: 0, cutoff: 10, vary: ['A', 'rho'], bounds: { rho: [0.1, 0.5] } },
    { type: 'lennard-jones', species: ['Cl', 'Cl'], epsilon: 0.01, sigma: 3.5, cutoff: 10 },
  ],
  structures: [
    { id: 'NaCl', spaceGroup: 'Fm-3m', cell: { a: 5.64 }, pressure: 0, sites: [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] }], properties: { a: { exp: 5.64, fit: 'exp', weight: 10 }, B: { exp: 24 } } },
    { id: 'NaCl-CsCl', spaceGroup: 221, cell: { a: 3.4 }, sites: [{ species: 'Na', frac: [0, 0, 0] }, { species: 'Cl', frac: [0.5, 0.5, 0.5] }], properties: { relativeEnergy: { dft: 0.3, reference: 'NaCl' } } },
  ],
  options: { relax: false, maxIterations: 5, pressure: 0, coulombAccuracy: 1e-6, defaultWeights: { length: 1 } },
});

const reference = (): Json => JSON.parse(readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8')) as Json;

/** Every JSON pointer of a value (the root included), as segment lists. */
function pointers(v: Json, at: string[] = [], out: string[][] = []): string[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pointers(x, [...at, String(i)], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) pointers(x, [...at, k], out);
  return out;
}

function lookup(doc: unknown, pointer: string): { found: boolean; parentFound: boolean } {
  if (pointer === '/' || pointer === '') return { found: true, parentFound: true };
  const segs = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let v: any = doc;
  for (let i = 0; i < segs.length; i++) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, segs[i]!)) return { found: false, parentFound: i === segs.length - 1 && v !== null && typeof v === 'object' };
    v = v[segs[i]!];
  }
  return { found: true, parentFound: true };
}

/** The path of an error points into the input: at the value, or (a missing field) at its parent. */
const expectPointerInto = (doc: unknown, path: unknown): void => {
  expect(typeof path, `path ${String(path)}`).toBe('string');
  const { found, parentFound } = lookup(doc, path as string);
  expect(found || parentFound, `path ${String(path)} is not in the input`).toBe(true);
};

/** Every number of an accepted document lies in the documented range of its pointer (src/document/limits.ts). */
function expectNumbersInRange(doc: Json): void {
  for (const segs of pointers(doc)) {
    let v: any = doc;
    for (const s of segs) v = v[s];
    if (typeof v !== 'number' || segs[0] === 'md') continue;
    const pointer = '/' + segs.join('/');
    const r = rangeFor(pointer);
    expect(r, `${pointer} = ${v} was accepted but has no documented range`).toBeDefined();
    expect(v >= r!.min && v <= r!.max && (!r!.exclusiveMin || v > r!.min), `${pointer} = ${v} was accepted outside its range`).toBe(true);
  }
}

/** Values a hostile client would send. */
const hostile: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(1e308, -1e308, 1e-300, -1e-300, 0, -0, -1, 1e6, 2 ** 53, 0.5, 180, 1e4, 'toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__', '', 'Na', 'Cl', 'Fm-3m', 'P1', 'R-3m', null, true, [], {}, [0, 0, 0], [1e308, 0, 0]),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 100_000 }),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

type Mutation = { kind: 'set'; at: number; value: Json } | { kind: 'delete'; at: number } | { kind: 'add'; at: number; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: hostile }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.constantFrom('toString', 'valueOf', 'x', 'weight', 'cutoff', 'a', 'Na'), value: hostile }) },
);

function mutate(doc: Json, muts: Mutation[]): Json {
  const d = structuredClone(doc);
  for (const m of muts) {
    const all = pointers(d);
    const segs = all[m.at % all.length]!;
    if (!segs.length) continue; // keep the root an object
    let parent: any = d;
    for (const s of segs.slice(0, -1)) parent = parent[s];
    const last = segs.at(-1)!;
    if (m.kind === 'set') parent[last] = structuredClone(m.value);
    else if (m.kind === 'delete') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else {
      const target = parent[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
    }
  }
  return d;
}

const documents: fc.Arbitrary<Json> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(rockSalt(), reference()) },
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(rockSalt(), rockSalt(), reference()), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([d, m]) => mutate(d, m)) },
);

const withTimeout = async <T,>(p: Promise<T> | T, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([Promise.resolve(p), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CALL_MS} ms`)), CALL_MS)))]);
  } finally {
    clearTimeout(timer);
  }
};

/** parseJob's verdict: accepted, or a DomainError (anything else fails the property). */
function verdict(doc: unknown): { ok: true } | { ok: false; code: string; path: unknown } {
  try {
    parseJob(doc);
    return { ok: true };
  } catch (e) {
    const d = e as { name?: string; code?: string; path?: unknown; stack?: string };
    if (d?.name !== 'DomainError') throw new Error(`parseJob threw ${d?.name}: ${d?.stack}`);
    return { ok: false, code: d.code!, path: d.path };
  }
}

describe('fuzz: parseJob', () => {
  it('accepts or refuses with a DomainError whose path points into the document', () => {
    fc.assert(
      fc.property(documents, (doc) => {
        const t0 = Date.now();
        const v = verdict(doc);
        expect(Date.now() - t0, 'parseJob took too long').toBeLessThan(CALL_MS);
        if (!v.ok) {
          expect(Object.keys(ERROR_CATALOGUE)).toContain(v.code);
          expectPointerInto(doc, v.path);
        } else expectNumbersInRange(doc);
      }),
      settings(300),
    );
  });
});

describe('fuzz: POST /v1/fits and /v1/properties', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ paused: true, validate: tasks.validateTask, env: { LATTICEFIT_SYNC_TIMEOUT_MS: '0', LATTICEFIT_MAX_ACTIVE_JOBS_PER_KEY: '0' } });
  });
  afterAll(() => t.close());

  it('never 5xx; a job only from a valid document; a refusal changes nothing and points into the body', async () => {
    await fc.assert(
      fc.asyncProperty(documents, fc.constantFrom('/v1/fits', '/v1/properties'), async (doc, url) => {
        const before = (await t.store.countByStatus()).queued;
        const res = await withTimeout(t.app.inject({ method: 'POST', url, payload: JSON.stringify(doc), headers: { 'content-type': 'application/json' } }), `POST ${url}`);
        expect(res.statusCode, res.body).toBeLessThan(500);
        const after = (await t.store.countByStatus()).queued;
        const v = verdict(doc);
        if (res.statusCode === 202) {
          expect(v.ok, `accepted a document parseJob refuses: ${JSON.stringify(v)}`).toBe(true);
          expect(after).toBe(before + 1);
        } else {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(after).toBe(before);
          const body = res.json();
          if (body.path !== undefined) expectPointerInto(doc, body.path);
          expect(v.ok, `refused (${body.code}) a document parseJob accepts`).toBe(false);
        }
      }),
      settings(120),
    );
  });
});

const GIN = readFileSync(new URL('../fixtures/io/cdse-pbse-relax-fit.gin', import.meta.url), 'utf8');

type LineEdit = { kind: 'drop' | 'dup'; at: number } | { kind: 'number'; at: number; value: string } | { kind: 'insert'; at: number; text: string };
const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('drop' as const, 'dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), value: fc.constantFrom('1e308', '-1e308', '1e-300', '0', '-1', 'nan', 'inf', '1/0', '99999999', 'toString', '') }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom('cell', 'fractional', 'species', 'buck', 'lennard', 'spacegroup', 'observables', 'end', 'toString core 0 0 0', 'constructor shel 1.0', '__proto__ core 2.0', 'cutp 1e9', 'cell\n1e308 1e308 1e308 90 90 90'), fc.string({ maxLength: 20 })) }),
);

function editGulp(text: string, edits: LineEdit[]): string {
  const lines = text.split('\n');
  for (const e of edits) {
    const i = e.at % Math.max(1, lines.length);
    if (e.kind === 'drop') lines.splice(i, 1);
    else if (e.kind === 'dup') lines.splice(i, 0, lines[i] ?? '');
    else if (e.kind === 'insert') lines.splice(i, 0, e.text);
    else if (e.kind === 'number') {
      const tokens = (lines[i] ?? '').split(/\s+/);
      const k = tokens.findIndex((tk) => /^-?\d/.test(tk));
      if (k >= 0) tokens[k] = e.value;
      lines[i] = tokens.join(' ');
    }
  }
  return lines.join('\n');
}

const gulpInputs = fc.oneof({ weight: 1, arbitrary: fc.constant(GIN) }, { weight: 6, arbitrary: fc.array(lineEdit, { minLength: 1, maxLength: 4 }).map((e) => editGulp(GIN, e)) }, { weight: 1, arbitrary: fc.string({ maxLength: 200 }) });

describe('fuzz: GULP inputs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ paused: true, validate: tasks.validateTask });
  });
  afterAll(() => t.close());

  it('readGulp translates or refuses with a DomainError; what it translates parseJob judges without crashing', () => {
    fc.assert(
      fc.property(gulpInputs, (gin) => {
        let doc: unknown;
        try {
          doc = readGulp(gin).document;
        } catch (e) {
          const d = e as { name?: string; stack?: string };
          if (d?.name !== 'DomainError') throw new Error(`readGulp threw ${d?.name}: ${d?.stack}`);
          return;
        }
        const v = verdict(doc);
        if (!v.ok) expectPointerInto(doc, v.path);
      }),
      settings(200),
    );
  });

  it('POST /v1/imports/gulp never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(gulpInputs, async (gin) => {
        const res = await withTimeout(t.app.inject({ method: 'POST', url: '/v1/imports/gulp', payload: gin, headers: { 'content-type': 'text/plain' } }), 'POST /v1/imports/gulp');
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      settings(100),
    );
  });
});

describe('fuzz: the harness can fail', () => {
  it('finds a planted bug: a "parser" that throws a TypeError on a negative charge', () => {
    const planted = (doc: any): void => {
      for (const s of Object.values<any>(doc?.species ?? {})) if (typeof s?.charge === 'number' && s.charge < -5) throw new TypeError('planted');
    };
    const out = fc.check(
      fc.property(documents, (doc) => {
        planted(doc);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(out.failed).toBe(true);
  });
});

describe('fuzz finds, kept as examples', () => {
  it('an untranslated observable announcing 1e9 items ("cutp 1e9" inside observables) is PARSE_ERROR, not a process crash', () => {
    const gin = GIN.replace(/^(bulk_modulus\n.*\n)/m, '$1cutp 1e9\n');
    expect(gin).toContain('cutp 1e9');
    expect(() => readGulp(gin)).toThrow(expect.objectContaining({ name: 'DomainError', code: 'PARSE_ERROR' }));
  });
});
