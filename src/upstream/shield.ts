import type { Logger } from 'pino';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { BudgetLayer } from './budget.js';
import type { VspcClient } from './client.js';
import type { ShieldObserver } from './observer.js';
import { RetryLayer } from './retry.js';
import { ThrottleHold } from './throttle.js';

export type { BreakerState } from './breaker.js';

export interface ShieldOptions {
  /** Calls in flight at once, all tokens together. */
  maxConcurrency: number;
  /** Calls in flight at once for one token. */
  maxConcurrencyPerToken: number;
  /** Calls that may wait for a slot; more are refused at once. */
  queueMax: number;
  /** Extra attempts of an idempotent call after a retryable failure. */
  retries: number;
  /** Ceiling of the first backoff; it doubles per attempt (full jitter). */
  retryBaseMs: number;
  /** Hold after a 429 that says neither `retryAfter` nor `Retry-After`. */
  throttleDefaultS: number;
  /** What the run of failed calls must add up to for the breaker to open; 0: no breaker. */
  breakerFailures: number;
  breakerCooldownMs: number;
  /** Failures older than this leave the breaker's run. */
  breakerWindowMs: number;
  /** A call's overall deadline (queue wait, attempts and backoff) unless it names its own `timeoutMs`. */
  defaultTimeoutMs: number;
  logger: Pick<Logger, 'warn' | 'info'>;
  observer?: ShieldObserver;
  /** Clock in ms for deadlines, holds and the breaker; tests inject one. */
  now?: () => number;
  /** 0 ≤ x < 1, for backoff jitter; tests inject one. */
  random?: () => number;
}

/** The composed client: a {@link VspcClient}, with the state `/readyz` and `/metrics` read, and a drain. */
export interface ShieldedClient extends VspcClient {
  /** Calls to VSPC in flight now. */
  readonly inflight: number;
  /** Calls waiting for a slot now. */
  readonly queueLength: number;
  readonly breakerState: BreakerState;
  /** True while the breaker's one probe call is in flight. */
  readonly breakerProbing: boolean;
  /** Whole seconds until an open breaker lets its probe through (0 when it is not open). */
  readonly breakerRetryAfterS: number;
  /**
   * Shutdown: from now on no attempt's deadline passes `deadlineAt` (ms, on the shield's clock), and
   * calls that cannot start in time before it are refused with `shutting-down` (503, `Retry-After`).
   */
  drain(deadlineAt: number): void;
}

/**
 * The one place the shield is put together over a transport, from the outside in:
 * budget and priority queue → throttle hold (429) → circuit breaker → retries → `transport`.
 * The budget counts a call once whatever its retries; the hold and the breaker refuse before a call
 * queues; the breaker learns from whole calls, after their retries; retries stay within the deadline
 * the budget set. Everything that calls VSPC goes through the result.
 */
export function createShield(transport: VspcClient, options: ShieldOptions): ShieldedClient {
  const { logger, observer } = options;
  const clock = options.now === undefined ? {} : { now: options.now };
  // The budget is outermost, so made last; the retries and the breaker reach it (`outer`) only once
  // calls run, after it exists.
  const retry: RetryLayer = new RetryLayer(transport, {
    retries: options.retries,
    retryBaseMs: options.retryBaseMs,
    defaultTimeoutMs: options.defaultTimeoutMs,
    logger,
    ...clock,
    ...(observer === undefined ? {} : { observer }),
    ...(options.random === undefined ? {} : { random: options.random }),
    latestEndAt: () => outer.drainAt,
  });
  const breaker: CircuitBreaker = new CircuitBreaker(retry, {
    breakerFailures: options.breakerFailures,
    breakerCooldownMs: options.breakerCooldownMs,
    breakerWindowMs: options.breakerWindowMs,
    defaultTimeoutMs: options.defaultTimeoutMs,
    logger,
    ...clock,
    ...(observer === undefined ? {} : { observer }),
    onOpen: () => outer.refuseWaiters(),
  });
  const hold: ThrottleHold = new ThrottleHold(breaker, {
    throttleDefaultS: options.throttleDefaultS,
    logger,
    ...clock,
    ...(observer === undefined ? {} : { observer }),
  });
  const outer: BudgetLayer = new BudgetLayer(hold, {
    maxConcurrency: options.maxConcurrency,
    maxConcurrencyPerToken: options.maxConcurrencyPerToken,
    queueMax: options.queueMax,
    defaultTimeoutMs: options.defaultTimeoutMs,
    refusalFor: (request) => hold.refusalFor(request) ?? breaker.refusalFor(request),
    ...clock,
    ...(observer === undefined ? {} : { observer }),
  });
  return {
    origin: transport.origin,
    request: (request) => outer.request(request),
    close: () => outer.close(),
    drain: (deadlineAt) => outer.drain(deadlineAt),
    get inflight() {
      return outer.inflight;
    },
    get queueLength() {
      return outer.queueLength;
    },
    get breakerState() {
      return breaker.state;
    },
    get breakerProbing() {
      return breaker.probing;
    },
    get breakerRetryAfterS() {
      return breaker.retryAfterS;
    },
  };
}
