/**
 * vspc-proxy's app over an in-process VSPC, in a process of its own, for memory measurements. Run with
 * `node --expose-gc --import tsx`. It prints `{"port":N}` once listening; then each line `read` on
 * stdin is answered with one JSON line: the process's memory at rest (idle `IDLE_MS` so V8's memory
 * reducer can run, then a full collection — the harness's, never the proxy's) and the cache's stats;
 * `stats` answers at once with the cache's stats alone; `fill <tokens> <count>` stores answers straight
 * through the cache (see {@link fill}); `purge` empties it.
 *
 * Settings (environment): BODY_BYTES (VSPC's body size), CACHE_MAX_BYTES, IDLE_MS.
 */
import http from 'node:http';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { createApp, createAppDeps } from '../../src/app.js';
import { cacheKey } from '../../src/cache/key.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../src/upstream/client.js';

const bodyBytes = Number(process.env.BODY_BYTES ?? 100);
const maxBytes = Number(process.env.CACHE_MAX_BYTES ?? 32 * 1024 * 1024);
const idleMs = Number(process.env.IDLE_MS ?? 10_000);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run the harness with node --expose-gc');

/** VSPC in this process: a JSON body of `bodyBytes` per call, built fresh as a socket's would be. */
const transport: UpstreamClient = {
  origin: 'http://vspc.invalid',
  request: (request: UpstreamRequest) =>
    new Promise<UpstreamResponse>((resolve) =>
      setImmediate(() => {
        const prefix = `{"target":${JSON.stringify(request.target)},"pad":"`;
        const pad = 'x'.repeat(Math.max(0, bodyBytes - prefix.length - 2));
        resolve({
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: Buffer.from(`${prefix}${pad}"}`),
          durationMs: 0,
        });
      }),
    ),
  close: () => undefined,
};

const config = loadConfig({
  NODE_ENV: 'test',
  VSPC_URL: 'http://vspc.invalid',
  RATE_LIMIT_RPS: '0',
  AUTH_FAILURES_BURST: '0',
  CACHE_MAX_BYTES: String(maxBytes),
  CACHE_MAX_ENTRY_BYTES: String(Math.min(maxBytes, 4 * 1024 * 1024)),
  CACHE_TTL_MS: '600000',
  UPSTREAM_MAX_CONCURRENCY: '64',
  UPSTREAM_MAX_CONCURRENCY_PER_TOKEN: '64',
  LOG_LEVEL: 'silent',
});
const deps = createAppDeps(config, {
  origin: 'http://vspc.invalid',
  logger: createLogger({ level: 'silent' }),
  transport,
});
const server = http.createServer(createApp(deps));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);

async function reading() {
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]),
  );
  return { ...memory, spaces, cache: deps.cache.stats };
}

/**
 * Stores `count` answers of `tokens` tokens straight through the cache, as cache misses of the app
 * would (same keys, same entries), without the HTTP traffic around them; stops early once the cache
 * has evicted for half its size.
 */
async function fill(tokens: number, count: number) {
  const batch = 256;
  let stored = 0;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, (_, offset) => {
        const n = start + offset;
        const token = `token-${n % tokens}`;
        const tokenHash = deps.hashToken(token);
        const path = '/api/v3/infrastructure/backupServers/jobs';
        const query = `limit=10&offset=${Math.floor(n / tokens)}`;
        const key = cacheKey({
          tokenHash,
          method: 'GET',
          path,
          query,
          accept: undefined,
          clientVersion: undefined,
        });
        const request = {
          method: 'GET',
          target: `${path}?${query}`,
          headers: { authorization: `Bearer ${token}` },
          tokenHash,
        };
        return deps.cache.fetch(key, { request, path, tokenHash }, { forceRefresh: false });
      }),
    );
    stored += batch;
    const { bytes, maxBytes: bound, entries } = deps.cache.stats;
    if (bytes >= bound * 0.99 && stored >= entries * 1.5) break;
  }
  return { stored, cache: deps.cache.stats };
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim();
  if (command === 'read') process.stdout.write(`${JSON.stringify(await reading())}\n`);
  else if (command === 'stats') process.stdout.write(`${JSON.stringify({ cache: deps.cache.stats })}\n`);
  else if (command.startsWith('fill ')) {
    const [, tokens = '1000', count = '0'] = command.split(' ');
    process.stdout.write(`${JSON.stringify(await fill(Number(tokens), Number(count)))}\n`);
  } else if (command === 'purge')
    process.stdout.write(`${JSON.stringify({ purged: deps.cache.purgeAll() })}\n`);
}
server.closeAllConnections();
server.close();
deps.upstream.close();
