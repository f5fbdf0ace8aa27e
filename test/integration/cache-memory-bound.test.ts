import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';

/**
 * Large enough that what the process does besides caching (V8's young generation, resized by the
 * allocation rate up to 32 MiB; the allocator's free lists after bursts of large buffers, 30–65 MiB
 * with 40 KB answers) is a small share of it, as it is of a production bound.
 */
const CACHE_MAX_BYTES = 256 * 1024 * 1024;
const CONCURRENCY = 32;
const WARM_UP_REQUESTS = 5_000;

interface Reading {
  rss: number;
  heapUsed: number;
  cache: { entries: number; bytes: number; maxBytes: number };
}

/** The app in a process of its own (test/helpers/memory-harness.ts), driven from here. */
async function startHarness(bodyBytes: number) {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/helpers/memory-harness.ts'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        BODY_BYTES: String(bodyBytes),
        CACHE_MAX_BYTES: String(CACHE_MAX_BYTES),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse(String((await lines.next()).value)) as T;
  const { port } = await next<{ port: number }>();
  const ask = <T>(command: string): Promise<T> => {
    child.stdin.write(`${command}\n`);
    return next<T>();
  };
  return { port, ask, stop: () => child.stdin.end() };
}

/** `count` requests over HTTP, `CONCURRENCY` at a time; request i asks for `target(i)`. */
function load(
  port: number,
  target: (index: number) => string,
  count: number,
  extra: Record<string, string> = {},
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const get = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const headers = { authorization: `Bearer warm-up-${index % 100}`, ...extra };
      http
        .get({ host: '127.0.0.1', port, path: target(index), agent, headers }, (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        })
        .on('error', reject);
    });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await get(next++);
  };
  return Promise.all(Array.from({ length: CONCURRENCY }, worker)).finally(() => agent.destroy());
}

/** RSS growth from the process at rest after warm-up traffic to the process at rest with its cache full. */
async function growthWhenFull(bodyBytes: number, tokens: number) {
  const harness = await startHarness(bodyBytes);
  try {
    // Uncached answers and cache hits first: the JIT, the heap and the allocator reach their working size.
    await load(harness.port, (index) => `/api/v3/warm-up?offset=${index}`, WARM_UP_REQUESTS, {
      'cache-control': 'no-store',
    });
    await load(harness.port, (index) => `/api/v3/warm-up?offset=${index % 10}`, WARM_UP_REQUESTS);
    const before = await harness.ask<Reading>('read');
    // Until full, then half as much again: the LRU evicts while it goes on.
    await harness.ask(`fill ${tokens} 100000000`);
    const after = await harness.ask<Reading>('read');
    return {
      entries: after.cache.entries,
      accountedBytes: after.cache.bytes,
      rssGrowthBytes: after.rss - before.rss,
      heapGrowthBytes: after.heapUsed - before.heapUsed,
    };
  } finally {
    harness.stop();
  }
}

describe('CACHE_MAX_BYTES bounds the memory the cache takes', () => {
  it('with 100-byte answers of 1,000 tokens and with 40 KB answers of 100 tokens, RSS grows by at most 1.3 × the bound at rest', async () => {
    const [small, large] = await Promise.all([growthWhenFull(100, 1000), growthWhenFull(40_000, 100)]);
    for (const measured of [small, large]) {
      expect(measured.accountedBytes).toBeGreaterThanOrEqual(CACHE_MAX_BYTES * 0.99);
      expect(measured.accountedBytes).toBeLessThanOrEqual(CACHE_MAX_BYTES);
      expect(measured.rssGrowthBytes).toBeLessThanOrEqual(1.3 * CACHE_MAX_BYTES);
    }
    // What one entry is charged covers what it holds on V8's heap.
    expect(small.heapGrowthBytes).toBeLessThanOrEqual(CACHE_MAX_BYTES);
    expect(large.heapGrowthBytes).toBeLessThanOrEqual(CACHE_MAX_BYTES);
    process.stdout.write(`${JSON.stringify({ small, large })}\n`);
  }, 180_000);
});
