import { describe, expect, it } from '@jest/globals';
import type { VspcClient, VspcRequest, VspcResponse } from '../../src/upstream/client.js';
import { TransportError, UpstreamError, type TransportFailure } from '../../src/upstream/errors.js';
import { isRetryable } from '../../src/upstream/retry.js';
import { createShield, type ShieldOptions, type ShieldedClient } from '../../src/upstream/shield.js';
import { throttleOf } from '../../src/upstream/throttle-answer.js';

/** A client whose calls stay pending until the test answers them, in any order. */
function pendingClient() {
  const calls: Array<{ request: VspcRequest; answer(status: number): void }> = [];
  const client: VspcClient = {
    origin: 'http://vspc.invalid',
    request: (request) =>
      new Promise<VspcResponse>((resolve) => {
        calls.push({
          request,
          answer: (status) => resolve({ status, headers: {}, body: Buffer.from('{}'), durationMs: 1 }),
        });
      }),
    close: () => undefined,
  };
  return { client, calls };
}

const quietLogger = { warn: () => undefined, info: () => undefined };

function shieldOver(client: VspcClient, options: Partial<ShieldOptions> = {}): ShieldedClient {
  return createShield(client, {
    maxConcurrency: 1,
    maxConcurrencyPerToken: 1,
    queueMax: 100,
    retries: 0,
    retryBaseMs: 1,
    throttleDefaultS: 5,
    breakerFailures: 0,
    breakerCooldownMs: 10_000,
    breakerWindowMs: 30_000,
    defaultTimeoutMs: 10_000,
    logger: quietLogger,
    ...options,
  });
}

const call = (target: string, extra: Partial<VspcRequest> = {}): VspcRequest => ({
  method: 'GET',
  target,
  headers: {},
  ...extra,
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the composed shield: queue order', () => {
  it('admits interactive waiters before bulk ones, each in arrival order', async () => {
    const { client, calls } = pendingClient();
    const shield = shieldOver(client);
    const results = [
      shield.request(call('/first')),
      shield.request(call('/bulk-1', { priority: 'bulk' })),
      shield.request(call('/bulk-2', { priority: 'bulk' })),
      shield.request(call('/interactive-1')),
      shield.request(call('/interactive-2', { priority: 'interactive' })),
    ];
    await settle();
    expect(calls.map((seen) => seen.request.target)).toEqual(['/first']);
    expect(shield.queueLength).toBe(4);
    for (let index = 0; index < 5; index += 1) {
      calls[index]?.answer(200);
      await settle();
    }
    await Promise.all(results);
    expect(calls.map((seen) => seen.request.target)).toEqual([
      '/first',
      '/interactive-1',
      '/interactive-2',
      '/bulk-1',
      '/bulk-2',
    ]);
    expect(shield.inflight).toBe(0);
  });

  it('skips waiters whose token is at its cap, and lets a free token go at once', async () => {
    const { client, calls } = pendingClient();
    const shield = shieldOver(client, { maxConcurrency: 2, maxConcurrencyPerToken: 1 });
    const results = [
      shield.request(call('/a-1', { tokenHash: 'a' })),
      shield.request(call('/a-2', { tokenHash: 'a' })),
      shield.request(call('/b-1', { tokenHash: 'b' })),
    ];
    await settle();
    // a-2 waits for a's slot; b-1 arrived after it but takes the free slot.
    expect(calls.map((seen) => seen.request.target)).toEqual(['/a-1', '/b-1']);
    expect(shield.queueLength).toBe(1);
    calls[1]?.answer(200); // b-1 done: the free slot cannot go to a-2, a is still at its cap
    await settle();
    expect(calls).toHaveLength(2);
    calls[0]?.answer(200);
    await settle();
    expect(calls.map((seen) => seen.request.target)).toEqual(['/a-1', '/b-1', '/a-2']);
    calls[2]?.answer(200);
    await Promise.all(results);
  });

  it('a waiter whose client leaves is dropped from the queue and never sent', async () => {
    const { client, calls } = pendingClient();
    const shield = shieldOver(client);
    const first = shield.request(call('/first'));
    const abort = new AbortController();
    const leaving = shield.request(call('/leaving', { signal: abort.signal }));
    await settle();
    expect(shield.queueLength).toBe(1);
    abort.abort();
    await expect(leaving).rejects.toMatchObject({ failure: 'aborted' });
    expect(shield.queueLength).toBe(0);
    calls[0]?.answer(200);
    await first;
    expect(calls).toHaveLength(1);
  });
});

describe('throttleOf', () => {
  const answer = (body: unknown, headers: Record<string, string> = {}) => ({
    headers,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });

  it.each([
    [answer({ errors: [{ code: 429, retryAfter: 25 }] }), { retryAfterS: 25, global: false }],
    [answer({ errors: [{ code: 429, retryAfter: '7' }] }), { retryAfterS: 7, global: false }],
    [
      answer({ errors: [{ retryAfter: 2, message: 'Global limit reached' }] }),
      { retryAfterS: 2, global: true },
    ],
    [
      answer({ errors: [{ message: 'user limit' }] }, { 'retry-after': '9' }),
      { retryAfterS: 9, global: false },
    ],
    [answer('not json', { 'retry-after': '4' }), { retryAfterS: 4, global: false }],
    [answer({ errors: [{ retryAfter: -1 }] }), { retryAfterS: null, global: false }],
    [answer({}), { retryAfterS: null, global: false }],
    [answer('{"errors":[{"message":"globally"}]}'), { retryAfterS: null, global: false }],
  ])('reads the wait and the scope of a 429 (%#)', (input, expected) => {
    expect(throttleOf(input)).toEqual(expected);
  });

  it('reads an HTTP-date Retry-After relative to now', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(throttleOf(answer('', { 'retry-after': 'Sun, 29 Nov 2026 12:00:30 GMT' }), now)).toEqual({
      retryAfterS: 30,
      global: false,
    });
  });
});

describe('isRetryable', () => {
  const response = (status: number) => ({
    answer: { status, headers: {}, body: Buffer.alloc(0), durationMs: 0 },
  });
  const failure = (kind: TransportFailure) => ({
    error: new UpstreamError(kind, kind),
  });

  it.each([
    [response(502), true],
    [response(503), true],
    [response(504), true],
    [response(520), true],
    [response(500), false],
    [response(429), false],
    [response(404), false],
    [response(200), false],
    [failure('reset'), true],
    [failure('refused'), true],
    [failure('timeout'), false],
    [failure('dns'), false],
    [failure('aborted'), false],
  ])('%o → %s', (outcome, expected) => {
    expect(isRetryable(outcome)).toBe(expected);
  });
});

/** A client whose calls settle as the test says, each in turn. */
function scriptedClient(script: Array<number | 'timeout' | 'pending'>) {
  const seen: VspcRequest[] = [];
  const pending: Array<(status: number) => void> = [];
  const client: VspcClient = {
    origin: 'http://vspc.invalid',
    request: (request) => {
      seen.push(request);
      const step = script.shift() ?? 200;
      if (step === 'timeout') return Promise.reject(new TransportError('timeout', 'timed out'));
      return new Promise<VspcResponse>((resolve) => {
        const answer = (status: number) =>
          resolve({ status, headers: {}, body: Buffer.from('{}'), durationMs: 1 });
        if (step === 'pending') pending.push(answer);
        else answer(step);
      });
    },
    close: () => undefined,
  };
  return { client, seen, pending };
}

describe('the composed shield under review findings', () => {
  it('refuses thousands of waiters when a hold starts, without recursion, and leaves nothing in flight', async () => {
    const { client, pending } = scriptedClient(['pending']);
    const shield = shieldOver(client, { maxConcurrency: 1, maxConcurrencyPerToken: 1, queueMax: 20_000 });
    const first = shield.request(call('/first', { tokenHash: 't' }));
    await settle();
    const waiters = Array.from({ length: 10_000 }, (_, index) =>
      shield.request(call(`/w/${index}`, { tokenHash: 't' })).then(
        () => 'answered',
        (error: UpstreamError) => error.failure,
      ),
    );
    await settle();
    expect(shield.queueLength).toBe(10_000);
    pending[0]?.(429);
    expect((await first).status).toBe(429);
    const outcomes = await Promise.all(waiters);
    expect(new Set(outcomes)).toEqual(new Set(['throttled']));
    expect(shield.queueLength).toBe(0);
    expect(shield.inflight).toBe(0);
  });

  it('a call in flight when the breaker opened does not close it; only the probe decides', async () => {
    let clock = 1_000;
    const { client, pending } = scriptedClient(['pending', 520, 520]);
    const shield = shieldOver(client, {
      maxConcurrency: 4,
      maxConcurrencyPerToken: 4,
      breakerFailures: 2,
      breakerCooldownMs: 10_000,
      now: () => clock,
    });
    const slow = shield.request(call('/slow'));
    await settle();
    expect((await shield.request(call('/a'))).status).toBe(520);
    expect((await shield.request(call('/b'))).status).toBe(520);
    expect(shield.breakerState).toBe('open');
    pending[0]?.(200);
    expect((await slow).status).toBe(200);
    expect(shield.breakerState).toBe('open');
    await expect(shield.request(call('/c'))).rejects.toMatchObject({
      failure: 'breaker-open',
      retryAfterS: 10,
    });
    clock += 10_000;
    expect((await shield.request(call('/probe'))).status).toBe(200);
    expect(shield.breakerState).toBe('closed');
  });

  it('readiness probes pass an open breaker after its cool-down, and neither close nor reopen it', async () => {
    let clock = 1_000;
    const { client, seen } = scriptedClient([520, 401, 520]);
    const shield = shieldOver(client, { breakerFailures: 1, now: () => clock });
    expect((await shield.request(call('/a'))).status).toBe(520);
    expect(shield.breakerState).toBe('open');
    clock += 10_000;
    expect((await shield.request(call('/readyz-probe', { readiness: true }))).status).toBe(401);
    expect(shield.breakerState).toBe('half-open'); // a 401 to an anonymous probe proves little
    expect((await shield.request(call('/probe'))).status).toBe(520);
    expect(shield.breakerState).toBe('open');
    expect(seen.map((request) => request.target)).toEqual(['/a', '/readyz-probe', '/probe']);
  });

  it('a timeout of a call that spent most of its deadline queued here does not count against VSPC', async () => {
    let clock = 1_000;
    const { client, pending } = scriptedClient(['pending', 'timeout', 'timeout']);
    const shield = shieldOver(client, { breakerFailures: 1, defaultTimeoutMs: 10_000, now: () => clock });
    const first = shield.request(call('/first'));
    const queued = shield.request(call('/queued'));
    await settle();
    clock += 6_000; // the queued call has 4 s of its 10 s left when it goes
    pending[0]?.(200);
    await first;
    await expect(queued).rejects.toMatchObject({ failure: 'timeout' });
    expect(shield.breakerState).toBe('closed');
    await expect(shield.request(call('/full'))).rejects.toMatchObject({ failure: 'timeout' });
    expect(shield.breakerState).toBe('open');
  });

  it('skips a retry whose backoff would leave less than an attempt of the deadline', async () => {
    const { client, seen } = scriptedClient([520, 200]);
    const shield = shieldOver(client, {
      retries: 1,
      retryBaseMs: 1_000,
      defaultTimeoutMs: 1_000,
      random: () => 0.8, // 800 ms backoff, 200 ms left: under the 250 ms reserve
    });
    expect((await shield.request(call('/x'))).status).toBe(520);
    expect(seen).toHaveLength(1);
  });

  it('after drain(), a call already in its retries gets no attempt that ends past the drain', async () => {
    const clock = 1_000;
    const { client, seen, pending } = scriptedClient(['pending', 200]);
    const shield = shieldOver(client, { retries: 1, random: () => 0, now: () => clock });
    const answer = shield.request(call('/x'));
    await settle();
    expect(seen[0]?.timeoutMs).toBe(10_000);
    shield.drain(clock + 1_000);
    pending[0]?.(520);
    expect((await answer).status).toBe(200);
    expect(seen.map((request) => request.timeoutMs)).toEqual([10_000, 1_000]);
  });

  it('lets bulk calls fill only half the queue', async () => {
    const { client } = pendingClient();
    const shield = shieldOver(client, { queueMax: 4 });
    void shield.request(call('/first')).catch(() => undefined);
    const bulk = [1, 2, 3].map((index) =>
      shield
        .request(call(`/bulk-${index}`, { priority: 'bulk' }))
        .catch((error: UpstreamError) => error.failure),
    );
    await settle();
    expect(shield.queueLength).toBe(2);
    expect(await bulk[2]).toBe('queue-full');
    void shield.request(call('/interactive')).catch(() => undefined);
    void shield.request(call('/interactive-2')).catch(() => undefined);
    await settle();
    expect(shield.queueLength).toBe(4);
  });

  it('a waiting bulk call promoted to interactive (its request object) goes ahead of bulk ones', async () => {
    const { client, calls } = pendingClient();
    const shield = shieldOver(client);
    const results = [shield.request(call('/first'))];
    const promoted = call('/promoted', { priority: 'bulk' });
    results.push(shield.request(call('/bulk', { priority: 'bulk' })), shield.request(promoted));
    await settle();
    promoted.priority = 'interactive';
    calls[0]?.answer(200);
    await settle();
    expect(calls.map((seen) => seen.request.target)).toEqual(['/first', '/promoted']);
    calls[1]?.answer(200);
    await settle();
    calls[2]?.answer(200);
    await Promise.all(results);
  });

  it('a later, shorter 429 never shortens a hold, and the answer carries the hold as Retry-After', async () => {
    let clock = 1_000;
    const answers = [
      { retryAfter: 30, header: undefined },
      { retryAfter: 2, header: 'soon' },
    ];
    const client: VspcClient = {
      origin: 'http://vspc.invalid',
      request: () => {
        const next = answers.shift() ?? { retryAfter: 1, header: undefined };
        return Promise.resolve({
          status: 429,
          headers: next.header === undefined ? {} : { 'retry-after': next.header },
          body: Buffer.from(JSON.stringify({ errors: [{ code: 429, retryAfter: next.retryAfter }] })),
          durationMs: 1,
        });
      },
      close: () => undefined,
    };
    const shield = shieldOver(client, { now: () => clock });
    expect((await shield.request(call('/a', { tokenHash: 't' }))).headers['retry-after']).toBe('30');
    expect((await shield.request(call('/b', { tokenHash: 'u' }))).headers['retry-after']).toBe('2');
    clock += 5_000;
    await expect(shield.request(call('/c', { tokenHash: 't' }))).rejects.toMatchObject({
      failure: 'throttled',
      retryAfterS: 25,
    });
    expect((await shield.request(call('/d', { tokenHash: 'u' }))).headers['retry-after']).toBe('1');
  });
});

describe('throttleOf scope', () => {
  it.each([
    ['Global request limit exceeded.', true],
    ['Too many requests from this IP address.', true],
    ['Too many requests from this user and IP address.', false],
    ['Too many requests for this user.', false],
  ])('%s → global %s', (message, global) => {
    expect(
      throttleOf({ headers: {}, body: Buffer.from(JSON.stringify({ errors: [{ message }] })) }).global,
    ).toBe(global);
  });
});
