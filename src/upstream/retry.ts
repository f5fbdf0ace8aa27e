import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { VspcClient, VspcRequest, VspcResponse } from './client.js';
import { attemptReserveMs, budgetMsOf, deadlineOf } from './deadline.js';
import { TransportError, UpstreamError, type UpstreamFailure } from './errors.js';
import type { ShieldObserver } from './observer.js';

export interface RetryOptions {
  /** Extra attempts of an idempotent call after a retryable failure. */
  retries: number;
  /** Ceiling of the first backoff; it doubles per attempt, up to {@link MAX_BACKOFF_MS}. */
  retryBaseMs: number;
  /** A call's time budget unless it names its own `timeoutMs` (used when no outer layer set `deadlineAt`). */
  defaultTimeoutMs: number;
  logger: Pick<Logger, 'info'>;
  /** Hears every attempt: `attempt(status or failure, seconds)`. */
  observer?: ShieldObserver;
  /** Clock in ms; tests inject one. */
  now?: () => number;
  /** 0 ≤ x < 1, for backoff jitter; tests inject one. */
  random?: () => number;
  /** The latest any attempt may end, on the same clock: `Infinity` until the client drains. */
  latestEndAt?: () => number;
}

/** Longest backoff between two attempts. */
export const MAX_BACKOFF_MS = 2000;
/** VSPC statuses an idempotent call is retried on (VSPC answers 520 for any server error). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504, 520]);
/** Failures an idempotent call is retried on: the request never reached VSPC's application. */
const RETRYABLE_FAILURES: ReadonlySet<UpstreamFailure> = new Set(['reset', 'refused']);

/** The answer or the failure of one attempt. */
export type Outcome = { answer: VspcResponse } | { error: UpstreamError };

/** True when an idempotent call may be tried again after this outcome; pure. */
export function isRetryable(outcome: Outcome): boolean {
  if ('answer' in outcome) return RETRYABLE_STATUSES.has(outcome.answer.status);
  return RETRYABLE_FAILURES.has(outcome.error.failure);
}

/**
 * Retries: a GET or HEAD that failed with a reset or refused connection, or a 502/503/504/520, is
 * tried again up to `retries` times after a backoff drawn uniformly from 0 to
 * `retryBaseMs × 2^n` (full jitter), only while the deadline leaves time for an attempt after the
 * backoff. The call's outcome is its last attempt's. Never after a timeout: VSPC may still be at it.
 */
export class RetryLayer implements VspcClient {
  readonly origin: string;
  readonly #next: VspcClient;
  readonly #options: RetryOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #latestEndAt: () => number;

  constructor(next: VspcClient, options: RetryOptions) {
    this.#next = next;
    this.origin = next.origin;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#latestEndAt = options.latestEndAt ?? (() => Infinity);
  }

  close(): void {
    this.#next.close();
  }

  async request(request: VspcRequest): Promise<VspcResponse> {
    const deadline = deadlineOf(request, this.#now(), this.#options.defaultTimeoutMs);
    const reserveMs = attemptReserveMs(budgetMsOf(request, this.#options.defaultTimeoutMs));
    const idempotent = request.method === 'GET' || request.method === 'HEAD';
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.#attempt(request, Math.min(deadline, this.#latestEndAt()));
      const mayRetry =
        idempotent &&
        attempt < this.#options.retries &&
        isRetryable(outcome) &&
        request.signal?.aborted !== true;
      if (!mayRetry) return settle(outcome);
      const delayMs = this.#random() * Math.min(MAX_BACKOFF_MS, this.#options.retryBaseMs * 2 ** attempt);
      // A retry must still have time for an attempt after its backoff.
      if (this.#now() + delayMs + reserveMs >= Math.min(deadline, this.#latestEndAt()))
        return settle(outcome);
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
    }
  }

  /** One attempt, ending by `endAt` at the latest; reported to the observer. */
  async #attempt(request: VspcRequest, endAt: number): Promise<Outcome> {
    const started = performance.now();
    const timeoutMs = Math.max(1, endAt - this.#now());
    let outcome: Outcome;
    try {
      outcome = { answer: await this.#next.request({ ...request, timeoutMs }) };
    } catch (error) {
      outcome = {
        error:
          error instanceof UpstreamError
            ? error
            : new TransportError('other', (error as Error).message, error),
      };
    }
    const seconds = (performance.now() - started) / MS_PER_S;
    this.#options.observer?.attempt?.(
      'answer' in outcome ? outcome.answer.status : outcome.error.failure,
      seconds,
    );
    return outcome;
  }
}

const MS_PER_S = 1000;

function settle(outcome: Outcome): VspcResponse {
  if ('answer' in outcome) return outcome.answer;
  throw outcome.error;
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
