import { EXAMPLE_JOB, EXAMPLE_PAGE } from './examples.js';
import { CACHED_ANSWER_HEADERS, headerRefs, RATE_LIMIT_HEADERS } from './headers.js';
import { ref } from './json.js';
import { JOB_QUERY_PARAMETER_NAMES } from './parameters.js';
import { problemRefs } from './responses.js';

/** The operations of `/jobs/copy` and `/jobs/copy/{id}`. */

/** What the description of a rate-limited operation says about the limit. */
export const RATE_LIMIT_NOTE =
  "Counts against the caller's rate limit: every answer carries `RateLimit-Policy` and `RateLimit`, and a " +
  'caller over it gets 429 `rate-limited`.';

const CACHED_ANSWER = headerRefs(...CACHED_ANSWER_HEADERS, ...RATE_LIMIT_HEADERS);

export const JOBS_PATHS = {
  '/jobs/copy': {
    get: {
      operationId: 'listCopyJobs',
      tags: ['jobs'],
      summary: "One page of the caller's backup copy jobs (or all of them)",
      description:
        'Pages are sliced from aligned VSPC windows read through the token-isolated cache, so paging through ' +
        'the list costs one VSPC call per window. Any unknown, repeated or out-of-range parameter is a 400 ' +
        'problem that lists each bad parameter in `errors`. Without `limit` and `offset` the first page of ' +
        'the default size comes back; `all=true` takes neither. ' +
        RATE_LIMIT_NOTE,
      parameters: Object.values(JOB_QUERY_PARAMETER_NAMES).map((name) => ref('parameters', name)),
      responses: {
        '200': {
          description: 'The page',
          headers: CACHED_ANSWER,
          content: {
            'application/json': {
              schema: ref('schemas', 'JobPage'),
              examples: { page: { summary: 'The first page of 1,000 jobs', value: EXAMPLE_PAGE } },
            },
          },
        },
        '304': ref('responses', 'NotModified'),
        ...problemRefs('jobsList'),
      },
    },
  },
  '/jobs/copy/{id}': {
    get: {
      operationId: 'getCopyJob',
      tags: ['jobs'],
      summary: 'One backup copy job',
      description: RATE_LIMIT_NOTE,
      parameters: [ref('parameters', 'JobId')],
      responses: {
        '200': {
          description: 'The job',
          headers: CACHED_ANSWER,
          content: {
            'application/json': {
              schema: ref('schemas', 'JobResponse'),
              examples: { job: { value: { data: EXAMPLE_JOB } } },
            },
          },
        },
        '304': ref('responses', 'NotModified'),
        ...problemRefs('jobsOne'),
      },
    },
  },
};
