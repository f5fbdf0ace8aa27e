import { describe, expect, it } from '@jest/globals';
import { BudgetLayer, type BudgetOptions } from '../../src/upstream/budget.js';
import type { VspcClient, VspcRequest, VspcResponse } from '../../src/upstream/client.js';
import { RefusalError, type ShieldRefusal, type UpstreamError } from '../../src/upstream/errors.js';

/** A client whose calls stay pending until the test answers them. */
function pendingClient() {
  const calls: Array<{ request: VspcRequest; answer(status: number): void }> = [];
  const client: VspcClient = {
    origin: 'http://vspc.invalid',
    request: (request) =>
      new Promise<VspcResponse>((resolve) => {
        calls.push({
          request,
          answer: (status) => resolve({ status, headers: {}, body: Buffer.alloc(0), durationMs: 1 }),
        });
      }),
    close: () => undefined,
  };
  return { client, calls };
}

function budgetOver(client: VspcClient, options: Partial<BudgetOptions> = {}) {
  const rejected: ShieldRefusal[] = [];
  let clock = 1_000_000;
  const budget = new BudgetLayer(client, {
    maxConcurrency: 1,
    maxConcurrencyPerToken: 1,
    queueMax: 100,
    defaultTimeoutMs: 10_000,
    observer: { rejected: (reason) => rejected.push(reason) },
    now: () => clock,
    ...options,
  });
  return {
    budget,
    rejected,
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
}

const call = (target: string, extra: Partial<VspcRequest> = {}): VspcRequest => ({
  method: 'GET',
  target,
  headers: {},
  ...extra,
});
const settle = () => new Promise((resolve) => setImmediate(resolve));
const failureOf = (pending: Promise<unknown>) =>
  pending.then(
    () => 'answered',
    (error: UpstreamError) => error.failure,
  );

describe('BudgetLayer', () => {
  it('hands the layer inside a copy carrying the deadline; the caller’s own object is never changed', async () => {
    const { client, calls } = pendingClient();
    const { budget, now } = budgetOver(client);
    const own = call('/a', { timeoutMs: 4_000 });
    const answer = budget.request(own);
    await settle();
    expect(calls[0]?.request).toEqual({ ...own, deadlineAt: now() + 4_000 });
    expect(calls[0]?.request).not.toBe(own);
    expect(own.deadlineAt).toBeUndefined();
    calls[0]?.answer(200);
    expect((await answer).status).toBe(200);
    expect(budget.inflight).toBe(0);
  });

  it('asks the layers inside before a call queues: a call they refuse never waits, and is counted once', async () => {
    const { client, calls } = pendingClient();
    let held = false;
    const { budget, rejected } = budgetOver(client, {
      refusalFor: (request) => (held && request.tokenHash === 't' ? new RefusalError('throttled', 7) : null),
    });
    const first = budget.request(call('/first', { tokenHash: 'u' }));
    const waiting = failureOf(budget.request(call('/waits', { tokenHash: 't' })));
    await settle();
    expect(budget.queueLength).toBe(1);
    held = true;
    // Arriving while held: refused at once, even though the queue is busy.
    await expect(budget.request(call('/new', { tokenHash: 't' }))).rejects.toMatchObject({
      failure: 'throttled',
      retryAfterS: 7,
    });
    expect(budget.queueLength).toBe(1);
    // Waiting when the hold started: refused as it leaves the queue, without reaching VSPC.
    calls[0]?.answer(200);
    await first;
    expect(await waiting).toBe('throttled');
    expect(calls.map((seen) => seen.request.target)).toEqual(['/first']);
    expect(rejected).toEqual(['throttled', 'throttled']);
  });

  it('refuseWaiters() refuses at once the waiters the layers inside refuse now, and only those', async () => {
    const { client, calls } = pendingClient();
    let open = false;
    const { budget } = budgetOver(client, {
      refusalFor: (request) =>
        open && request.readiness !== true ? new RefusalError('breaker-open', 10) : null,
    });
    void failureOf(budget.request(call('/busy')));
    const refused = failureOf(budget.request(call('/refused')));
    const probe = failureOf(budget.request(call('/readyz', { readiness: true })));
    await settle();
    open = true;
    budget.refuseWaiters();
    expect(await refused).toBe('breaker-open');
    expect(budget.queueLength).toBe(1);
    calls[0]?.answer(200);
    await settle();
    calls[1]?.answer(200);
    expect(await probe).toBe('answered');
  });

  it('ends a wait when only the attempt reserve is left of the deadline: queue-timeout, never sent', async () => {
    const { client, calls } = pendingClient();
    const { budget, rejected } = budgetOver(client, { now: Date.now, defaultTimeoutMs: 400 });
    void failureOf(budget.request(call('/busy')));
    const started = Date.now();
    // The reserve of a 400 ms budget is a quarter of it: the wait ends after ~300 ms.
    await expect(budget.request(call('/waits'))).rejects.toMatchObject({
      failure: 'queue-timeout',
      retryAfterS: 1,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(calls).toHaveLength(1);
    expect(rejected).toEqual(['queue-timeout']);
  });

  it('a full queue refuses at once; bulk calls may fill only half of it', async () => {
    const { client } = pendingClient();
    const { budget } = budgetOver(client, { queueMax: 2 });
    void failureOf(budget.request(call('/busy')));
    const bulk = [1, 2].map((index) =>
      failureOf(budget.request(call(`/bulk-${index}`, { priority: 'bulk' }))),
    );
    await settle();
    expect(await bulk[1]).toBe('queue-full');
    void failureOf(budget.request(call('/interactive')));
    expect(await failureOf(budget.request(call('/one-too-many')))).toBe('queue-full');
    expect(budget.queueLength).toBe(2);
  });
});

describe('BudgetLayer.drain', () => {
  it('refuses at once the waiters that cannot start with their reserve before the drain, with Retry-After', async () => {
    const { client, calls } = pendingClient();
    const { budget, now, rejected } = budgetOver(client);
    void failureOf(budget.request(call('/busy')));
    const waiting = budget.request(call('/waits'));
    await settle();
    budget.drain(now() + 100); // less than the 250 ms an attempt keeps
    await expect(waiting).rejects.toMatchObject({ failure: 'shutting-down', retryAfterS: 1 });
    await expect(budget.request(call('/late'))).rejects.toMatchObject({ failure: 'shutting-down' });
    expect(calls).toHaveLength(1);
    expect(rejected).toEqual(['shutting-down', 'shutting-down']);
  });

  it('lets waiters with time left go, their deadline cut to the drain’s; those still waiting at the drain’s reserve are refused', async () => {
    const { client, calls } = pendingClient();
    const { budget } = budgetOver(client, { now: Date.now, maxConcurrency: 1 });
    void failureOf(budget.request(call('/busy')));
    const admitted = budget.request(call('/admitted'));
    const left = failureOf(budget.request(call('/left-waiting')));
    await settle();
    const drainAt = Date.now() + 600;
    budget.drain(drainAt);
    calls[0]?.answer(200);
    await settle();
    expect(calls[1]?.request.target).toBe('/admitted');
    // Its own deadline was 10 s away: the drain's comes first.
    expect(calls[1]?.request.deadlineAt).toBe(drainAt);
    // The third never gets the slot: its wait ends 250 ms before the drain, as shutting-down.
    const started = Date.now();
    expect(await left).toBe('shutting-down');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    calls[1]?.answer(200);
    expect((await admitted).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('a later drain never moves the deadline out', () => {
    const { client } = pendingClient();
    const { budget } = budgetOver(client);
    budget.drain(5_000_000);
    budget.drain(9_000_000);
    expect(budget.drainAt).toBe(5_000_000);
  });
});
