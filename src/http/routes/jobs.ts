/**
 * Job routes, registered once per kind: `/v1/fits` and `/v1/properties`.
 *
 *   POST   /                 validate fully, store, enqueue: 202 { id, status, location } + Location
 *                            (properties: 200 with the result when small and quick, see below)
 *   GET    /                 newest first, `limit` + `cursor`, filter `status`
 *   GET    /{id}             status, progress, timings, error, result
 *   GET    /{id}/events      Server-Sent Events until the job ends
 *   DELETE /{id}             cancel (idempotent)
 *   GET    /{id}/report      ?format=markdown|html|csv|latex|json
 *   GET    /{id}/parameters  ?format=json|gulp|lammps
 *   GET    /{id}/structures  ?format=cif|lammps|json[&structure=ID]
 *
 * Idempotency: an `Idempotency-Key` header makes a retry return the job of the first request
 * (202, `Idempotent-Replayed: true`); the same key with another body is 422 IDEMPOTENCY_CONFLICT.
 *
 * Synchronous properties: when the document's atoms (summed over structures, from the validator,
 * or the asymmetric-unit sites when it does not say) are at most `syncProperties.maxAtoms`, the
 * job is queued with priority and the request waits up to `syncProperties.timeoutMs` for it:
 * 200 with the finished job (and its result) if it is done by then, else the usual 202 — the job
 * goes on, nothing is lost or computed twice.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeCursor, requestHash } from '../../jobs/store.js';
import { isTerminal, type JobRecord, type TaskKind } from '../../jobs/types.js';
import type { AppContext } from '../context.js';
import { HttpError, problem } from '../errors.js';
import { FILE_EXTENSIONS, type Rendered } from '../renderers.js';
import {
  AcceptedSchema,
  IdParamsSchema,
  JobDocumentRef,
  JobListSchema,
  jobResponse,
  ListQuerySchema,
  ParametersQuerySchema,
  ReportQuerySchema,
  StructuresQuerySchema,
  SubmitHeadersSchema,
  problemResponse,
  type ParameterFormat,
  type ReportFormat,
  type StructureFormat,
} from '../schemas.js';
import { streamJobEvents } from '../sse.js';
import { checkActiveJobs } from '../plugins/quota.js';
import { jobLocation, jobSummary, jobView } from '../views.js';

export interface JobRoutesOptions {
  kind: TaskKind;
  ctx: AppContext;
}

const NOUN = { fit: 'fit', properties: 'property job', defects: 'defects job' } as const;

/** Total atoms when the validator does not tell: the sites of the asymmetric units (a lower bound). */
function estimateAtoms(document: unknown): number {
  const structures = (document as { structures?: { sites?: unknown[] }[] }).structures ?? [];
  return structures.reduce((n, s) => n + (s.sites?.length ?? 0), 0);
}

/** Serialised views of succeeded jobs kept per plugin instance (they are immutable): at most this many. */
const FINISHED_VIEW_CACHE = 64;

export const jobRoutes: FastifyPluginAsyncTypebox<JobRoutesOptions> = async (app, { kind, ctx }) => {
  const finishedViews = new Map<string, string>();
  const { store, queue, config } = ctx;
  const tag = kind === 'fit' ? 'fits' : kind;
  const noun = NOUN[kind];

  const owned = async (req: FastifyRequest, id: string): Promise<JobRecord> => {
    const job = await store.get(id);
    // another key's job, or a job of the other kind, does not exist for this client
    if (!job || job.kind !== kind || job.owner !== req.owner) throw new HttpError('NOT_FOUND', `no ${noun} with id "${id}"`);
    return job;
  };

  const accepted = (reply: FastifyReply, job: JobRecord, replayed: boolean) => {
    const location = jobLocation(job);
    reply.code(202).header('location', location);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return { id: job.id, status: job.status, location };
  };

  const NotFound = problemResponse('no such job (or another API key’s job)');

  app.post(
    '/',
    {
      schema: {
        tags: [tag],
        summary: kind === 'fit' ? 'Submit a fit' : 'Evaluate properties at the document’s own parameters',
        description:
          kind === 'fit'
            ? 'The document is validated fully (schema, species, cells, charge neutrality, references, limits) before it is accepted; the fit then runs in a worker.'
            : 'Small documents (total atoms under the configured threshold) are answered at once with 200 and the finished job; larger ones, or ones that take longer than the short timeout, become a job (202) with the same sub-routes as fits.',
        headers: SubmitHeadersSchema,
        body: JobDocumentRef,
        response: {
          ...(kind === 'properties' ? { 200: jobResponse('done within the timeout: the finished job with its result') } : {}),
          202: AcceptedSchema,
          400: problemResponse('malformed JSON (INVALID_JSON) or a document that does not match the schema (INVALID_DOCUMENT, with `path`)'),
          401: problemResponse('missing or invalid API key'),
          413: problemResponse('body larger than the limit'),
          415: problemResponse('body is not application/json'),
          422: problemResponse('the document is well-formed but not valid (UNKNOWN_SPECIES, NOT_CHARGE_NEUTRAL, UNKNOWN_REFERENCE, LIMIT_EXCEEDED, ...), or IDEMPOTENCY_CONFLICT'),
          429: problemResponse('rate limit exceeded'),
          503: problemResponse('shutting down'),
        },
      },
    },
    async (req, reply) => {
      if (ctx.state.draining) throw new HttpError('SERVICE_UNAVAILABLE', 'the service is shutting down; retry shortly', { headers: { 'retry-after': '5' } });
      const document: unknown = req.body;
      const key = req.headers['idempotency-key'];
      // hashing a large body costs event-loop time: only when needed, and after the cheap checks
      let memo: string | undefined;
      const hash = (): string => (memo ??= requestHash(kind, document));
      const replay = (job: JobRecord) => {
        if (job.requestHash !== hash() || job.kind !== kind)
          throw new HttpError('IDEMPOTENCY_CONFLICT', `the Idempotency-Key "${key}" was used for a different request (job ${job.id})`, { path: '/' });
        return accepted(reply, job, true);
      };
      if (key) {
        const existing = await store.findByIdempotencyKey(req.owner, key);
        if (existing) return replay(existing);
      }
      await checkActiveJobs(store, req.owner, config.limits.maxActiveJobsPerKey);
      const summary = (await ctx.validate(kind, document, config.limits, req.jsonText ?? undefined)) as { atoms?: unknown } | undefined;
      const atoms = typeof summary?.atoms === 'number' ? summary.atoms : estimateAtoms(document);
      const sync = kind === 'properties' && atoms <= config.syncProperties.maxAtoms && config.syncProperties.timeoutMs > 0;
      const name = (document as { name?: unknown }).name;
      const { job, created } = await store.create({
        kind,
        owner: req.owner,
        name: typeof name === 'string' ? name : null,
        document,
        requestHash: hash(),
        idempotencyKey: key ?? null,
        priority: sync ? 1 : 0,
        atoms,
      });
      if (!created) return replay(job);
      ctx.metrics.submitted.inc({ kind });
      req.log.info({ jobId: job.id, kind, atoms, sync }, 'job accepted');
      // wait for the end before enqueueing, so the end cannot be missed
      const ended = sync ? waitForEnd(ctx, job.id, config.syncProperties.timeoutMs) : undefined;
      await queue.enqueue(job);
      if (ended) {
        const done = await ended;
        if (done?.status === 'succeeded') return reply.code(200).header('location', jobLocation(done)).send(jobView(done, await store.getResult(done.id)));
        if (done?.status === 'failed' && done.error) {
          const p = problem(done.error.code, done.error.message, req.url, { path: done.error.path, job: jobLocation(done), requestId: req.id });
          return reply.code(p.status).header('location', jobLocation(done)).type('application/problem+json').send(JSON.stringify(p));
        }
      }
      return accepted(reply, (await store.get(job.id)) ?? job, false);
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags: [tag],
        summary: `List ${noun}s, newest first`,
        querystring: ListQuerySchema,
        response: { 200: JobListSchema, 400: problemResponse('bad query (INVALID_QUERY)'), 401: problemResponse('missing or invalid API key') },
      },
    },
    async (req) => {
      const { limit = 50, cursor, status } = req.query;
      if (cursor !== undefined && decodeCursor(cursor) === undefined) throw new HttpError('INVALID_QUERY', 'the cursor is not one this server made', { path: '/cursor' });
      const page = await store.list({ owner: req.owner, kind, limit, ...(cursor ? { cursor } : {}), ...(status ? { status } : {}) });
      const now = Date.now();
      return { items: page.jobs.map((j) => jobSummary(j, now)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: [tag],
        summary: `Status, progress, timings, error or result of a ${noun}`,
        params: IdParamsSchema,
        response: { 200: jobResponse('the job; `result` once it has succeeded'), 404: NotFound },
      },
    },
    async (req, reply) => {
      const job = await owned(req, req.params.id);
      if (job.status !== 'succeeded') return jobView(job);
      // a succeeded job never changes again: serialise its (large) view once, then serve the text
      let body = finishedViews.get(job.id);
      if (body === undefined) {
        body = JSON.stringify(jobView(job, await store.getResult(job.id)));
        finishedViews.set(job.id, body);
        if (finishedViews.size > FINISHED_VIEW_CACHE) finishedViews.delete(finishedViews.keys().next().value!);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get(
    '/:id/events',
    {
      schema: {
        tags: [tag],
        summary: `Server-Sent Events of a ${noun}`,
        description:
          'Events: `status` (a snapshot of the job first, and at every change), `progress` ({iteration, objective, accepted, elapsedMs, stage}; `accepted: false` marks a rejected trial step of the fit), `requeued`. The stream ends after the final `status` (succeeded, failed or cancelled); for a job that has already ended that is the first event.',
        params: IdParamsSchema,
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 404: NotFound },
      },
    },
    async (req, reply) => {
      const job = await owned(req, req.params.id);
      await streamJobEvents(req, reply, { store, events: queue.events, job, heartbeatMs: 15_000, open: ctx.openStreams });
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags: [tag],
        summary: `Cancel a queued or running ${noun}`,
        description: 'Idempotent: cancelling a cancelled job answers 200 again. A running task is stopped through its AbortSignal.',
        params: IdParamsSchema,
        response: { 200: jobResponse('the cancelled job'), 404: NotFound, 409: problemResponse('the job has already succeeded or failed (JOB_ALREADY_FINISHED)') },
      },
    },
    async (req) => {
      await owned(req, req.params.id);
      const out = await queue.cancel(req.params.id);
      if (!out) throw new HttpError('NOT_FOUND', `no ${noun} with id "${req.params.id}"`);
      if (out.job.status !== 'cancelled') throw new HttpError('JOB_ALREADY_FINISHED', `the job has already ${out.job.status}`, { extra: { jobStatus: out.job.status } });
      if (out.changed) req.log.info({ jobId: out.job.id }, 'job cancelled by client');
      return jobView(out.job);
    },
  );

  const finishedResult = async (req: FastifyRequest, id: string): Promise<{ job: JobRecord; result: unknown }> => {
    const job = await owned(req, id);
    if (job.status !== 'succeeded') throw new HttpError('JOB_NOT_FINISHED', `the job is ${job.status}; reports exist once it has succeeded`, { extra: { jobStatus: job.status } });
    return { job, result: await store.getResult(id) };
  };

  /** Sends a rendered document as `<job id>-<name>.<extension of the format>`. */
  const sendRendered = (reply: FastifyReply, job: JobRecord, what: string, format: keyof typeof FILE_EXTENSIONS, out: Rendered | undefined, name = what) => {
    if (!out) throw new HttpError('RENDERER_UNAVAILABLE', `${what} in format "${format}" is not available on this server`);
    return reply
      .type(out.contentType)
      .header('content-disposition', `inline; filename="${job.id}-${name}.${FILE_EXTENSIONS[format]}"`)
      .send(out.body);
  };

  const textResponses = (formats: Record<string, string>) => ({
    description: 'the rendered document',
    content: Object.fromEntries(Object.values(formats).map((ct) => [ct, { schema: { type: 'string' } }])),
  });

  app.get(
    '/:id/report',
    {
      schema: {
        tags: [tag],
        summary: 'The report of a succeeded job',
        params: IdParamsSchema,
        querystring: ReportQuerySchema,
        response: {
          200: textResponses({ markdown: 'text/markdown', html: 'text/html', csv: 'text/csv', latex: 'application/x-latex', json: 'application/json' }),
          404: NotFound,
          409: problemResponse('the job has not succeeded (JOB_NOT_FINISHED)'),
          501: problemResponse('format not available (RENDERER_UNAVAILABLE)'),
        },
      },
    },
    async (req, reply) => {
      const format: ReportFormat = req.query.format ?? 'markdown';
      const { job, result } = await finishedResult(req, req.params.id);
      return sendRendered(reply, job, 'report', format, await ctx.renderers.report(kind, result, format));
    },
  );

  app.get(
    '/:id/parameters',
    {
      schema: {
        tags: [tag],
        summary: 'The fitted (or evaluated) parameters of a succeeded job as a force-field file',
        params: IdParamsSchema,
        querystring: ParametersQuerySchema,
        response: {
          200: textResponses({ json: 'application/json', text: 'text/plain' }),
          404: NotFound,
          409: problemResponse('the job has not succeeded (JOB_NOT_FINISHED)'),
          501: problemResponse('format not available (RENDERER_UNAVAILABLE)'),
        },
      },
    },
    async (req, reply) => {
      const format: ParameterFormat = req.query.format ?? 'json';
      const { job, result } = await finishedResult(req, req.params.id);
      return sendRendered(reply, job, 'parameters', format, await ctx.renderers.parameters(kind, result, format));
    },
  );

  app.get(
    '/:id/structures',
    {
      schema: {
        tags: [tag],
        summary: 'The relaxed structures of a succeeded job as files',
        description:
          '`cif`: one data block per structure (asymmetric unit and symmetry operations), as `latticefit export cif`. `lammps`: with `structure`, that structure’s LAMMPS data file (for `read_data`); without, the force-field commands and every data file, each section headed by a `# ==== FILE ====` line, as `latticefit export lammps`. `json`: `{ structures: [{ id, cell, sites, spaceGroup }] }` as the result holds them. `structure` picks one structure by id. A structure whose calculation failed before it was relaxed has no geometry: it is left out of the full set, and asking for it is 422 INVALID_STRUCTURE.',
        params: IdParamsSchema,
        querystring: StructuresQuerySchema,
        response: {
          200: textResponses({ cif: 'chemical/x-cif', lammps: 'text/plain', json: 'application/json' }),
          400: problemResponse('unknown format or query parameter (INVALID_QUERY)'),
          404: NotFound,
          409: problemResponse('the job has not succeeded (JOB_NOT_FINISHED)'),
          422: problemResponse('`structure` names no structure of the result (UNKNOWN_REFERENCE) or one without a relaxed geometry (INVALID_STRUCTURE); `path` is /structure'),
          501: problemResponse('format not available (RENDERER_UNAVAILABLE)'),
        },
      },
    },
    async (req, reply) => {
      const format: StructureFormat = req.query.format ?? 'cif';
      const { structure } = req.query;
      const { job, result } = await finishedResult(req, req.params.id);
      const out = await ctx.renderers.structures(kind, result, format, structure);
      // the id comes from the job document: only filename-safe characters go into the header
      return sendRendered(reply, job, 'structures', format, out, structure === undefined ? 'structures' : structure.replace(/[^A-Za-z0-9._+-]+/g, '_'));
    },
  );
};

/** Resolves with the job once it has ended, or undefined after `timeoutMs`. */
export function waitForEnd(ctx: Pick<AppContext, 'store' | 'queue'>, id: string, timeoutMs: number): Promise<JobRecord | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (job: JobRecord | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(job);
    };
    const unsubscribe = ctx.queue.events.subscribe(id, (e) => {
      if (e.type === 'status' && isTerminal(e.status)) finish(e.job);
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    // already ended (e.g. a very fast task)?
    void ctx.store.get(id).then((j) => j && isTerminal(j.status) && finish(j), () => undefined);
  });
}
