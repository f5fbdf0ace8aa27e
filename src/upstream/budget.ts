import type { VspcClient, VspcRequest, VspcResponse } from './client.js';
import { attemptReserveMs, budgetMsOf, deadlineOf } from './deadline.js';
import { RefusalError, TransportError, type ShieldRefusal } from './errors.js';
import type { ShieldObserver } from './observer.js';
import { Slots } from './slots.js';

export interface BudgetOptions {
  /** Calls in flight at once, all tokens together. */
  maxConcurrency: number;
  /** Calls in flight at once for one token. */
  maxConcurrencyPerToken: number;
  /** Calls that may wait for a slot; more are refused at once. */
  queueMax: number;
  /** A call's time budget (queue wait included) unless it names its own `timeoutMs`. */
  defaultTimeoutMs: number;
  /**
   * The refusal a layer inside would give the call now (a throttle hold, an open breaker): checked
   * as a call arrives and as it leaves the queue, so such calls never wait for a slot.
   */
  refusalFor?: (request: VspcRequest) => RefusalError | null;
  observer?: ShieldObserver;
  /** Clock in ms; tests inject one. */
  now?: () => number;
}

/** `Retry-After` of calls refused for a full queue, an expired wait, or a drain. */
const BUSY_RETRY_AFTER_S = 1;

interface Waiter {
  /** The caller's own object: its `priority` is read each time a waiter is picked. */
  readonly request: VspcRequest;
  readonly deadline: number;
  readonly reserveMs: number;
  /** Ends the wait when too little of the deadline (or of the drain) is left. */
  timer: NodeJS.Timeout | undefined;
  /** Called with the slot already taken. */
  admit(): void;
  refuse(error: RefusalError): void;
}

/**
 * The outermost layer: a concurrency budget, in total and per token, with one bounded queue.
 * Interactive waiters leave it before bulk ones, each in arrival order, skipping tokens at their cap;
 * bulk calls may fill half of it. A call waits until only its attempt reserve is left of its deadline,
 * then is refused (`queue-timeout`); a full queue refuses at once (`queue-full`). It sets each admitted
 * call's `deadlineAt`, for the layers inside. After {@link drain}, no call's deadline passes the drain's,
 * and waiters that cannot start in time are refused with `shutting-down`.
 */
export class BudgetLayer implements VspcClient {
  readonly origin: string;
  readonly #next: VspcClient;
  readonly #options: BudgetOptions;
  readonly #now: () => number;
  readonly #slots: Slots;
  /** Waiters in arrival order. */
  readonly #queue: Waiter[] = [];
  #drainAt = Infinity;

  constructor(next: VspcClient, options: BudgetOptions) {
    this.#next = next;
    this.origin = next.origin;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#slots = new Slots(options.maxConcurrency, options.maxConcurrencyPerToken);
  }

  /** Calls in flight now. */
  get inflight(): number {
    return this.#slots.inflight;
  }

  /** Calls waiting for a slot now. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /** When every call must be over since {@link drain}; `Infinity` before. */
  get drainAt(): number {
    return this.#drainAt;
  }

  close(): void {
    this.#next.close();
  }

  async request(request: VspcRequest): Promise<VspcResponse> {
    const deadline = deadlineOf(request, this.#now(), this.#options.defaultTimeoutMs);
    const reserveMs = attemptReserveMs(budgetMsOf(request, this.#options.defaultTimeoutMs));
    const { tokenHash } = request;
    const queued = this.#admit(request, deadline, reserveMs);
    if (queued !== null) await queued;
    try {
      return await this.#next.request({ ...request, deadlineAt: Math.min(deadline, this.#drainAt) });
    } finally {
      this.#release(tokenHash);
    }
  }

  /**
   * From now on no call's deadline passes `deadlineAt` (ms, on this layer's clock), and calls that
   * cannot start with their attempt reserve before it are refused with `shutting-down`.
   */
  drain(deadlineAt: number): void {
    this.#drainAt = Math.min(this.#drainAt, deadlineAt);
    for (const waiter of [...this.#queue]) this.#arm(waiter);
  }

  /** Refuses the waiters a layer inside refuses now (its breaker has just opened). */
  refuseWaiters(): void {
    for (const waiter of [...this.#queue]) {
      const refusal = this.#options.refusalFor?.(waiter.request) ?? null;
      if (refusal !== null) waiter.refuse(this.#counted(refusal));
    }
  }

  /** `null` with the slot taken; else a promise of the slot (rejects with a refusal). */
  #admit(request: VspcRequest, deadline: number, reserveMs: number): Promise<void> | null {
    const refusal = this.#refusalOf(request, reserveMs);
    if (refusal !== null) throw refusal;
    if (this.#queue.length === 0 && this.#slots.hasRoom(request.tokenHash)) {
      this.#slots.take(request.tokenHash);
      return null;
    }
    // Bulk calls may fill half the queue: the other half stays for callers who wait for their answer.
    const room = request.priority === 'bulk' ? this.#options.queueMax / 2 : this.#options.queueMax;
    if (this.#queue.length >= room) throw this.#refuse('queue-full');
    return new Promise<void>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(waiter.timer);
        request.signal?.removeEventListener('abort', onAbort);
        const index = this.#queue.indexOf(waiter);
        if (index !== -1) this.#queue.splice(index, 1);
      };
      const onAbort = (): void => {
        leave();
        reject(new TransportError('aborted', 'The call was abandoned while it waited for VSPC.'));
      };
      const waiter: Waiter = {
        request,
        deadline,
        reserveMs,
        timer: undefined,
        admit: () => {
          leave();
          resolve();
        },
        refuse: (error) => {
          leave();
          reject(error);
        },
      };
      if (request.signal?.aborted === true) return onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#arm(waiter);
      // Waiters ahead may be blocked by their token's cap only (the pump ran when anything else
      // changed): this one may go now, if its own token has room.
      if (this.#slots.hasRoom(request.tokenHash)) this.#pump();
    });
  }

  /** A refusal for a call that may not go now (a layer inside refuses it, or it cannot start before the drain). */
  #refusalOf(request: VspcRequest, reserveMs: number): RefusalError | null {
    const refusal = this.#options.refusalFor?.(request) ?? null;
    if (refusal !== null) return this.#counted(refusal);
    return this.#now() + reserveMs > this.#drainAt ? this.#refuse('shutting-down') : null;
  }

  /** (Re)starts a waiter's timer: its wait ends while an attempt still fits before its deadline and the drain's. */
  #arm(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const endsAt = Math.min(waiter.deadline, this.#drainAt) - waiter.reserveMs;
    const reason: ShieldRefusal = this.#drainAt < waiter.deadline ? 'shutting-down' : 'queue-timeout';
    const waitMs = endsAt - this.#now();
    if (waitMs <= 0) {
      waiter.refuse(this.#refuse(reason));
      return;
    }
    waiter.timer = setTimeout(() => waiter.refuse(this.#refuse(reason)), waitMs);
    waiter.timer.unref(); // a wait alone never keeps the process alive
  }

  #release(tokenHash: string | undefined): void {
    this.#slots.release(tokenHash);
    this.#pump();
  }

  /**
   * Admits waiters while there are slots: interactive first, in arrival order, skipping tokens at
   * their cap. A waiter refused now (its token is held, the breaker opened) is refused here, in this
   * loop: refusing never re-enters it, however long the queue.
   */
  #pump(): void {
    while (this.#slots.anyFree) {
      const index = this.#nextAdmissible();
      if (index === -1) return;
      // Admitting or refusing takes the waiter out of the queue (it is found at `index`, near the front).
      const waiter = this.#queue[index] as Waiter;
      const refusal = this.#refusalOf(waiter.request, waiter.reserveMs);
      if (refusal !== null) {
        waiter.refuse(refusal);
        continue;
      }
      this.#slots.take(waiter.request.tokenHash);
      waiter.admit();
    }
  }

  /** Index of the next waiter to admit, or -1. */
  #nextAdmissible(): number {
    for (const bulk of [false, true]) {
      const index = this.#queue.findIndex(
        (waiter) =>
          (waiter.request.priority === 'bulk') === bulk && this.#slots.hasRoom(waiter.request.tokenHash),
      );
      if (index !== -1) return index;
    }
    return -1;
  }

  #refuse(reason: ShieldRefusal): RefusalError {
    return this.#counted(new RefusalError(reason, BUSY_RETRY_AFTER_S));
  }

  #counted(refusal: RefusalError): RefusalError {
    this.#options.observer?.rejected?.(refusal.failure);
    return refusal;
  }
}
