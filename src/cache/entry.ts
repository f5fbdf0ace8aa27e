import { createHash } from 'node:crypto';

/**
 * What one entry costs beyond its body and its strings, in bytes: the entry object, the LRU's slots
 * and key map, the two index sets, V8's free space around them. Measured by the memory tests
 * (`test/integration/cache-memory-bound.test.ts`); `docs/memory.md` has the figures.
 */
export const ENTRY_OVERHEAD_BYTES = 2048;

/**
 * The share of a body's bytes an entry is charged on top of them: the free space V8's old generation
 * keeps around strings of evicted entries until it compacts. Measured with 40 KB bodies.
 */
export const BODY_SLACK_SHARE = 0.4;

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
  /**
   * VSPC's bytes, one character per byte (a latin1 string): exact whatever the encoding, and held on
   * V8's heap. A Buffer of its own would cost about 1 KB more per entry (its ArrayBuffer, backing
   * store and malloc block), ten times a small body. {@link bodyText} decodes it; write it as latin1.
   */
  readonly body: string;
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

/** Empty `headers`, shared by every entry that has none. */
const NO_HEADERS: readonly string[] = Object.freeze([]);

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

/** Builds a cache entry, holding the body as a latin1 string (see {@link CachedAnswer.body}). */
export function createEntry(fields: NewEntryFields): CachedAnswer {
  const body = fields.body.toString('latin1');
  const etag = etagOf(fields.body);
  const headers = fields.headers.length === 0 ? NO_HEADERS : fields.headers;
  const stringBytes =
    fields.key.length +
    etag.length +
    (fields.contentType?.length ?? 0) +
    headers.reduce((sum, text) => sum + text.length, 0);
  return {
    contentType: fields.contentType,
    headers,
    body,
    etag,
    path: fields.path,
    tokenHash: fields.tokenHash,
    storedAt: fields.now,
    freshUntil: fields.now + fields.ttlMs,
    staleUntil: fields.now + fields.ttlMs + fields.staleMs,
    sizeBytes: Math.ceil(body.length * (1 + BODY_SLACK_SHARE)) + stringBytes + ENTRY_OVERHEAD_BYTES,
    upstreamMs: fields.upstreamMs,
  };
}

/** An entry's body as text (VSPC's JSON is UTF-8): the stored string itself when it is all ASCII. Pure. */
export function bodyText(entry: Pick<CachedAnswer, 'body'>): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(entry.body) ? Buffer.from(entry.body, 'latin1').toString('utf8') : entry.body;
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
