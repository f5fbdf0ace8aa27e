import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createBodyBudget } from '../../src/http/body-budget.js';
import { clientStallTimeoutMs } from '../../src/http/client-timeouts.js';
import { requestTimeoutMs, serverTimeouts } from '../../src/http/server-timeouts.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

describe('the request and write bounds in config', () => {
  it('default to 32 MiB of bodies, 10 s per head and per body, 64 MiB and 30 s of unread answers', () => {
    expect(load({})).toMatchObject({
      requestMaxBodyBytes: 1024 * 1024,
      requestBodiesMaxBytes: 32 * 1024 * 1024,
      requestBodyTimeoutMs: 10_000,
      requestHeadersTimeoutMs: 10_000,
      clientWriteBufferMaxBytes: 64 * 1024 * 1024,
      clientWriteTimeoutMs: 30_000,
    });
  });

  it.each([
    ['REQUEST_BODY_TIMEOUT_MS', '0', 'an integer from 1 to 600000'],
    ['REQUEST_HEADERS_TIMEOUT_MS', '10s', 'an integer from 1 to 600000'],
    ['CLIENT_WRITE_TIMEOUT_MS', '-1', 'an integer from 1 to 600000'],
    ['CLIENT_WRITE_BUFFER_MAX_BYTES', '0', 'an integer from 1 to 68719476736'],
    ['REQUEST_BODIES_MAX_BYTES', '1048575', 'at least REQUEST_MAX_BODY_BYTES (1048576)'],
  ])('refuse %s=%s, naming what is allowed', (name, value, allowed) => {
    expect(() => load({ [name]: value })).toThrow(
      `Invalid configuration: ${name}="${value}" is not allowed; expected ${allowed}.`,
    );
  });

  it('take a budget as small as one body of the largest size', () => {
    expect(
      load({ REQUEST_MAX_BODY_BYTES: '4096', REQUEST_BODIES_MAX_BYTES: '4096' }).requestBodiesMaxBytes,
    ).toBe(4096);
  });
});

describe("the server's deadlines", () => {
  const defaults = load({});

  it("are well under Node's (60 s for a head, 300 s for a request), checked often enough to hold", () => {
    expect(serverTimeouts(defaults)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 21_000,
      connectionsCheckingInterval: 1000,
    });
    expect(serverTimeouts({ requestHeadersTimeoutMs: 300, requestBodyTimeoutMs: 300 })).toEqual({
      headersTimeout: 300,
      requestTimeout: 1600,
      connectionsCheckingInterval: 50,
    });
    expect(serverTimeouts({ requestHeadersTimeoutMs: 2000, requestBodyTimeoutMs: 1 })).toMatchObject({
      connectionsCheckingInterval: 200,
    });
  });

  it("give the proxy's own body deadline room before Node's request deadline", () => {
    const settings = { requestHeadersTimeoutMs: 4000, requestBodyTimeoutMs: 7000 };
    expect(requestTimeoutMs(settings)).toBe(4000 + 7000 + 1000);
    expect(requestTimeoutMs(settings)).toBeGreaterThan(
      settings.requestHeadersTimeoutMs + settings.requestBodyTimeoutMs,
    );
  });

  it('keep the stall timeout at least as long as a request may take to arrive', () => {
    // Twice the longest answer (JOBS_ALL_DEADLINE_MS, 20 s) is longer than 21 s of request deadlines.
    expect(clientStallTimeoutMs(defaults)).toBe(40_000);
    const slowBodies = { ...defaults, requestBodyTimeoutMs: 60_000 };
    expect(clientStallTimeoutMs(slowBodies)).toBe(requestTimeoutMs(slowBodies));
    expect(clientStallTimeoutMs(slowBodies)).toBe(71_000);
  });
});

describe('the request bodies budget', () => {
  it('reserves up to its bound, refuses past it without taking anything, and counts both ways', () => {
    const budget = createBodyBudget(100);
    expect(budget.tryReserve(60)).toBe(true);
    expect(budget.tryReserve(41)).toBe(false);
    expect(budget.tryReserve(40)).toBe(true);
    expect(budget.tryReserve(1)).toBe(false);
    expect(budget.stats).toEqual({
      reservedBytes: 100,
      reservedTotalBytes: 100,
      releasedTotalBytes: 0,
      refusals: 2,
    });
    budget.release(60);
    expect(budget.tryReserve(0)).toBe(true);
    budget.release(40);
    expect(budget.stats).toEqual({
      reservedBytes: 0,
      reservedTotalBytes: 100,
      releasedTotalBytes: 100,
      refusals: 2,
    });
  });

  it('refuses to give back more than it holds, and a bound that is not a positive integer', () => {
    const budget = createBodyBudget(10);
    budget.tryReserve(5);
    expect(() => budget.release(6)).toThrow('released 6 bytes, but only 5 are reserved');
    expect(() => createBodyBudget(0)).toThrow(RangeError);
    expect(() => createBodyBudget(1.5)).toThrow(RangeError);
  });
});
