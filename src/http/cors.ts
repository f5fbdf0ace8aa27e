import type { IncomingMessage, ServerResponse } from 'node:http';

/** Response headers a browser client may read. */
const EXPOSED_HEADERS = [
  'ETag',
  'Cache-Status',
  'Retry-After',
  'X-Request-Id',
  'Location',
  'Age',
  'RateLimit',
  'RateLimit-Policy',
].join(', ');
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Accept-Language',
  'X-Client-Version',
  'X-Request-Id',
  'If-None-Match',
  'Cache-Control',
  'traceparent',
  'tracestate',
].join(', ');
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for exactly the configured origins. With an empty list it adds nothing, so browsers on
 * other origins cannot read answers. Returns `true` when it answered the request (a preflight).
 */
export function createCors(
  origins: readonly string[],
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const allowed = new Set(origins);
  return (req, res) => {
    if (allowed.size === 0) return false;
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
    res.statusCode = 204;
    res.end();
    return true;
  };
}
