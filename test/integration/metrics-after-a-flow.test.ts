import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp, createAppDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createMetrics } from '../../src/metrics.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { captureLogs } from '../helpers/logs.js';
import { buildProxy, SHIELD_OFF, type TestProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type Listening } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const TTL_MS = 30_000;
/** The limiter's LRU ignores a clock at 0, so the injected clock starts well above it. */
const CLOCK_START_MS = 1_000_000;
/** Anonymous requests that fill the address's bucket; the next one is the flow's one rate-limited request. */
const BURST = 10;
const ADMIN_TOKEN = 'admin-token-for-metrics-flow-0001';
const METRICS_TOKEN = 'metrics-token-never-shown-0002';
const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const URL_A = `${COPY_JOBS}?limit=1`;
const URL_B = `${COPY_JOBS}?limit=2`;
const URL_C = `${COPY_JOBS}?limit=3`;
const SEED_UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The metrics the issue lists (Node's process metrics are checked on their own). */
const LISTED: ReadonlyArray<[name: string, type: string]> = [
  ['http_requests_total', 'counter'],
  ['http_request_duration_seconds', 'histogram'],
  ['cache_requests_total', 'counter'],
  ['cache_entries', 'gauge'],
  ['cache_bytes', 'gauge'],
  ['upstream_requests_total', 'counter'],
  ['upstream_request_duration_seconds', 'histogram'],
  ['upstream_inflight', 'gauge'],
  ['upstream_queue_length', 'gauge'],
  ['upstream_throttled_total', 'counter'],
  ['breaker_state', 'gauge'],
  ['rate_limited_total', 'counter'],
];

interface Scrape {
  text: string;
  /** Every sample, keyed by its series exactly as printed (`name{labels}`). */
  samples: Map<string, number>;
  /** Metric name → type, from the `# TYPE` lines. */
  types: Map<string, string>;
}

function parse(text: string): Scrape {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1] ?? '', match[2] ?? '');
  return { text, samples, types };
}

/** The samples of one metric (without `_bucket`/`_sum`/`_count` suffixes unless named), as an object. */
function series(scrape: Scrape, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [key, value] of scrape.samples)
    if (key === name || key.startsWith(`${name}{`)) found[key] = value;
  return found;
}

/** Every value of label `name` (of any label when not given) in every sample. */
function labelValues(scrape: Scrape, name?: string): string[] {
  const values: string[] = [];
  for (const key of scrape.samples.keys())
    for (const match of key.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      if (name === undefined || match[1] === name) values.push(match[2] ?? '');
  return values;
}

describe('GET /metrics after a scripted flow against the simulator', () => {
  let sim: Simulator;
  let alpha: string;
  let beta: string;
  const opened: Array<{ proxy: TestProxy | null; server: Listening; close?: () => void }> = [];

  beforeAll(async () => {
    sim = await startSimulator();
    alpha = sim.issueToken('alpha').accessToken;
    beta = sim.issueToken('beta').accessToken;
  });
  afterEach(async () => {
    for (const { proxy, server, close } of opened.splice(0)) {
      proxy?.close();
      close?.();
      await server.close();
    }
    sim.resetKnobs();
    sim.resetStats();
  });
  afterAll(async () => {
    await sim.close();
  });

  async function start(env: Record<string, string>, now?: () => number) {
    const proxy = buildProxy(sim.url, env, now);
    const server = await listen(proxy.app);
    opened.push({ proxy, server });
    return { proxy, server };
  }

  async function scrape(server: Listening, token?: string): Promise<Scrape> {
    const req = request(server.url).get('/metrics');
    const res = await (token === undefined ? req : req.set('Authorization', `Bearer ${token}`)).expect(200);
    expect(res.headers['content-type']).toBe(PROM_CONTENT_TYPE);
    expect(res.headers['cache-control']).toBe('no-store');
    return parse(res.text);
  }

  it('exposes every listed metric with the exact values the flow implies, labelled by route template', async () => {
    let clock = CLOCK_START_MS;
    const { proxy, server } = await start(
      {
        RATE_LIMIT_RPS: '1',
        RATE_LIMIT_BURST: String(BURST),
        CACHE_TTL_MS: String(TTL_MS),
        ADMIN_TOKEN,
        // The breaker is on (and stays closed: a 429 is no failure); retries stay off so calls count exactly.
        BREAKER_FAILURES: '5',
      },
      () => clock,
    );
    const get = (path: string, token: string | null = alpha) => {
      const req = request(server.url).get(path);
      return token === null ? req : req.set('Authorization', `Bearer ${token}`);
    };

    // Before anything: every metric is there, at rest.
    const before = await scrape(server);
    for (const [name, type] of LISTED) expect([name, before.types.get(name)]).toEqual([name, type]);
    expect(series(before, 'cache_requests_total')).toEqual({
      'cache_requests_total{outcome="hit"}': 0,
      'cache_requests_total{outcome="miss"}': 0,
      'cache_requests_total{outcome="stale"}': 0,
      'cache_requests_total{outcome="collapsed"}': 0,
      'cache_requests_total{outcome="bypass"}': 0,
    });
    expect(series(before, 'http_requests_total')).toEqual({});
    expect(series(before, 'upstream_requests_total')).toEqual({});
    expect(series(before, 'upstream_throttled_total')).toEqual({ upstream_throttled_total: 0 });
    expect(series(before, 'rate_limited_total')).toEqual({ rate_limited_total: 0 });
    expect(series(before, 'cache_entries')).toEqual({ cache_entries: 0 });
    expect(series(before, 'cache_bytes')).toEqual({ cache_bytes: 0 });
    expect(series(before, 'breaker_state')).toEqual({ breaker_state: 0 });

    // A miss, then a hit of the same URL.
    expect((await get(URL_A).expect(200)).headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    expect((await get(URL_A).expect(200)).headers['cache-status']).toMatch(/^vspc-proxy; hit; ttl=\d+$/);
    expect(sim.requestCount).toBe(1);

    // Two concurrent identical misses while VSPC is slow: one call, the second waiter collapsed onto it.
    sim.knobs.latencyMs = 150;
    const pair = await Promise.all([get(URL_B).expect(200), get(URL_B).expect(200)]);
    sim.knobs.latencyMs = 0;
    expect(pair.map((res) => String(res.headers['cache-status'])).sort()).toEqual([
      'vspc-proxy; fwd=miss; collapsed',
      'vspc-proxy; fwd=miss; stored',
    ]);
    expect(sim.requestCount).toBe(2);

    // A no-store bypass.
    const bypassed = await get(URL_C).set('Cache-Control', 'no-store').expect(200);
    expect(bypassed.headers['cache-status']).toBe('vspc-proxy; fwd=request; detail=no-store');
    expect(sim.requestCount).toBe(3);

    // One job: the copy job and its server job, two VSPC calls.
    await get(`/jobs/copy/${SEED_UID}`).expect(200);
    expect(sim.requestCount).toBe(5);

    // A path no route knows, with an id in it.
    await get(`/no-such-route/${SEED_UID}?x=1`, null).expect(404);

    // VSPC answers beta 429: passed through, and beta's next call is held by the shield without reaching VSPC.
    sim.knobs.forceStatus = 429;
    const throttled = await get(URL_A, beta).expect(429);
    expect(throttled.headers['retry-after']).toBe('5');
    sim.resetKnobs();
    expect(sim.requestCount).toBe(6);
    const held = await get(URL_B, beta).expect(429);
    expect(held.body).toMatchObject({ code: 'upstream-throttled', status: 429 });
    expect(sim.requestCount).toBe(6);

    // The address's bucket: BURST anonymous 401s, then one rate-limited request for a job.
    for (let sent = 0; sent < BURST; sent += 1) await get(URL_A, null).expect(401);
    const limited = await get(`/jobs/copy/${SEED_UID}`, null).expect(429);
    expect(limited.body).toMatchObject({ code: 'rate-limited' });

    // Past the TTL: URL_A is served stale while one background refresh asks VSPC.
    clock += TTL_MS + 1000;
    expect((await get(URL_A).expect(200)).headers['cache-status']).toBe('vspc-proxy; hit; ttl=-1');
    await waitFor(() => sim.requestCount === 7 && proxy.deps.upstream.inflight === 0);
    expect(sim.requestCount).toBe(7);

    const stats = (await get('/admin/cache', ADMIN_TOKEN).expect(200)).body as {
      entries: number;
      bytes: number;
    };
    // URL_A (refreshed), URL_B, and the job's two VSPC reads; nothing else was stored.
    expect(stats.entries).toBe(4);
    expect(stats.bytes).toBeGreaterThan(0);

    const after = await scrape(server);
    for (const [name, type] of LISTED) expect([name, after.types.get(name)]).toEqual([name, type]);
    expect(series(after, 'http_requests_total')).toEqual({
      'http_requests_total{route="/metrics",method="GET",status="200"}': 1,
      'http_requests_total{route="/api/v3/*",method="GET",status="200"}': 6,
      'http_requests_total{route="/jobs/copy/:id",method="GET",status="200"}': 1,
      'http_requests_total{route="unmatched",method="GET",status="404"}': 1,
      'http_requests_total{route="/api/v3/*",method="GET",status="429"}': 2,
      'http_requests_total{route="/api/v3/*",method="GET",status="401"}': BURST,
      'http_requests_total{route="/jobs/copy/:id",method="GET",status="429"}': 1,
      'http_requests_total{route="/admin/cache",method="GET",status="200"}': 1,
    });
    const durationCounts = Object.entries(series(after, 'http_request_duration_seconds_count'));
    expect(Object.fromEntries(durationCounts)).toEqual({
      'http_request_duration_seconds_count{route="/metrics"}': 1,
      'http_request_duration_seconds_count{route="/api/v3/*"}': 6 + 2 + BURST,
      'http_request_duration_seconds_count{route="/jobs/copy/:id"}': 2,
      'http_request_duration_seconds_count{route="unmatched"}': 1,
      'http_request_duration_seconds_count{route="/admin/cache"}': 1,
    });
    // The collapsed pair waited for VSPC's 150 ms: both are above the 0.1 s bucket, whatever else was slow.
    expect(after.samples.get('http_request_duration_seconds_bucket{le="+Inf",route="/api/v3/*"}')).toBe(
      6 + 2 + BURST,
    );
    expect(
      after.samples.get('http_request_duration_seconds_bucket{le="0.1",route="/api/v3/*"}'),
    ).toBeLessThanOrEqual(6 + 2 + BURST - 2);
    expect(after.samples.get('http_request_duration_seconds_sum{route="/api/v3/*"}')).toBeGreaterThan(0.25);
    expect(series(after, 'cache_requests_total')).toEqual({
      'cache_requests_total{outcome="hit"}': 1,
      // URL_A, the first of the URL_B pair, the job, beta's 429 and beta's held call.
      'cache_requests_total{outcome="miss"}': 5,
      'cache_requests_total{outcome="stale"}': 1,
      'cache_requests_total{outcome="collapsed"}': 1,
      'cache_requests_total{outcome="bypass"}': 1,
    });
    expect(series(after, 'cache_entries')).toEqual({ cache_entries: stats.entries });
    expect(series(after, 'cache_bytes')).toEqual({ cache_bytes: stats.bytes });
    expect(series(after, 'upstream_requests_total')).toEqual({
      'upstream_requests_total{status="200"}': sim.requestCount - 1,
      'upstream_requests_total{status="429"}': 1,
    });
    expect(after.samples.get('upstream_request_duration_seconds_count')).toBe(sim.requestCount);
    expect(after.samples.get('upstream_request_duration_seconds_bucket{le="+Inf"}')).toBe(sim.requestCount);
    // The collapsed pair's one call took VSPC's 150 ms.
    expect(after.samples.get('upstream_request_duration_seconds_bucket{le="0.1"}')).toBeLessThanOrEqual(
      sim.requestCount - 1,
    );
    expect(after.samples.get('upstream_request_duration_seconds_sum')).toBeGreaterThanOrEqual(0.15);
    expect(series(after, 'upstream_throttled_total')).toEqual({ upstream_throttled_total: 1 });
    expect(series(after, 'upstream_rejected_total')).toEqual({
      'upstream_rejected_total{reason="queue-full"}': 0,
      'upstream_rejected_total{reason="queue-timeout"}': 0,
      'upstream_rejected_total{reason="throttled"}': 1,
      'upstream_rejected_total{reason="breaker-open"}': 0,
    });
    expect(series(after, 'rate_limited_total')).toEqual({ rate_limited_total: 1 });
    expect(series(after, 'upstream_inflight')).toEqual({ upstream_inflight: 0 });
    expect(series(after, 'upstream_queue_length')).toEqual({ upstream_queue_length: 0 });
    expect(series(after, 'breaker_state')).toEqual({ breaker_state: 0 });

    // Labels are templates: no raw path, query or id anywhere.
    expect(new Set(labelValues(after, 'route'))).toEqual(
      new Set(['/metrics', '/api/v3/*', '/jobs/copy/:id', 'unmatched', '/admin/cache']),
    );
    expect(labelValues(after).filter((value) => UUID.test(value) || value.includes('?'))).toEqual([]);
    expect(after.text).not.toContain('/infrastructure');
    expect(after.text).not.toContain('no-such-route');
    // No credential in the exposition either.
    for (const secret of [alpha, beta, ADMIN_TOKEN]) expect(after.text).not.toContain(secret);

    // The scrape itself is counted once it is answered.
    const again = await scrape(server);
    expect(again.samples.get('http_requests_total{route="/metrics",method="GET",status="200"}')).toBe(2);
  });

  it('one failed VSPC call shared by 5 waiters counts 1 miss and 4 collapsed, in the metric and the access log', async () => {
    const WAITERS = 5;
    let failed = false;
    // VSPC answers 520 once, slowly enough for every waiter to join the call in flight.
    const vspc = await startScriptedUpstream((_call, res) => {
      setTimeout(() => {
        res.statusCode = failed ? 200 : 520;
        failed = true;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ data: [], errors: null }));
      }, 200);
    });
    const proxy = buildProxy(vspc.url);
    const server = await listen(proxy.app);
    opened.push({ proxy, server, close: () => void vspc.close() });

    const answers = await Promise.all(
      Array.from({ length: WAITERS }, () =>
        request(server.url).get(URL_A).set('Authorization', 'Bearer tok-failed-miss'),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(WAITERS).fill(520));
    expect(vspc.calls).toHaveLength(1);

    const after = await scrape(server);
    expect(series(after, 'cache_requests_total')).toEqual({
      'cache_requests_total{outcome="hit"}': 0,
      'cache_requests_total{outcome="miss"}': 1,
      'cache_requests_total{outcome="stale"}': 0,
      'cache_requests_total{outcome="collapsed"}': WAITERS - 1,
      'cache_requests_total{outcome="bypass"}': 0,
    });
    await waitFor(() => proxy.logs.lines().filter((line) => line.path === URL_A).length === WAITERS);
    const logged = proxy.logs.lines().filter((line) => line.path === URL_A);
    expect(logged.map((line) => line.cache).sort()).toEqual([
      ...Array<string>(WAITERS - 1).fill('collapsed'),
      'miss',
    ]);
    // Only the waiter whose request went to VSPC reports VSPC's time; all report its status.
    expect(logged.filter((line) => line.upstreamMs !== undefined)).toHaveLength(1);
    expect(logged.map((line) => line.upstreamStatus)).toEqual(Array(WAITERS).fill(520));
  });

  it('METRICS_TOKEN guards /metrics: 401 without it or with another, 200 with it, and it never shows', async () => {
    const { proxy, server } = await start({ METRICS_TOKEN });
    const denied = await request(server.url).get('/metrics').expect(401);
    expect(denied.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(denied.headers['www-authenticate']).toBe('Bearer');
    expect(denied.body).toMatchObject({
      type: 'urn:vspc-proxy:problem:unauthorized',
      status: 401,
      code: 'unauthorized',
    });
    const wrong = await request(server.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}x`)
      .expect(401);
    await request(server.url).get('/metrics').set('Authorization', `Basic ${METRICS_TOKEN}`).expect(401);

    const allowed = await request(server.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(200);
    const scraped = parse(allowed.text);
    expect(scraped.samples.get('http_requests_total{route="/metrics",method="GET",status="401"}')).toBe(3);
    for (const [name, type] of LISTED) expect([name, scraped.types.get(name)]).toEqual([name, type]);

    for (const res of [denied, wrong, allowed]) {
      expect(res.text).not.toContain(METRICS_TOKEN);
      expect(JSON.stringify(res.headers)).not.toContain(METRICS_TOKEN);
    }
    await waitFor(() => proxy.logs.lines().filter((line) => line.path === '/metrics').length === 4);
    expect(proxy.logs.text()).not.toContain(METRICS_TOKEN);
    expect(
      proxy.logs
        .lines()
        .filter((line) => line.path === '/metrics')
        .map((line) => line.status),
    ).toEqual([401, 401, 401, 200]);
  });

  it("exposes Node's process metrics when main's createMetrics({ defaultMetrics: true }) is passed in", async () => {
    const config = loadConfig({ NODE_ENV: 'test', VSPC_URL: sim.url, ...SHIELD_OFF });
    const logs = captureLogs();
    const deps = createAppDeps(config, {
      origin: sim.url,
      logger: logs.logger,
      metrics: createMetrics({ defaultMetrics: true }),
    });
    const server = await listen(createApp(deps));
    opened.push({ proxy: null, server, close: () => deps.upstream.close() });
    const withProcess = await scrape(server);
    expect(withProcess.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(withProcess.samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    for (const [name, type] of LISTED) expect([name, withProcess.types.get(name)]).toEqual([name, type]);

    // Without one, createAppDeps builds its metrics without them (tests build many apps in one process).
    const { server: plain } = await start({});
    const without = await scrape(plain);
    expect(without.types.has('process_cpu_user_seconds_total')).toBe(false);
    expect(without.types.get('http_requests_total')).toBe('counter');
  });
});
