import { createRateLimiter, type RateLimiter } from './rate-limit.js';

/**
 * Sign-in attempts counted by client address and by user name, so that guessing passwords is slow
 * whichever header the client sends (the token endpoint reads no bearer token). Every attempt takes
 * one unit from its address's bucket and, when it names a user, from that user's bucket, before VSPC
 * is asked; a successful sign-in gives both back, so only failures add up. The `/bff/login` route
 * shares these buckets.
 */
export interface LoginAttempts {
  /** Bucket size per address and per user name (`LOGIN_ATTEMPTS_BURST`). */
  readonly burst: number;
  /** Refill per minute (`LOGIN_ATTEMPTS_PER_MIN`). */
  readonly perMinute: number;
  /** Checks one attempt; `username` is `null` for grants that name none (refresh, MFA). */
  begin(addressKey: string, username: string | null): LoginTrial;
}

export type LoginTrial =
  | { readonly allowed: true; settle(upstreamStatus: number | undefined): void }
  | { readonly allowed: false; readonly retryAfterS: number; readonly scope: 'address' | 'username' };

const S_PER_MIN = 60;
const OK = 200;

/** Builds the limiter, or `null` when `burst` is 0 (off). */
export function createLoginAttempts(options: {
  burst: number;
  perMinute: number;
  now?: () => number;
}): LoginAttempts | null {
  if (options.burst === 0) return null;
  const bucket = (): RateLimiter =>
    createRateLimiter({
      rps: options.perMinute / S_PER_MIN,
      burst: options.burst,
      ...(options.now === undefined ? {} : { now: options.now }),
    }) as RateLimiter;
  const byAddress = bucket();
  const byUser = bucket();
  return {
    burst: options.burst,
    perMinute: options.perMinute,
    begin(addressKey, username) {
      const address = byAddress.take(addressKey);
      if (!address.allowed) return { allowed: false, retryAfterS: address.retryAfterS, scope: 'address' };
      const userKey = username === null ? null : username.trim().toLowerCase();
      if (userKey !== null) {
        const user = byUser.take(userKey);
        if (!user.allowed) {
          byAddress.refund(addressKey);
          return { allowed: false, retryAfterS: user.retryAfterS, scope: 'username' };
        }
      }
      return {
        allowed: true,
        settle(upstreamStatus) {
          // A sign-in VSPC accepted, or an attempt VSPC never judged, does not count.
          if (upstreamStatus === OK || upstreamStatus === undefined || upstreamStatus >= 500) {
            byAddress.refund(addressKey);
            if (userKey !== null) byUser.refund(userKey);
          }
        },
      };
    },
  };
}

/**
 * The user name a token request names: `username` of a form (VSPC's token endpoint takes
 * `application/x-www-form-urlencoded`) or of a JSON body; `null` when there is none. Pure.
 */
export function loginUsername(contentType: string | undefined, body: Buffer | undefined): string | null {
  if (body === undefined || body.length === 0) return null;
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  try {
    if (type === 'application/json') {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      const name = (parsed as { username?: unknown } | null)?.username;
      return typeof name === 'string' && name !== '' ? name : null;
    }
    const name = new URLSearchParams(body.toString('utf8')).get('username');
    return name === null || name === '' ? null : name;
  } catch {
    return null;
  }
}
