import { afterEach, describe, expect, it } from '@jest/globals';
import { register as globalRegistry } from 'prom-client';
import {
  createMetrics,
  createMetricsHandler,
  HTTP_DURATION_BUCKETS_SECONDS,
  UPSTREAM_DURATION_BUCKETS_SECONDS,
  type Metrics,
  type MetricsSources,
} from '../../src/metrics.js';
import { listen, type Listening } from '../helpers/servers.js';

/** Every sample of a text exposition, keyed by its series exactly as printed (`name{labels}`). */
function samples(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    result.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return result;
}

/** Metric name → type, from the `# TYPE` lines. */
function types(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) result.set(match[1] ?? '', match[2] ?? '');
  return result;
}

async function scrape(metrics: Metrics): Promise<Map<string, number>> {
  return samples(await metrics.registry.metrics());
}

// Binary fractions, so sums print exactly.
const HALF_MS = 2 ** -11; // 0.00048828125 s, in the first bucket of both ladders
const QUARTER_S = 0.25;
const TWO_S = 2;

describe('createMetrics', () => {
  it('counts client requests by route template, method and status, and observes durations per route', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.httpRequest('/jobs/copy/:id', 'GET', 200, HALF_MS);
    metrics.httpRequest('/jobs/copy/:id', 'GET', 200, QUARTER_S);
    metrics.httpRequest('/jobs/copy/:id', 'GET', 404, TWO_S);
    metrics.httpRequest('/api/v3/*', 'POST', 502, TWO_S);

    const s = await scrape(metrics);
    expect(s.get('http_requests_total{route="/jobs/copy/:id",method="GET",status="200"}')).toBe(2);
    expect(s.get('http_requests_total{route="/jobs/copy/:id",method="GET",status="404"}')).toBe(1);
    expect(s.get('http_requests_total{route="/api/v3/*",method="POST",status="502"}')).toBe(1);
    expect([...s.keys()].filter((series) => series.startsWith('http_requests_total'))).toHaveLength(3);

    expect(s.get('http_request_duration_seconds_count{route="/jobs/copy/:id"}')).toBe(3);
    expect(s.get('http_request_duration_seconds_sum{route="/jobs/copy/:id"}')).toBe(2.25048828125);
    expect(s.get('http_request_duration_seconds_bucket{le="0.001",route="/jobs/copy/:id"}')).toBe(1);
    expect(s.get('http_request_duration_seconds_bucket{le="0.25",route="/jobs/copy/:id"}')).toBe(2);
    expect(s.get('http_request_duration_seconds_bucket{le="1",route="/jobs/copy/:id"}')).toBe(2);
    expect(s.get('http_request_duration_seconds_bucket{le="2.5",route="/jobs/copy/:id"}')).toBe(3);
    expect(s.get('http_request_duration_seconds_bucket{le="+Inf",route="/jobs/copy/:id"}')).toBe(3);
    expect(s.get('http_request_duration_seconds_count{route="/api/v3/*"}')).toBe(1);
    expect(s.get('http_request_duration_seconds_sum{route="/api/v3/*"}')).toBe(2);
  });

  it('uses the named bucket ladders, from 1 ms to 30 s', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.httpRequest('/r', 'GET', 200, HALF_MS);
    metrics.upstreamRequest(200, HALF_MS);
    const text = await metrics.registry.metrics();
    const bounds = (name: string): number[] =>
      [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"`, 'gm'))]
        .map((match) => match[1] ?? '')
        .filter((le) => le !== '+Inf')
        .map(Number);
    expect(bounds('http_request_duration_seconds')).toEqual(HTTP_DURATION_BUCKETS_SECONDS);
    expect(bounds('upstream_request_duration_seconds')).toEqual(UPSTREAM_DURATION_BUCKETS_SECONDS);
    expect(HTTP_DURATION_BUCKETS_SECONDS[0]).toBe(0.001);
    expect(HTTP_DURATION_BUCKETS_SECONDS.at(-1)).toBe(30);
    expect(UPSTREAM_DURATION_BUCKETS_SECONDS.at(-1)).toBe(30);
  });

  it('counts cache outcomes, every outcome starting at 0', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const before = await scrape(metrics);
    for (const outcome of ['hit', 'miss', 'stale', 'collapsed', 'bypass']) {
      expect(before.get(`cache_requests_total{outcome="${outcome}"}`)).toBe(0);
    }

    metrics.cacheRequest('hit');
    metrics.cacheRequest('hit');
    metrics.cacheRequest('hit');
    metrics.cacheRequest('miss');
    metrics.cacheRequest('collapsed');
    metrics.cacheRequest('collapsed');
    metrics.cacheRequest('bypass');

    const s = await scrape(metrics);
    expect(s.get('cache_requests_total{outcome="hit"}')).toBe(3);
    expect(s.get('cache_requests_total{outcome="miss"}')).toBe(1);
    expect(s.get('cache_requests_total{outcome="stale"}')).toBe(0);
    expect(s.get('cache_requests_total{outcome="collapsed"}')).toBe(2);
    expect(s.get('cache_requests_total{outcome="bypass"}')).toBe(1);
  });

  it('counts VSPC calls by status or failure, 429s, shield refusals and rate-limited clients', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const before = await scrape(metrics);
    for (const reason of ['queue-full', 'queue-timeout', 'throttled', 'breaker-open']) {
      expect(before.get(`upstream_rejected_total{reason="${reason}"}`)).toBe(0);
    }
    expect(before.get('upstream_throttled_total')).toBe(0);
    expect(before.get('rate_limited_total')).toBe(0);

    metrics.upstreamRequest(200, HALF_MS);
    metrics.upstreamRequest(200, QUARTER_S);
    metrics.upstreamRequest(429, HALF_MS);
    metrics.upstreamRequest('timeout', TWO_S);
    metrics.upstreamRequest('reset', HALF_MS);
    metrics.upstreamThrottled();
    metrics.upstreamRejected('queue-full');
    metrics.upstreamRejected('breaker-open');
    metrics.upstreamRejected('breaker-open');
    metrics.rateLimited();
    metrics.rateLimited();
    metrics.rateLimited();

    const s = await scrape(metrics);
    expect(s.get('upstream_requests_total{status="200"}')).toBe(2);
    expect(s.get('upstream_requests_total{status="429"}')).toBe(1);
    expect(s.get('upstream_requests_total{status="timeout"}')).toBe(1);
    expect(s.get('upstream_requests_total{status="reset"}')).toBe(1);
    expect(s.get('upstream_request_duration_seconds_count')).toBe(5);
    expect(s.get('upstream_request_duration_seconds_sum')).toBe(3 * HALF_MS + QUARTER_S + TWO_S);
    expect(s.get('upstream_request_duration_seconds_bucket{le="0.0025"}')).toBe(3);
    expect(s.get('upstream_request_duration_seconds_bucket{le="+Inf"}')).toBe(5);
    expect(s.get('upstream_throttled_total')).toBe(1);
    expect(s.get('upstream_rejected_total{reason="queue-full"}')).toBe(1);
    expect(s.get('upstream_rejected_total{reason="queue-timeout"}')).toBe(0);
    expect(s.get('upstream_rejected_total{reason="throttled"}')).toBe(0);
    expect(s.get('upstream_rejected_total{reason="breaker-open"}')).toBe(2);
    expect(s.get('rate_limited_total')).toBe(3);
  });

  it('reads the gauges from the sources at scrape time, and 0 before sources are set', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const unwired = await scrape(metrics);
    for (const gauge of [
      'cache_entries',
      'cache_bytes',
      'upstream_inflight',
      'upstream_queue_length',
      'breaker_state',
    ]) {
      expect(unwired.get(gauge)).toBe(0);
    }

    const state = { entries: 12, bytes: 34_567, inflight: 3, queued: 7, breaker: 1 as 0 | 1 | 2 };
    const sources: MetricsSources = {
      cacheStats: () => ({ entries: state.entries, bytes: state.bytes }),
      upstreamInflight: () => state.inflight,
      upstreamQueueLength: () => state.queued,
      breakerState: () => state.breaker,
    };
    metrics.setSources(sources);
    const first = await scrape(metrics);
    expect(first.get('cache_entries')).toBe(12);
    expect(first.get('cache_bytes')).toBe(34_567);
    expect(first.get('upstream_inflight')).toBe(3);
    expect(first.get('upstream_queue_length')).toBe(7);
    expect(first.get('breaker_state')).toBe(1);

    Object.assign(state, { entries: 0, bytes: 0, inflight: 8, queued: 0, breaker: 2 });
    const second = await scrape(metrics);
    expect(second.get('cache_entries')).toBe(0);
    expect(second.get('cache_bytes')).toBe(0);
    expect(second.get('upstream_inflight')).toBe(8);
    expect(second.get('upstream_queue_length')).toBe(0);
    expect(second.get('breaker_state')).toBe(2);

    expect(() => metrics.setSources(sources)).toThrow(/already called/);
  });

  it('declares every metric with its type, and Node process metrics only when asked', async () => {
    const expected = new Map([
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
      ['upstream_rejected_total', 'counter'],
      ['breaker_state', 'gauge'],
      ['rate_limited_total', 'counter'],
      ['request_bodies_refused_total', 'counter'],
      ['client_writes_dropped_total', 'counter'],
    ]);
    const bare = types(await createMetrics({ defaultMetrics: false }).registry.metrics());
    expect(bare).toEqual(expected);

    const withDefaults = types(await createMetrics({ defaultMetrics: true }).registry.metrics());
    for (const [name, type] of expected) expect(withDefaults.get(name)).toBe(type);
    expect(withDefaults.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(withDefaults.get('nodejs_heap_size_used_bytes')).toBe('gauge');

    const byDefault = types(await createMetrics().registry.metrics());
    expect(byDefault.get('process_cpu_user_seconds_total')).toBe('counter');
  });

  it('puts the prefix in front of every name, process metrics included', async () => {
    const metrics = createMetrics({ defaultMetrics: true, prefix: 'vspc_proxy_' });
    metrics.rateLimited();
    const text = await metrics.registry.metrics();
    const names = [...types(text).keys()];
    expect(names.length).toBeGreaterThan(13);
    expect(names.filter((name) => !name.startsWith('vspc_proxy_'))).toEqual([]);
    expect(samples(text).get('vspc_proxy_rate_limited_total')).toBe(1);
  });

  it('keeps each registry to itself and leaves the global registry alone', async () => {
    const a = createMetrics({ defaultMetrics: true });
    const b = createMetrics({ defaultMetrics: true });
    a.httpRequest('/jobs/copy', 'GET', 200, HALF_MS);
    a.cacheRequest('hit');
    b.httpRequest('/jobs/copy', 'GET', 200, HALF_MS);
    b.httpRequest('/jobs/copy', 'GET', 200, HALF_MS);
    b.rateLimited();
    a.setSources({
      cacheStats: () => ({ entries: 1, bytes: 2 }),
      upstreamInflight: () => 3,
      upstreamQueueLength: () => 4,
      breakerState: () => 1,
    });

    const sa = await scrape(a);
    const sb = await scrape(b);
    expect(sa.get('http_requests_total{route="/jobs/copy",method="GET",status="200"}')).toBe(1);
    expect(sb.get('http_requests_total{route="/jobs/copy",method="GET",status="200"}')).toBe(2);
    expect(sa.get('cache_requests_total{outcome="hit"}')).toBe(1);
    expect(sb.get('cache_requests_total{outcome="hit"}')).toBe(0);
    expect(sa.get('rate_limited_total')).toBe(0);
    expect(sb.get('rate_limited_total')).toBe(1);
    expect(sa.get('breaker_state')).toBe(1);
    expect(sb.get('breaker_state')).toBe(0);
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });
});

describe('createMetricsHandler', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let server: Listening | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  async function serve(metrics: Metrics, token: string | null, onError?: (error: unknown) => void) {
    const handler = createMetricsHandler(metrics, { token, ...(onError ? { onError } : {}) });
    server = await listen((req, res) => void handler(req, res));
    return server.url;
  }

  async function get(url: string, authorization?: string) {
    const response = await fetch(`${url}/metrics`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    const body = await response.text();
    const headers = JSON.stringify([...response.headers]);
    return { status: response.status, headers: response.headers, rawHeaders: headers, body };
  }

  it('answers the text exposition, uncached, when no token is configured', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.httpRequest('/jobs/copy/:id', 'GET', 200, HALF_MS);
    const url = await serve(metrics, null);

    const answer = await get(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(
      samples(answer.body).get('http_requests_total{route="/jobs/copy/:id",method="GET",status="200"}'),
    ).toBe(1);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer wrong-token-0123456789abcdef'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token as Basic credentials', `Basic ${TOKEN}`],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 problem+json to %s, without echoing the token', async (_case, authorization) => {
    const url = await serve(createMetrics({ defaultMetrics: false }), TOKEN);

    const answer = await get(url, authorization);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'urn:vspc-proxy:problem:unauthorized',
      title: 'Bearer token required',
      status: 401,
      detail: 'Send Authorization: Bearer <METRICS_TOKEN>.',
      code: 'unauthorized',
      instance: '/metrics',
    });
    expect(answer.body).not.toContain('http_requests_total');
    expect(answer.body + answer.rawHeaders).not.toContain(TOKEN);
  });

  it('answers 200 to the right bearer token, without echoing it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.rateLimited();
    const url = await serve(metrics, TOKEN);

    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const answer = await get(url, authorization);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(samples(answer.body).get('rate_limited_total')).toBe(1);
      expect(answer.body + answer.rawHeaders).not.toContain(TOKEN);
    }
  });

  it('answers a bare 500 problem when a source fails, and tells onError why', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.setSources({
      cacheStats: () => {
        throw new Error('secret internals of the cache');
      },
      upstreamInflight: () => 0,
      upstreamQueueLength: () => 0,
      breakerState: () => 0,
    });
    const errors: unknown[] = [];
    const url = await serve(metrics, null, (error) => errors.push(error));

    const answer = await get(url);
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 500,
      code: 'internal',
      detail: 'Metrics could not be collected.',
    });
    expect(answer.body).not.toContain('secret internals');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('secret internals of the cache');
  });

  it('refuses an empty token when built, instead of locking every scraper out', () => {
    expect(() => createMetricsHandler(createMetrics({ defaultMetrics: false }), { token: '' })).toThrow(
      /pass null/,
    );
  });
});
