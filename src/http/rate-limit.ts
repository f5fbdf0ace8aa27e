import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import proxyaddr from 'proxy-addr';

/*
 * Per-caller token bucket, the header fields that advertise it, and the caller's identity.
 *
 * Header fields follow draft-ietf-httpapi-ratelimit-headers-10 (27 September 2025), sections 3, 4 and 6:
 *   RateLimit-Policy: "default";q=<burst>;w=<ceil(burst / rps), at least 1>
 *   RateLimit:        "default";r=<remaining>;t=<seconds>
 * Both are Structured Field Lists whose items are Strings (the policy name) with Integer parameters.
 * -11 (May 2026) keeps this syntax but redefines `t` as an "effective window"; the mapping below is -10's.
 */

/** Milli-tokens per token: the bucket counts in thousandths so an integer clock refills it exactly. */
const MILLITOKENS_PER_TOKEN = 1000;
const MS_PER_S = 1000;
/** A request costs one token. */
const REQUEST_COST_MILLITOKENS = MILLITOKENS_PER_TOKEN;
const DEFAULT_MAX_CALLERS = 100_000;

/** Name of the one quota policy in the `RateLimit-Policy` and `RateLimit` fields. */
export const RATE_LIMIT_POLICY_NAME = 'default';

export interface RateLimiterOptions {
  /**
   * Sustained rate, in requests per second, that refills each caller's bucket (`RATE_LIMIT_RPS`); 0 disables.
   * A fraction is a slower refill (1/6: one request every six seconds).
   */
  readonly rps: number;
  /** Bucket size in requests (`RATE_LIMIT_BURST`), ≥ 1: what an idle caller may send at once. */
  readonly burst: number;
  /**
   * Monotonic clock in milliseconds, positive like `performance.now()` (the default). It also times out idle
   * callers in the LRU cache, which ignores an entry stamped 0, so a test clock should start above 0.
   */
  readonly now?: () => number;
  /** Most callers remembered at once; the least recently seen is forgotten first. Default 100 000. */
  readonly maxCallers?: number;
}

/**
 * The outcome of one {@link RateLimiter.take}: a fresh object the caller may keep.
 * `remaining` is whole tokens left after this request; `resetS` is whole seconds (rounded up) until the
 * bucket is full again; `retryAfterS` (refusals only) is whole seconds (rounded up, ≥ 1) until one token is.
 */
export type RateDecision =
  | { readonly allowed: true; readonly remaining: number; readonly resetS: number }
  | { readonly allowed: false; readonly remaining: 0; readonly resetS: number; readonly retryAfterS: number };

/** Token buckets for many callers. */
export interface RateLimiter {
  readonly rps: number;
  readonly burst: number;
  /** The `RateLimit-Policy` field value; the same for every response of this limiter. */
  readonly policyField: string;
  /**
   * Forgets the callers idle for a full refill time (their buckets are full again) and returns how many
   * are remembered. Walks every caller: for metrics and tests, not for each request.
   */
  callerCount(): number;
  /** Spends one token of `callerKey`'s bucket if it has one; a caller not seen before starts with a full bucket. */
  take(callerKey: string): RateDecision;
  /** Gives back the token one allowed {@link take} spent (the request turned out not to count). */
  refund(callerKey: string): void;
}

interface Bucket {
  levelMillitokens: number;
  updatedAtMs: number;
}

class TokenBucketLimiter implements RateLimiter {
  readonly policyField: string;
  private readonly capacityMillitokens: number;
  /** Refill per millisecond in milli-tokens equals `rps`; per second in milli-tokens is this. */
  private readonly refillMillitokensPerS: number;
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    readonly rps: number,
    readonly burst: number,
    private readonly now: () => number,
    maxCallers: number,
  ) {
    this.policyField = rateLimitPolicyField(rps, burst);
    this.capacityMillitokens = burst * MILLITOKENS_PER_TOKEN;
    this.refillMillitokensPerS = rps * MILLITOKENS_PER_TOKEN;
    this.buckets = new LRUCache<string, Bucket>({
      max: maxCallers,
      // After a full refill time without requests a bucket is full, the same as a new one: forget it.
      // Idle buckets go when touched, pushed out by newer callers, or purged by callerCount().
      ttl: Math.ceil((burst * MS_PER_S) / rps),
      updateAgeOnGet: true,
      // Read the injected clock on every check (no 1 ms debounce timer) so TTL and buckets share one clock.
      ttlResolution: 0,
      perf: { now },
    });
  }

  callerCount(): number {
    this.buckets.purgeStale();
    return this.buckets.size;
  }

  take(callerKey: string): RateDecision {
    const nowMs = this.now();
    let bucket = this.buckets.get(callerKey);
    if (bucket === undefined) {
      bucket = { levelMillitokens: this.capacityMillitokens, updatedAtMs: nowMs };
      this.buckets.set(callerKey, bucket);
    } else if (nowMs > bucket.updatedAtMs) {
      // rps tokens per second is rps milli-tokens per millisecond.
      const refilled = bucket.levelMillitokens + (nowMs - bucket.updatedAtMs) * this.rps;
      bucket.levelMillitokens = Math.min(this.capacityMillitokens, refilled);
      bucket.updatedAtMs = nowMs;
    }

    if (bucket.levelMillitokens >= REQUEST_COST_MILLITOKENS) {
      bucket.levelMillitokens -= REQUEST_COST_MILLITOKENS;
      return {
        allowed: true,
        remaining: Math.floor(bucket.levelMillitokens / MILLITOKENS_PER_TOKEN),
        resetS: this.secondsToRefill(this.capacityMillitokens - bucket.levelMillitokens),
      };
    }
    return {
      allowed: false,
      remaining: 0,
      resetS: this.secondsToRefill(this.capacityMillitokens - bucket.levelMillitokens),
      retryAfterS: Math.max(1, this.secondsToRefill(REQUEST_COST_MILLITOKENS - bucket.levelMillitokens)),
    };
  }

  refund(callerKey: string): void {
    const bucket = this.buckets.get(callerKey);
    if (bucket === undefined) return; // forgotten: it is full again
    bucket.levelMillitokens = Math.min(
      this.capacityMillitokens,
      bucket.levelMillitokens + REQUEST_COST_MILLITOKENS,
    );
  }

  private secondsToRefill(missingMillitokens: number): number {
    return Math.ceil(missingMillitokens / this.refillMillitokensPerS);
  }
}

/**
 * Builds the per-caller rate limiter, or returns `null` when `rps` is 0 (rate limiting off).
 * Options are taken as validated by the configuration (`rps` a non-negative integer, `burst` ≥ 1).
 * Memory is bounded by `maxCallers` buckets, each forgotten after `burst / rps` seconds idle.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter | null {
  if (options.rps === 0) return null;
  return new TokenBucketLimiter(
    options.rps,
    options.burst,
    options.now ?? (() => performance.now()),
    options.maxCallers ?? DEFAULT_MAX_CALLERS,
  );
}

/**
 * The `RateLimit-Policy` value for a bucket of `burst` refilled at `rps`: quota `q` is the burst and window
 * `w` the seconds a full refill takes (rounded up, at least 1, since -10 §3.1.3 wants a non-zero integer).
 * Pure; {@link RateLimiter.policyField} holds it precomputed.
 */
export function rateLimitPolicyField(rps: number, burst: number): string {
  const windowS = Math.max(1, Math.ceil(burst / rps));
  return `"${RATE_LIMIT_POLICY_NAME}";q=${burst};w=${windowS}`;
}

/**
 * The `RateLimit` value for a decision: `r` is the whole tokens left. `t` is the seconds until the bucket is
 * full again when the request was allowed, and the `Retry-After` seconds when it was refused, because
 * -10 §6 says Retry-After SHOULD NOT name a moment earlier than `t`, and one token is back by then. Pure.
 */
export function rateLimitField(decision: RateDecision): string {
  const resetS = decision.allowed ? decision.resetS : decision.retryAfterS;
  return `"${RATE_LIMIT_POLICY_NAME}";r=${decision.remaining};t=${resetS}`;
}

/** What {@link setRateLimitHeaders} needs of a response; a Node `ServerResponse` or Express `Response` fits. */
export interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/**
 * Sets `RateLimit-Policy` and `RateLimit` on `res` for `decision`, and `Retry-After` (delay-seconds) when
 * the request was refused. The caller still sends the 429 problem body for a refusal.
 */
export function setRateLimitHeaders(res: HeaderSink, limiter: RateLimiter, decision: RateDecision): void {
  res.setHeader('RateLimit-Policy', limiter.policyField);
  res.setHeader('RateLimit', rateLimitField(decision));
  if (!decision.allowed) res.setHeader('Retry-After', String(decision.retryAfterS));
}

/**
 * The bucket key for a caller: its token's HMAC when it sent a token, else its address.
 * The prefixes keep the two kinds apart, so no address can share a token's bucket.
 */
export function callerKey(tokenHash: string | null, address: string): string {
  return tokenHash === null ? `ip:${address}` : `t:${tokenHash}`;
}

/** Express's `trust proxy` setting as this module and Express accept it. */
export type TrustProxySetting = boolean | number | string | readonly string[];

/** Decides whether the hop at `index` (0 = the socket peer) with address `addr` is a trusted proxy. */
export type TrustFn = (addr: string, index: number) => boolean;

const trustNothing: TrustFn = () => false;
const trustEverything: TrustFn = () => true;

/**
 * Compiles a `trust proxy` setting as Express's `compileTrust` (express/lib/utils.js) does: `true` trusts
 * every hop, a number trusts that many hops, a string is a comma-separated list and, like an array, goes to
 * `proxyaddr.compile`. `false`, `''` and `0` trust nothing: the client is the socket peer.
 * Throws proxy-addr's `TypeError` for an entry that is no address, subnet or range name.
 */
export function compileTrustProxy(setting: TrustProxySetting): TrustFn {
  if (setting === true) return trustEverything;
  if (setting === false || setting === '' || setting === 0) return trustNothing;
  if (typeof setting === 'number') return (_addr, index) => index < setting;
  const entries =
    typeof setting === 'string' ? setting.split(',').map((entry) => entry.trim()) : [...setting];
  return entries.length === 0 ? trustNothing : proxyaddr.compile(entries);
}

/**
 * The client's IP address as Express's `req.ip` gives it under the same `trust proxy` setting: the
 * socket peer, or the nearest `X-Forwarded-For` entry that was not added by a trusted proxy.
 * A request whose socket has already closed has no address: `''`.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  const socketAddress = req.socket.remoteAddress;
  if (socketAddress === undefined) return '';
  if (trust === trustNothing) return socketAddress;
  return proxyaddr(req, trust);
}

const TRUST_PROXY_ALLOWED =
  'true, false, a hop count (0, 1, 2, …) or a comma-separated list of IP addresses, CIDR subnets ' +
  '(10.0.0.0/8, fd00::/8) and the names loopback, linklocal, uniquelocal';
const HOP_COUNT = /^\d+$/;

/**
 * Parses the `TRUST_PROXY` environment value into the setting given both to {@link compileTrustProxy} and to
 * Express's `app.set('trust proxy', …)`: `''`/`false` → `false`, `true` → `true` (either case), digits → a
 * hop count, anything else → the list of addresses, subnets and range names. Throws an `Error` with a
 * one-line message naming `TRUST_PROXY`, the value, the bad entry and what is allowed.
 */
export function parseTrustProxy(raw: string): boolean | number | string[] {
  const value = raw.trim();
  const lower = value.toLowerCase();
  if (lower === '' || lower === 'false') return false;
  if (lower === 'true') return true;
  if (HOP_COUNT.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    try {
      proxyaddr.compile([entry]);
    } catch {
      const shown = entry === '' ? 'an empty entry' : `"${entry}"`;
      throw new Error(
        `TRUST_PROXY=${JSON.stringify(raw)} is not allowed: ${shown} is no IP address, subnet or range name; ` +
          `expected ${TRUST_PROXY_ALLOWED}.`,
      );
    }
  }
  return entries;
}
