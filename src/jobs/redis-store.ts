/**
 * `JobStore` on Redis: the shared truth of the Redis mode, read and written by the API processes
 * and every worker process, wherever they run. Layout in `redis-keys.ts`.
 *
 * Each state transition is one Lua script: it checks the expected state and attempt
 * (`status == 'running' and attempts == attempt`), moves the id between the `queued` zset and
 * the `running` set, adjusts the per-status counts and writes the fields, atomically — Redis runs
 * a script alone. So two workers that both believe they own a job (one of them lost its BullMQ
 * lock) cannot both write a result: the one whose attempt is not the current one is refused.
 *
 * Record fields are stored JSON-encoded, except `status` (compared in the scripts); Lua only
 * compares and copies those strings, it never re-encodes a number, so progress, objectives and
 * parameters keep every digit.
 *
 * Durability is Redis's: with the default configuration (RDB snapshots) a Redis crash loses the
 * last minutes of writes. Operators who need every accepted job to survive a Redis restart run
 * Redis with `appendonly yes` (AOF, `appendfsync everysec`) and `maxmemory-policy noeviction`
 * (which BullMQ requires anyway). Jobs are never expired here, as in the SQLite store.
 */
import type { Redis } from 'ioredis';
import { newId } from './ids.js';
import { connectRedis, RedisKeys, type RedisSettings } from './redis-keys.js';
import { decodeCursor, emptyCounts, encodeCursor, newJobRecord, type ClaimOptions, type JobPage, type JobStore, type ListQuery, type NewJob } from './store.js';
import { JOB_STATUSES, type ClaimedJob, type JobError, type JobProgress, type JobRecord, type JobStatus } from './types.js';

/** The fields of the job hash: every key of JobRecord. */
const FIELDS = [
  'id',
  'kind',
  'status',
  'owner',
  'name',
  'priority',
  'idempotencyKey',
  'requestHash',
  'atoms',
  'progress',
  'error',
  'attempts',
  'requeues',
  'lastRequeue',
  'createdAt',
  'startedAt',
  'finishedAt',
  'updatedAt',
] as const satisfies readonly (keyof JobRecord)[];

// Shared Lua: move a queued job to running (the caller has checked it is queued).
const START_QUEUED = `
local function startQueued(jobKey, id, queued, running, counts)
  redis.call('ZREM', queued, id)
  redis.call('SADD', running, id)
  redis.call('HINCRBY', counts, 'queued', -1)
  redis.call('HINCRBY', counts, 'running', 1)
end
local function begin(jobKey, now)
  redis.call('HINCRBY', jobKey, 'attempts', 1)
  redis.call('HSET', jobKey, 'status', 'running', 'startedAt', now, 'updatedAt', now, 'progress', 'null', 'error', 'null')
end
`;

const SCRIPTS = {
  /** KEYS job doc idem queued counts ownerAll ownerKind; ARGV idemField|'' id score doc field value ... */
  create: {
    keys: 7,
    lua: `
if ARGV[1] ~= '' then
  local existing = redis.call('HGET', KEYS[3], ARGV[1])
  if existing then return {0, existing} end
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
end
local kv = {}
for i = 5, #ARGV do kv[#kv + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(kv))
redis.call('SET', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
redis.call('HINCRBY', KEYS[5], 'queued', 1)
redis.call('ZADD', KEYS[6], 0, ARGV[2])
redis.call('ZADD', KEYS[7], 0, ARGV[2])
return {1, ARGV[2]}
`,
  },
  /** KEYS job doc queued running counts; ARGV id now lastRequeue */
  claim: {
    keys: 5,
    lua: `${START_QUEUED}
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' then
  startQueued(KEYS[1], ARGV[1], KEYS[3], KEYS[4], KEYS[5])
elseif status == 'running' then
  redis.call('HINCRBY', KEYS[1], 'requeues', 1)
  redis.call('HSET', KEYS[1], 'lastRequeue', ARGV[3])
else
  return false
end
begin(KEYS[1], ARGV[2])
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2])}
`,
  },
  /** KEYS queued running counts; ARGV jobPrefix docPrefix now */
  claimNext: {
    keys: 3,
    lua: `${START_QUEUED}
local skip = {}
for i = 4, #ARGV do skip[ARGV[i]] = true end
local id
if #ARGV < 4 then
  id = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
else
  for _, candidate in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if not skip[redis.call('HGET', ARGV[1] .. candidate, 'owner')] then
      id = candidate
      break
    end
  end
end
if not id then return false end
local jobKey = ARGV[1] .. id
startQueued(jobKey, id, KEYS[1], KEYS[2], KEYS[3])
begin(jobKey, ARGV[3])
return {redis.call('HGETALL', jobKey), redis.call('GET', ARGV[2] .. id)}
`,
  },
  /** KEYS job; ARGV attempt progress now */
  progress: {
    keys: 1,
    lua: `
local st = redis.call('HMGET', KEYS[1], 'status', 'attempts')
if st[1] ~= 'running' or st[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[2], 'updatedAt', ARGV[3])
return 1
`,
  },
  /**
   * running (attempt) → ARGV[3]. KEYS job running counts queued result;
   * ARGV id attempt to now result|'' field value ...
   */
  transition: {
    keys: 5,
    lua: `
local st = redis.call('HMGET', KEYS[1], 'status', 'attempts')
if st[1] ~= 'running' or st[2] ~= ARGV[2] then return false end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'running', -1)
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
if ARGV[3] == 'queued' then
  redis.call('ZADD', KEYS[4], -tonumber(redis.call('HGET', KEYS[1], 'priority')), ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'requeues', 1)
end
if ARGV[5] ~= '' then redis.call('SET', KEYS[5], ARGV[5]) end
local kv = {'status', ARGV[3], 'updatedAt', ARGV[4]}
for i = 6, #ARGV do kv[#kv + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(kv))
return redis.call('HGETALL', KEYS[1])
`,
  },
  /** KEYS job queued running counts; ARGV id now */
  cancel: {
    keys: 4,
    lua: `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
local changed = 0
if status == 'queued' or status == 'running' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[4], status, -1)
  redis.call('HINCRBY', KEYS[4], 'cancelled', 1)
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finishedAt', ARGV[2], 'updatedAt', ARGV[2])
  changed = 1
end
return {changed, redis.call('HGETALL', KEYS[1])}
`,
  },
  /** KEYS running queued counts; ARGV jobPrefix now lastRequeue */
  requeueRunning: {
    keys: 3,
    lua: `
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local jobKey = ARGV[1] .. id
  redis.call('SREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], -tonumber(redis.call('HGET', jobKey, 'priority')), id)
  redis.call('HINCRBY', KEYS[3], 'running', -1)
  redis.call('HINCRBY', KEYS[3], 'queued', 1)
  redis.call('HINCRBY', jobKey, 'requeues', 1)
  redis.call('HSET', jobKey, 'status', 'queued', 'startedAt', 'null', 'lastRequeue', ARGV[3], 'updatedAt', ARGV[2])
  out[#out + 1] = redis.call('HGETALL', jobKey)
end
return out
`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

/** HGETALL as the flat array a script returns → record. */
function fromPairs(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]!] = flat[i + 1]!;
  return o;
}

function decode(h: Record<string, string>): JobRecord | undefined {
  if (!h.status) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) out[f] = f === 'status' ? h.status : h[f] === undefined ? null : JSON.parse(h[f]!);
  return out as unknown as JobRecord;
}

function encode(job: JobRecord): string[] {
  return FIELDS.flatMap((f) => [f, f === 'status' ? job.status : JSON.stringify(job[f])]);
}

export interface RedisJobStoreOptions extends RedisSettings {
  /** Use this connection instead of opening one (it is not closed by `close()`). */
  redis?: Redis;
  now?: () => number;
}

export class RedisJobStore implements JobStore {
  readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly now: () => number;
  private closed = false;

  constructor(opts: RedisJobStoreOptions) {
    this.keys = new RedisKeys(opts.prefix);
    this.ownsConnection = !opts.redis;
    this.redis = opts.redis ?? connectRedis(opts, { name: 'store' });
    this.now = opts.now ?? Date.now;
    for (const [name, s] of Object.entries(SCRIPTS)) this.redis.defineCommand(`latticefit_${name}`, { numberOfKeys: s.keys, lua: s.lua });
  }

  private run(name: ScriptName, keys: string[], args: Arg[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('job store is closed'));
    const fn = (this.redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[`latticefit_${name}`]!;
    return fn.call(this.redis, ...keys, ...args);
  }

  private check(): void {
    if (this.closed) throw new Error('job store is closed');
  }

  async create(input: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const t = this.now();
    const job: JobRecord = newJobRecord(input, newId(t), t);
    const k = this.keys;
    const idem = input.idempotencyKey ? JSON.stringify([input.owner, input.idempotencyKey]) : '';
    const [created, id] = (await this.run(
      'create',
      [k.job(job.id), k.doc(job.id), k.idempotency, k.queued, k.counts, k.byOwner(input.owner), k.byOwner(input.owner, input.kind)],
      [idem, job.id, -job.priority, JSON.stringify(input.document ?? null), ...encode(job)],
    )) as [number, string];
    if (created) return { job, created: true };
    return { job: (await this.get(id))!, created: false };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    this.check();
    return decode(await this.redis.hgetall(this.keys.job(id)));
  }

  async getDocument(id: string): Promise<unknown> {
    this.check();
    const s = await this.redis.get(this.keys.doc(id));
    return s === null ? undefined : JSON.parse(s);
  }

  async getResult(id: string): Promise<unknown> {
    this.check();
    const [[, status], [, result]] = (await this.redis.multi().hget(this.keys.job(id), 'status').get(this.keys.result(id)).exec()) as [[unknown, string | null], [unknown, string | null]];
    return status === 'succeeded' && result !== null ? JSON.parse(result) : undefined;
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<JobRecord | undefined> {
    this.check();
    const id = await this.redis.hget(this.keys.idempotency, JSON.stringify([owner, key]));
    return id ? this.get(id) : undefined;
  }

  /** Newest first, by id, from the owner's (owner, kind) index; a status filter reads on in batches. */
  async list(q: ListQuery): Promise<JobPage> {
    this.check();
    const key = this.keys.byOwner(q.owner, q.kind);
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const jobs: JobRecord[] = [];
    let max = after !== undefined ? `(${after}` : '+';
    const batch = Math.max(q.limit + 1, 50);
    for (;;) {
      const ids = await this.redis.zrevrangebylex(key, max, '-', 'LIMIT', 0, batch);
      if (ids.length === 0) break;
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(this.keys.job(id));
      const rows = ((await pipe.exec()) ?? []).map(([, h]) => decode(h as Record<string, string>));
      for (const j of rows) if (j && (!q.status || j.status === q.status)) jobs.push(j);
      if (jobs.length > q.limit || ids.length < batch) break;
      max = `(${ids[ids.length - 1]}`;
    }
    const page = jobs.slice(0, q.limit);
    return { jobs: page, nextCursor: jobs.length > q.limit ? encodeCursor(page[page.length - 1]!.id) : null };
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    this.check();
    const c = emptyCounts();
    const h = await this.redis.hgetall(this.keys.counts);
    for (const s of JOB_STATUSES) c[s] = Number(h[s] ?? 0);
    return c;
  }

  private claimed(out: unknown): ClaimedJob | undefined {
    if (!out) return undefined;
    const [flat, doc] = out as [string[], string | null];
    const job = decode(fromPairs(flat));
    return job ? { ...job, document: doc === null ? null : JSON.parse(doc) } : undefined;
  }

  async claimNext(opts: ClaimOptions = {}): Promise<ClaimedJob | undefined> {
    const k = this.keys;
    const skip = (opts.skipOwners ?? []).map((o) => JSON.stringify(o));
    return this.claimed(await this.run('claimNext', [k.queued, k.running, k.counts], [k.jobPrefix, `${k.prefix}:doc:`, this.now(), ...skip]));
  }

  async claim(id: string, takeoverReason: string): Promise<ClaimedJob | undefined> {
    const k = this.keys;
    const t = this.now();
    return this.claimed(await this.run('claim', [k.job(id), k.doc(id), k.queued, k.running, k.counts], [id, t, JSON.stringify({ at: t, reason: takeoverReason })]));
  }

  async updateProgress(id: string, attempt: number, progress: JobProgress): Promise<boolean> {
    return (await this.run('progress', [this.keys.job(id)], [attempt, JSON.stringify(progress), this.now()])) === 1;
  }

  private async transition(id: string, attempt: number, to: JobStatus, t: number, fields: Record<string, unknown>, result?: unknown): Promise<JobRecord | undefined> {
    const k = this.keys;
    const kv = Object.entries(fields).flatMap(([f, v]) => [f, JSON.stringify(v ?? null)]);
    const out = (await this.run(
      'transition',
      [k.job(id), k.running, k.counts, k.queued, k.result(id)],
      [id, attempt, to, t, result === undefined ? '' : JSON.stringify(result ?? null), ...kv],
    )) as string[] | null;
    return out ? decode(fromPairs(out)) : undefined;
  }

  async complete(id: string, attempt: number, result: unknown, progress?: JobProgress): Promise<JobRecord | undefined> {
    const t = this.now();
    return this.transition(id, attempt, 'succeeded', t, { finishedAt: t, ...(progress ? { progress } : {}) }, result ?? null);
  }

  async fail(id: string, attempt: number, error: JobError): Promise<JobRecord | undefined> {
    const t = this.now();
    return this.transition(id, attempt, 'failed', t, { error, finishedAt: t });
  }

  async requeue(id: string, attempt: number, reason: string): Promise<JobRecord | undefined> {
    const t = this.now();
    return this.transition(id, attempt, 'queued', t, { startedAt: null, lastRequeue: { at: t, reason } });
  }

  async cancel(id: string): Promise<{ job: JobRecord; changed: boolean } | undefined> {
    const k = this.keys;
    const out = (await this.run('cancel', [k.job(id), k.queued, k.running, k.counts], [id, this.now()])) as [number, string[]] | null;
    if (!out) return undefined;
    return { job: decode(fromPairs(out[1]))!, changed: out[0] === 1 };
  }

  /**
   * Every running job → queued. The contract has it for the embedded queue's start-up; the Redis
   * queue never calls it (other workers may be running those jobs): lost jobs come back through
   * BullMQ's stalled-job check and `claim`'s takeover instead.
   */
  async requeueRunning(reason: string): Promise<JobRecord[]> {
    const k = this.keys;
    const t = this.now();
    const out = (await this.run('requeueRunning', [k.running, k.queued, k.counts], [k.jobPrefix, t, JSON.stringify({ at: t, reason })])) as string[][];
    return out.map((flat) => decode(fromPairs(flat))!);
  }

  /** Ids of the jobs that have not ended (the queue's reconciliation with BullMQ). */
  async unfinished(): Promise<{ queued: string[]; running: string[] }> {
    this.check();
    const [[, queued], [, running]] = (await this.redis.multi().zrange(this.keys.queued, '0', '-1').smembers(this.keys.running).exec()) as [[unknown, string[]], [unknown, string[]]];
    return { queued, running };
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
