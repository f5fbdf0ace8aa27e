import type { ProblemCode } from '../http/problems.js';

/** Why a call to VSPC produced no usable HTTP answer. */
export type UpstreamFailure = TransportFailure | ShieldRefusal;

/** The call reached the network and failed there, or VSPC's answer could not be used. */
export type TransportFailure =
  'refused' | 'reset' | 'dns' | 'timeout' | 'body-too-large' | 'bad-answer' | 'tls' | 'aborted' | 'other';

/** The shield refused the call before it reached VSPC. */
export type ShieldRefusal = 'queue-full' | 'queue-timeout' | 'throttled' | 'breaker-open' | 'shutting-down';

/**
 * The one `code` of each failure, whatever error caused it (the cause keeps its own code). The
 * transport codes are the usual Node ones, so logs and alerts keyed on them read the same.
 */
export const FAILURE_CODES = {
  refused: 'ECONNREFUSED',
  reset: 'ECONNRESET',
  dns: 'ENOTFOUND',
  timeout: 'ETIMEDOUT',
  'body-too-large': 'ERR_BODY_TOO_LARGE',
  'bad-answer': 'ERR_CONTENT_DECODING',
  tls: 'ERR_TLS_CERT',
  aborted: 'ERR_ABORTED',
  other: 'ERR_UPSTREAM',
  'queue-full': 'SHIELD_QUEUE_FULL',
  'queue-timeout': 'SHIELD_QUEUE_TIMEOUT',
  throttled: 'SHIELD_THROTTLED',
  'breaker-open': 'SHIELD_BREAKER_OPEN',
  'shutting-down': 'SHIELD_SHUTTING_DOWN',
} as const satisfies Record<UpstreamFailure, string>;

export type UpstreamErrorCode = (typeof FAILURE_CODES)[UpstreamFailure];

/**
 * Every failure of a call to VSPC: a fixed `name` per class, a fixed `code` per failure, and the
 * `cause`. It never holds the request (an HTTP client's own errors do, headers and bearer token
 * included): the cause is a detached copy of the underlying error's name, code and message, so the
 * whole error is safe to log.
 */
export class UpstreamError extends Error {
  override readonly name: string = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  /** For shield refusals: when the client may try again, in whole seconds. */
  readonly retryAfterS?: number;

  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    options: { cause?: unknown; retryAfterS?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: detached(options.cause) });
    this.code = FAILURE_CODES[failure];
    if (options.retryAfterS !== undefined) this.retryAfterS = options.retryAfterS;
  }
}

/** The call failed on the way to VSPC or back (see {@link TransportFailure}). */
export class TransportError extends UpstreamError {
  override readonly name = 'TransportError';
  declare readonly failure: TransportFailure;

  constructor(failure: TransportFailure, message: string, cause?: unknown) {
    super(failure, message, cause === undefined ? {} : { cause });
  }
}

const REFUSAL_MESSAGES: Readonly<Record<ShieldRefusal, string>> = {
  'queue-full': 'Too many calls are waiting for VSPC.',
  'queue-timeout': 'The call waited for a VSPC slot until its deadline.',
  throttled: 'VSPC is throttling; the call is held until its retryAfter.',
  'breaker-open': 'The circuit breaker is open; VSPC is not called.',
  'shutting-down': 'vspc-proxy is shutting down; the call could not start in time.',
};

/** The shield refused the call without asking VSPC; the client may retry after `retryAfterS`. */
export class RefusalError extends UpstreamError {
  override readonly name = 'RefusalError';
  declare readonly failure: ShieldRefusal;
  declare readonly retryAfterS: number;

  constructor(failure: ShieldRefusal, retryAfterS: number) {
    super(failure, REFUSAL_MESSAGES[failure], { retryAfterS });
  }
}

/** A copy of an error's name, code and message: nothing else it may hold (options, sockets, headers). */
function detached(cause: unknown): Error {
  const source = cause as { name?: unknown; code?: unknown; message?: unknown } | null;
  const copy = new Error(typeof source?.message === 'string' ? source.message : String(cause));
  if (typeof source?.name === 'string') copy.name = source.name;
  if (typeof source?.code === 'string') Object.assign(copy, { code: source.code });
  return copy;
}

const CODE_TO_FAILURE: Readonly<Record<string, TransportFailure>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ERR_STREAM_PREMATURE_CLOSE: 'reset',
  ERR_HTTP_CONTENT_LENGTH_MISMATCH: 'reset',
  ERR_HTTP_PARSER: 'reset',
  HPE_INVALID_CONSTANT: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_BODY_TOO_LARGE: 'body-too-large',
  ERR_CONTENT_DECODING: 'bad-answer',
  Z_DATA_ERROR: 'bad-answer',
  Z_BUF_ERROR: 'bad-answer',
  ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
};

/** Classifies an error code from the transport or Node's socket layer; pure. */
export function classifyErrorCode(code: string | undefined): TransportFailure {
  if (code === undefined) return 'other';
  return CODE_TO_FAILURE[code] ?? 'other';
}

/** The `Retry-After` header a failure's answer carries, if any; pure. */
export function retryHeadersFor(error: UpstreamError): Record<string, string> {
  return error.retryAfterS === undefined ? {} : { 'Retry-After': String(error.retryAfterS) };
}

/**
 * The single mapping from an upstream failure to what the client is told; pure. Every handler uses it.
 * Refused, reset, DNS, TLS, oversize and unreadable answers are a bad gateway (502); a timeout is 504;
 * refusals are 503 (429 for a throttle hold) and carry `Retry-After` ({@link retryHeadersFor}).
 */
export function problemForFailure(failure: UpstreamFailure): { code: ProblemCode; detail: string } {
  switch (failure) {
    case 'throttled':
      return {
        code: 'upstream-throttled',
        detail: 'VSPC is throttling these requests; vspc-proxy holds them until VSPC said to retry.',
      };
    case 'breaker-open':
      return {
        code: 'upstream-unavailable',
        detail: 'VSPC failed repeatedly; vspc-proxy pauses calls to it for BREAKER_COOLDOWN_MS.',
      };
    case 'queue-full':
      return {
        code: 'upstream-overloaded',
        detail: 'Too many requests are waiting for VSPC (UPSTREAM_QUEUE_MAX); retry shortly.',
      };
    case 'queue-timeout':
      return {
        code: 'upstream-overloaded',
        detail: 'The request waited for a free VSPC slot until its deadline; retry shortly.',
      };
    case 'shutting-down':
      return {
        code: 'shutting-down',
        detail: 'vspc-proxy is shutting down and could not send this request to VSPC in time; retry.',
      };
    case 'timeout':
      return { code: 'upstream-timeout', detail: 'VSPC did not answer within the upstream timeout.' };
    case 'body-too-large':
      return {
        code: 'upstream-body-too-large',
        detail: 'VSPC answered with a body larger than UPSTREAM_MAX_BODY_BYTES.',
      };
    case 'bad-answer':
      return {
        code: 'upstream-bad-answer',
        detail: 'VSPC answered with a body vspc-proxy cannot decode (its Content-Encoding).',
      };
    case 'refused':
      return { code: 'upstream-unreachable', detail: 'VSPC refused the connection.' };
    case 'reset':
      return { code: 'upstream-unreachable', detail: 'VSPC closed the connection before answering.' };
    case 'dns':
      return { code: 'upstream-unreachable', detail: "VSPC's host name could not be resolved." };
    case 'tls':
      return {
        code: 'upstream-unreachable',
        detail: "VSPC's TLS certificate is not trusted (see VSPC_CA_FILE and VSPC_TLS_INSECURE).",
      };
    case 'aborted':
    case 'other':
      return { code: 'upstream-unreachable', detail: 'The call to VSPC failed.' };
  }
}
