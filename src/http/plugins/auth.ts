/**
 * API keys and per-key rate limiting for the /v1 routes.
 *
 * With keys configured, every request needs `Authorization: Bearer <key>`; the request's `owner`
 * is a hash of the key (the store never holds keys), and jobs are visible only to their owner.
 * Without keys, `owner` is null and every client sees every job.
 *
 * Rate limit: a token bucket per owner (per client address without keys), `perSecond` tokens per
 * second up to `burst`; an empty bucket answers 429 RATE_LIMITED with `Retry-After` (seconds).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

/** A fastify instance of any server, logger or type-provider flavour. */
type AnyFastify = FastifyInstance<any, any, any, any, any>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Hash of the API key that authenticated the request; null without authentication. */
    owner: string | null;
  }
}

export const ownerOf = (key: string): string => createHash('sha256').update(`latticefit:${key}`).digest('hex').slice(0, 32);

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 100_000) this.sweep(t);
      this.buckets.set(key, (b = { tokens: this.burst, at: t }));
    }
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /** Forget full buckets (they behave like new ones). */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
  }
}

export interface AuthOptions {
  apiKeys: string[];
  rateLimit: { perSecond: number; burst: number };
}

/** Add the hooks to a plugin scope (the /v1 routes). */
export function authHooks(app: AnyFastify, opts: AuthOptions): void {
  const digests = opts.apiKeys.map((k) => ({ digest: createHash('sha256').update(k).digest(), owner: ownerOf(k) }));
  const buckets = opts.rateLimit.perSecond > 0 ? new TokenBuckets(opts.rateLimit.perSecond, opts.rateLimit.burst) : undefined;

  const failures = authFailureBuckets();
  const authenticate = (req: FastifyRequest): string | null => {
    if (!digests.length) return null;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new HttpError('UNAUTHORIZED', 'send the API key as "Authorization: Bearer <key>"', { headers: { 'www-authenticate': 'Bearer realm="latticefit"' } });
    const d = createHash('sha256').update(m[1]!).digest();
    let owner: string | null = null;
    for (const k of digests) if (timingSafeEqual(k.digest, d)) owner = k.owner; // no early exit: constant time over keys
    if (owner === null) {
      const wait = failures.take(req.ip);
      if (wait > 0) throw new HttpError('RATE_LIMITED', `too many failed authentications from this address; retry in ${wait} s`, { headers: { 'retry-after': String(wait) } });
    }
    if (owner === null) throw new HttpError('UNAUTHORIZED', 'the API key is not valid', { headers: { 'www-authenticate': 'Bearer realm="latticefit", error="invalid_token"' } });
    return owner;
  };

  app.addHook('onRequest', async (req) => {
    req.owner = authenticate(req);
    if (!buckets) return;
    const wait = buckets.take(req.owner ?? `ip:${req.ip}`);
    if (wait > 0) throw new HttpError('RATE_LIMITED', `rate limit of ${opts.rateLimit.perSecond} requests per second exceeded; retry in ${wait} s`, { headers: { 'retry-after': String(wait) } });
  });
}

/** Failed authentications: a bucket of `AUTH_FAILURE_BURST` per client address, refilled at `AUTH_FAILURES_PER_MINUTE` (see plugins/quota.ts). */
export const AUTH_FAILURE_BURST = 10;
export const AUTH_FAILURES_PER_MINUTE = 10;

export function authFailureBuckets(now?: () => number): TokenBuckets {
  return new TokenBuckets(AUTH_FAILURES_PER_MINUTE / 60, AUTH_FAILURE_BURST, now);
}
