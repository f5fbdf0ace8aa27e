import { describe, expect, it } from '@jest/globals';
import { STALE_REFRESH_RETRY_MS } from '../../src/cache/entry.js';
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
    const error = new UpstreamError(failure, 'refused by test', { retryAfterS });
    const refreshFailedLines = () => logs.lines().filter((line) => line.msg === REFRESH_FAILED);
    // Each read comes a retry interval after the last: each starts a refresh of its own.
    const staleRead = async () => {
      clock.now += STALE_REFRESH_RETRY_MS;
      const served = await cache.read(KEY, () => contextWith(), { noCache: false });
      expect(served.outcome).toBe('stale');
      calls.at(-1)?.fail(error);
      await settle();
      return served.entry;
    };
    return { staleRead, refreshFailedLines, calls, cache, clock };
  }

  it('after a failed refresh, stale hits within STALE_REFRESH_RETRY_MS ask VSPC nothing; the next one does', async () => {
    const { staleRead, calls, cache, clock } = await staleCache('refused');
    await staleRead();
    expect(calls).toHaveLength(2);
    // Five steps that end 1 ms short of the interval.
    const step = Math.floor(STALE_REFRESH_RETRY_MS / 5);
    for (const advance of [step, step, step, step, STALE_REFRESH_RETRY_MS - 4 * step - 1]) {
      clock.now += advance;
      const served = await cache.read(KEY, () => contextWith(), { noCache: false });
      expect(served).toMatchObject({ outcome: 'stale', entry: { refreshFailure: { failure: 'refused' } } });
    }
    expect(calls).toHaveLength(2);
    clock.now += 1;
    expect((await cache.read(KEY, () => contextWith(), { noCache: false })).outcome).toBe('stale');
    expect(calls).toHaveLength(3);
  });

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

describe('ResponseCache: a purge during a load', () => {
  it('the load goes on for its caller but is not stored, and the next request asks VSPC again', async () => {
    const { upstream, calls } = pendingUpstream();
    const cache = cacheOver(upstream, { now: 1_000_000 });
    const before = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    expect(cache.purgeAll()).toBe(0); // a load is not an entry yet
    // A request after the purge does not join the load that began before it.
    const after = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    expect(calls).toHaveLength(2);
    calls[0]?.answer(200);
    await expect(before).rejects.toMatchObject({ name: 'UncacheableAnswer', answer: { status: 200 } });
    expect(cache.lookup(KEY)).toBeUndefined();
    calls[1]?.answer(200);
    await expect(after).resolves.toMatchObject({ outcome: 'miss' });
    expect(cache.lookup(KEY)).toBeDefined();
  });

  /** An entry (`stale`) gone stale and served so, its background refresh in flight (calls[1]). */
  async function staleBeingRefreshed() {
    const { upstream, calls } = pendingUpstream();
    const clock = { now: 1_000_000 };
    const cache = cacheOver(upstream, clock);
    const first = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    calls[0]?.answer(200);
    const stale = (await first).entry;
    clock.now += TTL_MS + 1;
    expect(cache.serve(KEY, () => contextWith())?.outcome).toBe('stale');
    expect(calls).toHaveLength(2); // the background refresh
    return { cache, calls, stale };
  }

  it('a stale copy being refreshed counts as purged and is served no more; the refresh stores nothing', async () => {
    const { cache, calls } = await staleBeingRefreshed();
    expect(cache.purgePrefix('/api/v3/')).toBe(1);
    expect(cache.lookup(KEY)).toBeUndefined();
    expect(cache.serve(KEY, () => contextWith())).toBeUndefined();
    calls[1]?.answer(200);
    await settle();
    await settle();
    expect(cache.lookup(KEY)).toBeUndefined();
    expect(cache.stats.entries).toBe(0);
  });

  /** An entry gone stale, its background refresh in flight (calls[1]), then purged; then a new miss (calls[2]). */
  async function refreshAcrossPurge() {
    const { cache, calls } = await staleBeingRefreshed();
    expect(cache.purgePrefix('/api/v3/')).toBe(1);
    const miss = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    expect(calls).toHaveLength(3);
    return { cache, calls, miss };
  }

  it('a refresh begun before a purge leaves the entry stored after it', async () => {
    const { cache, calls, miss } = await refreshAcrossPurge();
    calls[2]?.answer(200);
    await expect(miss).resolves.toMatchObject({ outcome: 'miss' });
    const stored = cache.lookup(KEY);
    expect(stored).toBeDefined();
    calls[1]?.answer(200); // the old refresh ends after the new entry was stored
    await settle();
    await settle();
    expect(cache.lookup(KEY)).toBe(stored);
    expect(cache.stats.entries).toBe(1);
  });

  it('a refresh begun before a purge, ending first, leaves the load begun after it to store its answer', async () => {
    const { cache, calls, miss } = await refreshAcrossPurge();
    calls[1]?.answer(200);
    await settle();
    await settle();
    calls[2]?.answer(200);
    await expect(miss).resolves.toMatchObject({ outcome: 'miss' });
    expect(cache.lookup(KEY)).toBeDefined();
    expect(cache.stats.entries).toBe(1);
  });

  it('a purge of another token leaves a load alone: it is joined, and stored', async () => {
    const { upstream, calls } = pendingUpstream();
    const cache = cacheOver(upstream, { now: 1_000_000 });
    const load = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    expect(cache.purgeToken('token-b')).toBe(0);
    expect(cache.purgePrefix('/api/v3/other')).toBe(0);
    const joined = cache.fetch(KEY, contextWith(), { forceRefresh: false });
    expect(calls).toHaveLength(1); // still one load: token-a's was not purged
    calls[0]?.answer(200);
    await expect(load).resolves.toMatchObject({ outcome: 'miss' });
    await expect(joined).resolves.toMatchObject({ outcome: 'collapsed' });
    expect(cache.stats.entries).toBe(1);
  });

  it('a purge of another token during the refresh of a stale entry leaves the refreshed entry stored', async () => {
    const { cache, calls, stale } = await staleBeingRefreshed();
    expect(cache.purgeToken('token-b')).toBe(0);
    calls[1]?.answer(200);
    await settle();
    await settle();
    const refreshed = cache.lookup(KEY);
    expect(refreshed).toBeDefined();
    expect(refreshed).not.toBe(stale);
    expect(cache.serve(KEY, () => contextWith())?.outcome).toBe('hit');
  });
});
