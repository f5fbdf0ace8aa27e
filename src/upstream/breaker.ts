import type { Logger } from 'pino';
import type { VspcClient, VspcRequest, VspcResponse } from './client.js';
import { budgetMsOf, deadlineOf } from './deadline.js';
import { RefusalError, UpstreamError, type UpstreamFailure } from './errors.js';
import { FailureRun, pathShape, type CountedFailure } from './failure-run.js';
import type { ShieldObserver } from './observer.js';

/** The `breaker_state` gauge reads 0 closed, 1 open, 2 half-open. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** What the run of failed calls must add up to for the breaker to open (see {@link FailureRun}); 0: no breaker. */
  breakerFailures: number;
  breakerCooldownMs: number;
  /** Failures older than this leave the run. */
  breakerWindowMs: number;
  /** A call's time budget unless it names its own `timeoutMs`. */
  defaultTimeoutMs: number;
  logger: Pick<Logger, 'warn' | 'info'>;
  observer?: ShieldObserver;
  /** Clock in ms; tests inject one. */
  now?: () => number;
  /** Told when the breaker opens, so that calls waiting elsewhere get the same fast answer as new ones. */
  onOpen?: () => void;
}

/** `Retry-After` of calls refused while the breaker's probe runs. */
const PROBE_RETRY_AFTER_S = 1;
const MS_PER_S = 1000;
const FIRST_SERVER_ERROR = 500;
/** The breaker's name for every caller without a token. */
const ANONYMOUS_CALLER = 'anonymous';
/** Failures that say nothing about VSPC's health: the client left, the answer was too big for us, the shield refused. */
const NEUTRAL_FAILURES: ReadonlySet<UpstreamFailure> = new Set([
  'aborted',
  'body-too-large',
  'queue-full',
  'queue-timeout',
  'throttled',
  'breaker-open',
  'shutting-down',
]);

/**
 * The circuit breaker. It learns from logical calls (a retried call counts once, by its final
 * outcome) and opens when the run of failed calls adds up to `breakerFailures`: transport failures
 * count for everyone, failed answers by source (see {@link FailureRun}). Open, it refuses calls with
 * `breaker-open` for `breakerCooldownMs`; then one probe call decides (success closes it, failure
 * opens it again). Readiness probes pass it and teach it nothing.
 */
export class CircuitBreaker implements VspcClient {
  readonly origin: string;
  readonly #next: VspcClient;
  readonly #options: BreakerOptions;
  readonly #now: () => number;
  readonly #run: FailureRun;
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #probeInFlight = false;

  constructor(next: VspcClient, options: BreakerOptions) {
    this.#next = next;
    this.origin = next.origin;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#run = new FailureRun({ windowMs: options.breakerWindowMs, keep: options.breakerFailures });
  }

  /** The state now (an open breaker whose cool-down has passed reads `half-open`). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#cooldownLeftMs() <= 0) return 'half-open';
    return this.#state;
  }

  /** True while the one probe call is in flight. */
  get probing(): boolean {
    return this.#probeInFlight;
  }

  /** Whole seconds until an open breaker lets its probe through (0 when it is not open). */
  get retryAfterS(): number {
    return this.#state === 'open' ? Math.max(0, Math.ceil(this.#cooldownLeftMs() / MS_PER_S)) : 0;
  }

  close(): void {
    this.#next.close();
  }

  /** The refusal a call meets now, or `null`. Side-effect free: whoever throws it counts it. */
  refusalFor(request: VspcRequest): RefusalError | null {
    if (this.#state === 'closed' || request.readiness === true) return null;
    const cooldownLeftMs = this.#cooldownLeftMs();
    if (this.#state === 'open' && cooldownLeftMs > 0)
      return new RefusalError('breaker-open', Math.ceil(cooldownLeftMs / MS_PER_S));
    return this.#probeInFlight ? new RefusalError('breaker-open', PROBE_RETRY_AFTER_S) : null;
  }

  async request(request: VspcRequest): Promise<VspcResponse> {
    if (request.readiness === true) return this.#next.request(request);
    const refusal = this.refusalFor(request);
    if (refusal !== null) {
      this.#options.observer?.rejected?.(refusal.failure);
      throw refusal;
    }
    // Past the refusal, a breaker that is not closed lets this call through as its one probe.
    const isProbe = this.#state !== 'closed';
    if (isProbe) {
      this.#setState('half-open');
      this.#probeInFlight = true;
    }
    // A call that timed out with less than half its time left (the rest went waiting in the
    // shield's queue) says more about that queue than about VSPC.
    const now = this.#now();
    const leftMs = deadlineOf(request, now, this.#options.defaultTimeoutMs) - now;
    const shortChanged = leftMs < budgetMsOf(request, this.#options.defaultTimeoutMs) / 2;
    try {
      const answer = await this.#next.request(request);
      this.#learn(answer.status < FIRST_SERVER_ERROR ? null : sourceOf(request), isProbe);
      return answer;
    } catch (error) {
      const failure = error instanceof UpstreamError ? error.failure : 'other';
      if (NEUTRAL_FAILURES.has(failure) || (failure === 'timeout' && shortChanged)) {
        if (isProbe) this.#probeInFlight = false; // the next call probes instead
      } else {
        this.#learn(failure === 'bad-answer' ? sourceOf(request) : { kind: 'transport' }, isProbe);
      }
      throw error;
    }
  }

  /**
   * Feeds one call's outcome (`null`: a success) to the breaker. While it is open or half-open, only
   * the probe's outcome counts: a call already in flight when it opened decides nothing.
   */
  #learn(failure: CountedFailure | null, isProbe: boolean): void {
    if (isProbe) this.#probeInFlight = false;
    if (this.#options.breakerFailures === 0) return;
    if (this.#state !== 'closed' && !isProbe) return;
    if (failure === null) {
      this.#run.clear();
      this.#setState('closed');
      return;
    }
    const count = this.#run.add(failure, this.#now());
    if (this.#state === 'half-open' || count >= this.#options.breakerFailures) {
      this.#openedAt = this.#now();
      this.#setState('open');
      this.#options.onOpen?.();
    }
  }

  #setState(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state === 'open') {
      this.#options.logger.warn(
        { breaker: state, ...this.#run.summary(this.#now()), cooldownMs: this.#options.breakerCooldownMs },
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

  #cooldownLeftMs(): number {
    return this.#openedAt + this.#options.breakerCooldownMs - this.#now();
  }
}

/** A failed answer's source: who asked, for what. */
function sourceOf(request: VspcRequest): CountedFailure {
  return { kind: 'answer', caller: request.tokenHash ?? ANONYMOUS_CALLER, path: pathShape(request.target) };
}
