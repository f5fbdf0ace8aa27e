import type { UpstreamFailure } from '../upstream/errors.js';

/** How the cache took part in one answer; also what the access log says. */
export type CacheOutcome = 'hit' | 'stale' | 'miss' | 'collapsed' | 'refresh' | 'bypass';

/** What a request's `Cache-Control` (and HTTP/1.0 `Pragma`) asks of the cache. */
export interface RequestDirectives {
  /** Do not answer from the cache: fetch again (coalesced) and store. */
  noCache: boolean;
  /** Neither read nor write the cache. */
  noStore: boolean;
}

/** Parses the request directives the cache obeys; unknown directives are ignored. Pure. */
export function requestDirectives(
  cacheControl: string | undefined,
  pragma: string | undefined,
): RequestDirectives {
  let noCache = false;
  let noStore = false;
  if (cacheControl !== undefined) {
    for (const part of cacheControl.split(',')) {
      const directive = part.trim().toLowerCase();
      if (directive === 'no-cache' || directive === 'max-age=0') noCache = true;
      else if (directive === 'no-store') noStore = true;
    }
  } else if (pragma !== undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(pragma)) {
    noCache = true;
  }
  return { noCache, noStore };
}

/**
 * VSPC resources that are polled for progress and must never be answered from the cache:
 * async actions (`GET /api/v3/asyncActions/{id}` goes from `running` to `succeed` on its own).
 */
const UNCACHEABLE_PATH_PREFIXES = ['/api/v3/asyncactions'];

/** True when reads of `path` must always go to VSPC. Pure. */
export function isPolledResource(path: string): boolean {
  // VSPC's routes ignore case: so does this check.
  const lower = path.toLowerCase();
  return UNCACHEABLE_PATH_PREFIXES.some((prefix) => lower === prefix || lower.startsWith(`${prefix}/`));
}

/** VSPC statuses after which a stale entry may still be served (stale-if-error). Pure. */
export function staleIfErrorAllowsStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Transport failures after which a stale entry may still be served. Pure. */
export function staleIfErrorAllowsFailure(failure: UpstreamFailure): boolean {
  return failure !== 'aborted';
}

/**
 * VSPC answers that end a token's cached entries at once, whatever path they came by: a 401 (the
 * token is no longer valid), and a 403 to a read (the token may no longer read what it has cached).
 * A 403 to a write only says that this token may not write. Pure.
 */
export function revokesToken(status: number, method = 'GET'): boolean {
  return status === 401 || (status === 403 && (method === 'GET' || method === 'HEAD'));
}

const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The path prefix a successful write invalidates; pure. A write to `.../jobs/{uid}` or
 * `.../jobs/{uid}/start` changes the `.../jobs` collection, so everything from the segment before
 * the first id is purged; a write to an id-less path purges its parent (its collection).
 */
export function invalidationPrefix(path: string): string {
  const segments = path.split('/');
  const firstId = segments.findIndex((segment) => ID_SEGMENT.test(segment));
  const kept = firstId === -1 ? segments.slice(0, -1) : segments.slice(0, firstId);
  return kept.join('/') || '/';
}

/**
 * Whole seconds of freshness an entry has left at `at`, rounded down, so an entry stale by any
 * amount reports a negative ttl (`ttl=-1` half a second after expiry). Pure.
 */
export function freshnessLeftS(freshUntil: number, at: number): number {
  return Math.floor((freshUntil - at) / MS_PER_S);
}

const MS_PER_S = 1000;

/** What the `Cache-Status` field reports about one answer. */
export interface CacheStatusDetails {
  /** Seconds of freshness left; negative when stale. */
  ttlS?: number;
  /** The answer was stored by this request. */
  stored?: boolean;
  /** The status VSPC answered when that is not what the client got. */
  fwdStatus?: number;
  detail?: string;
}

/**
 * The `Cache-Status` field value (RFC 9211) for one answer; pure.
 * hit → `hit; ttl=17`; stale-while-revalidate → `hit; ttl=-3`; stale-if-error → `fwd=stale; fwd-status=520`;
 * miss → `fwd=miss; stored`; coalesced → `fwd=miss; collapsed`; no-cache → `fwd=request; stored`;
 * no-store → `fwd=request; detail=no-store`.
 */
export function cacheStatus(outcome: CacheOutcome, details: CacheStatusDetails = {}): string {
  const parts = ['vspc-proxy'];
  const failed = details.fwdStatus !== undefined || details.detail !== undefined;
  if (outcome === 'hit' || (outcome === 'stale' && !failed)) parts.push('hit');
  else if (outcome === 'stale') parts.push('fwd=stale');
  else if (outcome === 'miss' || outcome === 'collapsed') parts.push('fwd=miss');
  else parts.push('fwd=request');
  if (details.fwdStatus !== undefined) parts.push(`fwd-status=${details.fwdStatus}`);
  if (details.ttlS !== undefined) parts.push(`ttl=${details.ttlS}`);
  if (details.stored === true) parts.push('stored');
  if (outcome === 'collapsed') parts.push('collapsed');
  if (details.detail !== undefined) parts.push(`detail=${details.detail}`);
  return parts.join('; ');
}
