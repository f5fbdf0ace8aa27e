import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bearerToken } from './callers/bearer.js';
import { instanceOf, requestIdOf } from './http/api-request.js';
import { sendProblem } from './http/problems.js';

/**
 * Buckets (seconds) of `http_request_duration_seconds`. Cache hits answer well under 1 ms, misses take
 * as long as VSPC, and `/jobs/copy/all` may run up to its deadline (30 s by default); 15 s matches the
 * default upstream timeout, so answers that waited for it stand apart from the ones that gave up sooner.
 */
export const HTTP_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30,
];

/**
 * Buckets (seconds) of `upstream_request_duration_seconds`, one VSPC call each. No VSPC, even on the
 * same LAN, answers a TLS request much faster than 2.5 ms, so the ladder starts there; 15 s is the
 * default upstream timeout and 30 s leaves room for a raised one (anything slower lands in `+Inf`).
 */
export const UPSTREAM_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30,
];

/** How a request met the response cache. */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'collapsed' | 'bypass';
export const CACHE_OUTCOMES: readonly CacheOutcome[] = ['hit', 'miss', 'stale', 'collapsed', 'bypass'];

/** Why the proxy's shield refused an upstream call before it reached VSPC. */
export type UpstreamRejectReason = 'queue-full' | 'queue-timeout' | 'throttled' | 'breaker-open';
export const UPSTREAM_REJECT_REASONS: readonly UpstreamRejectReason[] = [
  'queue-full',
  'queue-timeout',
  'throttled',
  'breaker-open',
];

/** Why a request body was refused: the bodies' byte budget was spent, it came too slowly, or it was too large. */
export type BodyRefusalReason = 'busy' | 'timeout' | 'too-large';
export const BODY_REFUSAL_REASONS: readonly BodyRefusalReason[] = ['busy', 'timeout', 'too-large'];

/** Why an answer was dropped before its client read it all: the write backlog's bound, or its deadline. */
export type WriteDropReason = 'memory' | 'deadline';
export const WRITE_DROP_REASONS: readonly WriteDropReason[] = ['memory', 'deadline'];

/** Circuit breaker state as `breaker_state` reports it: 0 closed, 1 open, 2 half-open. */
export type BreakerStateValue = 0 | 1 | 2;

/** The values the gauges read at scrape time; each is called once per scrape and must be cheap. */
export interface MetricsSources {
  cacheStats(): { entries: number; bytes: number };
  upstreamInflight(): number;
  upstreamQueueLength(): number;
  breakerState(): BreakerStateValue;
}

/** One app's Prometheus instruments, on a registry of its own. */
export interface Metrics {
  readonly registry: Registry;
  /**
   * Counts a finished client request and observes its duration. `route` must be a route template
   * (`/jobs/copy/:id`), never a raw path: every distinct value becomes a time series.
   */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  cacheRequest(outcome: CacheOutcome): void;
  /** One VSPC call: its HTTP status, or the transport failure (`timeout`, `reset`, `refused`, ...). */
  upstreamRequest(status: number | string, seconds: number): void;
  /** VSPC answered 429. */
  upstreamThrottled(): void;
  upstreamRejected(reason: UpstreamRejectReason): void;
  /** The client rate limit refused a request. */
  rateLimited(): void;
  /** A request body was refused (503, 408 or 413) and its connection closed. */
  requestBodyRefused(reason: BodyRefusalReason): void;
  /** An answer's connection was dropped before the client had read all of it. */
  clientWriteDropped(reason: WriteDropReason): void;
  /** Connects the gauges read at scrape time; may be called once after the parts exist. */
  setSources(sources: MetricsSources): void;
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (CPU, memory, event loop, GC). Default true; unit tests skip them. */
  defaultMetrics?: boolean;
  /** Put in front of every metric name, such as `vspc_proxy_`. Default none. */
  prefix?: string;
}

type CounterChild = ReturnType<Counter<string>['labels']>;

/**
 * A histogram by route whose `observe` is plain arithmetic (prom-client's own validates and hashes
 * its labels on every call, a cost each cache hit paid). It has the shape prom-client's registry
 * reads (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`) and prints as a prom-client
 * histogram would: cumulative `_bucket` series with `le` (and `+Inf`), `_sum`, `_count`.
 */
class RouteHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  observe(route: string, seconds: number): void {
    let series = this.#series.get(route);
    if (series === undefined) {
      series = { counts: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(route, series);
    }
    let index = 0;
    while (index < this.bounds.length && seconds > (this.bounds[index] as number)) index += 1;
    if (index < this.bounds.length) series.counts[index] = (series.counts[index] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }>;
  }> {
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> = [];
    for (const [route, series] of this.#series) {
      let cumulative = 0;
      this.bounds.forEach((le, index) => {
        cumulative += series.counts[index] as number;
        values.push({ value: cumulative, labels: { le, route }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: series.count, labels: { le: '+Inf', route }, metricName: `${this.name}_bucket` });
      values.push({ value: series.sum, labels: { route }, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: { route }, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    this.#series.clear();
  }
}

/**
 * Builds the instruments on a new `Registry`. Nothing is shared between calls, so many apps can live in
 * one process. Until `setSources` is called the scrape-time gauges read 0.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? '';
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricsSources | null = null;

  // Every client request counts here, cache hits included: plain tallies on the hot path, folded
  // into prom-client's counter when scraped.
  const httpTallies = new Map<string, { route: string; method: string; status: string; count: number }>();
  const httpRequests: Counter<'route' | 'method' | 'status'> = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'Client requests answered, by route template, method and response status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
    collect() {
      for (const tally of httpTallies.values()) {
        if (tally.count === 0) continue;
        httpRequests.labels(tally.route, tally.method, tally.status).inc(tally.count);
        tally.count = 0;
      }
    },
  });
  const httpDuration = new RouteHistogram(
    `${prefix}http_request_duration_seconds`,
    'Time from receiving a client request to finishing its answer, by route template.',
    HTTP_DURATION_BUCKETS_SECONDS,
  );
  // prom-client's registry reads any object with its metric shape; this one is typed as what it mimics.
  registry.registerMetric(httpDuration as unknown as Histogram);
  // Counted on the hot path as plain numbers too, folded in when scraped.
  const cacheTallies = Object.fromEntries(CACHE_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    CacheOutcome,
    number
  >;
  const cacheRequests: Counter<'outcome'> = new Counter({
    name: `${prefix}cache_requests_total`,
    help:
      'Cacheable requests by outcome: hit (fresh entry), miss (fetched from VSPC), stale (stale entry ' +
      'served), collapsed (joined a fetch already in flight), bypass (not cacheable, sent to VSPC).',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      for (const outcome of CACHE_OUTCOMES) {
        if (cacheTallies[outcome] === 0) continue;
        cacheRequestChildren[outcome].inc(cacheTallies[outcome]);
        cacheTallies[outcome] = 0;
      }
    },
  });
  new Gauge({
    name: `${prefix}cache_entries`,
    help: 'Entries in the response cache.',
    registers,
    collect() {
      if (sources !== null) this.set(sources.cacheStats().entries);
    },
  });
  new Gauge({
    name: `${prefix}cache_bytes`,
    help: 'Bytes the response cache accounts for (bounded by CACHE_MAX_BYTES).',
    registers,
    collect() {
      if (sources !== null) this.set(sources.cacheStats().bytes);
    },
  });
  const upstreamRequests = new Counter({
    name: `${prefix}upstream_requests_total`,
    help:
      'Calls to VSPC by outcome: the HTTP status VSPC answered, or the transport failure ' +
      '(timeout, reset, refused, ...) when it did not answer.',
    labelNames: ['status'] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: `${prefix}upstream_request_duration_seconds`,
    help: 'Time one call to VSPC took, from sending the request to the end of the answer or the failure.',
    buckets: [...UPSTREAM_DURATION_BUCKETS_SECONDS],
    registers,
  });
  new Gauge({
    name: `${prefix}upstream_inflight`,
    help: 'Calls to VSPC in flight now.',
    registers,
    collect() {
      if (sources !== null) this.set(sources.upstreamInflight());
    },
  });
  new Gauge({
    name: `${prefix}upstream_queue_length`,
    help: 'Calls to VSPC waiting for a concurrency slot now.',
    registers,
    collect() {
      if (sources !== null) this.set(sources.upstreamQueueLength());
    },
  });
  const upstreamThrottled = new Counter({
    name: `${prefix}upstream_throttled_total`,
    help: 'Answers 429 (Too Many Requests) VSPC sent.',
    registers,
  });
  const upstreamRejected = new Counter({
    name: `${prefix}upstream_rejected_total`,
    help:
      "Calls to VSPC the proxy's shield refused without sending them, by reason: queue-full, " +
      'queue-timeout, throttled (waiting out a VSPC Retry-After), breaker-open.',
    labelNames: ['reason'] as const,
    registers,
  });
  new Gauge({
    name: `${prefix}breaker_state`,
    help: 'State of the circuit breaker in front of VSPC: 0 closed, 1 open, 2 half-open.',
    registers,
    collect() {
      if (sources !== null) this.set(sources.breakerState());
    },
  });
  const rateLimited = new Counter({
    name: `${prefix}rate_limited_total`,
    help: 'Client requests refused with 429 by the client rate limit.',
    registers,
  });

  const requestBodiesRefused = new Counter({
    name: `${prefix}request_bodies_refused_total`,
    help:
      'Request bodies refused before they were read in full, by reason: busy (the bytes all bodies may hold ' +
      'were spent, 503), timeout (not received within REQUEST_BODY_TIMEOUT_MS, 408), too-large (413).',
    labelNames: ['reason'] as const,
    registers,
  });
  const clientWritesDropped = new Counter({
    name: `${prefix}client_writes_dropped_total`,
    help:
      'Answers whose connection was closed before the client read them, by reason: memory (over ' +
      'CLIENT_WRITE_BUFFER_MAX_BYTES, oldest first), deadline (not read within CLIENT_WRITE_TIMEOUT_MS).',
    labelNames: ['reason'] as const,
    registers,
  });

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  // Children are cached so the hot path (a cache hit) builds no label object per call. Every key is
  // bounded: route templates are fixed, Node's parser knows a fixed set of methods, statuses are 3 digits.
  const upstreamRequestChildren = new Map<number | string, CounterChild>();
  // Known label values start at 0, so `rate()` and alerts see them before the first event.
  const cacheRequestChildren = childrenAtZero(cacheRequests, CACHE_OUTCOMES);
  const upstreamRejectedChildren = childrenAtZero(upstreamRejected, UPSTREAM_REJECT_REASONS);
  const requestBodiesRefusedChildren = childrenAtZero(requestBodiesRefused, BODY_REFUSAL_REASONS);
  const clientWritesDroppedChildren = childrenAtZero(clientWritesDropped, WRITE_DROP_REASONS);

  return {
    registry,
    httpRequest(route, method, status, seconds) {
      // Method and status hold no space, so this key is unambiguous whatever the route holds.
      const key = `${method} ${status} ${route}`;
      const tally = httpTallies.get(key);
      if (tally === undefined) httpTallies.set(key, { route, method, status: String(status), count: 1 });
      else tally.count += 1;
      httpDuration.observe(route, seconds);
    },
    cacheRequest(outcome) {
      cacheTallies[outcome] += 1;
    },
    upstreamRequest(status, seconds) {
      let counter = upstreamRequestChildren.get(status);
      if (counter === undefined) {
        counter = upstreamRequests.labels(String(status));
        upstreamRequestChildren.set(status, counter);
      }
      counter.inc();
      upstreamDuration.observe(seconds);
    },
    upstreamThrottled() {
      upstreamThrottled.inc();
    },
    upstreamRejected(reason) {
      upstreamRejectedChildren[reason].inc();
    },
    rateLimited() {
      rateLimited.inc();
    },
    requestBodyRefused(reason) {
      requestBodiesRefusedChildren[reason].inc();
    },
    clientWriteDropped(reason) {
      clientWritesDroppedChildren[reason].inc();
    },
    setSources(next) {
      if (sources !== null) {
        throw new Error('setSources was already called on these metrics; build one Metrics per app.');
      }
      sources = next;
    },
  };
}

function childrenAtZero<V extends string>(
  counter: Counter<string>,
  values: readonly V[],
): Record<V, CounterChild> {
  const children = {} as Record<V, CounterChild>;
  for (const value of values) {
    const child = counter.labels(value);
    child.inc(0);
    children[value] = child;
  }
  return children;
}

export interface MetricsHandlerOptions {
  /** Bearer token a scrape must send; `null` leaves `/metrics` open. */
  token: string | null;
  /** Told why a scrape failed (a source threw); the scraper only gets a bare 500. */
  onError?: (error: unknown) => void;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * `GET /metrics` on a plain Node request (Express passes its own). With a token configured it answers
 * 401 unless the request carries `Authorization: Bearer <token>` (compared in constant time); otherwise
 * the registry's text exposition, never cached. The returned promise rejects only if `onError` throws.
 */
export function createMetricsHandler(
  metrics: Metrics,
  options: MetricsHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  if (options.token === '') {
    throw new TypeError('metrics token must not be empty; pass null to leave /metrics open.');
  }
  const expected = options.token === null ? null : digest(options.token);
  const { registry } = metrics;
  return async (req, res) => {
    const requestId = requestIdOf(req);
    const context = { instance: instanceOf(req), ...(requestId === '' ? {} : { requestId }) };
    if (expected !== null) {
      const token = bearerToken(req.headers.authorization);
      if (token === null || !timingSafeEqual(digest(token), expected)) {
        return sendProblem(res, 'unauthorized', 'Send Authorization: Bearer <METRICS_TOKEN>.', {
          ...context,
          headers: { 'WWW-Authenticate': 'Bearer' },
        });
      }
    }
    let body: string;
    try {
      body = await registry.metrics();
    } catch (error) {
      // The cause goes to the operator's log, never to the scraper.
      options.onError?.(error);
      return sendProblem(res, 'internal', 'Metrics could not be collected.', context);
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  };
}
