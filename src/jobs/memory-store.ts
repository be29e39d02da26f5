/**
 * In-memory `JobStore` for tests and throw-away servers. Same contract as the SQLite store;
 * values are deep-copied in and out (structuredClone) so callers cannot alias stored state.
 */
import { newId } from './ids.js';
import { decodeCursor, emptyCounts, encodeCursor, newJobRecord, type ClaimOptions, type JobPage, type JobStore, type ListQuery, type NewJob } from './store.js';
import type { ClaimedJob, JobError, JobProgress, JobRecord, JobStatus } from './types.js';

interface Row {
  job: JobRecord;
  document: unknown;
  result: unknown;
}

export class MemoryJobStore implements JobStore {
  private readonly rows = new Map<string, Row>();
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of jobs (tests assert "store unchanged"). */
  get size(): number {
    return this.rows.size;
  }

  private check(): void {
    if (this.closed) throw new Error('job store is closed');
  }

  private out(row: Row | undefined): JobRecord | undefined {
    return row ? structuredClone(row.job) : undefined;
  }

  async create(input: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    this.check();
    if (input.idempotencyKey) {
      const existing = await this.findByIdempotencyKey(input.owner, input.idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    const t = this.now();
    const job: JobRecord = newJobRecord(input, newId(t), t);
    this.rows.set(job.id, { job, document: structuredClone(input.document), result: undefined });
    return { job: structuredClone(job), created: true };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    this.check();
    return this.out(this.rows.get(id));
  }

  async getDocument(id: string): Promise<unknown> {
    this.check();
    const r = this.rows.get(id);
    return r ? structuredClone(r.document) : undefined;
  }

  async getResult(id: string): Promise<unknown> {
    this.check();
    const r = this.rows.get(id);
    return r?.job.status === 'succeeded' ? structuredClone(r.result) : undefined;
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<JobRecord | undefined> {
    this.check();
    for (const r of this.rows.values()) if (r.job.owner === owner && r.job.idempotencyKey === key) return this.out(r);
    return undefined;
  }

  async list(q: ListQuery): Promise<JobPage> {
    this.check();
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const all = [...this.rows.values()]
      .map((r) => r.job)
      .filter((j) => j.owner === q.owner && (!q.kind || j.kind === q.kind) && (!q.status || j.status === q.status) && (after === undefined || j.id < after))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const jobs = all.slice(0, q.limit).map((j) => structuredClone(j));
    return { jobs, nextCursor: all.length > q.limit ? encodeCursor(jobs[jobs.length - 1]!.id) : null };
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    this.check();
    const c = emptyCounts();
    for (const r of this.rows.values()) c[r.job.status]++;
    return c;
  }

  async claimNext(opts: ClaimOptions = {}): Promise<ClaimedJob | undefined> {
    this.check();
    const skip = new Set(opts.skipOwners ?? []);
    let best: Row | undefined;
    for (const r of this.rows.values()) {
      if (r.job.status !== 'queued' || (r.job.owner !== null && skip.has(r.job.owner))) continue;
      if (!best || r.job.priority > best.job.priority || (r.job.priority === best.job.priority && r.job.id < best.job.id)) best = r;
    }
    if (!best) return undefined;
    const t = this.now();
    Object.assign(best.job, { status: 'running', attempts: best.job.attempts + 1, startedAt: t, updatedAt: t, progress: null, error: null });
    return { ...structuredClone(best.job), document: structuredClone(best.document) };
  }

  async claim(id: string, takeoverReason: string): Promise<ClaimedJob | undefined> {
    this.check();
    const r = this.rows.get(id);
    if (!r || (r.job.status !== 'queued' && r.job.status !== 'running')) return undefined;
    const t = this.now();
    if (r.job.status === 'running') Object.assign(r.job, { requeues: r.job.requeues + 1, lastRequeue: { at: t, reason: takeoverReason } });
    Object.assign(r.job, { status: 'running', attempts: r.job.attempts + 1, startedAt: t, updatedAt: t, progress: null, error: null });
    return { ...structuredClone(r.job), document: structuredClone(r.document) };
  }

  private running(id: string, attempt: number): Row | undefined {
    const r = this.rows.get(id);
    return r && r.job.status === 'running' && r.job.attempts === attempt ? r : undefined;
  }

  async updateProgress(id: string, attempt: number, progress: JobProgress): Promise<boolean> {
    this.check();
    const r = this.running(id, attempt);
    if (!r) return false;
    r.job.progress = structuredClone(progress);
    r.job.updatedAt = this.now();
    return true;
  }

  async complete(id: string, attempt: number, result: unknown, progress?: JobProgress): Promise<JobRecord | undefined> {
    this.check();
    const r = this.running(id, attempt);
    if (!r) return undefined;
    const t = this.now();
    r.result = structuredClone(result);
    Object.assign(r.job, { status: 'succeeded', finishedAt: t, updatedAt: t, ...(progress ? { progress: structuredClone(progress) } : {}) });
    return this.out(r);
  }

  async fail(id: string, attempt: number, error: JobError): Promise<JobRecord | undefined> {
    this.check();
    const r = this.running(id, attempt);
    if (!r) return undefined;
    const t = this.now();
    Object.assign(r.job, { status: 'failed', error: structuredClone(error), finishedAt: t, updatedAt: t });
    return this.out(r);
  }

  async requeue(id: string, attempt: number, reason: string): Promise<JobRecord | undefined> {
    this.check();
    const r = this.running(id, attempt);
    if (!r) return undefined;
    this.toQueued(r, reason);
    return this.out(r);
  }

  private toQueued(r: Row, reason: string): void {
    const t = this.now();
    Object.assign(r.job, { status: 'queued', startedAt: null, requeues: r.job.requeues + 1, lastRequeue: { at: t, reason }, updatedAt: t });
  }

  async cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined> {
    this.check();
    const r = this.rows.get(id);
    if (!r) return undefined;
    const changed = r.job.status === 'queued' || r.job.status === 'running';
    if (changed) {
      const t = this.now();
      Object.assign(r.job, { status: 'cancelled', finishedAt: t, updatedAt: t });
    }
    return { job: structuredClone(r.job), changed };
  }

  async requeueRunning(reason: string): Promise<JobRecord[]> {
    this.check();
    const out: JobRecord[] = [];
    for (const r of this.rows.values()) {
      if (r.job.status !== 'running') continue;
      this.toQueued(r, reason);
      out.push(structuredClone(r.job));
    }
    return out;
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
