import type { ServerOptions } from 'node:http';
import type { Config } from '../config.js';

/**
 * Time Node's `requestTimeout` allows beyond the head and body deadlines, so that the proxy's own 408 for a
 * slow body (with its request id) always goes out before Node's.
 */
export const REQUEST_TIMEOUT_MARGIN_MS = 1000;
/** Node checks its head and request deadlines on a timer: every 30 s unless told otherwise... */
const MAX_CHECK_INTERVAL_MS = 1000;
/** ...here at least ten times per head deadline, and not more often than this. */
const MIN_CHECK_INTERVAL_MS = 50;
const CHECKS_PER_HEADERS_TIMEOUT = 10;

type TimeoutSettings = Pick<Config, 'requestHeadersTimeoutMs' | 'requestBodyTimeoutMs'>;

/**
 * Node's deadline for a whole request (head and body, from its first byte): the head's deadline, then the
 * body's, then {@link REQUEST_TIMEOUT_MARGIN_MS}. Pure.
 */
export function requestTimeoutMs(config: TimeoutSettings): number {
  return config.requestHeadersTimeoutMs + config.requestBodyTimeoutMs + REQUEST_TIMEOUT_MARGIN_MS;
}

/**
 * The `http.createServer` options that bound how long a client may take to send a request: its head within
 * `REQUEST_HEADERS_TIMEOUT_MS` (Node's `headersTimeout`; its default is 60 s), the whole request within
 * {@link requestTimeoutMs} (Node's default is 300 s), checked often enough for those to hold. Node answers
 * either with 408, through the server's `clientError` hook. Pure.
 */
export function serverTimeouts(
  config: TimeoutSettings,
): Required<Pick<ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'>> {
  const checkEvery = Math.round(config.requestHeadersTimeoutMs / CHECKS_PER_HEADERS_TIMEOUT);
  return {
    headersTimeout: config.requestHeadersTimeoutMs,
    requestTimeout: requestTimeoutMs(config),
    connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, Math.max(MIN_CHECK_INTERVAL_MS, checkEvery)),
  };
}
