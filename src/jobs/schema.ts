import Type, { type Static } from 'typebox';
import { IntegerIn, Nullable, StringEnum, StringIn } from '../json-schema.js';
import { JobSchema, JobStatusSchema } from './job.js';

/**
 * What `/jobs/copy` takes and answers, as TypeBox schemas: `parseJobsQuery` (params.ts) checks the query
 * against {@link JobsQueryParametersSchema}, and the OpenAPI document publishes all of them.
 */

/** VSPC's page size bounds, which `/jobs/copy` shares. */
const LIMIT = { minimum: 1, maximum: 500, default: 100 } as const;
/** VSPC's offset is a 32-bit signed integer. */
const OFFSET = { minimum: 0, maximum: 2_147_483_647, default: 0 } as const;

export const SORT_KEYS = ['name', '-name', 'lastRun', '-lastRun', 'status'] as const;
export const SortKeySchema = StringEnum(SORT_KEYS, {
  description: 'Sort key; a leading `-` sorts descending.',
});
export type SortKey = Static<typeof SortKeySchema>;

/**
 * The query parameters of `GET /jobs/copy`, in the order they are documented and named in errors. Every one
 * is optional; `default` is what an absent one means. `status` may be repeated or comma-separated.
 */
export const JobsQueryParametersSchema = Type.Object(
  {
    limit: Type.Optional(IntegerIn({ ...LIMIT, description: 'Page size. Not allowed with `all=true`.' })),
    offset: Type.Optional(
      IntegerIn({ ...OFFSET, description: 'Jobs to skip. Not allowed with `all=true`.' }),
    ),
    q: Type.Optional(
      StringIn({
        minLength: 1,
        maxLength: 200,
        description: 'Case-insensitive substring of the job name.',
      }),
    ),
    status: Type.Optional(
      Type.Array(JobStatusSchema, {
        minItems: 1,
        description:
          'Only jobs in one of these states; repeat the parameter (`status=failed&status=warning`) or ' +
          'separate states with commas (`status=failed,warning`).',
      }),
    ),
    sort: Type.Optional(SortKeySchema),
    all: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          '`true`: every job in one response (`page.limit` is null, no `next`/`prev`), bounded by ' +
          '`JOBS_ALL_MAX_ITEMS` (413 beyond it) and one overall deadline (504). `limit` and `offset` are not ' +
          'allowed with it.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Link = Type.String({ format: 'uri-reference' });

export const JobPageSchema = Type.Object(
  {
    data: Type.Array(JobSchema),
    page: Type.Object(
      {
        total: Type.Integer({ minimum: 0, description: 'Jobs matching the query' }),
        count: Type.Integer({ minimum: 0, description: 'Jobs in `data`' }),
        offset: Type.Integer({ minimum: 0 }),
        limit: Nullable(Type.Integer({ minimum: LIMIT.minimum, maximum: LIMIT.maximum }), {
          description: 'null for `all=true`',
        }),
      },
      { additionalProperties: false },
    ),
    links: Type.Object(
      { self: Link, next: Nullable(Link), prev: Nullable(Link) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'One page of jobs (or all of them, for `all=true`).' },
);
export type JobPage = Static<typeof JobPageSchema>;

export const JobResponseSchema = Type.Object({ data: JobSchema }, { additionalProperties: false });
export type JobResponse = Static<typeof JobResponseSchema>;
