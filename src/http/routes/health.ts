/** Liveness, readiness and Prometheus metrics. Outside /v1: no API key, no rate limit. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JOB_STATUSES } from '../../jobs/types.js';
import type { AppContext } from '../context.js';
import { gauge } from '../../prometheus.js';
import { HealthSchema, ReadySchema } from '../schemas.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/healthz', { schema: { tags: ['service'], summary: 'Liveness: the process answers', response: { 200: HealthSchema } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['service'],
        summary: 'Readiness: the job store answers, the workers are up, the service accepts jobs',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_req, reply) => {
      const [store, workers] = await Promise.all([ctx.store.ping().catch(() => false), ctx.queue.healthy().catch(() => false)]);
      const accepting = !ctx.state.draining;
      const ok = store && workers && accepting;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks: { store, workers, accepting } });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: { description: 'text/plain; version=0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_req, reply) => {
      const counts = await ctx.store.countByStatus();
      const stats = ctx.queue.stats();
      const gauges = [
        gauge('latticefit_jobs', 'jobs by state', JOB_STATUSES.map((s) => [{ status: s }, counts[s]])),
        gauge('latticefit_queue_depth', 'jobs waiting for a worker', [[{}, counts.queued]]),
        gauge('latticefit_workers', 'worker threads', [
          [{ state: 'busy' }, stats.busy],
          [{ state: 'capacity' }, stats.capacity],
        ]),
      ];
      // a distributed queue: BullMQ's own counts and the worker processes seen (live heartbeats)
      const details = ctx.queue.details ? await ctx.queue.details().catch(() => undefined) : undefined;
      if (details) {
        const queues = Object.entries(details.queues);
        gauges.push(
          gauge('latticefit_bullmq_jobs', 'BullMQ jobs by queue (jobs: fits and property jobs; starts: starts of multi-start fits) and state', queues.flatMap(([queue, c]) => Object.entries(c).map(([state, n]): [Record<string, string>, number] => [{ queue, state }, n]))),
          gauge('latticefit_workers_seen', 'worker processes with a live heartbeat', [[{}, details.workers.length]]),
          gauge('latticefit_worker_jobs', 'jobs of each worker process', details.workers.flatMap((w): [Record<string, string>, number][] => [
            [{ worker: w.id, host: w.host, state: 'busy' }, w.busy],
            [{ worker: w.id, host: w.host, state: 'capacity' }, w.concurrency],
          ])),
          gauge('latticefit_worker_heartbeat_age_seconds', 'time since the last heartbeat of each worker process', details.workers.map((w) => [{ worker: w.id, host: w.host }, w.ageMs / 1000])),
        );
      }
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render(gauges));
    },
  );
};
