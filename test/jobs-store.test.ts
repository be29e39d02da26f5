/**
 * The JobStore contract (`helpers/store-contract.ts`), run on the in-memory store and on SQLite
 * in memory and on disk (`redis-store.test.ts` runs it on Redis), plus what only a file can
 * show: jobs survive reopening, and the schema is migrated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../src/jobs/memory-store.js';
import { SqliteJobStore } from '../src/jobs/sqlite-store.js';
import { canonicalJson, decodeCursor, encodeCursor, requestHash, type JobStore } from '../src/jobs/store.js';
import { newId } from '../src/jobs/ids.js';
import { input, storeContract } from './helpers/store-contract.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'latticefit-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const implementations: [string, () => JobStore][] = [
  ['MemoryJobStore', () => new MemoryJobStore()],
  ['SqliteJobStore (:memory:)', () => new SqliteJobStore({ filename: ':memory:' })],
  ['SqliteJobStore (file)', () => new SqliteJobStore({ dataDir: tempDir() })],
];

describe.each(implementations)('%s', (_name, make) => {
  storeContract(make);
});

describe('SqliteJobStore on disk', () => {
  it('keeps every job across a reopen, in WAL mode', async () => {
    const dir = tempDir();
    const a = new SqliteJobStore({ dataDir: dir });
    const { job } = await a.create(input({ idempotencyKey: 'k' }));
    await a.claimNext();
    await a.updateProgress(job.id, 1, { iteration: 2, elapsedMs: 3 });
    await a.close();
    const b = new SqliteJobStore({ dataDir: dir });
    expect(await b.get(job.id)).toMatchObject({ status: 'running', progress: { iteration: 2, elapsedMs: 3 }, idempotencyKey: 'k' });
    expect(await b.getDocument(job.id)).toEqual(input().document);
    await b.close();
    const raw = new Database(join(dir, 'jobs.sqlite'), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('migrates a new file to the current schema version and refuses a newer one', async () => {
    const dir = tempDir();
    const s = new SqliteJobStore({ dataDir: dir });
    expect(s.schemaVersion).toBe(1);
    await s.close();
    const raw = new Database(join(dir, 'jobs.sqlite'));
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteJobStore({ dataDir: dir })).toThrow(/schema version 99/);
  });
});

describe('ids, cursors and request hashes', () => {
  it('makes ids that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('round-trips cursors and rejects foreign ones', () => {
    expect(decodeCursor(encodeCursor('01ABC'))).toBe('01ABC');
    expect(decodeCursor('garbage')).toBeUndefined();
  });

  it('hashes requests independently of key order, and by kind', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(requestHash('fit', { a: 1, b: 2 })).toBe(requestHash('fit', { b: 2, a: 1 }));
    expect(requestHash('fit', { a: 1 })).not.toBe(requestHash('properties', { a: 1 }));
  });
});
