import type { IncomingMessage, ServerResponse } from 'node:http';
import { etagOf, ifNoneMatchHits } from '../cache/entry.js';
import { logFieldsOf } from '../http/access-log.js';
import { roundMs } from '../http/proxy.js';
import type { AccessValue } from '../logger.js';
import { combinedOutcome, combinedStatus, type ReadOutcome } from './outcome.js';
import type { Reader } from './reader.js';

/** Per-user data: no shared cache may store it; a browser revalidates (cheap, via ETag). */
const CACHE_CONTROL = 'private, no-cache';

/** The access line's `upstreamCalls`, `upstreamStatus` and `upstreamMs`: what VSPC answered the reads that waited. */
export function logReads(fields: Record<string, AccessValue>, reader: Reader): void {
  fields.upstreamCalls = reader.calls;
  if (reader.answered === null) return;
  fields.upstreamStatus = reader.answered.status;
  fields.upstreamMs = roundMs(reader.answered.ms);
}

/**
 * Sends a JSON answer built from `reads`, with a strong ETag of its bytes (304 on a matching
 * `If-None-Match`) and the `Cache-Status` of its least favourable read.
 */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  reads: ReadonlyArray<ReadOutcome>,
  reader: Reader,
  now: number,
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  const etag = etagOf(bytes);
  const fields = logFieldsOf(res);
  logReads(fields, reader);
  const combined = combinedOutcome(reads);
  fields.cache = combined.outcome;
  res.setHeader('Cache-Status', combinedStatus(combined, now));
  res.setHeader('Cache-Control', CACHE_CONTROL);
  // CORS may have said `Vary: Origin` already.
  res.setHeader(
    'Vary',
    res.hasHeader('vary') ? `${String(res.getHeader('vary'))}, Authorization` : 'Authorization',
  );
  res.setHeader('ETag', etag);
  const inm = req.headers['if-none-match'];
  if (ifNoneMatchHits(typeof inm === 'string' ? inm : undefined, etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}
