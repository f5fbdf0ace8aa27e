import { PROBLEMS } from '../problems.js';
import { headerRefs, RATE_LIMIT_HEADERS } from './headers.js';
import { ref } from './json.js';
import {
  onlyExamples,
  renderProblemResponse,
  sameStatus,
  type ProblemResponse,
  type ProblemSchemaName,
} from './problem-responses.js';
import { REQUEST_PROBLEMS } from './request-problems.js';
import { unlistedProblems, withUnlisted } from './unlisted-problems.js';
import { UPSTREAM_PROBLEMS } from './upstream-problems.js';

/**
 * `components.responses`, and which of them each kind of operation answers at which status. Problems of
 * `/jobs/copy*` and the operational routes are plain RFC 9457 (`Problem`); those of `/api/v3/*` also carry
 * VSPC's envelope (`VspcProblem`), beside VSPC's own answers with the same status.
 */

const TOO_MANY_REQUESTS = 'Too many requests, for one of these reasons:';
const REFUSED_BEFORE_VSPC = 'vspc-proxy refused the request body, or its shield refused the call to VSPC:';

const SINGLE = { ...REQUEST_PROBLEMS, ...UPSTREAM_PROBLEMS };

/** Plain problem responses, by their name under `components.responses`. */
const PROBLEM_RESPONSES = {
  ...SINGLE,
  TooManyRequests: sameStatus(
    TOO_MANY_REQUESTS,
    SINGLE.RateLimited,
    SINGLE.AuthRateLimited,
    SINGLE.Throttled,
  ),
  ServiceUnavailable: sameStatus(
    'VSPC is busy, or the shield refused the call to VSPC:',
    SINGLE.Busy,
    SINGLE.Unavailable,
    SINGLE.Overloaded,
  ),
};

/**
 * The problems `/api/v3/*` writes itself, by their name under `components.responses`. VSPC's own 429 and
 * 5xx pass unchanged, so only the refusals the pass-through makes itself are examples.
 */
const VSPC_PROBLEM_RESPONSES = {
  PassThroughBadPath: SINGLE.BadPath,
  PassThroughUnauthorized: onlyExamples(SINGLE.Unauthorized, 'unauthorized'),
  PassThroughMethodNotAllowed: SINGLE.MethodNotAllowed,
  PassThroughPayloadTooLarge: SINGLE.PayloadTooLarge,
  PassThroughRequestTimeout: SINGLE.RequestTimeout,
  PassThroughTooManyRequests: sameStatus(
    TOO_MANY_REQUESTS,
    SINGLE.RateLimited,
    SINGLE.AuthRateLimited,
    onlyExamples(SINGLE.Throttled, 'upstream-throttled-hold'),
  ),
  TokenTooManyRequests: sameStatus(
    TOO_MANY_REQUESTS,
    SINGLE.RateLimited,
    SINGLE.LoginRateLimited,
    onlyExamples(SINGLE.Throttled, 'upstream-throttled-hold'),
  ),
  PassThroughBadGateway: onlyExamples(
    SINGLE.BadGateway,
    'upstream-unreachable',
    'upstream-body-too-large',
    'upstream-bad-answer',
  ),
  PassThroughUnavailable: sameStatus(
    REFUSED_BEFORE_VSPC,
    SINGLE.RequestBodiesBusy,
    SINGLE.Unavailable,
    SINGLE.Overloaded,
  ),
  PassThroughGatewayTimeout: SINGLE.GatewayTimeout,
};

type ProblemResponseName = keyof typeof PROBLEM_RESPONSES;
type VspcProblemResponseName = keyof typeof VSPC_PROBLEM_RESPONSES;

/** The kinds of operation, and the schema their problems are written with. */
const FAMILIES = {
  jobsList: 'Problem',
  jobsOne: 'Problem',
  passThrough: 'VspcProblem',
  token: 'VspcProblem',
  readyz: 'Problem',
  metrics: 'Problem',
  adminGet: 'Problem',
  adminDelete: 'Problem',
} as const satisfies Record<string, ProblemSchemaName>;
type Family = keyof typeof FAMILIES;

/** The rate-limited operations, which also document the catalog's unlisted codes. */
const RATE_LIMITED: readonly Family[] = ['jobsList', 'jobsOne', 'passThrough', 'token'];

const SHIELD = {
  429: 'TooManyRequests',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
} as const;
const PASS_THROUGH_SHIELD = {
  429: 'PassThroughTooManyRequests',
  502: 'PassThroughBadGateway',
  503: 'PassThroughUnavailable',
  504: 'PassThroughGatewayTimeout',
} as const;

/** The problem response of each kind of operation, by status. */
const PROBLEMS_BY_STATUS: Record<Family, Record<number, ProblemResponseName | VspcProblemResponseName>> = {
  jobsList: {
    400: 'InvalidParameters',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    413: 'TooManyItems',
    ...SHIELD,
  },
  jobsOne: { 400: 'InvalidParameters', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', ...SHIELD },
  passThrough: {
    400: 'PassThroughBadPath',
    401: 'PassThroughUnauthorized',
    405: 'PassThroughMethodNotAllowed',
    408: 'PassThroughRequestTimeout',
    413: 'PassThroughPayloadTooLarge',
    ...PASS_THROUGH_SHIELD,
  },
  token: {
    408: 'PassThroughRequestTimeout',
    413: 'PassThroughPayloadTooLarge',
    ...PASS_THROUGH_SHIELD,
    429: 'TokenTooManyRequests',
  },
  readyz: { 503: 'NotReady' },
  metrics: { 401: 'MetricsUnauthorized', 500: 'Internal' },
  adminGet: { 401: 'AdminUnauthorized', 404: 'NoRoute' },
  adminDelete: { 400: 'BadRequest', 401: 'AdminUnauthorized', 404: 'NoRoute' },
};

/** Every example code the prose gives. */
const LISTED = new Set(
  [...Object.values(PROBLEM_RESPONSES), ...Object.values(VSPC_PROBLEM_RESPONSES)].flatMap((response) =>
    Object.values(response.examples).map((example) => example.code),
  ),
);

/**
 * The responses by name and, per kind of operation, the name at each status, with the unlisted codes of
 * `catalog` added to the rate-limited operations: into the response they already have at that status, or as
 * a response of their own (`Unlisted408`, `PassThroughUnlisted408`); pure.
 */
export function assembleProblemResponses(catalog: Parameters<typeof unlistedProblems>[0]) {
  const pools: Record<ProblemSchemaName, Record<string, ProblemResponse>> = {
    Problem: { ...PROBLEM_RESPONSES },
    VspcProblem: { ...VSPC_PROBLEM_RESPONSES },
  };
  const byStatus: Record<Family, Record<number, string>> = { ...PROBLEMS_BY_STATUS };
  const merged = new Set<string>();
  const unlistedByStatus = unlistedProblems(catalog, LISTED);
  for (const family of RATE_LIMITED) {
    const schema = FAMILIES[family];
    const pool = pools[schema];
    const statuses: Record<number, string> = { ...byStatus[family] };
    for (const [status, unlisted] of unlistedByStatus) {
      const name = statuses[status];
      if (name === undefined) {
        const added = `${schema === 'VspcProblem' ? 'PassThrough' : ''}Unlisted${status}`;
        pool[added] ??= { ...unlisted, headers: [...unlisted.headers] };
        statuses[status] = added;
      } else if (!merged.has(name)) {
        const response = pool[name];
        if (response === undefined) throw new Error(`openapi: no response '${name}'`);
        pool[name] = withUnlisted(response, unlisted);
        merged.add(name);
      }
    }
    byStatus[family] = statuses;
  }
  return { pools, byStatus };
}

const ASSEMBLED = assembleProblemResponses(PROBLEMS);

/** `components.responses`: every problem response, rendered; and `NotModified`. */
export const RESPONSES = {
  NotModified: {
    description: 'The `If-None-Match` tag matches: no body.',
    headers: headerRefs('ETag', 'X-Request-Id', ...RATE_LIMIT_HEADERS),
  },
  ...(Object.fromEntries(
    (Object.entries(ASSEMBLED.pools) as Array<[ProblemSchemaName, Record<string, ProblemResponse>]>).flatMap(
      ([schema, pool]) =>
        Object.entries(pool).map(([name, response]) => [name, renderProblemResponse(response, schema)]),
    ),
  ) as Record<ProblemResponseName | VspcProblemResponseName, ReturnType<typeof renderProblemResponse>> &
    Record<string, ReturnType<typeof renderProblemResponse>>),
};

/** The `responses` entries of an operation of `family`'s problems: references by status. */
export function problemRefs(family: Family): Record<string, { readonly $ref: string }> {
  return Object.fromEntries(
    Object.entries(ASSEMBLED.byStatus[family]).map(([status, name]) => [status, ref('responses', name)]),
  );
}
