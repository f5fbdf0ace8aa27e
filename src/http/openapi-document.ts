import { JOB_STATUSES as JOB_STATES, RETENTION_POLICIES, RPO_UNITS } from '../jobs/job.js';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MAX_OFFSET,
  MAX_Q_LENGTH,
  SORT_KEYS as JOB_SORT_KEYS,
} from '../jobs/params.js';
import { problemForFailure } from '../upstream/errors.js';
import { PROBLEMS, problemBody, type ProblemCode } from './problems.js';
import { rateLimitField, rateLimitPolicyField } from './rate-limit.js';

/**
 * The OpenAPI 3.1 description of vspc-proxy's own endpoints: the one source of truth for `/openapi.json`,
 * the `/docs` page and the tests, which validate every `/jobs/copy*` answer against it.
 *
 * Schemas are JSON Schema 2020-12 (nullability as `type: [..., 'null']`), with only standard keywords
 * (`examples`, not OpenAPI's deprecated `example`), so they compile with ajv in strict mode. The document
 * names no external URL: `/docs` must work offline, and `servers` is the origin it was fetched from.
 */

/** Version of this API description (not of the package): bump it when the document changes. */
const DOCUMENT_VERSION = '1.1.0';

// The enums and bounds come from the code that enforces them, so the document cannot drift from it.
export { JOB_STATUSES as JOB_STATES, RETENTION_POLICIES, RPO_UNITS } from '../jobs/job.js';
export { SORT_KEYS as JOB_SORT_KEYS } from '../jobs/params.js';
/** Page size bounds of `/jobs/copy` (VSPC's own). */
export const JOBS_LIMIT = { min: 1, max: MAX_LIMIT, default: DEFAULT_LIMIT } as const;

/** Length bounds of the `q` search text. */
export const JOBS_Q_LENGTH = { min: 1, max: MAX_Q_LENGTH } as const;

/** Methods `/api/v3/{path}` forwards (any other is answered 405). */
const PASS_THROUGH_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;

const SCHEMAS = '#/components/schemas';
const RESPONSES = '#/components/responses';
const PARAMETERS = '#/components/parameters';
const HEADERS = '#/components/headers';

const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
/** `/metrics` answers `text/plain; version=0.0.4; charset=utf-8`; content keys name the media type alone. */
const METRICS_TYPE = 'text/plain';

const BEARER = [{ bearer: [] }] as const;
const NO_AUTH = [] as const;
/** The bearer token only when the operator configured one (`/metrics` with `METRICS_TOKEN`). */
const OPTIONAL_BEARER = [{}, ...BEARER] as const;

const ref = (pointer: string) => ({ $ref: pointer }) as const;

/**
 * The client rate limit's header fields (draft-ietf-httpapi-ratelimit-headers-10), on every answer of the
 * rate-limited operations (`/jobs/copy*`, `/api/v3/*`) while `RATE_LIMIT_RPS` is above 0.
 */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': ref(`${HEADERS}/RateLimit-Policy`),
  RateLimit: ref(`${HEADERS}/RateLimit`),
};
/** Their names, for the `headers` of a shared problem response of those operations. */
const LIMITED = Object.keys(RATE_LIMIT_HEADERS);

/** The example job of the `/jobs/copy` shape (the first seed job of the simulator). */
const EXAMPLE_JOB = {
  id: 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09',
  name: 'Copy to DR site',
  status: 'success',
  enabled: true,
  lastRun: '2026-11-28T22:00:00Z',
  lastEndTime: '2026-11-28T22:13:32Z',
  lastDurationSec: 812,
  targetRepositoryId: '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec',
  wanAcceleration: {
    sourceId: 'af43d000-52f1-4874-8df3-62dbb8676f25',
    targetId: 'a2b489bb-4aa5-4527-b9e4-f6a0f493a1bb',
  },
  retention: { policy: 'simple', weekly: 0, monthly: 0, yearly: 0 },
  rpo: { enabled: false, value: 0, unit: 'minutes' },
} as const;

const EXAMPLE_PAGE = {
  data: [EXAMPLE_JOB],
  page: { total: 1000, count: 100, offset: 0, limit: 100 },
  links: { self: '/jobs/copy?limit=100&offset=0', next: '/jobs/copy?limit=100&offset=100', prev: null },
} as const;

const EXAMPLE_REQUEST_ID = '5f0c6a52-1f7e-4d8e-9b1a-3c2d4e5f6a7b';
const EXAMPLE_JOB_PATH = `/jobs/copy/${EXAMPLE_JOB.id}`;

function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}

/** One example problem: its code and an example detail (built into a body by {@link problemBody}). */
interface ProblemExampleSpec {
  code: string;
  detail: string;
  /** A short name for the example, when a response holds several. */
  summary?: string;
  instance?: string;
  extensions?: Record<string, unknown>;
}

/** What one shared problem response documents: its first example, any further ones, and its extra headers. */
interface ProblemResponseSpec extends ProblemExampleSpec {
  description: string;
  /** Further examples, by their key (the first example's key is its code). */
  more?: Readonly<Record<string, ProblemExampleSpec>>;
  /** Component header names besides `X-Request-Id`. */
  headers?: readonly string[];
  /**
   * Answered by Node's parser hook before any route (`src/http/client-error.ts`): no `X-Request-Id`
   * header, and no `instance` or `requestId` in the body.
   */
  beforeRouting?: true;
}

interface ProblemExample {
  summary?: string;
  value: ReturnType<typeof problemBody>;
}

/**
 * An example built by {@link problemBody} itself. Throws (when this module loads) if `code` has left the
 * catalog: the document must not drift from it.
 */
function problemExample(spec: ProblemExampleSpec, withRequestId: boolean): ProblemExample {
  const { code } = spec;
  if (!isProblemCode(code))
    throw new Error(`openapi-document: problem code '${code}' is not in PROBLEMS (src/http/problems.ts)`);
  const value = problemBody(code, spec.detail, {
    ...(spec.instance === undefined ? {} : { instance: spec.instance }),
    ...(withRequestId ? { requestId: EXAMPLE_REQUEST_ID } : {}),
    ...(spec.extensions === undefined ? {} : { extensions: spec.extensions }),
  });
  return { ...(spec.summary === undefined ? {} : { summary: spec.summary }), value };
}

/** A response carrying a problem body, with its examples. */
function problemResponse(spec: ProblemResponseSpec) {
  const withRequestId = spec.beforeRouting !== true;
  const examples: Record<string, ProblemExample> = { [spec.code]: problemExample(spec, withRequestId) };
  for (const [key, more] of Object.entries(spec.more ?? {}))
    examples[key] = problemExample(more, withRequestId);
  const headerNames = [...(withRequestId ? ['X-Request-Id'] : []), ...(spec.headers ?? [])];
  return {
    description: spec.description,
    headers: Object.fromEntries(headerNames.map((name) => [name, ref(`${HEADERS}/${name}`)])),
    content: { [PROBLEM_TYPE]: { schema: ref(`${SCHEMAS}/Problem`), examples } },
  };
}

type ProblemResponse = ReturnType<typeof problemResponse>;

/** `response` with only the examples under `keys`, for an operation that can answer only those. */
function onlyExamples(response: ProblemResponse, ...keys: readonly string[]): ProblemResponse {
  const { examples } = response.content[PROBLEM_TYPE];
  for (const key of keys)
    if (!Object.hasOwn(examples, key)) throw new Error(`openapi-document: no example '${key}' to keep`);
  return {
    ...response,
    content: {
      [PROBLEM_TYPE]: {
        ...response.content[PROBLEM_TYPE],
        examples: Object.fromEntries(Object.entries(examples).filter(([key]) => keys.includes(key))),
      },
    },
  };
}

/**
 * One response for problems that share a status (an operation has one response per status): `intro`, then
 * each part's description as a list item; the headers and examples of every part. Throws if the parts'
 * statuses differ or two examples share a key.
 */
function sameStatus(intro: string, ...parts: readonly ProblemResponse[]): ProblemResponse {
  const examples: Record<string, ProblemExample> = {};
  const statuses = new Set<number>();
  for (const part of parts) {
    for (const [key, example] of Object.entries(part.content[PROBLEM_TYPE].examples)) {
      if (Object.hasOwn(examples, key)) throw new Error(`openapi-document: two examples named '${key}'`);
      examples[key] = example;
      statuses.add(example.value.status);
    }
  }
  if (statuses.size !== 1)
    throw new Error(`openapi-document: one response for statuses ${[...statuses].join(', ')}`);
  return {
    description: [intro, '', ...parts.map((part) => `- ${part.description}`)].join('\n'),
    headers: Object.assign({}, ...parts.map((part) => part.headers)) as ProblemResponse['headers'],
    content: { [PROBLEM_TYPE]: { schema: ref(`${SCHEMAS}/Problem`), examples } },
  };
}

/** VSPC's own error body (`ErrorResponse`), as kept in a problem's `vspc` member. */
const vspcError = (code: number, type: string, message: string, extra: Record<string, unknown> = {}) => ({
  errors: [{ message, type, code, ...extra }],
});

const INVALID_LIMIT = `limit must be a whole number from ${JOBS_LIMIT.min} to ${JOBS_LIMIT.max}.`;
const VSPC_THROTTLE_S = 5;

/** A JSON response without caching headers (health, admin). */
function jsonResponse(description: string, schema: object) {
  return {
    description,
    headers: { 'X-Request-Id': { $ref: `${HEADERS}/X-Request-Id` } },
    content: { [JSON_TYPE]: { schema } },
  };
}

/** Headers of every answer built from cached VSPC data. */
const CACHED_ANSWER_HEADERS = {
  ETag: ref(`${HEADERS}/ETag`),
  'Cache-Status': ref(`${HEADERS}/Cache-Status`),
  'X-Request-Id': ref(`${HEADERS}/X-Request-Id`),
};

/** `responses` entries pointing at shared responses, keyed by status. */
function problems(entries: Readonly<Record<number, SharedResponseName>>) {
  return Object.fromEntries(
    Object.entries(entries).map(([status, name]) => [status, ref(`${RESPONSES}/${name}`)]),
  );
}

const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });

const problemCodes = Object.entries(PROBLEMS)
  .map(([code, { status }]) => `\`${code}\` (${status})`)
  .join(', ');

/** The limiter of the examples: the defaults (`RATE_LIMIT_RPS=50`, `RATE_LIMIT_BURST=100`). */
const EXAMPLE_RATE_LIMIT = { rps: 50, burst: 100 } as const;
/** `RateLimit-Policy` of that limiter, as the limiter writes it. */
const EXAMPLE_POLICY_FIELD = rateLimitPolicyField(EXAMPLE_RATE_LIMIT.rps, EXAMPLE_RATE_LIMIT.burst);
/** `RateLimit` after a first request, and on a refusal. */
const EXAMPLE_RATE_LIMIT_FIELDS = [
  rateLimitField({ allowed: true, remaining: EXAMPLE_RATE_LIMIT.burst - 1, resetS: 1 }),
  rateLimitField({ allowed: false, remaining: 0, resetS: 1, retryAfterS: 1 }),
];

/** A few lines of the `/metrics` exposition. */
const EXAMPLE_METRICS = [
  '# HELP http_requests_total Client requests answered, by route template, method and response status.',
  '# TYPE http_requests_total counter',
  'http_requests_total{route="/jobs/copy",method="GET",status="200"} 42',
  '# HELP breaker_state State of the circuit breaker in front of VSPC: 0 closed, 1 open, 2 half-open.',
  '# TYPE breaker_state gauge',
  'breaker_state 0',
  '',
].join('\n');

/** A VSPC path of the pass-through examples. */
const EXAMPLE_VSPC_PATH = '/api/v3/infrastructure/backupServers/jobs';

/** The problem responses operations share, one per status and cause, by their name under `components.responses`. */
const SINGLE_PROBLEM_RESPONSES = {
  BadRequest: problemResponse({
    description: 'The request is malformed (`bad-request`).',
    code: 'bad-request',
    detail: 'prefix must be a VSPC path below /api/v3, such as /infrastructure/backupServers.',
    instance: '/admin/cache',
  }),
  BadPath: problemResponse({
    description: 'The path is refused: `..`, encoded slashes, backslashes, control characters (`bad-path`).',
    code: 'bad-path',
    detail: "Path segments '..' are not allowed.",
    headers: LIMITED,
  }),
  InvalidParameters: problemResponse({
    description: 'Bad parameters (`invalid-parameters`); `errors` lists each one and what is allowed.',
    code: 'invalid-parameters',
    detail: INVALID_LIMIT,
    instance: '/jobs/copy',
    extensions: { errors: [{ parameter: 'limit', message: INVALID_LIMIT }] },
    headers: LIMITED,
  }),
  Unauthorized: problemResponse({
    description: 'No bearer token, or VSPC refused it (`unauthorized`).',
    code: 'unauthorized',
    detail: 'Send Authorization: Bearer <token> (get one from POST /api/v3/token).',
    instance: '/jobs/copy',
    headers: ['WWW-Authenticate', ...LIMITED],
  }),
  AdminUnauthorized: problemResponse({
    description: 'No `Authorization: Bearer <ADMIN_TOKEN>`, or another token (`unauthorized`).',
    code: 'unauthorized',
    detail: 'Send Authorization: Bearer <ADMIN_TOKEN>.',
    instance: '/admin/cache',
    headers: ['WWW-Authenticate'],
  }),
  MetricsUnauthorized: problemResponse({
    description:
      'Only while `METRICS_TOKEN` is set: no `Authorization: Bearer <METRICS_TOKEN>`, or another token ' +
      '(`unauthorized`).',
    code: 'unauthorized',
    detail: 'Send Authorization: Bearer <METRICS_TOKEN>.',
    instance: '/metrics',
    headers: ['WWW-Authenticate'],
  }),
  Forbidden: problemResponse({
    description: "VSPC does not allow this to the token's user (`forbidden`); `vspc` holds VSPC's body.",
    code: 'forbidden',
    detail: "VSPC does not allow this to the token's user. VSPC said: Access denied.",
    instance: '/jobs/copy',
    extensions: { vspc: vspcError(403, 'security', 'Access denied.') },
    headers: LIMITED,
  }),
  NotFound: problemResponse({
    description: "VSPC has no such job (`not-found`); `vspc` holds VSPC's body.",
    code: 'not-found',
    detail: 'VSPC has no such job. VSPC said: Resource not found.',
    instance: EXAMPLE_JOB_PATH,
    extensions: { vspc: vspcError(404, 'logical', 'Resource not found.') },
    headers: LIMITED,
  }),
  NoRoute: problemResponse({
    description: 'No such route: the admin routes exist only while `ADMIN_TOKEN` is set (`not-found`).',
    code: 'not-found',
    detail: 'No route for GET /admin/cache.',
    instance: '/admin/cache',
  }),
  MethodNotAllowed: problemResponse({
    description: 'A method VSPC does not use (`method-not-allowed`).',
    code: 'method-not-allowed',
    detail: "VSPC's API does not use TRACE.",
    instance: '/api/v3/infrastructure/backupServers',
    headers: ['Allow', ...LIMITED],
  }),
  PayloadTooLarge: problemResponse({
    description: 'The request body exceeds `REQUEST_MAX_BODY_BYTES` (`payload-too-large`).',
    code: 'payload-too-large',
    detail: 'The request body exceeds 1048576 bytes.',
    instance: EXAMPLE_VSPC_PATH,
    headers: LIMITED,
  }),
  TooManyItems: problemResponse({
    description:
      '`all=true` for more jobs than `JOBS_ALL_MAX_ITEMS` (`too-many-items`); page with `limit`/`offset`.',
    code: 'too-many-items',
    detail:
      'This caller has 12000 jobs; all=true answers at most JOBS_ALL_MAX_ITEMS (10000). Page with limit/offset instead.',
    instance: '/jobs/copy',
    extensions: { limit: 10000, total: 12000 },
    headers: LIMITED,
  }),
  HeadersTooLarge: problemResponse({
    description:
      "The request head is larger than Node's limit (`headers-too-large`). Node's parser refuses it before any " +
      'route, for any path: no `X-Request-Id`, no `instance` or `requestId`, and the connection is closed.',
    code: 'headers-too-large',
    detail: 'The request head is too large.',
    beforeRouting: true,
  }),
  RateLimited: problemResponse({
    description:
      'This caller (its bearer token, or its address when it sends none) is over the client rate limit ' +
      '(`rate-limited`): more than `RATE_LIMIT_BURST` requests at once or more than `RATE_LIMIT_RPS` per second. ' +
      'Refused before anything else, without asking VSPC; retry after `Retry-After` (`t` of `RateLimit`).',
    code: 'rate-limited',
    summary: 'Over the client rate limit',
    detail:
      `This caller sent more than RATE_LIMIT_BURST (${EXAMPLE_RATE_LIMIT.burst}) requests at once or more ` +
      `than RATE_LIMIT_RPS (${EXAMPLE_RATE_LIMIT.rps}) per second; retry after 1 s.`,
    instance: '/jobs/copy',
    headers: ['Retry-After', ...LIMITED],
  }),
  Throttled: problemResponse({
    description:
      'VSPC is throttling this token (`upstream-throttled`). Either VSPC answered 429: the jobs endpoints ' +
      "answer this problem with VSPC's body in `vspc` and `Retry-After` from VSPC's `retryAfter` (`/api/v3/*` " +
      "passes VSPC's own 429 through instead). Or vspc-proxy is holding this token's calls (every call, when VSPC " +
      "named its global limit) until VSPC's wait is over: answered without asking VSPC, with no `vspc` " +
      'member and `Retry-After` the seconds left.',
    code: 'upstream-throttled',
    summary: 'VSPC answered 429',
    detail: `VSPC is throttling; retry after ${VSPC_THROTTLE_S} s. VSPC said: Too many requests.`,
    instance: '/jobs/copy',
    extensions: {
      vspc: vspcError(429, 'transport', 'Too many requests.', { retryAfter: VSPC_THROTTLE_S }),
    },
    more: {
      'upstream-throttled-hold': {
        summary: "Held after VSPC's 429",
        code: 'upstream-throttled',
        detail: problemForFailure('throttled').detail,
        instance: EXAMPLE_VSPC_PATH,
      },
    },
    headers: ['Retry-After', ...LIMITED],
  }),
  BadGateway: problemResponse({
    description:
      'VSPC unreachable (`upstream-unreachable`), answered too large a body (`upstream-body-too-large`) or a body ' +
      'in a Content-Encoding vspc-proxy cannot decode (`upstream-bad-answer`); ' +
      'for `/jobs/copy*` also VSPC failed (520 and other 5xx, `upstream-error`) or answered a status it should ' +
      "not have (`upstream-rejected`), with VSPC's body in `vspc`.",
    code: 'upstream-unreachable',
    summary: 'VSPC unreachable',
    detail: problemForFailure('refused').detail,
    instance: '/jobs/copy',
    more: {
      'upstream-body-too-large': {
        summary: 'VSPC body too large',
        code: 'upstream-body-too-large',
        detail: problemForFailure('body-too-large').detail,
        instance: '/jobs/copy',
      },
      'upstream-bad-answer': {
        summary: "VSPC's answer unreadable",
        code: 'upstream-bad-answer',
        detail: problemForFailure('bad-answer').detail,
        instance: '/jobs/copy',
      },
      'upstream-error': {
        summary: 'VSPC failed',
        code: 'upstream-error',
        detail: 'VSPC failed (520). VSPC said: Unexpected error.',
        instance: '/jobs/copy',
        extensions: { vspc: vspcError(520, 'transport', 'Unexpected error.') },
      },
      'upstream-rejected': {
        summary: 'VSPC answered an unexpected status',
        code: 'upstream-rejected',
        detail: 'VSPC answered 400. VSPC said: Invalid filter.',
        instance: '/jobs/copy',
        extensions: { vspc: vspcError(400, 'logical', 'Invalid filter.') },
      },
    },
    headers: LIMITED,
  }),
  Busy: problemResponse({
    description:
      'VSPC started an asynchronous action instead of answering (`upstream-busy`); retry after `Retry-After`.',
    code: 'upstream-busy',
    summary: 'VSPC started an asynchronous action',
    detail: 'VSPC started an asynchronous action instead of answering; retry shortly.',
    instance: '/jobs/copy',
    headers: ['Retry-After', ...LIMITED],
  }),
  Unavailable: problemResponse({
    description:
      'The circuit breaker is open (`upstream-unavailable`): VSPC failed `BREAKER_FAILURES` times in a row, so ' +
      'calls are refused without asking VSPC until `BREAKER_COOLDOWN_MS` is over; then one probe call decides ' +
      '(the others are still refused meanwhile). `Retry-After` is the seconds left of the cool-down.',
    code: 'upstream-unavailable',
    summary: 'Circuit breaker open',
    detail: problemForFailure('breaker-open').detail,
    instance: '/jobs/copy',
    headers: ['Retry-After', ...LIMITED],
  }),
  Overloaded: problemResponse({
    description:
      'Too many calls are waiting for VSPC (`upstream-overloaded`): the queue (`UPSTREAM_QUEUE_MAX`) is full, or ' +
      'the call waited for a free slot (`UPSTREAM_MAX_CONCURRENCY`, `UPSTREAM_MAX_CONCURRENCY_PER_TOKEN`) until ' +
      'too little of its deadline was left. VSPC was not asked; `Retry-After` is 1.',
    code: 'upstream-overloaded',
    summary: 'Queue full',
    detail: problemForFailure('queue-full').detail,
    instance: '/jobs/copy',
    more: {
      'upstream-overloaded-wait': {
        summary: 'Waited until the deadline',
        code: 'upstream-overloaded',
        detail: problemForFailure('queue-timeout').detail,
        instance: '/jobs/copy',
      },
    },
    headers: ['Retry-After', ...LIMITED],
  }),
  GatewayTimeout: problemResponse({
    description: 'VSPC did not answer in time (`upstream-timeout`).',
    code: 'upstream-timeout',
    detail: problemForFailure('timeout').detail,
    instance: '/jobs/copy',
    headers: LIMITED,
  }),
  NotReady: problemResponse({
    description:
      'VSPC is not answering the probe, the circuit breaker is open (no probe is sent), every VSPC call slot ' +
      'stays busy, or vspc-proxy is shutting down (`not-ready`, `shutting-down`).',
    code: 'not-ready',
    summary: 'VSPC failed the probe',
    detail: 'VSPC answered 520.',
    instance: '/readyz',
    more: {
      'not-ready-breaker-open': {
        summary: 'Circuit breaker open',
        code: 'not-ready',
        detail:
          'The circuit breaker is open: VSPC failed BREAKER_FAILURES times in a row; one probe call after ' +
          'BREAKER_COOLDOWN_MS decides.',
        instance: '/readyz',
      },
      'shutting-down': {
        summary: 'Shutting down',
        code: 'shutting-down',
        detail: 'vspc-proxy is shutting down.',
        instance: '/readyz',
      },
    },
  }),
  Internal: problemResponse({
    description: 'vspc-proxy failed (`internal`); the cause goes to its log, never to the client.',
    code: 'internal',
    detail: 'Metrics could not be collected.',
    instance: '/metrics',
  }),
};

/** Two causes of 429 on a rate-limited operation. */
const TOO_MANY_REQUESTS = 'Too many requests, for one of two reasons:';
/** The shield's causes of 503. */
const SHIELD_REFUSED = "vspc-proxy's shield refused the call to VSPC:";

/** The problem responses operations share, by their name under `components.responses`. */
const PROBLEM_RESPONSES = {
  ...SINGLE_PROBLEM_RESPONSES,
  TooManyRequests: sameStatus(
    TOO_MANY_REQUESTS,
    SINGLE_PROBLEM_RESPONSES.RateLimited,
    SINGLE_PROBLEM_RESPONSES.Throttled,
  ),
  ServiceUnavailable: sameStatus(
    'VSPC is busy, or the shield refused the call to VSPC:',
    SINGLE_PROBLEM_RESPONSES.Busy,
    SINGLE_PROBLEM_RESPONSES.Unavailable,
    SINGLE_PROBLEM_RESPONSES.Overloaded,
  ),
};

/** A pass-through status that is either vspc-proxy's own problem or VSPC's answer with that status. */
function problemOrVspcAnswer(problem: ProblemResponse) {
  return {
    description: `${problem.description}\n\nOr VSPC's own answer with this status, unchanged.`,
    headers: problem.headers,
    content: { ...problem.content, '*/*': { schema: {} } },
  };
}

/**
 * The statuses at which `/api/v3/*` answers either vspc-proxy's own problem or VSPC's answer, by their name
 * under `components.responses`. VSPC's own 429 and 5xx pass unchanged, so only the problems the
 * pass-through gives itself are examples.
 */
const PASS_THROUGH_RESPONSES = {
  PassThroughBadPath: problemOrVspcAnswer(PROBLEM_RESPONSES.BadPath),
  PassThroughUnauthorized: problemOrVspcAnswer(PROBLEM_RESPONSES.Unauthorized),
  PassThroughMethodNotAllowed: problemOrVspcAnswer(PROBLEM_RESPONSES.MethodNotAllowed),
  PassThroughPayloadTooLarge: problemOrVspcAnswer(PROBLEM_RESPONSES.PayloadTooLarge),
  PassThroughTooManyRequests: problemOrVspcAnswer(
    sameStatus(
      TOO_MANY_REQUESTS,
      PROBLEM_RESPONSES.RateLimited,
      onlyExamples(PROBLEM_RESPONSES.Throttled, 'upstream-throttled-hold'),
    ),
  ),
  PassThroughBadGateway: problemOrVspcAnswer(
    onlyExamples(PROBLEM_RESPONSES.BadGateway, 'upstream-unreachable', 'upstream-body-too-large'),
  ),
  PassThroughUnavailable: problemOrVspcAnswer(
    sameStatus(SHIELD_REFUSED, PROBLEM_RESPONSES.Unavailable, PROBLEM_RESPONSES.Overloaded),
  ),
  PassThroughGatewayTimeout: problemOrVspcAnswer(PROBLEM_RESPONSES.GatewayTimeout),
};

/** Every shared response but `NotModified`, by its name under `components.responses`. */
const SHARED_RESPONSES = { ...PROBLEM_RESPONSES, ...PASS_THROUGH_RESPONSES };

type SharedResponseName = keyof typeof SHARED_RESPONSES;

/** What the description of a rate-limited operation says about the limit. */
const RATE_LIMIT_NOTE =
  "Counts against the caller's rate limit: every answer carries `RateLimit-Policy` and `RateLimit`, and a " +
  'caller over it gets 429 `rate-limited`.';

/** Headers of a rate-limited operation's responses written in place (not shared ones). */
const LIMITED_ANSWER_HEADERS = { 'X-Request-Id': ref(`${HEADERS}/X-Request-Id`), ...RATE_LIMIT_HEADERS };

/** VSPC's own answer, passed through unchanged whatever its media type. */
function vspcAnswer(description: string, headers: object = LIMITED_ANSWER_HEADERS) {
  return { description, headers, content: { '*/*': { schema: {} } } };
}

const passThroughOperations = Object.fromEntries(
  PASS_THROUGH_METHODS.map((method) => [
    method,
    {
      operationId: `vspc${method[0]?.toUpperCase() ?? ''}${method.slice(1)}`,
      tags: ['vspc'],
      summary: `${method.toUpperCase()} forwarded to VSPC`,
      description:
        "Forwarded to VSPC `/api/v3/{path}` with the same method, path, query and body; VSPC's status, " +
        '`Content-Type`, `Location`, `Retry-After`, `Content-Disposition` and body come back unchanged (VSPC errors ' +
        "keep VSPC's own body). Needs a bearer token, except `POST /api/v3/token`. " +
        RATE_LIMIT_NOTE +
        (method === 'get' || method === 'head'
          ? ' Answered from the token-isolated cache when it can be: `Cache-Status`, `ETag`, `Age`; ' +
            '`If-None-Match` gives 304.'
          : method === 'options'
            ? ''
            : ' A 2xx answer to this write purges the cached entries of the collection it changed.'),
      security: BEARER,
      parameters: [ref(`${PARAMETERS}/VspcPath`)],
      ...(method === 'get' || method === 'head' || method === 'options'
        ? {}
        : {
            requestBody: {
              required: false,
              description: 'Forwarded unchanged, at most `REQUEST_MAX_BODY_BYTES`.',
              content: { '*/*': { schema: {} } },
            },
          }),
      responses: {
        '200': vspcAnswer(
          "VSPC's answer (any 2xx passes the same way)",
          method === 'get' || method === 'head'
            ? { ...CACHED_ANSWER_HEADERS, ...RATE_LIMIT_HEADERS }
            : LIMITED_ANSWER_HEADERS,
        ),
        ...(method === 'get' || method === 'head' ? { '304': ref(`${RESPONSES}/NotModified`) } : {}),
        ...problems({
          400: 'PassThroughBadPath',
          401: 'PassThroughUnauthorized',
          405: 'PassThroughMethodNotAllowed',
          413: 'PassThroughPayloadTooLarge',
          429: 'PassThroughTooManyRequests',
          502: 'PassThroughBadGateway',
          503: 'PassThroughUnavailable',
          504: 'PassThroughGatewayTimeout',
        }),
        default: vspcAnswer("VSPC's own status and body, unchanged (403, 404, 520, 202 and so on)."),
      },
    },
  ]),
);

const document = {
  openapi: '3.1.0',
  info: {
    title: 'vspc-proxy',
    version: DOCUMENT_VERSION,
    summary:
      'Caching proxy and backend-for-frontend in front of the Veeam Service Provider Console REST API v3.',
    description:
      "Backup copy jobs as plain, stable JSON (`/jobs/copy`), VSPC's own API passed through with a " +
      'token-isolated cache (`/api/v3/...`), health, metrics and admin endpoints. Every error vspc-proxy itself ' +
      'answers is `application/problem+json` (RFC 9457) with a stable `type` and `code`; every response carries ' +
      '`X-Request-Id`.\n\n' +
      'Each caller (bearer token, or address without one) has a rate limit on `/jobs/copy*` and `/api/v3/*`: ' +
      'their answers carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10), and a ' +
      "caller over it gets 429 `rate-limited`. A shield guards VSPC: while VSPC throttles a token, that token's " +
      'calls get 429 `upstream-throttled`; while the circuit breaker is open, 503 `upstream-unavailable`; when ' +
      'too many calls wait for VSPC, 503 `upstream-overloaded`; all with `Retry-After`.\n\n' +
      "Any request may also be refused by Node's parser before routing (400 `bad-request`, 431 " +
      '`headers-too-large`, see `components.responses.HeadersTooLarge`) or fail inside vspc-proxy (500 `internal`).',
  },
  servers: [{ url: '/', description: 'The origin this document was fetched from' }],
  tags: [
    { name: 'jobs', description: 'Backup copy jobs, simplified' },
    { name: 'vspc', description: "VSPC's REST API v3, passed through" },
    { name: 'operations', description: 'Health, readiness, metrics and cache administration' },
    { name: 'docs', description: 'This document and its page' },
  ],
  security: BEARER,
  paths: {
    '/jobs/copy': {
      get: {
        operationId: 'listCopyJobs',
        tags: ['jobs'],
        summary: "One page of the caller's backup copy jobs (or all of them)",
        description:
          'Pages are sliced from aligned VSPC windows read through the token-isolated cache, so paging through ' +
          'the list costs one VSPC call per window. Any unknown, repeated or out-of-range parameter is a 400 ' +
          `problem that lists each bad parameter in \`errors\`. ${RATE_LIMIT_NOTE}`,
        parameters: ['Limit', 'Offset', 'Q', 'Status', 'Sort', 'All'].map((name) =>
          ref(`${PARAMETERS}/${name}`),
        ),
        responses: {
          '200': {
            description: 'The page',
            headers: { ...CACHED_ANSWER_HEADERS, ...RATE_LIMIT_HEADERS },
            content: {
              [JSON_TYPE]: {
                schema: ref(`${SCHEMAS}/JobPage`),
                examples: { page: { summary: 'The first page of 1,000 jobs', value: EXAMPLE_PAGE } },
              },
            },
          },
          '304': ref(`${RESPONSES}/NotModified`),
          ...problems({
            400: 'InvalidParameters',
            401: 'Unauthorized',
            403: 'Forbidden',
            404: 'NotFound',
            413: 'TooManyItems',
            429: 'TooManyRequests',
            502: 'BadGateway',
            503: 'ServiceUnavailable',
            504: 'GatewayTimeout',
          }),
        },
      },
    },
    '/jobs/copy/{id}': {
      get: {
        operationId: 'getCopyJob',
        tags: ['jobs'],
        summary: 'One backup copy job',
        description: RATE_LIMIT_NOTE,
        parameters: [ref(`${PARAMETERS}/JobId`)],
        responses: {
          '200': {
            description: 'The job',
            headers: { ...CACHED_ANSWER_HEADERS, ...RATE_LIMIT_HEADERS },
            content: {
              [JSON_TYPE]: {
                schema: ref(`${SCHEMAS}/JobResponse`),
                examples: { job: { value: { data: EXAMPLE_JOB } } },
              },
            },
          },
          '304': ref(`${RESPONSES}/NotModified`),
          ...problems({
            400: 'InvalidParameters',
            401: 'Unauthorized',
            403: 'Forbidden',
            404: 'NotFound',
            429: 'TooManyRequests',
            502: 'BadGateway',
            503: 'ServiceUnavailable',
            504: 'GatewayTimeout',
          }),
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'getHealth',
        tags: ['operations'],
        summary: 'The process is alive (never calls VSPC)',
        security: NO_AUTH,
        responses: {
          '200': jsonResponse('Alive', {
            type: 'object',
            required: ['status'],
            additionalProperties: false,
            properties: { status: { const: 'ok' } },
          }),
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'VSPC answered a probe (any status below 500) within READY_TIMEOUT_MS',
        description:
          'Also ready while calls are held after a VSPC 429 (the cache still serves). 503 while the circuit ' +
          'breaker is open (no probe is sent then), while every VSPC call slot stays busy, and while shutting ' +
          'down.',
        security: NO_AUTH,
        responses: {
          '200': jsonResponse('Ready', {
            type: 'object',
            required: ['status', 'vspc'],
            additionalProperties: false,
            properties: {
              status: { const: 'ready' },
              vspc: {
                type: 'object',
                required: ['status'],
                additionalProperties: false,
                properties: { status: { type: 'integer', description: "The probe's HTTP status from VSPC" } },
              },
            },
          }),
          ...problems({ 503: 'NotReady' }),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        tags: ['operations'],
        summary: 'Prometheus metrics: requests, cache, VSPC calls, the shield and the rate limit',
        description:
          'The Prometheus text exposition format 0.0.4, never cached and not rate-limited. Needs ' +
          '`Authorization: Bearer <METRICS_TOKEN>` when `METRICS_TOKEN` is set (401 without it); open otherwise.',
        security: OPTIONAL_BEARER,
        responses: {
          '200': {
            description: 'The metrics (`Content-Type: text/plain; version=0.0.4; charset=utf-8`)',
            headers: { 'X-Request-Id': ref(`${HEADERS}/X-Request-Id`) },
            content: {
              [METRICS_TYPE]: {
                schema: {
                  type: 'string',
                  description:
                    'Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` lines, then one sample a line.',
                  examples: [EXAMPLE_METRICS],
                },
              },
            },
          },
          ...problems({ 401: 'MetricsUnauthorized', 500: 'Internal' }),
        },
      },
    },
    '/admin/cache': {
      get: {
        operationId: 'getCacheStats',
        tags: ['operations'],
        summary: 'Cache entries and accounted bytes, and the process memory',
        description: 'Needs `Authorization: Bearer <ADMIN_TOKEN>`; 404 when `ADMIN_TOKEN` is unset.',
        security: BEARER,
        responses: {
          '200': jsonResponse('Cache and memory figures', ref(`${SCHEMAS}/CacheStats`)),
          ...problems({ 401: 'AdminUnauthorized', 404: 'NoRoute' }),
        },
      },
      delete: {
        operationId: 'purgeCache',
        tags: ['operations'],
        summary: 'Purges the cache, whole or below a VSPC path, for all tokens',
        description: 'Needs `Authorization: Bearer <ADMIN_TOKEN>`; 404 when `ADMIN_TOKEN` is unset.',
        security: BEARER,
        parameters: [
          {
            name: 'prefix',
            in: 'query',
            required: false,
            description:
              'A VSPC path below `/api/v3` (such as `/infrastructure/backupServers`); absent: everything.',
            schema: { type: 'string', pattern: '^/' },
          },
        ],
        responses: {
          '200': jsonResponse('Purged', {
            type: 'object',
            required: ['purged', 'prefix'],
            additionalProperties: false,
            properties: {
              purged: { type: 'integer', minimum: 0, description: 'Entries removed' },
              prefix: {
                type: ['string', 'null'],
                description: 'The full VSPC path prefix purged (`/api/v3/...`), or null for everything',
              },
            },
          }),
          ...problems({ 400: 'BadRequest', 401: 'AdminUnauthorized', 404: 'NoRoute' }),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        tags: ['docs'],
        summary: 'This document',
        security: NO_AUTH,
        responses: {
          '200': {
            description: 'OpenAPI 3.1 document',
            content: { [JSON_TYPE]: { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/docs': {
      get: {
        operationId: 'getDocsPage',
        tags: ['docs'],
        summary: 'This document as a web page (served locally, works offline)',
        security: NO_AUTH,
        responses: {
          '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
    },
    '/api/v3/token': {
      post: {
        operationId: 'vspcToken',
        tags: ['vspc'],
        summary: 'VSPC login, forwarded as is (no bearer token needed)',
        description: `${RATE_LIMIT_NOTE} Without a token, the caller is its address.`,
        security: NO_AUTH,
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['grant_type'],
                properties: {
                  grant_type: { type: 'string', enum: ['password', 'refresh_token'] },
                  username: { type: 'string' },
                  password: { type: 'string' },
                  refresh_token: { type: 'string' },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: "VSPC's token answer, unchanged",
            headers: LIMITED_ANSWER_HEADERS,
            content: { [JSON_TYPE]: { schema: {} } },
          },
          ...problems({
            400: 'PassThroughBadPath',
            413: 'PassThroughPayloadTooLarge',
            429: 'PassThroughTooManyRequests',
            502: 'PassThroughBadGateway',
            503: 'PassThroughUnavailable',
            504: 'PassThroughGatewayTimeout',
          }),
          default: vspcAnswer("VSPC's own status and body, unchanged"),
        },
      },
    },
    '/api/v3/{path}': passThroughOperations,
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'A VSPC access token (from `POST /api/v3/token`), forwarded to VSPC. For `/admin/cache`, the ' +
          'configured `ADMIN_TOKEN` instead; for `/metrics`, the configured `METRICS_TOKEN` (when set).',
      },
    },
    parameters: {
      Limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Page size. Not allowed with `all=true`.',
        schema: {
          type: 'integer',
          minimum: JOBS_LIMIT.min,
          maximum: JOBS_LIMIT.max,
          default: JOBS_LIMIT.default,
        },
      },
      Offset: {
        name: 'offset',
        in: 'query',
        required: false,
        description: 'Jobs to skip. Not allowed with `all=true`.',
        schema: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
      },
      Q: {
        name: 'q',
        in: 'query',
        required: false,
        description: 'Case-insensitive substring of the job name.',
        schema: { type: 'string', minLength: JOBS_Q_LENGTH.min, maxLength: JOBS_Q_LENGTH.max },
      },
      Status: {
        name: 'status',
        in: 'query',
        required: false,
        description:
          'Only jobs in one of these states; repeat the parameter (`status=failed&status=warning`) or ' +
          'separate states with commas (`status=failed,warning`).',
        style: 'form',
        explode: true,
        schema: { type: 'array', minItems: 1, items: { type: 'string', enum: [...JOB_STATES] } },
      },
      Sort: {
        name: 'sort',
        in: 'query',
        required: false,
        description: 'Sort key; a leading `-` sorts descending.',
        schema: { type: 'string', enum: [...JOB_SORT_KEYS] },
      },
      All: {
        name: 'all',
        in: 'query',
        required: false,
        description:
          '`true`: every job in one response (`page.limit` is null, no `next`/`prev`), bounded by ' +
          '`JOBS_ALL_MAX_ITEMS` (413 beyond it) and one overall deadline (504). `limit` and `offset` are not ' +
          'allowed with it.',
        schema: { type: 'boolean', default: false },
      },
      JobId: {
        name: 'id',
        in: 'path',
        required: true,
        description: "The job's VSPC `instanceUid`.",
        schema: { type: 'string', format: 'uuid' },
      },
      VspcPath: {
        name: 'path',
        in: 'path',
        required: true,
        description:
          'The VSPC resource path below `/api/v3/`; it may span several segments (`infrastructure/backupServers`). ' +
          '`..`, encoded slashes, backslashes and control characters are refused with 400.',
        schema: { type: 'string', pattern: '^[^?#]+$' },
      },
    },
    headers: {
      'X-Request-Id': {
        description:
          "The client's `X-Request-Id` when well-formed (1-128 of `A-Z a-z 0-9 . _ : -`), else a UUID.",
        schema: { type: 'string' },
      },
      ETag: {
        description: 'Strong entity tag of the body; send it back in `If-None-Match`.',
        schema: { type: 'string' },
      },
      'Cache-Status': {
        description:
          'RFC 9211 cache status, such as `vspc-proxy; hit; ttl=17` or `vspc-proxy; fwd=miss; stored`.',
        schema: { type: 'string' },
      },
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        schema: { type: 'integer', minimum: 0 },
      },
      'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } },
      'RateLimit-Policy': {
        description:
          "The client rate limit's quota policy (draft-ietf-httpapi-ratelimit-headers-10 §3), a Structured Field " +
          'List of one item: `"default";q=<RATE_LIMIT_BURST>;w=<seconds a full refill takes>`. On every answer ' +
          'of `/jobs/copy*` and `/api/v3/*` while `RATE_LIMIT_RPS` is above 0.',
        schema: {
          type: 'string',
          pattern: '^"default";q=[1-9][0-9]*;w=[1-9][0-9]*$',
          examples: [EXAMPLE_POLICY_FIELD],
        },
      },
      RateLimit: {
        description:
          "This caller's quota now (draft-ietf-httpapi-ratelimit-headers-10 §4), a Structured Field List of one " +
          'item: `"default";r=<requests left>;t=<seconds until the quota is full again>`; on a 429, `t` is the ' +
          '`Retry-After` seconds. On every answer of `/jobs/copy*` and `/api/v3/*` while `RATE_LIMIT_RPS` is ' +
          'above 0.',
        schema: {
          type: 'string',
          pattern: '^"default";r=[0-9]+;t=[0-9]+$',
          examples: EXAMPLE_RATE_LIMIT_FIELDS,
        },
      },
      Allow: { description: 'The methods forwarded to VSPC.', schema: { type: 'string' } },
    },
    responses: {
      NotModified: {
        description: 'The `If-None-Match` tag matches: no body.',
        headers: {
          ETag: ref(`${HEADERS}/ETag`),
          'X-Request-Id': ref(`${HEADERS}/X-Request-Id`),
          ...RATE_LIMIT_HEADERS,
        },
      },
      ...SHARED_RESPONSES,
    },
    schemas: {
      Job: {
        type: 'object',
        description: "A backup copy job: VSPC's copy-job record with the name and state of its job.",
        required: [
          'id',
          'name',
          'status',
          'enabled',
          'lastRun',
          'lastEndTime',
          'lastDurationSec',
          'targetRepositoryId',
          'wanAcceleration',
          'retention',
          'rpo',
        ],
        additionalProperties: false,
        properties: {
          id: { type: 'string', format: 'uuid', description: "VSPC's `instanceUid`" },
          name: { type: ['string', 'null'], description: 'null when VSPC sent no job record' },
          status: {
            type: ['string', 'null'],
            enum: [...JOB_STATES, null],
            description:
              'Lower-cased; a state this version does not know is `unknown`; null without a job record.',
          },
          enabled: { type: ['boolean', 'null'] },
          lastRun: { type: ['string', 'null'], format: 'date-time' },
          lastEndTime: { type: ['string', 'null'], format: 'date-time' },
          lastDurationSec: { type: ['integer', 'null'] },
          targetRepositoryId: { type: ['string', 'null'] },
          wanAcceleration: {
            ...nullable(ref(`${SCHEMAS}/WanAcceleration`)),
            description: 'null when VSPC names neither WAN accelerator',
          },
          retention: ref(`${SCHEMAS}/Retention`),
          rpo: ref(`${SCHEMAS}/Rpo`),
        },
        examples: [EXAMPLE_JOB],
      },
      WanAcceleration: {
        type: 'object',
        required: ['sourceId', 'targetId'],
        additionalProperties: false,
        properties: { sourceId: { type: ['string', 'null'] }, targetId: { type: ['string', 'null'] } },
      },
      Retention: {
        type: 'object',
        required: ['policy', 'weekly', 'monthly', 'yearly'],
        additionalProperties: false,
        properties: {
          policy: {
            type: 'string',
            enum: [...RETENTION_POLICIES],
            description: 'Lower-cased (`Simple`, `GFS` → `simple`, `gfs`)',
          },
          weekly: { type: 'integer', description: 'Weekly restore points to keep' },
          monthly: { type: 'integer', description: 'Monthly restore points to keep' },
          yearly: { type: 'integer', description: 'Yearly restore points to keep' },
        },
      },
      Rpo: {
        type: 'object',
        required: ['enabled', 'value', 'unit'],
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          value: { type: 'integer' },
          unit: { type: 'string', enum: [...RPO_UNITS] },
        },
      },
      JobPage: {
        type: 'object',
        required: ['data', 'page', 'links'],
        additionalProperties: false,
        properties: {
          data: { type: 'array', items: ref(`${SCHEMAS}/Job`) },
          page: {
            type: 'object',
            required: ['total', 'count', 'offset', 'limit'],
            additionalProperties: false,
            properties: {
              total: { type: 'integer', minimum: 0, description: 'Jobs matching the query' },
              count: { type: 'integer', minimum: 0, description: 'Jobs in `data`' },
              offset: { type: 'integer', minimum: 0 },
              limit: {
                type: ['integer', 'null'],
                minimum: JOBS_LIMIT.min,
                maximum: JOBS_LIMIT.max,
                description: 'null for `all=true`',
              },
            },
          },
          links: {
            type: 'object',
            required: ['self', 'next', 'prev'],
            additionalProperties: false,
            properties: {
              self: { type: 'string', format: 'uri-reference' },
              next: { type: ['string', 'null'], format: 'uri-reference' },
              prev: { type: ['string', 'null'], format: 'uri-reference' },
            },
          },
        },
        examples: [EXAMPLE_PAGE],
      },
      JobResponse: {
        type: 'object',
        required: ['data'],
        additionalProperties: false,
        properties: { data: ref(`${SCHEMAS}/Job`) },
      },
      CacheStats: {
        type: 'object',
        required: ['entries', 'bytes', 'maxBytes', 'process'],
        additionalProperties: false,
        properties: {
          entries: { type: 'integer', minimum: 0 },
          bytes: { type: 'integer', minimum: 0, description: 'Bytes the LRU accounts for' },
          maxBytes: { type: 'integer', minimum: 0, description: '`CACHE_MAX_BYTES`' },
          process: {
            type: 'object',
            required: ['rssBytes', 'heapUsedBytes', 'externalBytes', 'arrayBuffersBytes'],
            additionalProperties: false,
            properties: {
              rssBytes: { type: 'integer', minimum: 0 },
              heapUsedBytes: { type: 'integer', minimum: 0 },
              externalBytes: { type: 'integer', minimum: 0 },
              arrayBuffersBytes: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
      Problem: {
        type: 'object',
        description:
          `RFC 9457 problem details, sent as \`${PROBLEM_TYPE}\`. Further extension members may appear ` +
          `(such as \`limit\` and \`total\` of \`too-many-items\`). Codes: ${problemCodes}.`,
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string', format: 'uri-reference', description: '`urn:vspc-proxy:problem:<code>`' },
          title: { type: 'string' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
          detail: { type: 'string' },
          code: { type: 'string', pattern: '^[a-z]+(?:-[a-z]+)*$', description: 'Stable error code' },
          instance: { type: 'string', description: 'The request path, without the query' },
          requestId: { type: 'string' },
          errors: {
            type: 'array',
            description: 'Each refused parameter and what is allowed',
            items: {
              type: 'object',
              required: ['parameter', 'message'],
              additionalProperties: false,
              properties: { parameter: { type: 'string' }, message: { type: 'string' } },
            },
          },
          vspc: { description: "VSPC's own error body, when the problem comes from a VSPC answer" },
        },
      },
    },
  },
} as const;

/** Freezes `value` and everything reachable from it; returns it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The OpenAPI 3.1.0 document of vspc-proxy's own endpoints, deeply frozen. Served as `/openapi.json`,
 * rendered at `/docs`, and the schema every `/jobs/copy*` answer of the tests is validated against.
 */
export const OPENAPI_DOCUMENT = deepFreeze(document);

/** The type of {@link OPENAPI_DOCUMENT}. */
export type OpenApiDocument = typeof OPENAPI_DOCUMENT;
