import { createHash } from 'node:crypto';

/**
 * Bytes one entry costs beyond its body, key and header strings: the entry object, the Buffer
 * object, the LRU's bookkeeping slots. Measured by `npm run bench` (memory scenario).
 */
export const ENTRY_OVERHEAD_BYTES = 480;

/**
 * After a refresh of a stale entry failed, stale hits serve it without asking VSPC again for this
 * long: a failing or throttling VSPC gets one refresh per entry per second, not one per request.
 */
export const STALE_REFRESH_RETRY_MS = 1000;

/** Why the last background refresh of a stale entry failed: VSPC's status, or the transport failure. */
export type RefreshFailure = { status: number } | { failure: string };

/** One cached VSPC answer (always a 200), with what it takes to serve and to evict it. */
export interface CachedAnswer {
  readonly contentType: string | undefined;
  /** VSPC's other passed headers (`Content-Disposition`...), as name/value pairs for `writeHead`. */
  readonly headers: readonly string[];
  /** Exact-size copy: never a slice of a larger socket buffer. */
  readonly body: Buffer;
  /** Strong validator: a hash of the body. */
  readonly etag: string;
  readonly path: string;
  readonly tokenHash: string;
  /** Clock time (ms) the answer was stored. */
  readonly storedAt: number;
  /** Fresh until then; servable stale until {@link staleUntil}. */
  readonly freshUntil: number;
  readonly staleUntil: number;
  /** What the LRU counts for this entry. */
  readonly sizeBytes: number;
  /** Time VSPC took to produce it. */
  readonly upstreamMs: number;
  /** Set when a refresh of this (stale) entry failed with an error stale-if-error covers. */
  refreshFailure?: RefreshFailure;
  /** Clock time (ms) of that failure: the next refresh waits {@link STALE_REFRESH_RETRY_MS} after it. */
  refreshFailedAt?: number;
}

export interface NewEntryFields {
  key: string;
  contentType: string | undefined;
  /** Name/value pairs of VSPC's other passed headers. */
  headers: readonly string[];
  body: Buffer;
  path: string;
  tokenHash: string;
  now: number;
  ttlMs: number;
  staleMs: number;
  upstreamMs: number;
}

/** A strong ETag for a body; pure. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** True when a Buffer is the whole of its own memory (not a slice of a socket or pool buffer). */
function ownsItsMemory(buffer: Buffer): boolean {
  return buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length;
}

/** Builds a cache entry; the body is copied unless it already holds exactly its own bytes. */
export function createEntry(fields: NewEntryFields): CachedAnswer {
  let body = fields.body;
  if (!ownsItsMemory(body)) {
    body = Buffer.allocUnsafeSlow(fields.body.length);
    fields.body.copy(body);
  }
  const etag = etagOf(body);
  const stringBytes =
    fields.key.length +
    fields.path.length +
    etag.length +
    (fields.contentType?.length ?? 0) +
    fields.headers.reduce((sum, text) => sum + text.length, 0);
  return {
    contentType: fields.contentType,
    headers: fields.headers,
    body,
    etag,
    path: fields.path,
    tokenHash: fields.tokenHash,
    storedAt: fields.now,
    freshUntil: fields.now + fields.ttlMs,
    staleUntil: fields.now + fields.ttlMs + fields.staleMs,
    sizeBytes: body.length + stringBytes + ENTRY_OVERHEAD_BYTES,
    upstreamMs: fields.upstreamMs,
  };
}

/**
 * `If-None-Match` against an ETag with the weak comparison of RFC 9110 §13.1.2
 * (`W/` prefixes ignored, `*` matches anything); pure.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const candidate of header.split(',')) {
    const trimmed = candidate.trim();
    if (trimmed === '*') return true;
    if ((trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === opaque) return true;
  }
  return false;
}
