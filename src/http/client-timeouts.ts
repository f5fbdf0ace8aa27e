import type { Config } from '../config.js';
import { requestTimeoutMs } from './server-timeouts.js';

/**
 * How long a client connection may make no progress at all (nothing read from it, nothing written to
 * it) while a request is open: twice the longest the proxy itself may take to answer, and never less than
 * Node's deadline for receiving a request, so that a client stalled mid-request gets its 408 rather than a
 * silent close. Past it Node closes the connection, so a client that stops reading a large answer cannot
 * keep its buffers (and evicted cache entries) in memory for good. Pure.
 */
export function clientStallTimeoutMs(
  config: Pick<
    Config,
    | 'upstreamTimeoutMs'
    | 'jobsAllDeadlineMs'
    | 'readyTimeoutMs'
    | 'requestHeadersTimeoutMs'
    | 'requestBodyTimeoutMs'
  >,
): number {
  return Math.max(
    2 * Math.max(config.upstreamTimeoutMs, config.jobsAllDeadlineMs, config.readyTimeoutMs),
    requestTimeoutMs(config),
  );
}
