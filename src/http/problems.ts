import type { ServerResponse } from 'node:http';

/**
 * The one catalog of errors vspc-proxy itself answers with. Each becomes an
 * `application/problem+json` body (RFC 9457) whose `type` and `code` are stable.
 * Errors VSPC answers are passed through with VSPC's own body instead.
 */
export const PROBLEMS = {
  'bad-request': { status: 400, title: 'Bad request' },
  'bad-path': { status: 400, title: 'Path not allowed' },
  'invalid-parameters': { status: 400, title: 'Invalid parameters' },
  unauthorized: { status: 401, title: 'Bearer token required' },
  'token-refused': { status: 401, title: 'VSPC refused the token' },
  forbidden: { status: 403, title: 'Forbidden by VSPC' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'request-timeout': { status: 408, title: 'Request not received in time' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'headers-too-large': { status: 431, title: 'Request head too large' },
  'too-many-items': { status: 413, title: 'Too many items for one answer' },
  'upstream-throttled': { status: 429, title: 'VSPC is throttling these requests' },
  'upstream-unreachable': { status: 502, title: 'VSPC unreachable' },
  'upstream-body-too-large': { status: 502, title: 'VSPC response too large' },
  'upstream-bad-answer': { status: 502, title: "VSPC's answer could not be read" },
  'upstream-error': { status: 502, title: 'VSPC failed' },
  'upstream-rejected': { status: 502, title: 'VSPC refused the request vspc-proxy made' },
  'upstream-timeout': { status: 504, title: 'VSPC did not answer in time' },
  'upstream-busy': { status: 503, title: 'VSPC is still working on it' },
  'upstream-unavailable': { status: 503, title: 'VSPC is failing; calls are paused' },
  'upstream-overloaded': { status: 503, title: 'Too many requests waiting for VSPC' },
  'rate-limited': { status: 429, title: 'Too many requests from this caller' },
  'auth-rate-limited': { status: 429, title: 'Too many tokens VSPC refused from this address' },
  'login-rate-limited': { status: 429, title: 'Too many failed sign-ins' },
  'request-bodies-busy': { status: 503, title: 'Too many request bodies in flight' },
  'not-ready': { status: 503, title: 'Not ready' },
  'shutting-down': { status: 503, title: 'Shutting down' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** RFC 9457 body, with our stable `code` and the request id as extension members. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
const PROBLEM_TYPE_PREFIX = 'urn:vspc-proxy:problem:';

/** An error that carries the problem it must be answered with. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** Builds the problem body for `code`; pure. */
export function problemBody(
  code: ProblemCode,
  detail: string,
  context: { instance?: string; requestId?: string; extensions?: Record<string, unknown> } = {},
): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    type: `${PROBLEM_TYPE_PREFIX}${code}`,
    title,
    status,
    detail,
    code,
    ...(context.instance === undefined ? {} : { instance: context.instance }),
    ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
    ...context.extensions,
  };
}

/** Sends a problem answer on a plain Node response (works with and without Express). */
export function sendProblem(
  res: ServerResponse,
  code: ProblemCode,
  detail: string,
  context: {
    instance?: string;
    requestId?: string;
    extensions?: Record<string, unknown>;
    headers?: Record<string, string>;
  } = {},
): void {
  const body = JSON.stringify(problemBody(code, detail, context));
  res.statusCode = PROBLEMS[code].status;
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(context.headers ?? {})) res.setHeader(name, value);
  res.end(body);
}
