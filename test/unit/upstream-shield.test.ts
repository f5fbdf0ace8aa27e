import { describe, expect, it } from '@jest/globals';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { UpstreamShield, isRetryable, throttleOf, type ShieldOptions } from '../../src/upstream/shield.js';

/** A client whose calls stay pending until the test answers them, in any order. */
function pendingClient() {
  const calls: Array<{ request: UpstreamRequest; answer(status: number): void }> = [];
  const client: UpstreamClient = {
    origin: 'http://vspc.invalid',
    request: (request) =>
      new Promise<UpstreamResponse>((resolve) => {
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

function shieldOver(client: UpstreamClient, options: Partial<ShieldOptions> = {}): UpstreamShield {
  return new UpstreamShield(client, {
    maxConcurrency: 1,
    maxConcurrencyPerToken: 1,
    queueMax: 100,
    retries: 0,
    retryBaseMs: 1,
    throttleDefaultS: 5,
    breakerFailures: 0,
    breakerCooldownMs: 10_000,
    defaultTimeoutMs: 10_000,
    logger: quietLogger,
    ...options,
  });
}

const call = (target: string, extra: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  method: 'GET',
  target,
  headers: {},
  ...extra,
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('UpstreamShield queue order', () => {
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
  const failure = (kind: 'reset' | 'refused' | 'timeout' | 'dns' | 'aborted') => ({
    error: new UpstreamError(kind, 'X', kind),
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
