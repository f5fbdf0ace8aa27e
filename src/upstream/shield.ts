import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './client.js';
import { UpstreamError, type ShieldRefusal, type TransportFailure } from './errors.js';

/** 0 closed, 1 open, 2 half-open: the `breaker_state` gauge's encoding. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the shield reports as it works; the metrics listen. Every method is optional. */
export interface ShieldObserver {
  /** One call reached VSPC: its HTTP status, or the transport failure. */
  attempt?(outcome: number | TransportFailure, seconds: number): void;
  /** VSPC answered 429. */
  throttled?(): void;
  /** The shield refused a call without asking VSPC. */
  rejected?(reason: ShieldRefusal): void;
}

export interface ShieldOptions {
  /** Calls in flight at once, all tokens together. */
  maxConcurrency: number;
  /** Calls in flight at once for one token. */
  maxConcurrencyPerToken: number;
  /** Calls that may wait for a slot; more are refused at once. */
  queueMax: number;
  /** Extra attempts of an idempotent call after a retryable failure. */
  retries: number;
  /** Ceiling of the first backoff; it doubles per attempt, up to {@link MAX_BACKOFF_MS}. */
  retryBaseMs: number;
  /** Hold after a 429 that says neither `retryAfter` nor `Retry-After`. */
  throttleDefaultS: number;
  /** Consecutive failed calls that open the breaker; 0: no breaker. */
  breakerFailures: number;
  breakerCooldownMs: number;
  /** A call's overall deadline (queue wait, attempts and backoff) unless it names its own `timeoutMs`. */
  defaultTimeoutMs: number;
  logger: Pick<Logger, 'warn' | 'info'>;
  observer?: ShieldObserver;
  /** Clock in ms for holds and the breaker; tests inject one. */
  now?: () => number;
  /** 0 ≤ x < 1, for backoff jitter; tests inject one. */
  random?: () => number;
}

/** Longest backoff between two attempts. */
export const MAX_BACKOFF_MS = 2000;
/** `Retry-After` on answers refused for a full queue, an expired wait, or while a breaker probe runs. */
const BUSY_RETRY_AFTER_S = 1;
/** A queued call stops waiting when less than this is left of its deadline... */
const MIN_ATTEMPT_MS = 250;
/** ...or less than this fraction (1/4) of its whole time budget, when that is shorter. */
const ATTEMPT_SHARE_DIVISOR = 4;
/** Throttle holds kept at once for distinct tokens; the oldest is forgotten beyond this. */
const MAX_TOKEN_HOLDS = 10_000;
/** Longest hold a 429 can impose: one hour. */
const MAX_HOLD_S = 3600;
/** 429 bodies larger than this are not parsed for `retryAfter`. */
const MAX_THROTTLE_BODY_BYTES = 64 * 1024;
const MS_PER_S = 1000;
/** The hold key of calls made without a bearer token. */
const ANONYMOUS_HOLDER = 'anonymous';

/** VSPC statuses an idempotent call is retried on. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504, 520]);
/** Transport failures an idempotent call is retried on: the request never reached VSPC's application. */
const RETRYABLE_FAILURES: ReadonlySet<TransportFailure> = new Set(['reset', 'refused']);
/** Failures that say nothing about VSPC's health: the client left, or the answer was too big for us. */
const NEUTRAL_FAILURES: ReadonlySet<TransportFailure> = new Set(['aborted', 'body-too-large']);

/** The answer or the failure of one attempt. */
type Outcome = { answer: UpstreamResponse } | { error: UpstreamError };

interface Waiter {
  /** The caller's own request object: its `priority` is read each time a waiter is picked. */
  request: UpstreamRequest;
  /** Called with the slot already taken. */
  admit(): void;
  refuse(error: UpstreamError): void;
}

/**
 * The shield between vspc-proxy and VSPC: a concurrency budget (total and per token) with a bounded
 * priority queue, a hold after VSPC's 429s (per token, or for everyone when VSPC names its global
 * limit), a circuit breaker, and retries of idempotent calls with exponential backoff and full
 * jitter. It is an {@link UpstreamClient} itself, so everything that calls VSPC goes through it.
 * Refusals are {@link UpstreamError}s with a shield failure (`queue-full`, `queue-timeout`,
 * `throttled`, `breaker-open`) and a `retryAfterS`; they never reach VSPC.
 */
export class UpstreamShield implements UpstreamClient {
  readonly origin: string;
  readonly #client: UpstreamClient;
  readonly #options: ShieldOptions;
  readonly #now: () => number;
  readonly #random: () => number;

  #inflight = 0;
  readonly #inflightByToken = new Map<string, number>();
  /** Waiters in arrival order; interactive ones are picked before bulk ones. */
  readonly #queue: Waiter[] = [];

  /** Until when every call is held (ms), after VSPC named its global limit. */
  #globalHoldUntil = 0;
  /** Until when one token's calls are held (ms); insertion order is age. */
  readonly #tokenHolds = new Map<string, number>();

  #breaker: BreakerState = 'closed';
  #consecutiveFailures = 0;
  #openedAt = 0;
  #probeInFlight = false;

  constructor(client: UpstreamClient, options: ShieldOptions) {
    this.#client = client;
    this.origin = client.origin;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** Calls to VSPC in flight now. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Calls waiting for a slot now. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /** The breaker's state now (an open breaker whose cool-down has passed reads `half-open`). */
  get breakerState(): BreakerState {
    if (this.#breaker === 'open' && this.#cooldownLeftMs() <= 0) return 'half-open';
    return this.#breaker;
  }

  /** True while the breaker's one probe call is in flight. */
  get breakerProbing(): boolean {
    return this.#probeInFlight;
  }

  /** Whole seconds until an open breaker lets its probe through (0 when it is not open). */
  get breakerRetryAfterS(): number {
    return this.#breaker === 'open' ? Math.max(0, Math.ceil(this.#cooldownLeftMs() / MS_PER_S)) : 0;
  }

  close(): void {
    this.#client.close();
  }

  /**
   * One logical call: admitted by the hold, the breaker and the budget, then tried, and retried
   * when it is idempotent and failed in a retryable way, all within its deadline. Resolves with any
   * VSPC status; rejects with {@link UpstreamError}.
   */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const budgetMs = request.timeoutMs ?? this.#options.defaultTimeoutMs;
    const deadline = this.#now() + budgetMs;
    const reserveMs = attemptReserveMs(budgetMs);
    const idempotent = request.method === 'GET' || request.method === 'HEAD';
    let last: Outcome | null = null;
    for (let attempt = 0; ; attempt += 1) {
      let isProbe: boolean;
      try {
        isProbe = await this.#admit(request, deadline, reserveMs);
      } catch (error) {
        // A retry the shield refuses ends with what VSPC last said, not with the refusal.
        if (last !== null) return settle(last);
        throw error;
      }
      const outcome = await this.#attempt(request, deadline, budgetMs, isProbe);
      const mayRetry =
        idempotent &&
        attempt < this.#options.retries &&
        isRetryable(outcome) &&
        request.signal?.aborted !== true;
      if (!mayRetry) return settle(outcome);
      const delayMs = this.#random() * Math.min(MAX_BACKOFF_MS, this.#options.retryBaseMs * 2 ** attempt);
      // A retry must still have time for an attempt after its backoff.
      if (this.#now() + delayMs + reserveMs >= deadline) return settle(outcome);
      this.#options.logger.info(
        {
          attempt: attempt + 1,
          ...('answer' in outcome
            ? { upstreamStatus: outcome.answer.status }
            : { failure: outcome.error.failure }),
          delayMs: Math.round(delayMs),
        },
        'retrying VSPC call',
      );
      if (!(await sleep(delayMs, request.signal))) return settle(outcome);
      last = outcome;
    }
  }

  /** Resolves when the call may go to VSPC (true: as the breaker's probe); rejects with a refusal. */
  #admit(request: UpstreamRequest, deadline: number, reserveMs: number): Promise<boolean> {
    const refusal = this.#gate(request);
    if (refusal !== null) return Promise.reject(refusal);
    if (this.#breaker !== 'closed' && request.readiness !== true) {
      // After the cool-down the first caller with a free slot is the breaker's one probe; it never queues.
      if (!this.#hasSlot(request.tokenHash))
        return Promise.reject(this.#refuse('breaker-open', BUSY_RETRY_AFTER_S));
      if (this.#breaker === 'open') this.#setBreaker('half-open');
      this.#probeInFlight = true;
      this.#take(request.tokenHash);
      return Promise.resolve(true);
    }
    if (this.#queue.length === 0 && this.#hasSlot(request.tokenHash)) {
      this.#take(request.tokenHash);
      return Promise.resolve(false);
    }
    // Bulk calls may fill half the queue: the other half stays for callers who wait for their answer.
    const room = request.priority === 'bulk' ? this.#options.queueMax / 2 : this.#options.queueMax;
    if (this.#queue.length >= room) return Promise.reject(this.#refuse('queue-full', BUSY_RETRY_AFTER_S));
    return new Promise<boolean>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        const index = this.#queue.indexOf(waiter);
        if (index !== -1) this.#queue.splice(index, 1);
      };
      const onAbort = (): void => {
        leave();
        reject(
          new UpstreamError('aborted', 'ERR_ABORTED', 'The call was abandoned while it waited for VSPC.'),
        );
      };
      const waiter: Waiter = {
        request,
        admit: () => {
          leave();
          resolve(false);
        },
        refuse: (error) => {
          leave();
          reject(error);
        },
      };
      // A call sent with a sliver of its deadline left only loads VSPC for an answer nobody gets:
      // the wait ends while there is still time for an attempt.
      const timer = setTimeout(
        () => waiter.refuse(this.#refuse('queue-timeout', BUSY_RETRY_AFTER_S)),
        Math.max(0, deadline - reserveMs - this.#now()),
      );
      timer.unref(); // a wait alone never keeps the process alive
      if (request.signal?.aborted === true) return onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      // Waiters ahead may be blocked by their token's cap only; this one may go now.
      this.#pump();
    });
  }

  /**
   * A refusal for a held token or an open breaker, or `null` when the call may queue. Readiness
   * probes pass the breaker: they tell `/readyz` whether VSPC answers, and the breaker does not learn from them.
   */
  #gate(request: UpstreamRequest): UpstreamError | null {
    const holdLeftMs = this.#holdLeftMs(request.tokenHash);
    if (holdLeftMs > 0) return this.#refuse('throttled', Math.ceil(holdLeftMs / MS_PER_S));
    if (this.#breaker === 'closed' || request.readiness === true) return null;
    const cooldownLeftMs = this.#cooldownLeftMs();
    if (this.#breaker === 'open' && cooldownLeftMs > 0) {
      return this.#refuse('breaker-open', Math.ceil(cooldownLeftMs / MS_PER_S));
    }
    if (this.#probeInFlight) return this.#refuse('breaker-open', BUSY_RETRY_AFTER_S);
    return null;
  }

  async #attempt(
    request: UpstreamRequest,
    deadline: number,
    budgetMs: number,
    isProbe: boolean,
  ): Promise<Outcome> {
    const started = performance.now();
    const timeoutMs = Math.max(1, deadline - this.#now());
    let outcome: Outcome;
    try {
      outcome = { answer: await this.#client.request({ ...request, timeoutMs }) };
    } catch (error) {
      outcome = {
        error:
          error instanceof UpstreamError
            ? error
            : new UpstreamError('other', 'ERR_UNKNOWN', (error as Error).message),
      };
    }
    // The slot is released only after the outcome is recorded: the release admits the next waiter,
    // which must meet the breaker this failure opened, or the hold this 429 started.
    try {
      const seconds = (performance.now() - started) / MS_PER_S;
      if ('answer' in outcome) {
        this.#options.observer?.attempt?.(outcome.answer.status, seconds);
        if (outcome.answer.status === 429) this.#hold(request.tokenHash, outcome.answer);
      } else {
        this.#options.observer?.attempt?.(outcome.error.failure as TransportFailure, seconds);
      }
      // A call that timed out with less than half its time left (the rest went waiting here) says
      // more about this queue than about VSPC.
      const shortChanged = timeoutMs < budgetMs / 2;
      if (request.readiness !== true) this.#recordHealth(outcome, isProbe, shortChanged);
    } finally {
      this.#release(request.tokenHash);
    }
    return outcome;
  }

  /**
   * Feeds one attempt's outcome to the breaker. While it is open or half-open, only the probe's
   * outcome counts: a call that was already in flight when it opened decides nothing.
   */
  #recordHealth(outcome: Outcome, isProbe: boolean, shortChanged: boolean): void {
    if (isProbe) this.#probeInFlight = false;
    if (this.#options.breakerFailures === 0) return;
    if (this.#breaker !== 'closed' && !isProbe) return;
    const failed = 'answer' in outcome ? outcome.answer.status >= 500 : true;
    if ('error' in outcome) {
      const failure = outcome.error.failure as TransportFailure;
      if (NEUTRAL_FAILURES.has(failure) || (failure === 'timeout' && shortChanged)) return;
    }
    if (!failed) {
      this.#consecutiveFailures = 0;
      if (this.#breaker !== 'closed') this.#setBreaker('closed');
      return;
    }
    this.#consecutiveFailures += 1;
    const shouldOpen =
      this.#breaker === 'half-open' ||
      (this.#breaker === 'closed' && this.#consecutiveFailures >= this.#options.breakerFailures);
    if (shouldOpen) {
      this.#openedAt = this.#now();
      this.#setBreaker('open');
      // Waiters cannot go now; they get the same fast answer as new callers.
      this.#refuseQueued();
    }
  }

  #setBreaker(state: BreakerState): void {
    if (this.#breaker === state) return;
    this.#breaker = state;
    if (state === 'open') {
      this.#options.logger.warn(
        { breaker: state, failures: this.#consecutiveFailures, cooldownMs: this.#options.breakerCooldownMs },
        'VSPC circuit breaker opened: calls fail fast until one probe succeeds',
      );
    } else {
      this.#options.logger.info(
        { breaker: state },
        state === 'half-open'
          ? 'VSPC circuit breaker half-open: one probe call decides'
          : 'VSPC circuit breaker closed',
      );
    }
  }

  /** Starts a hold after a 429, and makes sure the answer carries `Retry-After`. */
  #hold(tokenHash: string | undefined, answer: UpstreamResponse): void {
    this.#options.observer?.throttled?.();
    const vspc = throttleOf(answer, this.#now());
    const seconds = Math.min(
      MAX_HOLD_S,
      Math.max(1, Math.ceil(vspc.retryAfterS ?? this.#options.throttleDefaultS)),
    );
    const until = this.#now() + seconds * MS_PER_S;
    // VSPC's other limits count by user (or user and address): per token is the finest safe hold.
    // Calls without a token (sign-ins) share one hold of their own.
    const global = vspc.global;
    if (global) {
      this.#globalHoldUntil = Math.max(this.#globalHoldUntil, until);
    } else {
      const holder = tokenHash ?? ANONYMOUS_HOLDER;
      const held = this.#tokenHolds.get(holder) ?? 0;
      this.#tokenHolds.delete(holder);
      this.#tokenHolds.set(holder, Math.max(held, until)); // a later, shorter wait never shortens a hold
      this.#pruneHolds();
    }
    // The client hears the wait the proxy applies, whatever VSPC wrote (or did not write) in its header.
    answer.headers['retry-after'] = String(seconds);
    this.#options.logger.warn(
      { scope: global ? 'global' : 'token', retryAfterS: seconds },
      'VSPC throttled: holding calls until its retryAfter',
    );
  }

  #holdLeftMs(tokenHash: string | undefined): number {
    const now = this.#now();
    const tokenUntil = this.#tokenHolds.get(tokenHash ?? ANONYMOUS_HOLDER) ?? 0;
    return Math.max(this.#globalHoldUntil, tokenUntil) - now;
  }

  #pruneHolds(): void {
    const now = this.#now();
    for (const [tokenHash, until] of this.#tokenHolds) {
      if (this.#tokenHolds.size <= MAX_TOKEN_HOLDS && until > now) break;
      if (until <= now || this.#tokenHolds.size > MAX_TOKEN_HOLDS) this.#tokenHolds.delete(tokenHash);
    }
  }

  #cooldownLeftMs(): number {
    return this.#openedAt + this.#options.breakerCooldownMs - this.#now();
  }

  #hasSlot(tokenHash: string | undefined): boolean {
    if (this.#inflight >= this.#options.maxConcurrency) return false;
    if (tokenHash === undefined) return true;
    return (this.#inflightByToken.get(tokenHash) ?? 0) < this.#options.maxConcurrencyPerToken;
  }

  #take(tokenHash: string | undefined): void {
    this.#inflight += 1;
    if (tokenHash !== undefined)
      this.#inflightByToken.set(tokenHash, (this.#inflightByToken.get(tokenHash) ?? 0) + 1);
  }

  #release(tokenHash: string | undefined): void {
    this.#inflight -= 1;
    if (tokenHash !== undefined) {
      const left = (this.#inflightByToken.get(tokenHash) ?? 1) - 1;
      if (left === 0) this.#inflightByToken.delete(tokenHash);
      else this.#inflightByToken.set(tokenHash, left);
    }
    this.#pump();
  }

  /**
   * Admits waiters while there are slots: interactive first, in arrival order, skipping tokens at
   * their cap. A waiter whose token is now held (or who meets an opened breaker) is refused here,
   * in this loop: refusing never re-enters it, however long the queue.
   */
  #pump(): void {
    while (this.#inflight < this.#options.maxConcurrency) {
      const index = this.#nextAdmissible();
      if (index === -1) return;
      const waiter = this.#queue[index] as Waiter;
      this.#queue.splice(index, 1);
      const refusal =
        this.#gate(waiter.request) ??
        (this.#breaker !== 'closed' && waiter.request.readiness !== true
          ? this.#refuse('breaker-open', BUSY_RETRY_AFTER_S)
          : null);
      if (refusal !== null) {
        waiter.refuse(refusal);
        continue;
      }
      this.#take(waiter.request.tokenHash);
      waiter.admit();
    }
  }

  /** Index of the next waiter to admit, or -1. */
  #nextAdmissible(): number {
    for (const bulk of [false, true]) {
      const index = this.#queue.findIndex(
        (waiter) => (waiter.request.priority === 'bulk') === bulk && this.#hasSlot(waiter.request.tokenHash),
      );
      if (index !== -1) return index;
    }
    return -1;
  }

  #refuseQueued(): void {
    const retryAfterS = Math.ceil(this.#options.breakerCooldownMs / MS_PER_S);
    for (const waiter of [...this.#queue]) {
      if (waiter.request.readiness !== true) waiter.refuse(this.#refuse('breaker-open', retryAfterS));
    }
  }

  #refuse(reason: ShieldRefusal, retryAfterS: number): UpstreamError {
    this.#options.observer?.rejected?.(reason);
    const code = `SHIELD_${reason.toUpperCase().replaceAll('-', '_')}`;
    return new UpstreamError(reason, code, REFUSAL_MESSAGES[reason], retryAfterS);
  }
}

const REFUSAL_MESSAGES: Readonly<Record<ShieldRefusal, string>> = {
  'queue-full': 'Too many calls are waiting for VSPC.',
  'queue-timeout': 'The call waited for a VSPC slot until its deadline.',
  throttled: 'VSPC is throttling; the call is held until its retryAfter.',
  'breaker-open': 'The circuit breaker is open; VSPC is not called.',
};

/**
 * What a call keeps of its time budget for an attempt: it stops waiting in the queue, and skips a
 * retry, when less is left. Pure.
 */
export function attemptReserveMs(budgetMs: number): number {
  return Math.min(MIN_ATTEMPT_MS, budgetMs / ATTEMPT_SHARE_DIVISOR);
}

function settle(outcome: Outcome): UpstreamResponse {
  if ('answer' in outcome) return outcome.answer;
  throw outcome.error;
}

/** True when an idempotent call may be tried again after this outcome; pure. */
export function isRetryable(outcome: Outcome): boolean {
  if ('answer' in outcome) return RETRYABLE_STATUSES.has(outcome.answer.status);
  return RETRYABLE_FAILURES.has(outcome.error.failure as TransportFailure);
}

/**
 * What a VSPC 429 says about the wait: `retryAfter` (seconds) of the body's first error, else a
 * `Retry-After` header (seconds or an HTTP date), else nothing; and whether its message names the
 * global limit. Pure.
 */
export function throttleOf(
  answer: Pick<UpstreamResponse, 'headers' | 'body'>,
  now: number = Date.now(),
): { retryAfterS: number | null; global: boolean } {
  let first: { retryAfter?: unknown; message?: unknown } | undefined;
  if (answer.body.length <= MAX_THROTTLE_BODY_BYTES) {
    try {
      const parsed = JSON.parse(answer.body.toString('utf8')) as { errors?: unknown };
      if (Array.isArray(parsed.errors)) first = parsed.errors[0] as typeof first;
    } catch {
      first = undefined;
    }
  }
  // VSPC sees every call from the proxy's one address: a limit per IP (not per user and IP) holds everyone.
  const message = typeof first?.message === 'string' ? first.message : '';
  const global =
    /\bglobal\b/i.test(message) || (/\b(ip|address)\b/i.test(message) && !/\buser\b/i.test(message));
  const fromBody = seconds(first?.retryAfter);
  if (fromBody !== null) return { retryAfterS: fromBody, global };
  const header = answer.headers['retry-after']?.trim();
  if (header !== undefined && header !== '') {
    if (/^\d+$/.test(header)) return { retryAfterS: Number(header), global };
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return { retryAfterS: Math.max(0, (at - now) / MS_PER_S), global };
  }
  return { retryAfterS: null, global };
}

/** A non-negative number of seconds, as a number or a numeric string; else `null`. */
function seconds(value: unknown): number | null {
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
}

/** Waits `ms`; resolves false at once if `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
