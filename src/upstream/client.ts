/**
 * The one interface of everything that calls VSPC: the got transport and each layer of the shield
 * (budget, throttle hold, breaker, retry) implement it, so they compose (see `shield.ts`) and each
 * can be tested alone over a scripted client.
 */

/** VSPC response headers a client of the proxy may see; everything else stays behind the proxy. */
export const PASSED_RESPONSE_HEADERS = [
  'content-type',
  'location',
  'retry-after',
  'content-disposition',
  'www-authenticate',
] as const;

/**
 * VSPC response headers about caching, kept for the cache to honour origin directives. They are not
 * written to clients: answers to clients carry {@link PASSED_RESPONSE_HEADERS} only.
 */
export const CACHING_RESPONSE_HEADERS = [
  'cache-control',
  'expires',
  'age',
  'vary',
  'etag',
  'last-modified',
  'date',
  'pragma',
] as const;

export type PassedHeaderName = (typeof PASSED_RESPONSE_HEADERS)[number];
export type CachingHeaderName = (typeof CACHING_RESPONSE_HEADERS)[number];

/** Interactive calls leave the shield's queue before bulk ones (`all=true` windows, background refreshes). */
export type Priority = 'interactive' | 'bulk';

/** One call to VSPC, already validated and normalised by the HTTP layer. */
export interface VspcRequest {
  method: string;
  /** Path-absolute target, `/api/v3/...` plus the raw query string; sent as it is (see `transport.ts`). */
  target: string;
  /** Headers to send, lower-case names, already filtered. */
  headers: Record<string, string>;
  body?: Buffer;
  /** Aborts the call, e.g. when the client went away. */
  signal?: AbortSignal;
  /**
   * The call's whole time budget in ms (queue wait, attempts and backoff), when shorter than the
   * client's default. The transport reads it as the deadline of its one attempt.
   */
  timeoutMs?: number;
  /**
   * When the call must be over, on the shield's clock (ms). Callers leave it unset: the outermost
   * layer sets it from `timeoutMs` as the call arrives, and the layers inside keep within it.
   */
  deadlineAt?: number;
  /** HMAC of the caller's bearer token: the per-token budget, the throttle hold, the breaker's callers. */
  tokenHash?: string;
  /**
   * Who waits for the answer: a client (`interactive`, the default) or nobody in a hurry (`bulk`).
   * The budget reads it from the caller's own object each time it picks a waiter: a caller may raise it.
   */
  priority?: Priority;
  /** A readiness probe (`/readyz`): the circuit breaker neither refuses it nor learns from it. */
  readiness?: boolean;
}

/** VSPC's complete answer, body buffered, decoded, and bounded by `UPSTREAM_MAX_BODY_BYTES`. */
export interface VspcResponse {
  status: number;
  /**
   * The headers of {@link PASSED_RESPONSE_HEADERS} and {@link CACHING_RESPONSE_HEADERS} VSPC sent.
   * Whoever writes an answer to a client writes the passed ones only.
   */
  headers: Partial<Record<PassedHeaderName | CachingHeaderName, string>>;
  /** Empty for HEAD, 204 and 304. */
  body: Buffer;
  durationMs: number;
}

export interface VspcClient {
  /** VSPC's origin, such as `https://vspc.example.com:1280`. */
  readonly origin: string;
  /**
   * Sends one logical call; resolves with any HTTP status VSPC answered, rejects only with an
   * `UpstreamError` (see `errors.ts`).
   */
  request(request: VspcRequest): Promise<VspcResponse>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

/**
 * @deprecated The names from before the layers, kept so that callers outside `src/upstream/` compile
 * unchanged while they are reworked; use {@link VspcClient}, {@link VspcRequest}, {@link VspcResponse}.
 */
export type UpstreamClient = VspcClient;
/** @deprecated Use {@link VspcRequest}. */
export type UpstreamRequest = VspcRequest;
/** @deprecated Use {@link VspcResponse}. */
export type UpstreamResponse = VspcResponse;
