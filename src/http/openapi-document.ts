import { JOB_STATUSES as JOB_STATES, RETENTION_POLICIES, RPO_UNITS } from '../jobs/job.js';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_Q_LENGTH, SORT_KEYS as JOB_SORT_KEYS } from '../jobs/params.js';
import { PROBLEMS, problemBody, type ProblemCode } from './problems.js';

/**
 * The OpenAPI 3.1 description of vspc-proxy's own endpoints: the one source of truth for `/openapi.json`,
 * the `/docs` page and the tests, which validate every `/jobs/copy*` answer against it.
 *
 * Schemas are JSON Schema 2020-12 (nullability as `type: [..., 'null']`), with only standard keywords
 * (`examples`, not OpenAPI's deprecated `example`), so they compile with ajv in strict mode. The document
 * names no external URL: `/docs` must work offline, and `servers` is the origin it was fetched from.
 */

/** Version of this API description (not of the package): bump it when the document changes. */
const DOCUMENT_VERSION = '1.0.0';

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

const BEARER = [{ bearer: [] }] as const;
const NO_AUTH = [] as const;

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

/** What one shared problem response documents: its code, an example detail, and its extra headers. */
interface ProblemResponseSpec {
  description: string;
  code: string;
  detail: string;
  instance?: string;
  extensions?: Record<string, unknown>;
  /** Component header names besides `X-Request-Id`. */
  headers?: readonly string[];
}

/**
 * A response carrying a problem body, with an example built by {@link problemBody} itself. Throws (when
 * this module loads) if `code` has left the catalog: the document must not drift from it.
 */
function problemResponse(spec: ProblemResponseSpec) {
  const { code } = spec;
  if (!isProblemCode(code))
    throw new Error(`openapi-document: problem code '${code}' is not in PROBLEMS (src/http/problems.ts)`);
  const example = problemBody(code, spec.detail, {
    ...(spec.instance === undefined ? {} : { instance: spec.instance }),
    requestId: EXAMPLE_REQUEST_ID,
    ...(spec.extensions === undefined ? {} : { extensions: spec.extensions }),
  });
  return {
    description: spec.description,
    headers: Object.fromEntries(
      ['X-Request-Id', ...(spec.headers ?? [])].map((name) => [name, { $ref: `${HEADERS}/${name}` }]),
    ),
    content: {
      [PROBLEM_TYPE]: { schema: { $ref: `${SCHEMAS}/Problem` }, examples: { [code]: { value: example } } },
    },
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

const ref = (pointer: string) => ({ $ref: pointer }) as const;

/** Headers of every answer built from cached VSPC data. */
const CACHED_ANSWER_HEADERS = {
  ETag: ref(`${HEADERS}/ETag`),
  'Cache-Status': ref(`${HEADERS}/Cache-Status`),
  'X-Request-Id': ref(`${HEADERS}/X-Request-Id`),
};

/** `responses` entries pointing at shared problem responses, keyed by status. */
function problems(entries: Readonly<Record<number, ProblemResponseName>>) {
  return Object.fromEntries(
    Object.entries(entries).map(([status, name]) => [status, ref(`${RESPONSES}/${name}`)]),
  );
}

const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });

const problemCodes = Object.entries(PROBLEMS)
  .map(([code, { status }]) => `\`${code}\` (${status})`)
  .join(', ');

/** The problem responses operations share, by their name under `components.responses`. */
const PROBLEM_RESPONSES = {
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
  }),
  InvalidParameters: problemResponse({
    description: 'Bad parameters (`invalid-parameters`); `errors` lists each one and what is allowed.',
    code: 'invalid-parameters',
    detail: INVALID_LIMIT,
    instance: '/jobs/copy',
    extensions: { errors: [{ parameter: 'limit', message: INVALID_LIMIT }] },
  }),
  Unauthorized: problemResponse({
    description: 'No bearer token, or VSPC refused it (`unauthorized`).',
    code: 'unauthorized',
    detail: 'Send Authorization: Bearer <token> (get one from POST /api/v3/token).',
    instance: '/jobs/copy',
    headers: ['WWW-Authenticate'],
  }),
  Forbidden: problemResponse({
    description: "VSPC does not allow this to the token's user (`forbidden`); `vspc` holds VSPC's body.",
    code: 'forbidden',
    detail: "VSPC does not allow this to the token's user. VSPC said: Access denied.",
    instance: '/jobs/copy',
    extensions: { vspc: vspcError(403, 'security', 'Access denied.') },
  }),
  NotFound: problemResponse({
    description: "VSPC has no such job (`not-found`); `vspc` holds VSPC's body.",
    code: 'not-found',
    detail: 'VSPC has no such job. VSPC said: Resource not found.',
    instance: EXAMPLE_JOB_PATH,
    extensions: { vspc: vspcError(404, 'logical', 'Resource not found.') },
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
    headers: ['Allow'],
  }),
  PayloadTooLarge: problemResponse({
    description: 'The request body exceeds `REQUEST_MAX_BODY_BYTES` (`payload-too-large`).',
    code: 'payload-too-large',
    detail: 'The request body exceeds 1048576 bytes.',
    instance: '/api/v3/infrastructure/backupServers/jobs',
  }),
  TooManyItems: problemResponse({
    description:
      '`all=true` for more jobs than `JOBS_ALL_MAX_ITEMS` (`too-many-items`); page with `limit`/`offset`.',
    code: 'too-many-items',
    detail:
      'This caller has 12000 jobs; all=true answers at most JOBS_ALL_MAX_ITEMS (10000). Page with limit/offset instead.',
    instance: '/jobs/copy',
    extensions: { limit: 10000, total: 12000 },
  }),
  Throttled: problemResponse({
    description:
      "VSPC is throttling (`upstream-throttled`); `Retry-After` is taken from VSPC's `retryAfter`.",
    code: 'upstream-throttled',
    detail: `VSPC is throttling; retry after ${VSPC_THROTTLE_S} s.`,
    instance: '/jobs/copy',
    extensions: {
      vspc: vspcError(429, 'transport', 'Too many requests.', { retryAfter: VSPC_THROTTLE_S }),
    },
    headers: ['Retry-After'],
  }),
  BadGateway: problemResponse({
    description:
      'VSPC unreachable, failed (520 and other 5xx), answered an unexpected status or too large a body ' +
      '(`upstream-unreachable`, `upstream-error`, `upstream-rejected`, `upstream-body-too-large`).',
    code: 'upstream-unreachable',
    detail: 'VSPC refused the connection.',
    instance: '/jobs/copy',
  }),
  Busy: problemResponse({
    description:
      'VSPC started an asynchronous action instead of answering (`upstream-busy`); retry after `Retry-After`.',
    code: 'upstream-busy',
    detail: 'VSPC started an asynchronous action instead of answering; retry shortly.',
    instance: '/jobs/copy',
    headers: ['Retry-After'],
  }),
  GatewayTimeout: problemResponse({
    description: 'VSPC did not answer in time (`upstream-timeout`).',
    code: 'upstream-timeout',
    detail: 'VSPC did not answer within the upstream timeout.',
    instance: '/jobs/copy',
  }),
  NotReady: problemResponse({
    description: 'VSPC is not answering, or vspc-proxy is shutting down (`not-ready`, `shutting-down`).',
    code: 'not-ready',
    detail: 'VSPC answered 520.',
    instance: '/readyz',
  }),
};

type ProblemResponseName = keyof typeof PROBLEM_RESPONSES;

/** A pass-through status that is either vspc-proxy's own problem or VSPC's answer with that status. */
function problemOrVspcAnswer(name: ProblemResponseName) {
  const problem = PROBLEM_RESPONSES[name];
  return {
    description: `${problem.description} Or VSPC's own answer with this status, unchanged.`,
    headers: problem.headers,
    content: { ...problem.content, '*/*': { schema: {} } },
  };
}

/** `responses` entries of the pass-through for vspc-proxy's own refusals, keyed by status. */
function passThroughProblems(entries: Readonly<Record<number, ProblemResponseName>>) {
  return Object.fromEntries(
    Object.entries(entries).map(([status, name]) => [status, problemOrVspcAnswer(name)]),
  );
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
        "keep VSPC's own body). Needs a bearer token, except `POST /api/v3/token`." +
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
        '200': {
          description: "VSPC's answer (any 2xx passes the same way)",
          content: { '*/*': { schema: {} } },
        },
        ...(method === 'get' || method === 'head' ? { '304': ref(`${RESPONSES}/NotModified`) } : {}),
        ...passThroughProblems({
          400: 'BadPath',
          401: 'Unauthorized',
          405: 'MethodNotAllowed',
          413: 'PayloadTooLarge',
          502: 'BadGateway',
          504: 'GatewayTimeout',
        }),
        default: {
          description: "VSPC's own status and body, unchanged (403, 404, 429, 520, 202 and so on).",
          content: { '*/*': { schema: {} } },
        },
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
      'token-isolated cache (`/api/v3/...`), health and admin endpoints. Every error vspc-proxy itself answers ' +
      'is `application/problem+json` (RFC 9457) with a stable `type` and `code`; every response carries ' +
      '`X-Request-Id`.',
  },
  servers: [{ url: '/', description: 'The origin this document was fetched from' }],
  tags: [
    { name: 'jobs', description: 'Backup copy jobs, simplified' },
    { name: 'vspc', description: "VSPC's REST API v3, passed through" },
    { name: 'operations', description: 'Health, readiness and cache administration' },
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
          'problem that lists each bad parameter in `errors`.',
        parameters: ['Limit', 'Offset', 'Q', 'Status', 'Sort', 'All'].map((name) =>
          ref(`${PARAMETERS}/${name}`),
        ),
        responses: {
          '200': {
            description: 'The page',
            headers: CACHED_ANSWER_HEADERS,
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
            429: 'Throttled',
            502: 'BadGateway',
            503: 'Busy',
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
        parameters: [ref(`${PARAMETERS}/JobId`)],
        responses: {
          '200': {
            description: 'The job',
            headers: CACHED_ANSWER_HEADERS,
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
            429: 'Throttled',
            502: 'BadGateway',
            503: 'Busy',
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
    '/admin/cache': {
      get: {
        operationId: 'getCacheStats',
        tags: ['operations'],
        summary: 'Cache entries and accounted bytes, and the process memory',
        description: 'Needs `Authorization: Bearer <ADMIN_TOKEN>`; 404 when `ADMIN_TOKEN` is unset.',
        security: BEARER,
        responses: {
          '200': jsonResponse('Cache and memory figures', ref(`${SCHEMAS}/CacheStats`)),
          ...problems({ 401: 'Unauthorized', 404: 'NoRoute' }),
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
          ...problems({ 400: 'BadRequest', 401: 'Unauthorized', 404: 'NoRoute' }),
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
          '200': { description: "VSPC's token answer, unchanged", content: { [JSON_TYPE]: { schema: {} } } },
          ...passThroughProblems({
            400: 'BadPath',
            413: 'PayloadTooLarge',
            502: 'BadGateway',
            504: 'GatewayTimeout',
          }),
          default: {
            description: "VSPC's own status and body, unchanged",
            content: { '*/*': { schema: {} } },
          },
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
          'configured `ADMIN_TOKEN` instead.',
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
        schema: { type: 'integer', minimum: 0, default: 0 },
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
      Allow: { description: 'The methods forwarded to VSPC.', schema: { type: 'string' } },
    },
    responses: {
      NotModified: {
        description: 'The `If-None-Match` tag matches: no body.',
        headers: { ETag: ref(`${HEADERS}/ETag`), 'X-Request-Id': ref(`${HEADERS}/X-Request-Id`) },
      },
      ...PROBLEM_RESPONSES,
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
