/**
 * VSPC error bodies: `ErrorResponse` for every endpoint but the token endpoint, `OAuth2Error` for the token
 * endpoint. Pure values; the server writes them.
 */

/** `ResponseError.type` (the `ErrorType` enum). */
export type VspcErrorType = 'unspecified' | 'transport' | 'logical' | 'retryableLogical' | 'security';

/** One entry of `ErrorResponse.errors`. `retryAfter` (seconds) appears only on 429 answers. */
export interface ResponseError {
  readonly message: string;
  readonly type: VspcErrorType;
  readonly code: number;
  readonly retryAfter?: number;
}

/** `ErrorResponse`. */
export interface ErrorResponse {
  readonly errors: readonly ResponseError[];
}

/** `OAuth2Error.error` (the `OAuth2ErrorCode` enum). */
export type OAuth2ErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/** `OAuth2Error`. */
export interface OAuth2Error {
  readonly error: OAuth2ErrorCode;
  readonly error_description: string;
  readonly error_uri: null;
}

export const STATUS_BAD_REQUEST = 400;
export const STATUS_UNAUTHORIZED = 401;
export const STATUS_NOT_FOUND = 404;
export const STATUS_METHOD_NOT_ALLOWED = 405;
export const STATUS_PAYLOAD_TOO_LARGE = 413;
export const STATUS_TOO_MANY_REQUESTS = 429;
/** VSPC answers every server error (≥ 500) with 520. */
export const STATUS_SERVER_ERROR = 520;

/** An error a handler throws to answer with a VSPC `ErrorResponse`; `status` is the HTTP status and `code`. */
export class VspcError extends Error {
  override readonly name = 'VspcError';

  constructor(
    readonly status: number,
    readonly type: VspcErrorType,
    message: string,
  ) {
    super(message);
  }

  /** The `ErrorResponse` body for this error. */
  toBody(): ErrorResponse {
    return errorResponse(this.status, this.type, this.message);
  }
}

/** An `ErrorResponse` with a single error whose `code` is the HTTP status. */
export function errorResponse(status: number, type: VspcErrorType, message: string): ErrorResponse {
  return { errors: [{ message, type, code: status }] };
}

/**
 * Why a 429 is sent: `forced` by the `forceStatus` knob, or the request rate limit that was exceeded (`ip`: the
 * per-user limit applied to a request without a valid token, counted per client IP address).
 */
export type TooManyRequestsReason = 'forced' | 'global' | 'user' | 'ip';

const RETRY_HINT = 'retry after the number of seconds given in retryAfter.';

const TOO_MANY_REQUESTS_MESSAGES: Readonly<Record<TooManyRequestsReason, string>> = {
  forced: 'Too many requests. Retry after the number of seconds given in retryAfter.',
  global: `The global request rate limit is exceeded; ${RETRY_HINT}`,
  user: `The request rate limit for this user is exceeded; ${RETRY_HINT}`,
  ip: `The request rate limit for this client IP address is exceeded; ${RETRY_HINT}`,
};

/**
 * The 429 body VSPC sends when throttling: the wait is in the body, not in a `Retry-After` header. The message
 * says which limit was exceeded.
 */
export function tooManyRequestsResponse(
  retryAfterS: number,
  reason: TooManyRequestsReason = 'forced',
): ErrorResponse {
  return {
    errors: [
      {
        message: TOO_MANY_REQUESTS_MESSAGES[reason],
        type: 'transport',
        code: STATUS_TOO_MANY_REQUESTS,
        retryAfter: retryAfterS,
      },
    ],
  };
}

/** The 520 body for an unexpected server failure (never a stack trace). */
export function serverErrorResponse(): ErrorResponse {
  return errorResponse(STATUS_SERVER_ERROR, 'unspecified', 'An unexpected error occurred on the server.');
}

/** A 400 `logical` error, e.g. a bad query parameter. */
export function badRequest(message: string): VspcError {
  return new VspcError(STATUS_BAD_REQUEST, 'logical', message);
}

/** A 401 `security` error. */
export function unauthorized(message: string): VspcError {
  return new VspcError(STATUS_UNAUTHORIZED, 'security', message);
}

/** A 404 `logical` error. */
export function notFound(message: string): VspcError {
  return new VspcError(STATUS_NOT_FOUND, 'logical', message);
}

/** An `OAuth2Error` body. */
export function oauth2Error(error: OAuth2ErrorCode, description: string): OAuth2Error {
  return { error, error_description: description, error_uri: null };
}
