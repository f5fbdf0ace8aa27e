import { JobSchema, RetentionSchema, RpoSchema, WanAccelerationSchema } from '../../jobs/job.js';
import { JobPageSchema, JobResponseSchema } from '../../jobs/schema.js';
import {
  ParameterErrorSchema,
  ProblemSchema,
  ResponseErrorSchema,
  VspcProblemSchema,
} from '../problem-schema.js';
import { PROBLEMS } from '../problems.js';
import { EXAMPLE_JOB, EXAMPLE_LOGIN_REFUSED, EXAMPLE_PAGE, EXAMPLE_TOKEN } from './examples.js';
import { CacheStatsSchema } from './operations-schemas.js';
import { publishSchemas } from './schema-components.js';
import { OAuth2ErrorSchema, OAuth2ResultSchema } from './vspc-schemas.js';

/** Every code of the catalog with its status, for prose: `` `bad-request` (400), ... ``. */
const problemCodes = Object.entries(PROBLEMS)
  .map(([code, { status }]) => `\`${code}\` (${status})`)
  .join(', ');

/**
 * `components.schemas`: the TypeBox schemas the code validates with, published by name. A schema nested in
 * another (the job in a page, `Rpo` in the job) is a `$ref` to its own entry.
 */
export const SCHEMAS = publishSchemas({
  Job: { schema: JobSchema, examples: [EXAMPLE_JOB] },
  WanAcceleration: { schema: WanAccelerationSchema },
  Retention: { schema: RetentionSchema },
  Rpo: { schema: RpoSchema },
  JobPage: { schema: JobPageSchema, examples: [EXAMPLE_PAGE] },
  JobResponse: { schema: JobResponseSchema },
  CacheStats: { schema: CacheStatsSchema },
  Problem: {
    schema: ProblemSchema,
    description:
      'RFC 9457 problem details, sent as `application/problem+json` by `/jobs/copy*` and the operational ' +
      'routes. Further extension members may appear (such as `limit` and `total` of `too-many-items`). ' +
      `Codes: ${problemCodes}.`,
  },
  ParameterError: { schema: ParameterErrorSchema },
  VspcProblem: {
    schema: VspcProblemSchema,
    description:
      'A problem vspc-proxy writes under `/api/v3/*`: RFC 9457 problem details (as `Problem`) that are also ' +
      "VSPC's `ErrorResponse`: `errors` holds one `ResponseError` whose `message` is the `detail`, whose `code` " +
      'is the HTTP status and, on a 429 or 503 with `Retry-After`, whose `retryAfter` is its seconds. Clients ' +
      "generated from VSPC's OpenAPI document read it as a VSPC error.",
  },
  ResponseError: { schema: ResponseErrorSchema },
  OAuth2Result: { schema: OAuth2ResultSchema, examples: [EXAMPLE_TOKEN] },
  OAuth2Error: { schema: OAuth2ErrorSchema, examples: [EXAMPLE_LOGIN_REFUSED] },
});
