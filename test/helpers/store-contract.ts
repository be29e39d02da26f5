/**
 * The JobStore contract: every implementation (in-memory, SQLite in memory and on disk, Redis)
 * must pass these cases. `make` returns a new, empty store each time.
 */
import { expect, it } from 'vitest';
import type { JobStore, NewJob } from '../../src/jobs/store.js';

export const input = (over: Partial<NewJob> = {}): NewJob => ({
  kind: 'fit',
  owner: null,
  name: 'job',
  document: { name: 'job', structures: [{ id: 's' }] },
  requestHash: 'h1',
  ...over,
});

export function storeContract(make: () => JobStore): void {
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

  it('claimNext with skipOwners passes over those owners\' jobs, not the ones without an owner', async () => {
    const s = make();
    const a1 = (await s.create(input({ owner: 'a' }))).job;
    const a2 = (await s.create(input({ owner: 'a' }))).job;
    const b = (await s.create(input({ owner: 'b' }))).job;
    const anonymous = (await s.create(input())).job;
    expect((await s.claimNext({ skipOwners: ['a'] }))?.id).toBe(b.id);
    expect((await s.claimNext({ skipOwners: ['a', 'b'] }))?.id).toBe(anonymous.id);
    expect(await s.claimNext({ skipOwners: ['a'] })).toBeUndefined();
    expect((await s.claimNext())?.id).toBe(a1.id);
    expect((await s.claimNext({ skipOwners: [] }))?.id).toBe(a2.id);
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

  it('claims a job by id, and takes over a running one as the next attempt, counting a requeue', async () => {
    const s = make();
    const a = (await s.create(input())).job;
    const b = (await s.create(input({ priority: 1 }))).job;
    const c1 = await s.claim(a.id, 'requeued after its worker was lost');
    expect(c1).toMatchObject({ id: a.id, status: 'running', attempts: 1, requeues: 0, lastRequeue: null, document: input().document });
    expect(await s.updateProgress(a.id, 1, { iteration: 1, elapsedMs: 1 })).toBe(true);
    const c2 = await s.claim(a.id, 'requeued after its worker was lost');
    expect(c2).toMatchObject({ id: a.id, status: 'running', attempts: 2, requeues: 1, progress: null, lastRequeue: { reason: 'requeued after its worker was lost' } });
    // the lost attempt is fenced out
    expect(await s.complete(a.id, 1, 'stale')).toBeUndefined();
    expect(await s.complete(a.id, 2, 'fresh')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await s.getResult(a.id)).toBe('fresh');
    // ended or unknown jobs cannot be claimed; claimNext still sees the other one
    expect(await s.claim(a.id, 'r')).toBeUndefined();
    expect(await s.claim('nope', 'r')).toBeUndefined();
    await s.cancel(b.id);
    expect(await s.claim(b.id, 'r')).toBeUndefined();
    expect(await s.countByStatus()).toEqual({ queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 1 });
    await s.close();
  });

  it('a job claimed by id is no longer queued for claimNext', async () => {
    const s = make();
    const a = (await s.create(input())).job;
    await s.claim(a.id, 'r');
    expect(await s.claimNext()).toBeUndefined();
    expect(await s.requeueRunning('requeued after restart')).toEqual([expect.objectContaining({ id: a.id, status: 'queued' })]);
    expect((await s.claimNext())?.id).toBe(a.id);
    await s.close();
  });
}
