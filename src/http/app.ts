/**
 * `buildApp(deps)`: the fastify application, from its parts. It receives the store, the queue,
 * the logger and the door check, so tests build it in memory and use `app.inject`; it never
 * listens (that is `server.ts`) and never starts or stops the queue (that is `service.ts`).
 *
 * Routes: /v1/fits, /v1/properties (job routes, with API keys and rate limits), /healthz,
 * /readyz, /metrics, /openapi.json, the docs UI at /docs and the web page at / (assets in public/).
 * Errors: every error leaves as application/problem+json with a code from the catalogue.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config.js';
import type { JobQueue } from '../jobs/queue.js';
import type { JobStore } from '../jobs/store.js';
import type { TaskKind } from '../jobs/types.js';
import type { AppContext, ServiceState } from './context.js';
import { HttpError, problem, summariseSchemaErrors, type Problem } from './errors.js';
import { Metrics } from './metrics.js';
import { authHooks } from './plugins/auth.js';
import { securityHooks } from './plugins/security.js';
import { jsonRenderers, type Renderers } from './renderers.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { importRoutes } from './routes/imports.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { plotRoutes } from './routes/plots.js';
import { webRoutes } from './routes/web.js';
import { importGulp, type GulpImport } from '../workflows/import.js';
import { checkSizesBeforeSchema } from '../document/limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's JSON text, when it was parsed as JSON (the validation thread parses it again). */
    jsonText: string | null;
  }
}

export interface AppDeps {
  store: JobStore;
  queue: JobQueue;
  logger: Logger;
  /** The door check: the task module's `validateTask` (throws DomainError with code and path). */
  tasks: { validateTask: (kind: TaskKind, document: unknown, limits?: Record<string, number>) => unknown };
  /**
   * Where the door's costlier checks run: the service passes a `ValidationPool` (a worker thread
   * with a deadline, src/jobs/validation-pool.ts); default: on this thread, `tasks.validateTask`
   * and `importGulp` (tests with in-memory parts).
   */
  checker?: DocumentChecker;
  /** Report and parameter renderers; default: JSON only. */
  renderers?: Renderers;
  /** Default: `loadConfig({})` (the documented defaults, not the environment). */
  config?: Config;
  metrics?: Metrics;
  state?: ServiceState;
}

export interface DocumentChecker {
  /** `text`: the document's JSON text, when there is one (cheaper to send to a thread than the object). */
  validate(kind: TaskKind, document: unknown, limits: Config['limits'], text?: string): Promise<unknown>;
  importGulp(text: string): Promise<GulpImport>;
}

export type App = FastifyInstance & { latticefit: AppContext };

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; description: string };

export const DOCS_PREFIX = '/docs';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Any error → problem details. */
export function toProblem(err: unknown, req: FastifyRequest): { problem: Problem; headers: Record<string, string> } {
  const instance = req.url.split('?')[0] ?? req.url;
  const extra = { requestId: req.id };
  if (err instanceof HttpError) return { problem: problem(err.code, err.message, instance, { path: err.path, ...err.extra, ...extra }), headers: err.headers };
  if (err instanceof Error && err.name === 'ValidationBusyError')
    return { problem: problem('SERVICE_UNAVAILABLE', `too many documents are being checked (${err.message}); retry after the Retry-After delay`, instance, extra), headers: { 'retry-after': '1' } };
  // a DomainError (duck-typed: the task module may hold its own copy of the class)
  if (err instanceof Error && err.name === 'DomainError' && typeof (err as { code?: unknown }).code === 'string') {
    const d = err as Error & { code: string; path?: string };
    return { problem: problem(d.code, d.message, instance, { path: d.path, ...extra }), headers: {} };
  }
  const e = err as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'body';
    const { path, message } = summariseSchemaErrors(e.validation as never[]);
    if (where === 'body') return { problem: problem('INVALID_DOCUMENT', `${path}: ${message}`, instance, { path, ...extra }), headers: {} };
    return { problem: problem('INVALID_QUERY', `${where} ${path}: ${message}`, instance, { path, ...extra }), headers: {} };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { problem: problem('PAYLOAD_TOO_LARGE', e.message, instance, extra), headers: {} };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { problem: problem('UNSUPPORTED_MEDIA_TYPE', `content type "${req.headers['content-type'] ?? ''}" is not accepted; send application/json`, instance, extra), headers: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'INVALID_JSON':
      return { problem: problem('INVALID_JSON', e.message, instance, { path: (e as { path?: string }).path ?? '/', ...extra }), headers: {} };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return { problem: problem('PAYLOAD_TOO_LARGE', e.message, instance, extra), headers: {} };
  if (status === 414 || e.code === 'FST_ERR_MAX_PARAM_LENGTH') return { problem: problem('URI_TOO_LONG', 'a path parameter of the URL is longer than the limit', instance, extra), headers: {} };
  if (e.code === 'FST_ERR_BAD_URL') return { problem: problem('BAD_REQUEST', 'the URL is not valid (bad percent-encoding)', instance, extra), headers: {} };
  // a file outside the served directory (e.g. /docs/static/%2e%2e/...) does not exist for the client
  if (status === 403 || status === 404) return { problem: problem('NOT_FOUND', `no resource ${instance}`, instance, extra), headers: {} };
  if (status >= 400 && status < 500) return { problem: { ...problem('BAD_REQUEST', e.message, instance, extra), status }, headers: {} };
  return { problem: problem('INTERNAL_ERROR', 'an unexpected error occurred; the request id identifies it in the logs', instance, extra), headers: {} };
}

function sendProblem(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
}

/** JSON body parser that says where the syntax error is and refuses prototype poisoning. */
function parseJson(req: FastifyRequest, body: string, limits: Config['limits'], done: (err: Error | null, value?: unknown) => void): void {
  const fail = (message: string): void => done(Object.assign(new Error(message), { code: 'INVALID_JSON', statusCode: 400 }));
  if (body.length === 0) return fail('the request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return fail(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  // on the parsed keys, not the text: "\u005f_proto__" is the same key as "__proto__"
  const bad = forbiddenKey(value);
  if (bad !== undefined) return done(Object.assign(new Error(`the request body contains a forbidden key (__proto__ or constructor) at ${bad}`), { code: 'INVALID_JSON', statusCode: 400, path: bad }));
  // the cheap counts of a job document before the schema walks it (src/document/limits.ts)
  try {
    checkSizesBeforeSchema(value, limits);
  } catch (e) {
    return done(e as Error);
  }
  // the text goes to the validation thread (a string is copied at memcpy speed, an object graph is not)
  req.jsonText = body;
  done(null, value);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/** JSON pointer of the first object key that could poison a prototype, if any (iterative walk). */
export function forbiddenKey(value: unknown): string | undefined {
  // a plain scan first (no pointers built): almost every body has no such key
  const stack: unknown[] = [value];
  let found = false;
  while (stack.length && !found) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    for (const k in v) {
      if (FORBIDDEN_KEYS.has(k)) found = true;
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  return found ? pointerOfForbidden(value, '') : undefined;
}

function pointerOfForbidden(v: unknown, at: string): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v)) {
    const p = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!Array.isArray(v) && FORBIDDEN_KEYS.has(k)) return p;
    const inner = pointerOfForbidden(x, p);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function checks(deps: AppDeps): Pick<AppContext, 'validate' | 'importGulp'> {
  const c = deps.checker;
  if (c) return { validate: (kind, document, limits, text) => c.validate(kind, document, limits, text), importGulp: (text) => c.importGulp(text) };
  return {
    validate: async (kind, document, limits) => deps.tasks.validateTask(kind, document, limits as unknown as Record<string, number>),
    importGulp: async (text) => importGulp(text),
  };
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const config = deps.config ?? loadConfig({});
  const ctx: AppContext = {
    store: deps.store,
    queue: deps.queue,
    config,
    ...checks(deps),
    renderers: deps.renderers ?? jsonRenderers,
    metrics: deps.metrics ?? new Metrics(),
    state: deps.state ?? { draining: false },
    openStreams: new Set(),
  };

  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: config.limits.maxBodyBytes,
    trustProxy: config.trustProxy,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // a bad URL or a too-long parameter is answered before routing: as problem+json too
    frameworkErrors: (err, req, reply) => {
      const { problem: p, headers } = toProblem(err, req);
      return sendProblem(reply, p, headers);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox validation; a top-level $ref to a shared schema (the job document) is resolved here
  app.setValidatorCompiler((route) => {
    const ref = (route.schema as { $ref?: string }).$ref?.replace(/#$/, '');
    const shared = ref ? SHARED_SCHEMAS[ref as keyof typeof SHARED_SCHEMAS] : undefined;
    return TypeBoxValidatorCompiler({ ...route, schema: shared ?? route.schema });
  });
  for (const schema of Object.values(SHARED_SCHEMAS)) app.addSchema(schema);
  app.decorate('latticefit', ctx);
  app.decorateRequest('owner', null);

  app.removeContentTypeParser('application/json');
  // text/plain only where a route asks for it (GULP imports): elsewhere 415, not a string body
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('jsonText', null);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => parseJson(req, body as string, config.limits, done));

  app.setErrorHandler((err, req, reply) => {
    const { problem: p, headers } = toProblem(err, req);
    if (p.status >= 500) req.log.error({ err, code: p.code }, 'request failed');
    else req.log.info({ code: p.code, path: p.path }, 'request refused');
    return sendProblem(reply, p, headers);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, req.url.split('?')[0]!, { requestId: req.id })));

  securityHooks(app, { corsOrigins: config.corsOrigins, docsPrefix: DOCS_PREFIX });

  // metrics: HTTP latency by route template and status; job outcomes from the queue's events
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  const unsubscribe = ctx.queue.events.subscribeAll((e) => {
    if (e.type === 'requeued') ctx.metrics.requeued.inc({ reason: e.reason });
    if (e.type !== 'status' || !['succeeded', 'failed', 'cancelled'].includes(e.status)) return;
    ctx.metrics.finished.inc({ kind: e.job.kind, status: e.status });
    if (e.job.startedAt !== null && e.job.finishedAt !== null) ctx.metrics.jobDuration.observe({ kind: e.job.kind, status: e.status }, (e.job.finishedAt - e.job.startedAt) / 1000);
  });
  app.addHook('preClose', async () => {
    for (const end of [...ctx.openStreams]) end();
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    if (!deps.metrics) ctx.metrics.stop();
  });

  await app.register(fastifySwagger, {
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'latticefit',
        version: PACKAGE.version,
        description: `${PACKAGE.description}\n\nErrors are RFC 9457 problem details (application/problem+json) with a stable \`code\`; bad input carries \`path\`, the JSON pointer of the offending field. When the server has API keys, every /v1 route needs \`Authorization: Bearer <key>\` and a job is visible only to the key that created it.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the server is configured with LATTICEFIT_API_KEYS' } } },
      tags: [
        { name: 'fits', description: 'force-field fits as jobs' },
        { name: 'properties', description: 'properties at the document’s own parameters' },
        { name: 'defects', description: 'defect formation energies and mixed phases of the document’s defects block' },
        { name: 'service', description: 'health, readiness, metrics' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true } });

  await app.register(
    async (v1) => {
      authHooks(v1, { apiKeys: config.apiKeys, rateLimit: config.rateLimit });
      v1.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, security: [{ bearer: [] }] } as typeof route.schema;
      });
      await v1.register(jobRoutes, { prefix: '/fits', kind: 'fit', ctx });
      await v1.register(jobRoutes, { prefix: '/properties', kind: 'properties', ctx });
      await v1.register(jobRoutes, { prefix: '/defects', kind: 'defects', ctx });
      await v1.register(importRoutes, { prefix: '/imports', ctx });
      await v1.register(plotRoutes, { prefix: '/fits', kind: 'fit', ctx });
      await v1.register(plotRoutes, { prefix: '/properties', kind: 'properties', ctx });
    },
    { prefix: '/v1' },
  );
  await app.register(healthRoutes, { ctx });
  await app.register(webRoutes);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.ready();
  return app as unknown as App;
}

