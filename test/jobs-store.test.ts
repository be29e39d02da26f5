/**
 * The JobStore contract, run on every implementation (in-memory, SQLite in memory, SQLite on
 * disk), plus what only a file can show: jobs survive reopening, and the schema is migrated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../src/jobs/memory-store.js';
import { SqliteJobStore } from '../src/jobs/sqlite-store.js';
import { canonicalJson, decodeCursor, encodeCursor, requestHash, type JobStore, type NewJob } from '../src/jobs/store.js';
import { newId } from '../src/jobs/ids.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'latticefit-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const input = (over: Partial<NewJob> = {}): NewJob => ({
  kind: 'fit',
  owner: null,
  name: 'job',
  document: { name: 'job', structures: [{ id: 's' }] },
  requestHash: 'h1',
  ...over,
});

const implementations: [string, () => JobStore][] = [
  ['MemoryJobStore', () => new MemoryJobStore()],
  ['SqliteJobStore (:memory:)', () => new SqliteJobStore({ filename: ':memory:' })],
  ['SqliteJobStore (file)', () => new SqliteJobStore({ dataDir: tempDir() })],
];

describe.each(implementations)('%s', (_name, make) => {
  it('creates a queued job and reads it back with its document', async () => {
    const s = make();
    const { job, created } = await s.create(input());
    expect(created).toBe(true);
    expect(job).toMatchObject({ kind: 'fit', status: 'queued', attempts: 0, requeues: 0, progress: null, error: null, owner: null });
    expect(await s.get(job.id)).toEqual(job);
    expect(await s.getDocument(job.id)).toEqual(input().document);
    expect(await s.getResult(job.id)).toBeUndefined();
    expect(await s.get('nope')).toBeUndefined();
    await s.close();
  });

  it('returns the existing job for a reused idempotency key of the same owner only', async () => {
    const s = make();
    const a = await s.create(input({ idempotencyKey: 'k', owner: 'o1' }));
    const b = await s.create(input({ idempotencyKey: 'k', owner: 'o1', requestHash: 'other' }));
    const c = await s.create(input({ idempotencyKey: 'k', owner: 'o2' }));
    expect(b).toEqual({ job: a.job, created: false });
    expect(c.created).toBe(true);
    expect((await s.findByIdempotencyKey('o1', 'k'))?.id).toBe(a.job.id);
    expect(await s.findByIdempotencyKey(null, 'k')).toBeUndefined();
    await s.close();
  });

  it('claims the highest priority, then the oldest queued job, and marks it running', async () => {
    const s = make();
    const first = (await s.create(input())).job;
    const second = (await s.create(input())).job;
    const urgent = (await s.create(input({ priority: 1 }))).job;
    const c1 = await s.claimNext();
    expect(c1?.id).toBe(urgent.id);
    expect(c1).toMatchObject({ status: 'running', attempts: 1 });
    expect(c1?.startedAt).not.toBeNull();
    expect(c1?.document).toEqual(input().document);
    expect((await s.claimNext())?.id).toBe(first.id);
    expect((await s.claimNext())?.id).toBe(second.id);
    expect(await s.claimNext()).toBeUndefined();
    await s.close();
  });

  it('completes a running attempt with its result and final progress', async () => {
    const s = make();
    const { job } = await s.create(input());
    const c = (await s.claimNext())!;
    expect(await s.updateProgress(job.id, c.attempts, { iteration: 3, elapsedMs: 5, objective: 1.5, stage: 'fit' })).toBe(true);
    expect((await s.get(job.id))?.progress).toEqual({ iteration: 3, elapsedMs: 5, objective: 1.5, stage: 'fit' });
    const done = await s.complete(job.id, c.attempts, { ok: [1, 2] }, { iteration: 4, elapsedMs: 9 });
    expect(done).toMatchObject({ status: 'succeeded', progress: { iteration: 4, elapsedMs: 9 } });
    expect(done?.finishedAt).not.toBeNull();
    expect(await s.getResult(job.id)).toEqual({ ok: [1, 2] });
    await s.close();
  });

  it('fences writes by state and attempt: a stale or cancelled attempt cannot write', async () => {
    const s = make();
    const { job } = await s.create(input());
    const c = (await s.claimNext())!;
    expect(await s.updateProgress(job.id, c.attempts + 1, { iteration: 1, elapsedMs: 1 })).toBe(false);
    expect(await s.complete(job.id, c.attempts + 1, 1)).toBeUndefined();
    expect(await s.cancel(job.id)).toMatchObject({ changed: true, job: { status: 'cancelled' } });
    expect(await s.complete(job.id, c.attempts, 1)).toBeUndefined();
    expect(await s.fail(job.id, c.attempts, { code: 'X', message: 'x' })).toBeUndefined();
    expect(await s.requeue(job.id, c.attempts, 'r')).toBeUndefined();
    expect(await s.updateProgress(job.id, c.attempts, { iteration: 1, elapsedMs: 1 })).toBe(false);
    expect((await s.get(job.id))?.status).toBe('cancelled');
    expect(await s.getResult(job.id)).toBeUndefined();
    await s.close();
  });

  it('records a failure with its code, message and path', async () => {
    const s = make();
    const { job } = await s.create(input());
    const c = (await s.claimNext())!;
    const failed = await s.fail(job.id, c.attempts, { code: 'NUMERICAL_FAILURE', message: 'singular', path: '/structures/0' });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'NUMERICAL_FAILURE', message: 'singular', path: '/structures/0' } });
    await s.close();
  });

  it('cancels queued and running jobs, and is a no-op on finished ones', async () => {
    const s = make();
    const q = (await s.create(input())).job;
    const r = (await s.create(input())).job;
    const d = (await s.create(input())).job;
    await s.claimNext(); // q running
    await s.claimNext(); // r running
    await s.complete(r.id, 1, null);
    expect(await s.cancel(q.id)).toMatchObject({ changed: true, job: { status: 'cancelled' } });
    expect(await s.cancel(q.id)).toMatchObject({ changed: false, job: { status: 'cancelled' } });
    expect(await s.cancel(r.id)).toMatchObject({ changed: false, job: { status: 'succeeded' } });
    expect(await s.cancel(d.id)).toMatchObject({ changed: true, job: { status: 'cancelled' } });
    expect(await s.cancel('nope')).toBeUndefined();
    await s.close();
  });

  it('requeues a running attempt, and all running jobs at start-up, saying why', async () => {
    const s = make();
    const a = (await s.create(input())).job;
    const b = (await s.create(input())).job;
    await s.claimNext();
    await s.claimNext();
    const back = await s.requeue(a.id, 1, 'requeued at shutdown');
    expect(back).toMatchObject({ status: 'queued', requeues: 1, startedAt: null, lastRequeue: { reason: 'requeued at shutdown' } });
    const all = await s.requeueRunning('requeued after restart');
    expect(all.map((j) => j.id)).toEqual([b.id]);
    expect(await s.get(b.id)).toMatchObject({ status: 'queued', requeues: 1, attempts: 1, lastRequeue: { reason: 'requeued after restart' } });
    // the next claim is attempt 2
    const again = await s.claimNext();
    expect(again).toMatchObject({ id: a.id, attempts: 2 });
    await s.close();
  });

  it('lists one owner’s jobs newest first, by kind and status, page by page', async () => {
    const s = make();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await s.create(input({ owner: 'me', kind: i === 6 ? 'properties' : 'fit' }))).job.id);
    await s.create(input({ owner: 'someone else' }));
    await s.cancel(ids[0]!);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.list({ owner: 'me', kind: 'fit', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids.slice(0, 6).reverse());
    const cancelled = await s.list({ owner: 'me', status: 'cancelled', limit: 10 });
    expect(cancelled).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect((await s.list({ owner: null, limit: 10 })).jobs).toEqual([]);
    await s.close();
  });

  it('counts jobs by status', async () => {
    const s = make();
    await s.create(input());
    await s.create(input());
    await s.claimNext();
    expect(await s.countByStatus()).toEqual({ queued: 1, running: 1, succeeded: 0, failed: 0, cancelled: 0 });
    expect(await s.ping()).toBe(true);
    await s.close();
    expect(await s.ping()).toBe(false);
  });
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
