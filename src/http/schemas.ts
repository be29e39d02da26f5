/**
 * TypeBox schemas of the HTTP API (beside the job document schema, which is reused as is).
 * They validate requests through the type provider, serialise responses, and are the OpenAPI
 * document.
 */
import { Type, type Static } from 'typebox';
import { JobDocumentSchema } from '../document/schema.js';
import { JOB_KINDS, JOB_STATUSES } from '../jobs/types.js';
import { ERROR_CATALOGUE } from './errors.js';

export const REPORT_FORMATS = ['markdown', 'html', 'csv', 'latex', 'json'] as const;
export const PARAMETER_FORMATS = ['json', 'gulp', 'lammps'] as const;
export const STRUCTURE_FORMATS = ['cif', 'lammps', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export type ParameterFormat = (typeof PARAMETER_FORMATS)[number];
export type StructureFormat = (typeof STRUCTURE_FORMATS)[number];


export const JobStatusSchema = Type.Enum(JOB_STATUSES, { type: 'string', description: 'queued → running → succeeded | failed; queued | running → cancelled' });

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:latticefit:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.Enum(Object.keys(ERROR_CATALOGUE), { type: 'string', description: 'stable error code (see the error catalogue)' }),
    detail: Type.String(),
    instance: Type.String({ description: 'the request path' }),
    path: Type.Optional(Type.String({ description: 'JSON pointer of the offending field of the request body' })),
    requestId: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)', additionalProperties: true },
);

export const ProgressSchema = Type.Object(
  {
    iteration: Type.Integer({ description: 'fit iteration (0 before the first)' }),
    objective: Type.Optional(Type.Number({ description: 'weighted sum of squares' })),
    accepted: Type.Optional(Type.Boolean({ description: 'fit steps: false when the trial step at this iteration was rejected (failed relaxation, change of character, objective up)' })),
    elapsedMs: Type.Integer(),
    stage: Type.Optional(Type.String({ description: "what is being done ('relax', 'properties', 'fit', ...)" })),
    message: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Number(), { description: 'current parameters by name (Cd-Se.A)' })),
  },
  { additionalProperties: false },
);

export const JobErrorSchema = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    path: Type.Optional(Type.String({ description: 'JSON pointer into the job document' })),
    structure: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

export const TimingsSchema = Type.Object(
  {
    createdAt: Timestamp('accepted'),
    startedAt: Type.Optional(Timestamp('current attempt started')),
    finishedAt: Type.Optional(Timestamp('reached a final state')),
    queuedMs: Type.Optional(Type.Integer({ description: 'from acceptance to the start of the current attempt' })),
    runMs: Type.Optional(Type.Integer({ description: 'of the current attempt, until now or its end' })),
  },
  { additionalProperties: false },
);

export const JobLinksSchema = Type.Object(
  {
    self: Type.String(),
    events: Type.String(),
    report: Type.String(),
    parameters: Type.String(),
  },
  { additionalProperties: false },
);

export const JobSummarySchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Enum(JOB_KINDS, { type: 'string' }),
    status: JobStatusSchema,
    name: Type.Optional(Type.String()),
    progress: Type.Optional(ProgressSchema),
    timings: TimingsSchema,
    attempts: Type.Integer({ description: 'attempts started (more than 1 after a restart)' }),
    requeued: Type.Optional(
      Type.Object(
        { count: Type.Integer(), reason: Type.String({ description: "e.g. 'requeued after restart'" }), at: Timestamp('last requeue') },
        { additionalProperties: false },
      ),
    ),
    error: Type.Optional(JobErrorSchema),
    links: JobLinksSchema,
  },
  { $id: 'JobSummary', additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    ...JobSummarySchema.properties,
    result: Type.Optional(Type.Unknown({ description: 'the result, once succeeded' })),
  },
  { $id: 'Job', additionalProperties: false },
);

export const AcceptedSchema = Type.Object(
  {
    id: Type.String(),
    status: JobStatusSchema,
    location: Type.String({ description: 'URL of the job (also in the Location header)' }),
  },
  { additionalProperties: false, description: 'accepted: the job is queued (or, for a retry with the same Idempotency-Key, the job of the first request)' },
);

export const JobListSchema = Type.Object(
  {
    items: Type.Array(Type.Ref('JobSummary')),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null on the last page' }),
  },
  { additionalProperties: false, description: 'a page of jobs, newest first' },
);

export const IdParamsSchema = Type.Object({ id: Type.String({ description: 'job id' }) });

export const ListQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'page size' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'from the previous page' })),
    status: Type.Optional(JobStatusSchema),
  },
  { additionalProperties: false },
);

export const ReportFormatSchema = Type.Enum(REPORT_FORMATS, { type: 'string', description: 'default markdown' });
export const ParameterFormatSchema = Type.Enum(PARAMETER_FORMATS, { type: 'string', description: 'default json' });

export const ReportQuerySchema = Type.Object(
  { format: Type.Optional(ReportFormatSchema) },
  { additionalProperties: false },
);

export const ParametersQuerySchema = Type.Object(
  { format: Type.Optional(ParameterFormatSchema) },
  { additionalProperties: false },
);

export const StructureFormatSchema = Type.Enum(STRUCTURE_FORMATS, { type: 'string', description: 'default cif' });

export const StructuresQuerySchema = Type.Object(
  {
    format: Type.Optional(StructureFormatSchema),
    structure: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'id of one structure of the job (default: every structure)' })),
  },
  { additionalProperties: false },
);

export const SubmitHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'retries with the same key (and the same body) return the same job' }),
  ),
});

export const HealthSchema = Type.Object({ status: Type.String() }, { additionalProperties: false, description: 'the process answers' });

export const ReadySchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Object({ store: Type.Boolean(), workers: Type.Boolean(), accepting: Type.Boolean() }, { additionalProperties: false }),
  },
  { additionalProperties: false, description: 'readiness and its checks (503 when a check fails)' },
);

export type JobView = Static<typeof JobSchema>;
export type JobSummaryView = Static<typeof JobSummarySchema>;

/**
 * Schemas registered once with `app.addSchema` and referenced by `$ref` (components of the
 * OpenAPI document). The validator compiler resolves a top-level `$ref` to them.
 */
export const SHARED_SCHEMAS = { JobDocument: JobDocumentSchema, Problem: ProblemSchema, Job: JobSchema, JobSummary: JobSummarySchema } as const;

/** A response that is the Job component. */
export const jobResponse = (description: string) => Type.Ref('Job', { description });

export const JobDocumentRef = Type.Ref('JobDocument');

/** A response of `application/problem+json` for the OpenAPI document. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
});
