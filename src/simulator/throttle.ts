/**
 * The `throttleRps` knob: VSPC limits the request rate and answers 429 with the wait in the body. The simulator
 * counts requests in fixed one-second windows per budget (everything, a user, or a client IP address).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { userOfRequest } from './auth.js';
import { STATUS_TOO_MANY_REQUESTS, tooManyRequestsResponse, type TooManyRequestsReason } from './errors.js';
import type { SimulatorKnobs, ThrottleScope } from './knobs.js';
import type { EndpointResponse } from './respond.js';
import { matchRoute } from './router.js';
import type { TokenStore } from './tokens.js';

/** Length of one counting window. */
export const THROTTLE_WINDOW_MS = 1000;
const MS_PER_SECOND = 1000;
/**
 * At most this many budgets (users or IP addresses) are counted in one window; beyond it the budget seen first
 * is forgotten, so it starts again from zero. Windows themselves are not kept: a new window forgets every count.
 */
export const MAX_THROTTLE_BUDGETS = 10_000;

/** The budget a request is counted against: which limit, and whose. */
export interface ThrottleKey {
  readonly limit: Exclude<TooManyRequestsReason, 'forced'>;
  /** The username (`user`), the client IP address (`ip`), or '' (`global`). */
  readonly id: string;
}

/**
 * The budget of a request. With scope `user`, a request whose bearer token is no valid token (`username`
 * undefined) is counted per client IP address; an unknown address shares one budget.
 */
export function throttleKeyOf(
  scope: ThrottleScope,
  username: string | undefined,
  remoteAddress: string | undefined,
): ThrottleKey {
  if (scope === 'global') return { limit: 'global', id: '' };
  if (username !== undefined) return { limit: 'user', id: username };
  return { limit: 'ip', id: remoteAddress ?? '' };
}

/** The window a time falls in, and the whole seconds until that window ends (at least 1). */
export interface ThrottleWindow {
  readonly index: number;
  readonly retryAfterS: number;
}

/** The window of `nowMs` (epoch milliseconds): windows start at whole multiples of {@link THROTTLE_WINDOW_MS}. */
export function throttleWindowOf(nowMs: number): ThrottleWindow {
  const index = Math.floor(nowMs / THROTTLE_WINDOW_MS);
  const remainingMs = (index + 1) * THROTTLE_WINDOW_MS - nowMs;
  return { index, retryAfterS: Math.max(1, Math.ceil(remainingMs / MS_PER_SECOND)) };
}

/** Whether a request is within its budget; if not, how long to wait. */
export type Admission =
  { readonly admitted: true } | { readonly admitted: false; readonly retryAfterS: number };

const ADMITTED: Admission = Object.freeze({ admitted: true });

/** Request counts of the current window, one per budget; bounded by `maxBudgets`. */
export class RequestThrottle {
  private windowIndex = Number.NaN;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly maxBudgets: number = MAX_THROTTLE_BUDGETS,
  ) {}

  /** Counts a request against `key` in the current window; admitted while the count is at most `limitRps`. */
  admit(key: ThrottleKey, limitRps: number): Admission {
    const window = throttleWindowOf(this.now());
    if (window.index !== this.windowIndex) {
      this.windowIndex = window.index;
      this.counts.clear();
    }
    const budget = `${key.limit}:${key.id}`;
    const count = (this.counts.get(budget) ?? 0) + 1;
    this.counts.set(budget, count);
    if (this.counts.size > this.maxBudgets) {
      const oldest = this.counts.keys().next();
      if (oldest.done !== true) this.counts.delete(oldest.value);
    }
    return count <= limitRps ? ADMITTED : { admitted: false, retryAfterS: window.retryAfterS };
  }

  /** How many budgets the current window counts (for tests of the bound). */
  get budgetCount(): number {
    return this.counts.size;
  }
}

/** What throttling reads of the simulator. */
export interface ThrottleState {
  readonly knobs: SimulatorKnobs;
  readonly tokens: TokenStore;
  readonly throttle: RequestThrottle;
}

/** What throttling reads of a request. */
export interface ThrottledRequest {
  readonly method: string;
  readonly pathname: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
}

function isTokenRequest(method: string, pathname: string): boolean {
  const match = matchRoute(method, pathname);
  return match.kind === 'found' && match.route.name === 'token';
}

/**
 * Counts a request against its `throttleRps` budget and returns the 429 to answer with when it is over, or
 * `undefined`. Throttling off (`throttleRps` 0) and `POST /api/v3/token` count nothing, as `forceStatus` spares
 * the token request too.
 */
export function throttledResponse(
  state: ThrottleState,
  request: ThrottledRequest,
): EndpointResponse | undefined {
  const { throttleRps, throttleScope } = state.knobs;
  if (throttleRps <= 0 || isTokenRequest(request.method, request.pathname)) return undefined;
  const username =
    throttleScope === 'user' ? userOfRequest(request.headers, state.tokens)?.username : undefined;
  const key = throttleKeyOf(throttleScope, username, request.remoteAddress);
  const admission = state.throttle.admit(key, throttleRps);
  if (admission.admitted) return undefined;
  return {
    status: STATUS_TOO_MANY_REQUESTS,
    body: tooManyRequestsResponse(admission.retryAfterS, key.limit),
  };
}
