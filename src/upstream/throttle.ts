import type { Logger } from 'pino';
import type { VspcClient, VspcRequest, VspcResponse } from './client.js';
import { RefusalError } from './errors.js';
import type { ShieldObserver } from './observer.js';
import { throttleOf } from './throttle-answer.js';

export interface ThrottleOptions {
  /** Hold after a 429 that says neither `retryAfter` nor `Retry-After`. */
  throttleDefaultS: number;
  logger: Pick<Logger, 'warn'>;
  observer?: ShieldObserver;
  /** Clock in ms; tests inject one. */
  now?: () => number;
}

/** Longest hold a 429 can impose: one hour. */
const MAX_HOLD_S = 3600;
/** Holds kept at once for distinct tokens; the oldest is forgotten beyond this. */
const MAX_TOKEN_HOLDS = 10_000;
const MS_PER_S = 1000;
/** The hold key of calls made without a bearer token: they share one hold. */
const ANONYMOUS_HOLDER = 'anonymous';

/**
 * The throttle hold: after VSPC answers 429, no call of that token reaches VSPC until VSPC's wait is
 * over (every call, when VSPC's message names its global limit or a limit per address). Held calls
 * are refused with `throttled` and the seconds left. The 429 itself passes through, its
 * `Retry-After` set to the hold applied.
 */
export class ThrottleHold implements VspcClient {
  readonly origin: string;
  readonly #next: VspcClient;
  readonly #options: ThrottleOptions;
  readonly #now: () => number;
  /** Until when every call is held (ms), after VSPC named its global limit. */
  #globalUntil = 0;
  /** Until when one token's calls are held (ms); insertion order is age. */
  readonly #tokenHolds = new Map<string, number>();

  constructor(next: VspcClient, options: ThrottleOptions) {
    this.#next = next;
    this.origin = next.origin;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  close(): void {
    this.#next.close();
  }

  /** The refusal a call meets now, or `null`. Side-effect free: whoever throws it counts it. */
  refusalFor(request: VspcRequest): RefusalError | null {
    const now = this.#now();
    const tokenUntil = this.#tokenHolds.get(request.tokenHash ?? ANONYMOUS_HOLDER) ?? 0;
    const leftMs = Math.max(this.#globalUntil, tokenUntil) - now;
    return leftMs > 0 ? new RefusalError('throttled', Math.ceil(leftMs / MS_PER_S)) : null;
  }

  async request(request: VspcRequest): Promise<VspcResponse> {
    const refusal = this.refusalFor(request);
    if (refusal !== null) {
      this.#options.observer?.rejected?.(refusal.failure);
      throw refusal;
    }
    const answer = await this.#next.request(request);
    // Recorded before the answer goes back out: the budget slot it frees admits a waiter that must meet the hold.
    if (answer.status === TOO_MANY_REQUESTS) this.#hold(request.tokenHash, answer);
    return answer;
  }

  /** Starts a hold after a 429, and makes sure the answer carries `Retry-After`. */
  #hold(tokenHash: string | undefined, answer: VspcResponse): void {
    this.#options.observer?.throttled?.();
    const now = this.#now();
    const vspc = throttleOf(answer, now);
    const seconds = Math.min(
      MAX_HOLD_S,
      Math.max(1, Math.ceil(vspc.retryAfterS ?? this.#options.throttleDefaultS)),
    );
    const until = now + seconds * MS_PER_S;
    // VSPC's other limits count by user (or user and address): per token is the finest safe hold.
    if (vspc.global) {
      this.#globalUntil = Math.max(this.#globalUntil, until);
    } else {
      const holder = tokenHash ?? ANONYMOUS_HOLDER;
      const held = this.#tokenHolds.get(holder) ?? 0;
      this.#tokenHolds.delete(holder);
      this.#tokenHolds.set(holder, Math.max(held, until)); // a later, shorter wait never shortens a hold
      this.#prune(now);
    }
    // The client hears the wait the proxy applies, whatever VSPC wrote (or did not write) in its header.
    answer.headers['retry-after'] = String(seconds);
    this.#options.logger.warn(
      { scope: vspc.global ? 'global' : 'token', retryAfterS: seconds },
      'VSPC throttled: holding calls until its retryAfter',
    );
  }

  /** Forgets holds that are over, oldest first, and the oldest beyond {@link MAX_TOKEN_HOLDS}. */
  #prune(now: number): void {
    for (const [holder, until] of this.#tokenHolds) {
      const overBound = this.#tokenHolds.size > MAX_TOKEN_HOLDS;
      if (!overBound && until > now) break;
      this.#tokenHolds.delete(holder);
    }
  }
}

const TOO_MANY_REQUESTS = 429;
