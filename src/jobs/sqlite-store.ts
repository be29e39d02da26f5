/**
 * `JobStore` on SQLite (better-sqlite3): one file `jobs.sqlite` under the data directory, WAL
 * journal (readers never block the writer), `synchronous=NORMAL` (an acknowledged job survives a
 * process crash; a power cut may lose the last transactions), schema migrated on open through
 * `PRAGMA user_version`.
 *
 * Schema (version 1):
 *
 *   jobs          one row per job: state, owner, idempotency key, progress, error, timings
 *                 (milliseconds since the epoch). Ids are ULIDs, so `ORDER BY id` is creation order.
 *   job_payloads  the document and the result (large JSON), apart so that status reads and
 *                 listings never touch them.
 *
 * Every state transition is one UPDATE whose WHERE clause states the expected state and attempt
 * (`status = 'running' AND attempts = ?`), so it is atomic even with several processes on the file.
 * better-sqlite3 is synchronous: the methods are `async` only to honour the `JobStore` contract;
 * each statement takes microseconds on this table, well below what would stall the event loop.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from './ids.js';
import { decodeCursor, emptyCounts, encodeCursor, type ClaimOptions, type JobPage, type JobStore, type ListQuery, type NewJob } from './store.js';
import { JOB_STATUSES, type ClaimedJob, type JobError, type JobProgress, type JobRecord, type JobStatus, type TaskKind } from './types.js';

const MIGRATIONS: string[] = [
  // 1: initial schema
  `
  CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    owner            TEXT,
    name             TEXT,
    priority         INTEGER NOT NULL DEFAULT 0,
    idempotency_key  TEXT,
    request_hash     TEXT NOT NULL,
    atoms            INTEGER,
    progress         TEXT,
    error            TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    requeues         INTEGER NOT NULL DEFAULT 0,
    last_requeue_at  INTEGER,
    last_requeue_reason TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX jobs_idempotency ON jobs (ifnull(owner, ''), idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_queue ON jobs (status, priority DESC, id);
  CREATE INDEX jobs_listing ON jobs (ifnull(owner, ''), kind, id);
  CREATE TABLE job_payloads (
    job_id    TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    document  TEXT NOT NULL,
    result    TEXT
  ) STRICT;
  `,
];

interface JobRow {
  id: string;
  kind: string;
  status: string;
  owner: string | null;
  name: string | null;
  priority: number;
  idempotency_key: string | null;
  request_hash: string;
  atoms: number | null;
  progress: string | null;
  error: string | null;
  attempts: number;
  requeues: number;
  last_requeue_at: number | null;
  last_requeue_reason: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

const COLUMNS = `id, kind, status, owner, name, priority, idempotency_key, request_hash, atoms, progress, error, attempts, requeues,
  last_requeue_at, last_requeue_reason, created_at, started_at, finished_at, updated_at`;

function toRecord(r: JobRow): JobRecord {
  return {
    id: r.id,
    kind: r.kind as TaskKind,
    status: r.status as JobStatus,
    owner: r.owner,
    name: r.name,
    priority: r.priority,
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
    atoms: r.atoms,
    progress: r.progress ? (JSON.parse(r.progress) as JobProgress) : null,
    error: r.error ? (JSON.parse(r.error) as JobError) : null,
    attempts: r.attempts,
    requeues: r.requeues,
    lastRequeue: r.last_requeue_at !== null ? { at: r.last_requeue_at, reason: r.last_requeue_reason ?? '' } : null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  };
}

function prepareStatements(db: Database.Database) {
  return {
    insertJob: db.prepare(
      `INSERT INTO jobs (id, kind, status, owner, name, priority, idempotency_key, request_hash, atoms, created_at, updated_at)
       VALUES (@id, @kind, 'queued', @owner, @name, @priority, @idempotencyKey, @requestHash, @atoms, @t, @t)`,
    ),
    insertPayload: db.prepare('INSERT INTO job_payloads (job_id, document) VALUES (?, ?)'),
    get: db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`),
    document: db.prepare('SELECT document FROM job_payloads WHERE job_id = ?').pluck(),
    result: db.prepare(`SELECT p.result FROM job_payloads p JOIN jobs j ON j.id = p.job_id WHERE p.job_id = ? AND j.status = 'succeeded'`).pluck(),
    byKey: db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE ifnull(owner, '') = ifnull(?, '') AND idempotency_key = ?`),
    counts: db.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status'),
    claim: db.prepare(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = @t, updated_at = @t, progress = NULL, error = NULL
       WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND ifnull(owner, '') NOT IN (SELECT value FROM json_each(@skip)) ORDER BY priority DESC, id LIMIT 1)
       RETURNING ${COLUMNS}`,
    ),
    claimId: db.prepare(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = @t, updated_at = @t, progress = NULL, error = NULL,
         requeues = requeues + (status = 'running'),
         last_requeue_at = CASE WHEN status = 'running' THEN @t ELSE last_requeue_at END,
         last_requeue_reason = CASE WHEN status = 'running' THEN @reason ELSE last_requeue_reason END
       WHERE id = @id AND status IN ('queued', 'running')
       RETURNING ${COLUMNS}`,
    ),
    progress: db.prepare(`UPDATE jobs SET progress = @progress, updated_at = @t WHERE id = @id AND status = 'running' AND attempts = @attempt`),
    complete: db.prepare(
      `UPDATE jobs SET status = 'succeeded', finished_at = @t, updated_at = @t, progress = coalesce(@progress, progress)
       WHERE id = @id AND status = 'running' AND attempts = @attempt RETURNING ${COLUMNS}`,
    ),
    setResult: db.prepare('UPDATE job_payloads SET result = ? WHERE job_id = ?'),
    fail: db.prepare(
      `UPDATE jobs SET status = 'failed', error = @error, finished_at = @t, updated_at = @t
       WHERE id = @id AND status = 'running' AND attempts = @attempt RETURNING ${COLUMNS}`,
    ),
    requeue: db.prepare(
      `UPDATE jobs SET status = 'queued', started_at = NULL, requeues = requeues + 1, last_requeue_at = @t, last_requeue_reason = @reason, updated_at = @t
       WHERE id = @id AND status = 'running' AND attempts = @attempt RETURNING ${COLUMNS}`,
    ),
    requeueAll: db.prepare(
      `UPDATE jobs SET status = 'queued', started_at = NULL, requeues = requeues + 1, last_requeue_at = @t, last_requeue_reason = @reason, updated_at = @t
       WHERE status = 'running' RETURNING ${COLUMNS}`,
    ),
    cancel: db.prepare(`UPDATE jobs SET status = 'cancelled', finished_at = @t, updated_at = @t WHERE id = @id AND status IN ('queued', 'running')`),
    ping: db.prepare('SELECT 1').pluck(),
  };
}

export interface SqliteJobStoreOptions {
  /** Directory holding `jobs.sqlite`; created if missing. Ignored when `filename` is given. */
  dataDir?: string;
  /** Database file, or ':memory:'. */
  filename?: string;
  now?: () => number;
}

export class SqliteJobStore implements JobStore {
  readonly filename: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  /** Listing statements by shape (at most 8: kind × status × cursor present or not). */
  private readonly listStatements = new Map<string, Database.Statement>();

  constructor(opts: SqliteJobStoreOptions) {
    if (opts.filename) this.filename = opts.filename;
    else {
      const dir = opts.dataDir ?? './data';
      mkdirSync(dir, { recursive: true });
      this.filename = join(dir, 'jobs.sqlite');
    }
    this.now = opts.now ?? Date.now;
    this.db = new Database(this.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmt = prepareStatements(this.db);
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new Error(`${this.filename} has schema version ${version}, newer than this program (${MIGRATIONS.length})`);
    this.db.transaction(() => {
      for (let v = version; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    }).immediate();
  }

  /** The schema version after migration. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private row(r: unknown): JobRecord | undefined {
    return r ? toRecord(r as JobRow) : undefined;
  }

  async create(input: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return this.db
      .transaction((): { job: JobRecord; created: boolean } => {
        if (input.idempotencyKey) {
          const existing = this.row(this.stmt.byKey.get(input.owner, input.idempotencyKey));
          if (existing) return { job: existing, created: false };
        }
        const t = this.now();
        const id = newId(t);
        this.stmt.insertJob.run({
          id,
          kind: input.kind,
          owner: input.owner,
          name: input.name,
          priority: input.priority ?? 0,
          idempotencyKey: input.idempotencyKey ?? null,
          requestHash: input.requestHash,
          atoms: input.atoms ?? null,
          t,
        });
        this.stmt.insertPayload.run(id, JSON.stringify(input.document));
        return { job: this.row(this.stmt.get.get(id))!, created: true };
      })
      .immediate();
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.row(this.stmt.get.get(id));
  }

  async getDocument(id: string): Promise<unknown> {
    const s = this.stmt.document.get(id) as string | undefined;
    return s === undefined ? undefined : JSON.parse(s);
  }

  async getResult(id: string): Promise<unknown> {
    const s = this.stmt.result.get(id) as string | null | undefined;
    return s == null ? undefined : JSON.parse(s);
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<JobRecord | undefined> {
    return this.row(this.stmt.byKey.get(owner, key));
  }

  async list(q: ListQuery): Promise<JobPage> {
    const where = ["ifnull(owner, '') = ifnull(@owner, '')"];
    if (q.kind) where.push('kind = @kind');
    if (q.status) where.push('status = @status');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (after !== undefined) where.push('id < @after');
    const sql = `SELECT ${COLUMNS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT @n`;
    let stmt = this.listStatements.get(sql);
    if (!stmt) this.listStatements.set(sql, (stmt = this.db.prepare(sql)));
    const rows = stmt
      .all({ owner: q.owner, kind: q.kind ?? null, status: q.status ?? null, after: after ?? null, n: q.limit + 1 }) as JobRow[];
    const jobs = rows.slice(0, q.limit).map(toRecord);
    return { jobs, nextCursor: rows.length > q.limit ? encodeCursor(jobs[jobs.length - 1]!.id) : null };
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const c = emptyCounts();
    for (const r of this.stmt.counts.all() as { status: string; n: number }[]) if ((JOB_STATUSES as readonly string[]).includes(r.status)) c[r.status as JobStatus] = r.n;
    return c;
  }

  async claimNext(opts: ClaimOptions = {}): Promise<ClaimedJob | undefined> {
    const skip = JSON.stringify(opts.skipOwners ?? []);
    return this.db
      .transaction((): ClaimedJob | undefined => {
        const job = this.row(this.stmt.claim.get({ t: this.now(), skip }));
        if (!job) return undefined;
        return { ...job, document: JSON.parse(this.stmt.document.get(job.id) as string) };
      })
      .immediate();
  }

  async claim(id: string, takeoverReason: string): Promise<ClaimedJob | undefined> {
    return this.db
      .transaction((): ClaimedJob | undefined => {
        const job = this.row(this.stmt.claimId.get({ id, reason: takeoverReason, t: this.now() }));
        if (!job) return undefined;
        return { ...job, document: JSON.parse(this.stmt.document.get(job.id) as string) };
      })
      .immediate();
  }

  async updateProgress(id: string, attempt: number, progress: JobProgress): Promise<boolean> {
    return this.stmt.progress.run({ id, attempt, progress: JSON.stringify(progress), t: this.now() }).changes > 0;
  }

  async complete(id: string, attempt: number, result: unknown, progress?: JobProgress): Promise<JobRecord | undefined> {
    return this.db
      .transaction((): JobRecord | undefined => {
        const job = this.row(this.stmt.complete.get({ id, attempt, t: this.now(), progress: progress ? JSON.stringify(progress) : null }));
        if (job) this.stmt.setResult.run(JSON.stringify(result ?? null), id);
        return job;
      })
      .immediate();
  }

  async fail(id: string, attempt: number, error: JobError): Promise<JobRecord | undefined> {
    return this.row(this.stmt.fail.get({ id, attempt, error: JSON.stringify(error), t: this.now() }));
  }

  async requeue(id: string, attempt: number, reason: string): Promise<JobRecord | undefined> {
    return this.row(this.stmt.requeue.get({ id, attempt, reason, t: this.now() }));
  }

  async cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined> {
    return this.db
      .transaction(() => {
        const changed = this.stmt.cancel.run({ id, t: this.now() }).changes > 0;
        const job = this.row(this.stmt.get.get(id));
        return job ? { job, changed } : undefined;
      })
      .immediate();
  }

  async requeueRunning(reason: string): Promise<JobRecord[]> {
    return (this.stmt.requeueAll.all({ reason, t: this.now() }) as JobRow[]).map(toRecord);
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.open && this.stmt.ping.get() === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
