/**
 * Who is calling, decided once at the front door before any body is read. Today the only kind is a
 * VSPC bearer token; sessions and service keys add kinds here and nowhere else.
 */
export interface Caller {
  readonly kind: 'bearer';
  /**
   * What the cache keys, the per-token budget and throttle holds, and purges count under: never a
   * raw secret (for a bearer token, its HMAC under the process's `CACHE_KEY_SECRET`).
   */
  readonly identity: string;
  /** The `Authorization` value VSPC gets for this caller. */
  readonly authorization: string;
  /** The key of the caller's client rate-limit bucket. */
  readonly limitsKey: string;
}
