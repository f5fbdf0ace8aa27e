import type { IncomingHttpHeaders } from 'node:http';
import { isWellFormedRequestId } from './request-id.js';

/**
 * Request headers passed on to VSPC. Anything not listed (cookies, hop-by-hop headers,
 * `Host`, `Accept-Encoding`, `Content-Length`) is never forwarded.
 */
export const FORWARDED_REQUEST_HEADERS = [
  'authorization',
  'accept',
  'accept-language',
  'content-type',
  'x-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
] as const;

/** Builds the headers VSPC receives for one request; pure. */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  client: { address: string | undefined; protocol: 'http' | 'https' },
): Record<string, string> {
  const headers: Record<string, string> = {};
  // Headers the client named in `Connection` are hop-by-hop for this request (RFC 9110 §7.6.1).
  const hopByHop = new Set(
    (typeof incoming.connection === 'string' ? incoming.connection : '')
      .split(',')
      .map((token) => token.trim().toLowerCase()),
  );
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string' && !hopByHop.has(name)) headers[name] = value;
  }
  // VSPC keys idempotency on X-Request-id: pass only an id the proxy would accept and echo itself.
  const requestId = headers['x-request-id'];
  if (requestId !== undefined && !isWellFormedRequestId(requestId)) delete headers['x-request-id'];
  const prior = incoming['x-forwarded-for'];
  const chain = [typeof prior === 'string' ? prior : prior?.join(', '), client.address].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  if (chain.length > 0) headers['x-forwarded-for'] = chain.join(', ');
  headers['x-forwarded-proto'] = client.protocol;
  return headers;
}

/**
 * VSPC answers async actions with an absolute `Location` on its own origin; the client must
 * follow it through the proxy, so that origin is dropped (a path-absolute reference remains).
 */
export function rewriteLocation(location: string, upstreamOrigin: string): string {
  let url: URL;
  try {
    url = new URL(location, upstreamOrigin);
  } catch {
    return location;
  }
  return url.origin === upstreamOrigin ? `${url.pathname}${url.search}${url.hash}` : location;
}
