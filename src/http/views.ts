/** Job records as the API shows them: ISO timestamps, derived timings, links; no owner, no hashes. */
import type { JobRecord } from '../jobs/types.js';
import type { JobSummaryView, JobView } from './schemas.js';

export const KIND_PATHS = { fit: '/v1/fits', properties: '/v1/properties', defects: '/v1/defects' } as const;

export const jobLocation = (job: Pick<JobRecord, 'id' | 'kind'>): string => `${KIND_PATHS[job.kind]}/${job.id}`;

const iso = (t: number): string => new Date(t).toISOString();

export function jobSummary(job: JobRecord, now = Date.now()): JobSummaryView {
  const self = jobLocation(job);
  const timings: JobSummaryView['timings'] = { createdAt: iso(job.createdAt) };
  if (job.startedAt !== null) {
    timings.startedAt = iso(job.startedAt);
    timings.queuedMs = job.startedAt - job.createdAt;
    timings.runMs = (job.finishedAt ?? now) - job.startedAt;
  }
  if (job.finishedAt !== null) timings.finishedAt = iso(job.finishedAt);
  const view: JobSummaryView = {
    id: job.id,
    kind: job.kind,
    status: job.status,
    timings,
    attempts: job.attempts,
    links: { self, events: `${self}/events`, report: `${self}/report`, parameters: `${self}/parameters` },
  };
  if (job.name !== null) view.name = job.name;
  if (job.progress) view.progress = job.progress;
  if (job.lastRequeue) view.requeued = { count: job.requeues, reason: job.lastRequeue.reason, at: iso(job.lastRequeue.at) };
  if (job.error) view.error = job.error;
  return view;
}

export function jobView(job: JobRecord, result?: unknown): JobView {
  const view: JobView = jobSummary(job);
  if (job.status === 'succeeded' && result !== undefined) view.result = result;
  return view;
}
