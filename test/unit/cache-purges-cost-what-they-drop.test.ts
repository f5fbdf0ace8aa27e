import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { LRUCache } from 'lru-cache';
import { ResponseCache, type FetchContext } from '../../src/cache/store.js';
import type { UpstreamClient, UpstreamResponse } from '../../src/upstream/client.js';

const ENTRIES = 50_000;
const TOKENS = 1_000;

/** An upstream that answers every call at once with a small 200. */
const instantUpstream: UpstreamClient = {
  origin: 'http://vspc.invalid',
  request: () =>
    Promise.resolve<UpstreamResponse>({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"data":[]}'),
      durationMs: 0,
    }),
  close: () => undefined,
};

const context = (tokenHash: string, path: string): FetchContext => ({
  request: { method: 'GET', target: path, headers: {}, tokenHash },
  path,
  tokenHash,
});

/** A cache holding `ENTRIES` entries spread over `TOKENS` tokens, 50 paths each. */
async function filledCache(): Promise<ResponseCache> {
  const cache = new ResponseCache({
    upstream: instantUpstream,
    maxBytes: 1024 ** 3,
    maxEntryBytes: 1024 ** 2,
    ttlMs: 60_000,
    staleMs: 60_000,
  });
  const perToken = ENTRIES / TOKENS;
  for (let index = 0; index < ENTRIES; index += 1000) {
    await Promise.all(
      Array.from({ length: 1000 }, (_, offset) => {
        const n = index + offset;
        const token = `token-${n % TOKENS}`;
        const path = `/api/v3/things/${Math.floor(n / TOKENS) % perToken}`;
        return cache.fetch(`${token}\n${path}`, context(token, path), { forceRefresh: false });
      }),
    );
  }
  return cache;
}

/** Counts the LRU calls a purge makes that could visit entries. */
function countLruVisits() {
  const names = ['peek', 'entries', 'rentries', 'forEach', 'purgeStale', 'delete'] as const;
  const spies = names.map((name) => [name, jest.spyOn(LRUCache.prototype, name)] as const);
  return () => Object.fromEntries(spies.map(([name, spy]) => [name, spy.mock.calls.length]));
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('purges cost what they drop', () => {
  it('a purge for a token that holds nothing visits no entry, in a cache of 50,000', async () => {
    const cache = await filledCache();
    expect(cache.stats.entries).toBe(ENTRIES);
    const visits = countLruVisits();
    for (let index = 0; index < 1000; index += 1) expect(cache.purgeToken(`made-up-${index}`)).toBe(0);
    expect(Object.values(visits()).reduce((sum, calls) => sum + calls, 0)).toBe(0);
    expect(cache.stats.entries).toBe(ENTRIES);
  });

  it("a token's purge drops exactly its 50 entries and visits only them", async () => {
    const cache = await filledCache();
    const visits = countLruVisits();
    expect(cache.purgeToken('token-7')).toBe(ENTRIES / TOKENS);
    const counted = visits();
    // Each of its keys is peeked at twice (counted, then dropped) and deleted once; nothing else.
    expect(counted).toEqual({ peek: 100, entries: 0, rentries: 0, forEach: 0, purgeStale: 0, delete: 50 });
    expect(cache.stats.entries).toBe(ENTRIES - ENTRIES / TOKENS);
    expect(cache.holdsToken('token-7')).toBe(false);
    expect(cache.holdsToken('token-8')).toBe(true);
    expect(cache.purgeToken('token-7')).toBe(0);
  });

  it('a purge by path prefix drops every token entry below it, ignoring case, and no other', async () => {
    const cache = await filledCache();
    // Paths 4 and 40..49, each cached for every token.
    expect(cache.purgePrefix('/API/v3/things/4')).toBe(11 * TOKENS);
    expect(cache.stats.entries).toBe(ENTRIES - 11 * TOKENS);
    expect(cache.purgePrefix('/api/v3/things/')).toBe(ENTRIES - 11 * TOKENS);
    expect(cache.stats.entries).toBe(0);
    expect(cache.holdsToken('token-0')).toBe(false);
  });
});
