import type { ProblemCode } from '../http/problems.js';

/** Why a call to VSPC produced no usable HTTP answer. */
export type UpstreamFailure =
  'refused' | 'reset' | 'dns' | 'timeout' | 'body-too-large' | 'tls' | 'aborted' | 'other';

/**
 * A transport-level failure talking to VSPC. It never holds the request options
 * (got's own errors do, headers and bearer token included), so it is safe to log.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly failure: UpstreamFailure,
    /** The underlying error code, such as `ECONNREFUSED` or `ETIMEDOUT`. */
    readonly code: string,
    message: string,
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

/** Classifies an error code from got or Node's socket layer; pure. */
export function classifyErrorCode(code: string | undefined): UpstreamFailure {
  if (code === undefined) return 'other';
  return CODE_TO_FAILURE[code] ?? 'other';
}

/**
 * The single mapping from an upstream failure to what the client is told; pure.
 * Refused, reset, DNS, TLS and oversize bodies are a bad gateway (502); a timeout is 504.
 */
export function problemForFailure(failure: UpstreamFailure): { code: ProblemCode; detail: string } {
  switch (failure) {
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
