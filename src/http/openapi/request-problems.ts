import { parseJobsQuery } from '../../jobs/params.js';
import { EXAMPLE_JOB_PATH, EXAMPLE_RATE_LIMIT, EXAMPLE_VSPC_PATH, vspcErrorBody } from './examples.js';
import { RATE_LIMIT_HEADERS } from './headers.js';
import { problemResponse } from './problem-responses.js';

/**
 * Prose and examples of the problems about the request itself (its form, its caller, its route), and of
 * vspc-proxy's own state: one response per cause, by its name under `components.responses`.
 */

/** What `/jobs/copy?limit=0` is told, by the parser itself. */
const refusedLimit = parseJobsQuery('limit=0');
const LIMIT_ERRORS = refusedLimit.ok ? [] : refusedLimit.errors;

export const REQUEST_PROBLEMS = {
  BadRequest: problemResponse({
    description: 'The request is malformed (`bad-request`).',
    code: 'bad-request',
    detail: 'prefix must be a VSPC path below /api/v3, such as /infrastructure/backupServers.',
    instance: '/admin/cache',
  }),
  BadPath: problemResponse({
    description:
      'The path is refused: `..`, encoded slashes, backslashes, control characters (`bad-path`); `instance` ' +
      'is the refused path as sent (at most 256 characters).',
    code: 'bad-path',
    detail: "Path segments '..' are not allowed.",
    instance: '/api/v3/infrastructure/../users',
    headers: RATE_LIMIT_HEADERS,
  }),
  InvalidParameters: problemResponse({
    description: 'Bad parameters (`invalid-parameters`); `errors` lists each one and what is allowed.',
    code: 'invalid-parameters',
    detail: LIMIT_ERRORS.map((error) => error.message).join(' '),
    instance: '/jobs/copy',
    extensions: { errors: LIMIT_ERRORS },
    headers: RATE_LIMIT_HEADERS,
  }),
  Unauthorized: problemResponse({
    description:
      "No bearer token (`unauthorized`), or VSPC refused the token sent (`token-refused`, with VSPC's body " +
      'in `vspc`).',
    code: 'unauthorized',
    detail: 'Send Authorization: Bearer <token> (get one from POST /api/v3/token).',
    instance: '/jobs/copy',
    more: {
      'token-refused': {
        summary: 'VSPC refused the token',
        code: 'token-refused',
        detail: 'VSPC refused the token; sign in again (POST /api/v3/token). VSPC said: Unauthorized.',
        instance: '/jobs/copy',
        extensions: { vspc: { errors: [{ message: 'Unauthorized.', type: 'security', code: 401 }] } },
      },
    },
    headers: ['WWW-Authenticate', ...RATE_LIMIT_HEADERS],
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
    extensions: { vspc: vspcErrorBody(403, 'security', 'Access denied.') },
    headers: RATE_LIMIT_HEADERS,
  }),
  NotFound: problemResponse({
    description: "VSPC has no such job (`not-found`); `vspc` holds VSPC's body.",
    code: 'not-found',
    detail: 'VSPC has no such job. VSPC said: Resource not found.',
    instance: EXAMPLE_JOB_PATH,
    extensions: { vspc: vspcErrorBody(404, 'logical', 'Resource not found.') },
    headers: RATE_LIMIT_HEADERS,
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
    headers: ['Allow', ...RATE_LIMIT_HEADERS],
  }),
  PayloadTooLarge: problemResponse({
    description:
      'The request body exceeds `REQUEST_MAX_BODY_BYTES` (`payload-too-large`): refused as soon as a declared ' +
      '`Content-Length` says so (without `100 Continue`), the connection closed.',
    code: 'payload-too-large',
    detail: 'The request body exceeds 1048576 bytes.',
    instance: EXAMPLE_VSPC_PATH,
    headers: RATE_LIMIT_HEADERS,
  }),
  RequestTimeout: problemResponse({
    description:
      'The request body did not arrive within `REQUEST_BODY_TIMEOUT_MS` of when vspc-proxy began reading it ' +
      '(`request-timeout`); the connection is closed and VSPC is not called. A request head not received within ' +
      "`REQUEST_HEADERS_TIMEOUT_MS` gets the same code from Node's parser hook, before any route (without a " +
      'request id).',
    code: 'request-timeout',
    detail: 'The request body was not received within REQUEST_BODY_TIMEOUT_MS (10000 ms).',
    instance: EXAMPLE_VSPC_PATH,
    headers: RATE_LIMIT_HEADERS,
  }),
  RequestBodiesBusy: problemResponse({
    description:
      'The request bodies being received already hold `REQUEST_BODIES_MAX_BYTES` (`request-bodies-busy`): ' +
      'refused before the body is read (and without `100 Continue`), the connection closed, VSPC not called; ' +
      'retry after `Retry-After`.',
    code: 'request-bodies-busy',
    summary: 'Request bodies busy',
    detail:
      'The request bodies being received hold REQUEST_BODIES_MAX_BYTES (33554432) bytes already; retry after 10 s.',
    instance: EXAMPLE_VSPC_PATH,
    retryAfterS: 10,
    headers: ['Retry-After', ...RATE_LIMIT_HEADERS],
  }),
  TooManyItems: problemResponse({
    description:
      '`all=true` for more jobs than `JOBS_ALL_MAX_ITEMS` (`too-many-items`); page with `limit`/`offset`.',
    code: 'too-many-items',
    detail:
      'This caller has 12000 jobs; all=true answers at most JOBS_ALL_MAX_ITEMS (10000). Page with limit/offset instead.',
    instance: '/jobs/copy',
    extensions: { limit: 10000, total: 12000 },
    headers: RATE_LIMIT_HEADERS,
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
    retryAfterS: 1,
    headers: ['Retry-After', ...RATE_LIMIT_HEADERS],
  }),
  AuthRateLimited: problemResponse({
    description:
      'VSPC refused too many bearer tokens from this client address (`auth-rate-limited`): more than ' +
      '`AUTH_FAILURES_BURST` at once or more than `AUTH_FAILURES_PER_MIN` a minute. Refused without asking VSPC, ' +
      'for tokens VSPC has not accepted only; retry after `Retry-After`.',
    code: 'auth-rate-limited',
    summary: 'Too many refused tokens from this address',
    detail:
      'VSPC refused more than AUTH_FAILURES_BURST (100) tokens from this address, or more than ' +
      'AUTH_FAILURES_PER_MIN (60) a minute since; tokens VSPC accepted still work. Retry after 1 s.',
    instance: '/jobs/copy',
    retryAfterS: 1,
    headers: ['Retry-After'],
  }),
  LoginRateLimited: problemResponse({
    description:
      'Too many failed sign-ins from this client address or for this user name (`login-rate-limited`): more ' +
      'than `LOGIN_ATTEMPTS_BURST` at once or `LOGIN_ATTEMPTS_PER_MIN` a minute, whatever `Authorization` header ' +
      'the request carries. Refused without asking VSPC; a sign-in VSPC accepts gives its attempt back.',
    code: 'login-rate-limited',
    summary: 'Too many failed sign-ins',
    detail:
      'Too many failed sign-ins from this user name: more than LOGIN_ATTEMPTS_BURST (10) at once or ' +
      'LOGIN_ATTEMPTS_PER_MIN (6) a minute. Retry after 10 s.',
    instance: '/api/v3/token',
    retryAfterS: 10,
    headers: ['Retry-After'],
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
