import { LRUCache } from 'lru-cache';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';

/**
 * Per client address, a budget of bearer tokens VSPC has not accepted yet.
 *
 * A made-up token costs a VSPC call (its answer is a 401) and a fresh rate-limit bucket of its own,
 * so the per-caller rate limit never slows a client that sends a new random token each time. This
 * budget does. A token VSPC has not accepted recently takes one unit from its address's bucket
 * before VSPC is asked; requests made with it while that first one is out take nothing more. The
 * unit comes back when VSPC accepts the token (any answer but a 401), or when VSPC was not asked or
 * did not answer; it stays spent when VSPC answers 401. Every later request with a refused token
 * takes a unit of its own. An address whose bucket is empty is answered 429 for such tokens only:
 * tokens VSPC accepted go on as usual, whoever else shares the address.
 */
export interface UnverifiedTokenBudget {
  /** Bucket size: unverified tokens an address may try at once (`AUTH_FAILURES_BURST`). */
  readonly burst: number;
  /** Refill, per minute (`AUTH_FAILURES_PER_MIN`). */
  readonly perMinute: number;
  /**
   * Checks a request with a bearer token from `addressKey`. `null`: the token is known good, nothing
   * to settle. Refused: the address is out of budget. Allowed: call `settle` with VSPC's status
   * for the request once it is answered (`undefined` when VSPC was not asked or did not answer).
   */
  begin(addressKey: string, tokenHash: string): TokenTrial | null;
  /** VSPC refused a token (401) that was known good: it is unverified again. */
  forget(tokenHash: string): void;
}

export type TokenTrial =
  | { readonly allowed: true; settle(upstreamStatus: number | undefined): void }
  | { readonly allowed: false; readonly retryAfterS: number };

export interface UnverifiedTokenBudgetOptions {
  burst: number;
  perMinute: number;
  /** True when something else already vouches for the token (it holds cache entries). */
  isVouchedFor(tokenHash: string): boolean;
  /** Monotonic clock in ms (the rate limiter's; positive). */
  now?: () => number;
}

/** Tokens remembered as accepted (or as refused), at most: the least recently seen is forgotten first. */
const MAX_REMEMBERED_TOKENS = 100_000;
/** An accepted token is taken on trust this long after VSPC last accepted it (VSPC's tokens live an hour). */
const VERIFIED_TTL_MS = 3_600_000;
/** A refused token is remembered this long: each request with it pays, not only the first. */
const REFUSED_TTL_MS = 600_000;
const UNAUTHORIZED = 401;
const TOO_MANY_REQUESTS = 429;
const SERVER_ERROR = 500;
const S_PER_MIN = 60;

/** Builds the budget, or `null` when `burst` is 0 (turned off). */
export function createUnverifiedTokenBudget(
  options: UnverifiedTokenBudgetOptions,
): UnverifiedTokenBudget | null {
  if (options.burst === 0) return null;
  const buckets = createRateLimiter({
    rps: options.perMinute / S_PER_MIN,
    burst: options.burst,
    ...(options.now === undefined ? {} : { now: options.now }),
  }) as RateLimiter;
  const verified = new LRUCache<string, true>({ max: MAX_REMEMBERED_TOKENS, ttl: VERIFIED_TTL_MS });
  const refused = new LRUCache<string, true>({ max: MAX_REMEMBERED_TOKENS, ttl: REFUSED_TTL_MS });
  /** Tokens whose first request is out at VSPC, with how many requests wait on them. */
  const pending = new Map<string, number>();

  const learn = (tokenHash: string, upstreamStatus: number | undefined): void => {
    if (upstreamStatus === UNAUTHORIZED) {
      refused.set(tokenHash, true);
      verified.delete(tokenHash);
    } else if (upstreamStatus !== undefined && acceptsToken(upstreamStatus)) {
      refused.delete(tokenHash);
      verified.set(tokenHash, true);
    }
  };
  const follow = (tokenHash: string): { allowed: true; settle(status: number | undefined): void } => {
    pending.set(tokenHash, (pending.get(tokenHash) ?? 0) + 1);
    return {
      allowed: true,
      settle(upstreamStatus) {
        const left = (pending.get(tokenHash) ?? 1) - 1;
        if (left === 0) pending.delete(tokenHash);
        else pending.set(tokenHash, left);
        learn(tokenHash, upstreamStatus);
      },
    };
  };

  return {
    burst: options.burst,
    perMinute: options.perMinute,
    begin(addressKey, tokenHash) {
      if (verified.has(tokenHash) || options.isVouchedFor(tokenHash)) return null;
      // Requests riding on a first one still out: that one pays for the token.
      if (pending.has(tokenHash) && !refused.has(tokenHash)) return follow(tokenHash);
      const decision = buckets.take(addressKey);
      if (!decision.allowed) return { allowed: false, retryAfterS: decision.retryAfterS };
      const trial = follow(tokenHash);
      return {
        allowed: true,
        settle(upstreamStatus) {
          trial.settle(upstreamStatus);
          if (upstreamStatus !== UNAUTHORIZED) buckets.refund(addressKey);
        },
      };
    },
    forget(tokenHash) {
      verified.delete(tokenHash);
      refused.set(tokenHash, true);
    },
  };
}

/**
 * True when VSPC's answer shows it accepted the token: a 401 refuses it, and a 429 (VSPC throttles by
 * address too) or a server error may come before the token is looked at. Pure.
 */
export function acceptsToken(status: number): boolean {
  return status !== UNAUTHORIZED && status !== TOO_MANY_REQUESTS && status < SERVER_ERROR;
}
