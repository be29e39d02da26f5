/**
 * Per-API-key limits that protect the workers from one client:
 *
 * - active jobs: a key with `maxActiveJobs` jobs queued or running gets 429 RATE_LIMITED (with
 *   Retry-After) for the next submission, so one key cannot fill every worker and the queue in
 *   front of them; the limit applies per key (per owner), and without keys to all clients together.
 * - failed authentication: every client address has a bucket of `AUTH_FAILURE_BURST` failures that
 *   refills at `AUTH_FAILURES_PER_MINUTE`; once it is empty a wrong key is answered 429, not 401,
 *   so keys cannot be guessed at request speed. Valid keys are never slowed by it.
 */
import type { JobStore } from '../../jobs/store.js';
import { HttpError } from '../errors.js';

export { AUTH_FAILURE_BURST, AUTH_FAILURES_PER_MINUTE, authFailureBuckets } from './auth.js';

/** RATE_LIMITED when `owner` already has `max` jobs queued or running (0: no limit). */
export async function checkActiveJobs(store: JobStore, owner: string | null, max: number): Promise<void> {
  if (!(max > 0)) return;
  let active = 0;
  for (const status of ['queued', 'running'] as const) {
    active += (await store.list({ owner, status, limit: max })).jobs.length;
    if (active >= max)
      throw new HttpError('RATE_LIMITED', `this API key has ${max} or more jobs queued or running, the limit per key; retry when one has finished`, { headers: { 'retry-after': '10' }, extra: { activeJobs: active, limit: max } });
  }
}
