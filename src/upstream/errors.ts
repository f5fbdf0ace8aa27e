import type { ProblemCode } from '../http/problems.js';

/** Why a call to VSPC produced no usable HTTP answer. */
export type UpstreamFailure = TransportFailure | ShieldRefusal;

/** The call reached the network and failed there. */
export type TransportFailure =
  'refused' | 'reset' | 'dns' | 'timeout' | 'body-too-large' | 'tls' | 'aborted' | 'other';

/** The shield refused the call before it reached VSPC. */
export type ShieldRefusal = 'queue-full' | 'queue-timeout' | 'throttled' | 'breaker-open';

/**
 * A transport-level failure talking to VSPC. It never holds the request options
 * (an HTTP client's own errors often do, headers and bearer token included), so it is safe to log.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly failure: UpstreamFailure,
    /** The underlying error code, such as `ECONNREFUSED` or `ETIMEDOUT`. */
    readonly code: string,
    message: string,
    /** For shield refusals: when the client may try again, in whole seconds. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

const CODE_TO_FAILURE: Readonly<Record<string, UpstreamFailure>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ERR_STREAM_PREMATURE_CLOSE: 'reset',
  ERR_HTTP_PARSER: 'reset',
  HPE_INVALID_CONSTANT: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_BODY_TOO_LARGE: 'body-too-large',
  ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  CERT_HAS_EXPIRED: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
};

/** Classifies an error code from the upstream client or Node's socket layer; pure. */
export function classifyErrorCode(code: string | undefined): UpstreamFailure {
  if (code === undefined) return 'other';
  return CODE_TO_FAILURE[code] ?? 'other';
}

/** The `Retry-After` header a failure's answer carries, if any; pure. */
export function retryHeadersFor(error: UpstreamError): Record<string, string> {
  return error.retryAfterS === undefined ? {} : { 'Retry-After': String(error.retryAfterS) };
}

/**
 * The single mapping from an upstream failure to what the client is told; pure.
 * Refused, reset, DNS, TLS and oversize bodies are a bad gateway (502); a timeout is 504.
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
    case 'timeout':
      return { code: 'upstream-timeout', detail: 'VSPC did not answer within the upstream timeout.' };
    case 'body-too-large':
      return {
        code: 'upstream-body-too-large',
        detail: 'VSPC answered with a body larger than UPSTREAM_MAX_BODY_BYTES.',
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
