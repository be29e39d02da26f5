/**
 * The job store: the durable truth about every accepted job. Three implementations share one
 * contract (`test/helpers/store-contract.ts`): `SqliteJobStore` (embedded, one machine),
 * `MemoryJobStore` (tests) and `RedisJobStore` (many machines). Every method is async for the
 * last one, and every transition is atomic and fenced by the attempt number so a stale worker
 * cannot overwrite a newer state.
 */
import { createHash } from 'node:crypto';
import type { ClaimedJob, JobError, JobProgress, JobRecord, JobStatus, TaskKind } from './types.js';

export interface NewJob {
  kind: TaskKind;
  owner: string | null;
  name: string | null;
  document: unknown;
  requestHash: string;
  idempotencyKey?: string | null;
  priority?: number;
  atoms?: number | null;
}

export interface ClaimOptions {
  /** Owners whose jobs stay queued this time (they have as many running as they may). */
  skipOwners?: readonly string[];
}

export interface ListQuery {
  /** Only jobs of this owner (null: jobs created without a key). */
  owner: string | null;
  kind?: TaskKind;
  status?: JobStatus;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface JobPage {
  jobs: JobRecord[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface JobStore {
  /**
   * Insert a queued job. With an idempotency key already used by the same owner, nothing is
   * inserted and the existing job comes back with `created: false` (the caller compares
   * `requestHash`).
   */
  create(input: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  get(id: string): Promise<JobRecord | undefined>;
  getDocument(id: string): Promise<unknown>;
  /** The result of a succeeded job (undefined otherwise). */
  getResult(id: string): Promise<unknown>;
  findByIdempotencyKey(owner: string | null, key: string): Promise<JobRecord | undefined>;
  /** Newest first. */
  list(query: ListQuery): Promise<JobPage>;
  countByStatus(): Promise<Record<JobStatus, number>>;
  /**
   * Atomically take the next queued job (highest priority, then oldest) and mark it running;
   * with `skipOwners`, the next one of any other owner (the per-key limit of running jobs).
   */
  claimNext(opts?: ClaimOptions): Promise<ClaimedJob | undefined>;
  /**
   * Claim one job by id (a distributed queue delivers ids): queued → running, or, when it is
   * already running (its worker was lost and the queue delivered it again), a takeover: the next
   * attempt begins, a requeue with `takeoverReason` is counted, and the old attempt is fenced out.
   * undefined when the job does not exist or has ended (cancelled, or finished by an earlier attempt).
   */
  claim(id: string, takeoverReason: string): Promise<ClaimedJob | undefined>;
  /** Record progress of attempt `attempt`; false when the job is no longer that running attempt. */
  updateProgress(id: string, attempt: number, progress: JobProgress): Promise<boolean>;
  /** running (attempt) → succeeded. undefined when the job was not in that state (e.g. cancelled). */
  complete(id: string, attempt: number, result: unknown, progress?: JobProgress): Promise<JobRecord | undefined>;
  /** running (attempt) → failed. */
  fail(id: string, attempt: number, error: JobError): Promise<JobRecord | undefined>;
  /** running (attempt) → queued, counting a requeue with its reason. */
  requeue(id: string, attempt: number, reason: string): Promise<JobRecord | undefined>;
  /**
   * queued | running → cancelled. Returns the job as it is afterwards and whether this call
   * cancelled it (false: it was already finished or cancelled). undefined: no such job.
   */
  cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined>;
  /** Start-up recovery: every running job → queued with `reason`. Returns them. */
  requeueRunning(reason: string): Promise<JobRecord[]>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** sha256 of the request, independent of key order in the JSON. */
export function requestHash(kind: TaskKind, document: unknown): string {
  return createHash('sha256').update(kind).update('\0').update(canonicalJson(document)).digest('hex');
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** Cursors are opaque to clients: base64url of the last id of the page. */
export const encodeCursor = (id: string): string => Buffer.from(`v1:${id}`).toString('base64url');
export function decodeCursor(cursor: string): string | undefined {
  const s = Buffer.from(cursor, 'base64url').toString('utf8');
  return s.startsWith('v1:') ? s.slice(3) : undefined;
}

export const emptyCounts = (): Record<JobStatus, number> => ({ queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });

/** The record of a job just created (queued, never run), shared by the stores that build records in code. */
export function newJobRecord(input: NewJob, id: string, t: number): JobRecord {
  return {
    id,
    kind: input.kind,
    status: 'queued',
    owner: input.owner,
    name: input.name,
    priority: input.priority ?? 0,
    idempotencyKey: input.idempotencyKey ?? null,
    requestHash: input.requestHash,
    atoms: input.atoms ?? null,
    progress: null,
    error: null,
    attempts: 0,
    requeues: 0,
    lastRequeue: null,
    createdAt: t,
    startedAt: null,
    finishedAt: null,
    updatedAt: t,
  };
}
