/**
 * The error catalogue: every code the service can answer with, its HTTP status and title, in one
 * table (fastify `lib/errors.js` style). Domain codes come from `src/errors.ts`; the HTTP layer
 * adds its own. `renderErrorTable()` writes the README table from this object, and a test checks
 * that every domain code is here.
 *
 * Errors leave the service as RFC 9457 problem details (`application/problem+json`):
 *   { type, title, status, code, detail, instance, path? }
 * `type` is `urn:latticefit:problem:<code in kebab case>`, `instance` the request path, `path`
 * the JSON pointer of the offending field of the request body when known.
 */
import { ERROR_CODES, type ErrorCode } from '../errors.js';

export interface CatalogueEntry {
  status: number;
  title: string;
}

const domain = (status: number, code: ErrorCode): CatalogueEntry => ({ status, title: ERROR_CODES[code] });

/** Domain codes: bad input is 400 (schema) or 422 (well-formed but wrong); failed calculations 422. */
const DOMAIN_CATALOGUE = {
  INVALID_DOCUMENT: domain(400, 'INVALID_DOCUMENT'),
  UNKNOWN_SPECIES: domain(422, 'UNKNOWN_SPECIES'),
  UNKNOWN_SPACE_GROUP: domain(422, 'UNKNOWN_SPACE_GROUP'),
  INVALID_CELL: domain(422, 'INVALID_CELL'),
  OVERLAPPING_ATOMS: domain(422, 'OVERLAPPING_ATOMS'),
  NOT_CHARGE_NEUTRAL: domain(422, 'NOT_CHARGE_NEUTRAL'),
  INVALID_STRUCTURE: domain(422, 'INVALID_STRUCTURE'),
  UNKNOWN_REFERENCE: domain(422, 'UNKNOWN_REFERENCE'),
  UNKNOWN_PROPERTY: domain(422, 'UNKNOWN_PROPERTY'),
  INVALID_POTENTIAL: domain(422, 'INVALID_POTENTIAL'),
  UNKNOWN_PARAMETER: domain(422, 'UNKNOWN_PARAMETER'),
  LIMIT_EXCEEDED: domain(422, 'LIMIT_EXCEEDED'),
  RELAX_NOT_CONVERGED: domain(422, 'RELAX_NOT_CONVERGED'),
  NUMERICAL_FAILURE: domain(422, 'NUMERICAL_FAILURE'),
  CANCELLED: domain(409, 'CANCELLED'),
  PARSE_ERROR: domain(422, 'PARSE_ERROR'),
  POLAR_SURFACE: domain(422, 'POLAR_SURFACE'),
  DYNAMICALLY_UNSTABLE: domain(422, 'DYNAMICALLY_UNSTABLE'),
  ENGINE_UNAVAILABLE: domain(503, 'ENGINE_UNAVAILABLE'),
  ENGINE_FAILED: domain(500, 'ENGINE_FAILED'),
} as const satisfies Record<ErrorCode, CatalogueEntry>;

/** Codes of the HTTP layer and the job machinery. */
const HTTP_CATALOGUE = {
  INVALID_JSON: { status: 400, title: 'the request body is not valid JSON' },
  INVALID_QUERY: { status: 400, title: 'a query parameter or header is not valid' },
  BAD_REQUEST: { status: 400, title: 'the request is malformed' },
  UNAUTHORIZED: { status: 401, title: 'a valid API key is required (Authorization: Bearer <key>)' },
  NOT_FOUND: { status: 404, title: 'no such resource' },
  JOB_NOT_FINISHED: { status: 409, title: 'the job has not succeeded (yet): no result to render' },
  JOB_ALREADY_FINISHED: { status: 409, title: 'the job has already finished and cannot be cancelled' },
  IDEMPOTENCY_CONFLICT: { status: 422, title: 'the Idempotency-Key was used before with a different request' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'the request body is larger than the limit' },
  URI_TOO_LONG: { status: 414, title: 'a parameter of the URL is longer than the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'the request body must be application/json' },
  RATE_LIMITED: { status: 429, title: 'too many requests for this API key; retry after the Retry-After delay' },
  INTERNAL_ERROR: { status: 500, title: 'an unexpected error occurred' },
  WORKER_CRASHED: { status: 500, title: 'the worker thread running the job stopped unexpectedly' },
  RENDERER_UNAVAILABLE: { status: 501, title: 'this output format is not available on this server' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'the service is shutting down or not ready; retry later' },
} as const satisfies Record<string, CatalogueEntry>;

export const ERROR_CATALOGUE = { ...DOMAIN_CATALOGUE, ...HTTP_CATALOGUE } as const;
export type HttpErrorCode = keyof typeof ERROR_CATALOGUE;

export const isKnownCode = (code: string): code is HttpErrorCode => Object.hasOwn(ERROR_CATALOGUE, code);

/** Status for a code (500 for a code not in the catalogue). */
export const statusOf = (code: string): number => (isKnownCode(code) ? ERROR_CATALOGUE[code].status : 500);

export const problemType = (code: string): string => `urn:latticefit:problem:${code.toLowerCase().replace(/_/g, '-')}`;

/** An error the HTTP layer raises on purpose. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly status: number;
  readonly path: string | undefined;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(code: HttpErrorCode, detail?: string, opts: { path?: string; headers?: Record<string, string>; extra?: Record<string, unknown> } = {}) {
    super(detail ?? ERROR_CATALOGUE[code].title);
    this.name = 'HttpError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.path = opts.path;
    this.headers = opts.headers ?? {};
    this.extra = opts.extra ?? {};
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  path?: string;
  [extension: string]: unknown;
}

export function problem(code: string, detail: string, instance: string, extra: { path?: string | undefined } & Record<string, unknown> = {}): Problem {
  const entry = isKnownCode(code) ? ERROR_CATALOGUE[code] : ERROR_CATALOGUE.INTERNAL_ERROR;
  const { path, ...extensions } = extra;
  const out: Problem = { type: problemType(code), title: entry.title, status: entry.status, code, detail, instance };
  if (path !== undefined) out.path = path;
  // extensions never override the standard members
  for (const [k, v] of Object.entries(extensions)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/** The markdown table of codes for the README. */
export function renderErrorTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE)
    .sort(([a, ea], [b, eb]) => ea.status - eb.status || a.localeCompare(b))
    .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.title} |`);
  return ['| code | HTTP status | meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}

/** JSON pointer escaping of one reference token (RFC 6901). */
export const pointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

interface SchemaError {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The most useful of a validator's errors (the deepest path, ignoring `schema is false` echoes),
 * as a JSON pointer to the offending field and a message. For an unknown field the pointer names
 * the field itself.
 */
export function summariseSchemaErrors(errors: readonly SchemaError[], prefix = ''): { path: string; message: string } {
  const useful = errors.filter((e) => e.keyword !== 'boolean');
  const pool = useful.length ? useful : errors;
  const first = [...pool].sort((a, b) => (b.instancePath ?? '').length - (a.instancePath ?? '').length)[0];
  let path = first?.instancePath ?? '';
  let message = first?.message ?? 'invalid';
  if (first?.keyword === 'additionalProperties') {
    const extra = (first.params?.additionalProperties as string[] | string | undefined) ?? [];
    const names = Array.isArray(extra) ? extra : [extra];
    if (names.length) path = `${path}/${pointerToken(names[0]!)}`;
    message = `unknown field(s) ${JSON.stringify(names)}`;
  } else if (first?.keyword === 'required') {
    const missing = (first.params?.requiredProperties as string[] | undefined) ?? (first.params?.missingProperty ? [first.params.missingProperty as string] : []);
    if (missing.length) {
      path = `${path}/${pointerToken(missing[0]!)}`;
      message = `required field(s) missing: ${JSON.stringify(missing)}`;
    }
  }
  return { path: `${prefix}${path}` || '/', message };
}
