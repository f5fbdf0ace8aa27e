import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createApp, createAppDeps } from '../../src/app.js';
import { cacheKey } from '../../src/cache/key.js';
import { loadConfig } from '../../src/config.js';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../src/upstream/client.js';
import { captureLogs } from '../helpers/logs.js';
import { SHIELD_OFF } from '../helpers/proxy.js';
import { listen, type Listening } from '../helpers/servers.js';

const FILLED_ENTRIES = 50_000;
const FILL_TOKENS = 1_000;
const BOGUS_REQUESTS = 1_000;
const GOOD_TOKEN = 'good-token-0123456789';
const PAGE = '/api/v3/infrastructure/backupServers/jobs?limit=10';
const VSPC_401 = Buffer.from('{"errors":[{"message":"Unauthorized","type":"security","code":401}]}');

/** VSPC in the same process: 200 for the good token and the filler tokens, 401 for any other token. */
function inProcessVspc() {
  const calls = { good: 0, bogus: 0 };
  const transport: UpstreamClient = {
    origin: 'http://vspc.invalid',
    request: (request: UpstreamRequest) =>
      new Promise<UpstreamResponse>((resolve) =>
        setImmediate(() => {
          const token = request.headers.authorization?.slice('Bearer '.length) ?? '';
          const accepted = token === GOOD_TOKEN || token.startsWith('fill-');
          if (accepted) calls.good += 1;
          else calls.bogus += 1;
          resolve({
            status: accepted ? 200 : 401,
            headers: { 'content-type': 'application/json' },
            body: accepted ? Buffer.from('{"data":[],"meta":{"pagingInfo":{"total":0}}}') : VSPC_401,
            durationMs: 0,
          });
        }),
      ),
    close: () => undefined,
  };
  return { transport, calls };
}

let running: { server: Listening; close(): void } | null = null;
afterEach(async () => {
  await running?.server.close();
  running?.close();
  running = null;
});

/** The real app over an in-process VSPC, its cache holding 50,000 entries of 1,000 other tokens. */
async function proxyWithFullCache(env: Record<string, string>) {
  const config = loadConfig({
    NODE_ENV: 'test',
    VSPC_URL: 'http://vspc.invalid',
    ...SHIELD_OFF,
    CACHE_MAX_BYTES: String(1024 ** 3),
    CACHE_TTL_MS: '600000',
    UPSTREAM_MAX_CONCURRENCY: '64',
    UPSTREAM_MAX_CONCURRENCY_PER_TOKEN: '64',
    ...env,
  });
  const vspc = inProcessVspc();
  const deps = createAppDeps(config, {
    origin: config.vspcUrl ?? '',
    logger: captureLogs().logger,
    transport: vspc.transport,
  });
  for (let start = 0; start < FILLED_ENTRIES; start += 1000) {
    await Promise.all(
      Array.from({ length: 1000 }, (_, offset) => {
        const n = start + offset;
        const token = `fill-${n % FILL_TOKENS}`;
        const tokenHash = deps.hashToken(token);
        const path = `/api/v3/things/${Math.floor(n / FILL_TOKENS)}`;
        const key = cacheKey({
          tokenHash,
          method: 'GET',
          path,
          query: '',
          accept: undefined,
          clientVersion: undefined,
        });
        const request = {
          method: 'GET',
          target: path,
          headers: { authorization: `Bearer ${token}` },
          tokenHash,
        };
        return deps.cache.fetch(key, { request, path, tokenHash }, { forceRefresh: false });
      }),
    );
  }
  expect(deps.cache.stats.entries).toBe(FILLED_ENTRIES);
  const server = await listen(createApp(deps));
  running = { server, close: () => deps.upstream.close() };
  return { server, deps, vspc };
}

function get(agent: http.Agent, port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: PAGE, agent, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Times the good client's cache hits, one after another, until `until` resolves (at least `minimum` of them). */
async function timeHits(port: number, until: Promise<unknown>, minimum: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let done = false;
  void until.then(() => (done = true));
  const durations: number[] = [];
  while (!done || durations.length < minimum) {
    const started = performance.now();
    expect(await get(agent, port, GOOD_TOKEN)).toBe(200);
    durations.push(performance.now() - started);
  }
  agent.destroy();
  return durations;
}

/** 1,000 requests with made-up tokens, five every 10 ms (500 a second). */
async function bogusFlood(port: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 5 });
  const statuses: number[] = [];
  for (let sent = 0; sent < BOGUS_REQUESTS; sent += 5) {
    const batch = Array.from({ length: 5 }, (_, index) => get(agent, port, `made-up-${sent + index}`));
    const [answers] = await Promise.all([
      Promise.all(batch),
      new Promise((resolve) => setTimeout(resolve, 10)),
    ]);
    statuses.push(...answers);
  }
  agent.destroy();
  return statuses;
}

async function measure(env: Record<string, string>) {
  const { server, vspc } = await proxyWithFullCache(env);
  const agent = new http.Agent({ keepAlive: true });
  expect(await get(agent, server.port, GOOD_TOKEN)).toBe(200); // the one miss; the rest are hits
  agent.destroy();
  await timeHits(server.port, Promise.resolve(), 300); // warm-up: the baseline is not the JIT's first minutes
  const baseline = await timeHits(server.port, new Promise((resolve) => setTimeout(resolve, 1000)), 300);
  const flood = bogusFlood(server.port);
  const underFlood = await timeHits(server.port, flood, 300);
  return { baseline: median(baseline), underFlood: median(underFlood), statuses: await flood, vspc };
}

describe('made-up bearer tokens cannot freeze the proxy', () => {
  it('1,000 made-up tokens against 50,000 cached entries: each 401 purges in O(1), the good client keeps its p50', async () => {
    const { baseline, underFlood, statuses, vspc } = await measure({ AUTH_FAILURES_BURST: '0' });
    // With the address budget off, every made-up token reaches VSPC and purges its (empty) share.
    expect(statuses.filter((status) => status === 401)).toHaveLength(BOGUS_REQUESTS);
    expect(vspc.calls.bogus).toBe(BOGUS_REQUESTS);
    expect(underFlood).toBeLessThanOrEqual(2 * baseline);
  }, 60_000);

  it('the address budget answers 429 before VSPC once 20 made-up tokens were refused, and the good token goes on', async () => {
    const { baseline, underFlood, statuses, vspc } = await measure({
      AUTH_FAILURES_BURST: '20',
      AUTH_FAILURES_PER_MIN: '10',
    });
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(BOGUS_REQUESTS - 20);
    // At 10 a minute the bucket gains a token in 6 s: none in the 2 s of the flood.
    expect(vspc.calls.bogus).toBe(20);
    expect(underFlood).toBeLessThanOrEqual(2 * baseline);
  }, 60_000);
});
