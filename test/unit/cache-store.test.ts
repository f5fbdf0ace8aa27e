import { describe, expect, it } from '@jest/globals';
import { ResponseCache, type FetchContext, type FetchReport } from '../../src/cache/store.js';
import type {
  Priority,
  UpstreamClient,
  UpstreamRequest,
  UpstreamResponse,
} from '../../src/upstream/client.js';
import { UpstreamError, type UpstreamFailure } from '../../src/upstream/errors.js';
import { captureLogs } from '../helpers/logs.js';

const TTL_MS = 30_000;
const STALE_MS = 300_000;
const KEY = 'key-1';
const REFRESH_FAILED = 'cache refresh failed; serving stale';

/** An upstream whose calls stay pending until the test settles them; it keeps the very objects it was given. */
function pendingUpstream() {
  const calls: Array<{
    request: UpstreamRequest;
    answer(status: number): void;
    fail(error: UpstreamError): void;
  }> = [];
  const upstream: UpstreamClient = {
    origin: 'http://vspc.invalid',
    request: (request) =>
      new Promise<UpstreamResponse>((resolve, reject) => {
        calls.push({
          request,
          answer: (status) =>
            resolve({ status, headers: {}, body: Buffer.from(`{"status":${status}}`), durationMs: 1 }),
          fail: reject,
        });
      }),
    close: () => undefined,
  };
  return { upstream, calls };
}

function cacheOver(upstream: UpstreamClient, clock: { now: number }, logger = captureLogs().logger) {
  return new ResponseCache({
    upstream,
    maxBytes: 1_000_000,
    maxEntryBytes: 100_000,
    ttlMs: TTL_MS,
    staleMs: STALE_MS,
    now: () => clock.now,
    logger,
  });
}

const contextWith = (priority?: Priority): FetchContext => ({
  request: {
    method: 'GET',
    target: '/api/v3/x',
    headers: {},
    tokenHash: 'token-a',
    ...(priority === undefined ? {} : { priority }),
  },
  path: '/api/v3/x',
  tokenHash: 'token-a',
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ResponseCache: a client waiting on a bulk call promotes it', () => {
  it('a non-bulk fetch that joins a bulk load in flight raises the priority of the object the upstream holds', async () => {
    const { upstream, calls } = pendingUpstream();
    const cache = cacheOver(upstream, { now: 1_000_000 });
    const bulk = cache.fetch(KEY, contextWith('bulk'), { forceRefresh: false });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.request.priority).toBe('bulk');

    // Another bulk caller changes nothing.
    const otherBulk = cache.fetch(KEY, contextWith('bulk'), { forceRefresh: false });
    expect(calls[0]?.request.priority).toBe('bulk');

    // A client (no priority means interactive) joins: the same object, now interactive; no second call.
    const client = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.request.priority).toBe('interactive');

    calls[0]?.answer(200);
    const results = await Promise.all([bulk, otherBulk, client]);
    expect(results.map((result) => result.outcome)).toEqual(['miss', 'collapsed', 'collapsed']);
  });

  it('a client that waits on a stale-while-revalidate refresh promotes it; one served stale does not', async () => {
    const { upstream, calls } = pendingUpstream();
    const clock = { now: 1_000_000 };
    const cache = cacheOver(upstream, clock);
    const first = cache.read(KEY, () => contextWith(), { noCache: false });
    calls[0]?.answer(200);
    expect((await first).outcome).toBe('miss');

    clock.now += TTL_MS + 1;
    // Served stale at once; the background refresh asks VSPC at bulk priority.
    const stale = await cache.read(KEY, () => contextWith('interactive'), { noCache: false });
    expect(stale.outcome).toBe('stale');
    expect(calls).toHaveLength(2);
    expect(calls[1]?.request.priority).toBe('bulk');
    // More stale reads wait for nothing: the refresh stays bulk.
    await cache.read(KEY, () => contextWith('interactive'), { noCache: false });
    expect(calls[1]?.request.priority).toBe('bulk');

    // A no-cache client read waits for the refresh in flight: promoted, still one call.
    const waiting = cache.read(KEY, () => contextWith('interactive'), { noCache: true });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.request.priority).toBe('interactive');
    calls[1]?.answer(200);
    expect((await waiting).outcome).toBe('collapsed');
  });

  it('forgets a load once it settles: a later client fetch starts its own call and touches no settled one', async () => {
    const { upstream, calls } = pendingUpstream();
    const cache = cacheOver(upstream, { now: 1_000_000 });
    const failed = cache.fetch(KEY, contextWith('bulk'), { forceRefresh: false });
    calls[0]?.answer(503);
    await expect(failed).rejects.toThrow('VSPC answered 503');

    const again = cache.fetch(KEY, contextWith('interactive'), { forceRefresh: false });
    expect(calls).toHaveLength(2);
    expect(calls[0]?.request.priority).toBe('bulk');
    expect(calls[1]?.request.priority).toBe('interactive');
    calls[1]?.answer(200);
    expect((await again).outcome).toBe('miss');
  });
});

describe('ResponseCache.fetch report', () => {
  it('tells each caller synchronously whether it joined a fetch in flight, also when the fetch fails', async () => {
    const { upstream, calls } = pendingUpstream();
    const cache = cacheOver(upstream, { now: 1_000_000 });
    const reports: FetchReport[] = [];
    const pending = Array.from({ length: 5 }, () => {
      const report: FetchReport = { collapsed: false };
      reports.push(report);
      const fetched = cache.fetch(KEY, contextWith(), { forceRefresh: false, report });
      return fetched.then(
        () => 'resolved',
        (error: unknown) => (error as Error).name,
      );
    });
    expect(reports.map((report) => report.collapsed)).toEqual([false, true, true, true, true]);
    expect(calls).toHaveLength(1);
    calls[0]?.answer(520);
    // Every waiter still gets the same UncacheableAnswer.
    expect(await Promise.all(pending)).toEqual(Array(5).fill('UncacheableAnswer'));
  });
});

describe('ResponseCache: failed refreshes of stale entries', () => {
  async function staleCache(failure: UpstreamFailure, retryAfterS?: number) {
    const { upstream, calls } = pendingUpstream();
    const clock = { now: 1_000_000 };
    const logs = captureLogs();
    const cache = cacheOver(upstream, clock, logs.logger);
    const first = cache.read(KEY, () => contextWith(), { noCache: false });
    calls[0]?.answer(200);
    await first;
    clock.now += TTL_MS + 1;
    const error = new UpstreamError(failure, 'CODE', 'refused by test', retryAfterS);
    const refreshFailedLines = () => logs.lines().filter((line) => line.msg === REFRESH_FAILED);
    const staleRead = async () => {
      const served = await cache.read(KEY, () => contextWith(), { noCache: false });
      expect(served.outcome).toBe('stale');
      calls.at(-1)?.fail(error);
      await settle();
      return served.entry;
    };
    return { staleRead, refreshFailedLines, calls };
  }

  it.each([
    ['throttled', 3, { status: 429 }],
    ['breaker-open', 10, { failure: 'breaker-open' }],
    ['queue-full', 1, { failure: 'queue-full' }],
    ['queue-timeout', 1, { failure: 'queue-timeout' }],
  ] as const)(
    'a shield refusal (%s) marks the entry but logs nothing, however many stale hits',
    async (failure, retryAfterS, marked) => {
      const { staleRead, refreshFailedLines, calls } = await staleCache(failure, retryAfterS);
      for (let hit = 0; hit < 10; hit += 1) expect((await staleRead()).refreshFailure).toEqual(marked);
      expect(calls).toHaveLength(11);
      expect(refreshFailedLines()).toEqual([]);
    },
  );

  it('a transport failure is still logged, once per failed refresh', async () => {
    const { staleRead, refreshFailedLines } = await staleCache('refused');
    expect((await staleRead()).refreshFailure).toEqual({ failure: 'refused' });
    await staleRead();
    expect(refreshFailedLines()).toHaveLength(2);
    expect(refreshFailedLines()[0]).toMatchObject({ level: 'warn', failure: 'refused', path: '/api/v3/x' });
  });
});
