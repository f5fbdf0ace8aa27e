/**
 * The "thundering herd" scenario of `npm run bench` (BENCH_ONLY=herd): 2,000 requests over 200 distinct
 * cache keys (three demo users' tokens) from 100 connections against a VSPC that throttles above 10 req/s.
 * Each round sends it once through a freshly started proxy (process warmed on other keys, cache cold for
 * these), then once straight to the simulator: the baseline, what clients would see without the proxy.
 *
 * Counted: the calls the simulator saw and how many it throttled, its peak of calls in flight, the statuses
 * clients got, exact p50/p99/max latency over every answer, and the time until the last answer. For the
 * proxy also its cache outcomes and shield refusals, read from its /metrics. */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { Simulator } from '../src/simulator/index.js';
import { median, round } from './stats.js';

export const HERD_REQUESTS = 2000;
export const HERD_KEYS = 200;
export const HERD_CONNECTIONS = 100;
export const HERD_THROTTLE_RPS = 10;
/**
 * Each key belongs to one of these demo users (key k to user k mod 3), so three tokens share the proxy's
 * budget: with one token the per-token cap (4) would bind before the total (8).
 */
const HERD_USERS = ['admin', 'alpha', 'beta'] as const;
/** Per-request timeout: above the proxy's own deadline for a VSPC call (UPSTREAM_TIMEOUT_MS, 15 s). */
const REQUEST_TIMEOUT_S = 20;
/** Bound of one run of 2,000 requests; autocannon is stopped there and the run reported as cut short. */
const RUN_DEADLINE_MS = 25_000;
const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
/** The herd's keys are `limit=5&offset=0..199`; the warm-up's `limit=6&...`, so the herd meets a cold cache. */
const HERD_LIMIT = 5;
const WARM_UP_LIMIT = 6;
/** A 429 of the simulator asks for at most 1 s (its windows are 1 s); the proxy's hold is over after this. */
const HOLD_MS = 1000;
const SHIELD_REASONS = ['throttled', 'queue-full', 'queue-timeout', 'breaker-open'] as const;
const CACHE_OUTCOMES = ['hit', 'miss', 'stale', 'collapsed', 'bypass'] as const;

export interface HerdDeps {
  /** Starts the proxy (`node dist/main.js`, NODE_ENV=production) in front of `sim` with extra environment. */
  startProxy(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }>;
  stop(child: ChildProcess): Promise<void>;
  /** GET on 127.0.0.1. */
  get(port: number, path: string): Promise<{ status: number; body: Buffer }>;
}

/** What one run of the herd saw, at the simulator and at the clients. */
export interface HerdRun {
  /** Calls that reached the simulator (its requestCount delta; the proxy signs no one in). */
  upstreamCalls: number;
  /** Of those, answered 429 by the simulator's throttleRps. */
  upstreamThrottled: number;
  /** Most calls the simulator had in flight at once. */
  upstreamPeakInFlight: number;
  /** Answers clients got, by status: 200, 429, 503 and any other. */
  status200: number;
  status429: number;
  status503: number;
  statusOther: number;
  /** Requests with no answer (socket error or timeout). */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the first request sent to the last answer received. */
  durationMs: number;
  /** Answers received (any status). */
  answered: number;
  /** True when the run hit RUN_DEADLINE_MS and was stopped. */
  cutShort: boolean;
}

/** {@link HerdRun} over the rounds, see {@link summarize}. */
export type HerdSummary = HerdRun & {
  upstreamCallsRange: [number, number];
  status429Range: [number, number];
  p99MsRange: [number, number];
};

export interface HerdResult {
  requests: number;
  keys: number;
  connections: number;
  users: number;
  throttleRps: number;
  throttleScope: 'global';
  upstreamLatencyMs: number;
  /** The proxy's client rate limit (RATE_LIMIT_RPS = RATE_LIMIT_BURST), set out of reach. */
  rateLimitRps: number;
  rounds: number;
  proxy: HerdSummary & {
    /** The proxy's cache outcomes (cache_requests_total). */
    cache: Record<string, number>;
    /** Calls the shield refused without sending them (upstream_rejected_total), by reason. */
    shieldRejected: Record<string, number>;
  };
  direct: HerdSummary;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Exact percentile (nearest rank) of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Waits until just after the simulator's next one-second throttle window starts, so both runs start alike. */
async function nextThrottleWindow(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 5);
}

/** Sends the herd to `port`: exactly HERD_REQUESTS requests, key k = request index mod HERD_KEYS. */
async function fire(
  sim: Simulator,
  port: number,
  tokens: readonly string[],
  limit = HERD_LIMIT,
): Promise<{ run: HerdRun; keysUsed: number }> {
  let next = 0;
  const used = new Set<number>();
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let lastAnswerAt = 0;
  await nextThrottleWindow();
  sim.resetStats();
  const throttledBefore = sim.throttledCount;
  const started = performance.now();
  let cutShort = false;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: HERD_CONNECTIONS,
        amount: HERD_REQUESTS,
        timeout: REQUEST_TIMEOUT_S,
        requests: [
          {
            method: 'GET',
            // autocannon calls this once per request it sends (each connection builds its first request up
            // front), so a shared counter gives every key exactly HERD_REQUESTS / HERD_KEYS requests.
            setupRequest: (request) => {
              const key = next % HERD_KEYS;
              next += 1;
              used.add(key);
              return {
                ...request,
                path: `${COPY_JOBS}?limit=${limit}&offset=${key}`,
                headers: {
                  ...request.headers,
                  authorization: `Bearer ${tokens[key % tokens.length] as string}`,
                },
              };
            },
          },
        ],
      },
      (error) => {
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve();
      },
    );
    const deadline = setTimeout(() => {
      cutShort = true;
      instance.stop();
    }, RUN_DEADLINE_MS);
    instance.on('response', (_client, statusCode: number, _bytes, responseTime: number) => {
      latencies.push(responseTime);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      lastAnswerAt = performance.now();
    });
    instance.on('reqError', () => {
      errors += 1;
    });
  });
  latencies.sort((a, b) => a - b);
  const count = (status: number): number => statuses.get(status) ?? 0;
  const answered = latencies.length;
  const run: HerdRun = {
    upstreamCalls: sim.requestCount,
    upstreamThrottled: sim.throttledCount - throttledBefore,
    upstreamPeakInFlight: sim.peakInFlight,
    status200: count(200),
    status429: count(429),
    status503: count(503),
    statusOther: answered - count(200) - count(429) - count(503),
    errors,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? 0),
    durationMs: round((lastAnswerAt || performance.now()) - started, 0),
    answered,
    cutShort,
  };
  return { run, keysUsed: used.size };
}

/** Sums a Prometheus counter's samples by one label, from the text exposition format. */
function counterByLabel(metrics: string, name: string, label: string, values: readonly string[]) {
  const sums: Record<string, number> = Object.fromEntries(values.map((value) => [value, 0]));
  const pattern = new RegExp(`^${name}\\{[^}]*${label}="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const match of metrics.matchAll(pattern)) {
    const value = match[1] as string;
    sums[value] = (sums[value] ?? 0) + Number(match[2]);
  }
  return sums;
}

/** One round through a cold proxy: the run, and the proxy's cache outcomes and shield refusals. */
async function proxyRound(
  sim: Simulator,
  deps: HerdDeps,
  tokens: readonly string[],
): Promise<{
  run: HerdRun;
  keysUsed: number;
  cache: Record<string, number>;
  shield: Record<string, number>;
}> {
  // The proxy as every scenario starts it: shield defaults, client rate limit out of reach (its default,
  // 50/s and burst 100 per caller, would refuse most of 2,000 requests from three tokens by itself; the
  // scenario is about VSPC's throttling and the upstream budget).
  const proxy = await deps.startProxy({});
  const counters = async () => {
    const metrics = (await deps.get(proxy.port, '/metrics')).body.toString();
    return {
      cache: counterByLabel(metrics, 'cache_requests_total', 'outcome', CACHE_OUTCOMES),
      shield: counterByLabel(metrics, 'upstream_rejected_total', 'reason', SHIELD_REASONS),
    };
  };
  try {
    // Warm the process, not the cache: the same herd on other keys runs every path (miss, hit, 429 passed
    // on, shield refusal) through the JIT first; unwarmed, the first answer on each of the 100 new
    // connections waits 0.25–1 s behind a cold process and sets p99. Then the shield's hold runs out.
    await fire(sim, proxy.port, tokens, WARM_UP_LIMIT);
    await sleep(HOLD_MS + 100);
    const before = await counters();
    const fired = await fire(sim, proxy.port, tokens);
    const after = await counters();
    return {
      ...fired,
      cache: difference(after.cache, before.cache),
      shield: difference(after.shield, before.shield),
    };
  } finally {
    await deps.stop(proxy.child);
  }
}

const difference = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? 0)]));

/**
 * Rounds summed up: the median of each figure, except the worst case for the peak in flight, the errors,
 * the answers (fewest) and cutShort (any); with the range of the headline figures.
 */
function summarize(runs: HerdRun[]): HerdSummary {
  const of = (field: keyof HerdRun): number[] => runs.map((run) => Number(run[field]));
  const range = (field: keyof HerdRun): [number, number] => [Math.min(...of(field)), Math.max(...of(field))];
  const summary = Object.fromEntries(
    (Object.keys(runs[0] as HerdRun) as (keyof HerdRun)[]).map((field) => [field, median(of(field))]),
  ) as unknown as HerdSummary;
  summary.upstreamPeakInFlight = Math.max(...of('upstreamPeakInFlight'));
  summary.errors = Math.max(...of('errors'));
  summary.answered = Math.min(...of('answered'));
  summary.cutShort = runs.some((run) => run.cutShort);
  summary.upstreamCallsRange = range('upstreamCalls');
  summary.status429Range = range('status429');
  summary.p99MsRange = range('p99Ms');
  return summary;
}

function medianCounts(counts: Record<string, number>[]): Record<string, number> {
  const names = [...new Set(counts.flatMap((count) => Object.keys(count)))];
  return Object.fromEntries(names.map((name) => [name, median(counts.map((count) => count[name] ?? 0))]));
}

export async function herd(
  sim: Simulator,
  deps: HerdDeps,
  options: { upstreamLatencyMs: number; rounds: number; rateLimitRps: number },
): Promise<HerdResult> {
  const tokens = HERD_USERS.map((user) => sim.issueToken(user).accessToken);
  const knobs = { ...sim.knobs };
  sim.knobs.latencyMs = options.upstreamLatencyMs;
  sim.knobs.throttleRps = HERD_THROTTLE_RPS;
  // `global`: one budget of 10 req/s for everything, as the issue states it ("a VSPC that throttles above
  // 10 req/s"). VSPC counts both globally and per user; with scope `user` the three demo users here would
  // get 10 req/s each (30 in all), and the simulator's 429 would name the user limit, so the shield would hold
  // only that token instead of every call. (With a single token the two scopes behave the same.)
  sim.knobs.throttleScope = 'global';
  const proxied: Awaited<ReturnType<typeof proxyRound>>[] = [];
  const direct: Awaited<ReturnType<typeof fire>>[] = [];
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      proxied.push(await proxyRound(sim, deps, tokens));
      direct.push(await fire(sim, sim.port, tokens));
    }
  } finally {
    Object.assign(sim.knobs, knobs);
  }
  for (const { keysUsed } of [...proxied, ...direct]) {
    if (keysUsed !== HERD_KEYS) throw new Error(`herd used ${keysUsed} keys, not ${HERD_KEYS}`);
  }
  return {
    requests: HERD_REQUESTS,
    keys: HERD_KEYS,
    connections: HERD_CONNECTIONS,
    users: HERD_USERS.length,
    throttleRps: HERD_THROTTLE_RPS,
    throttleScope: 'global',
    upstreamLatencyMs: options.upstreamLatencyMs,
    rateLimitRps: options.rateLimitRps,
    rounds: options.rounds,
    proxy: {
      ...summarize(proxied.map((round) => round.run)),
      cache: medianCounts(proxied.map((round) => round.cache)),
      shieldRejected: medianCounts(proxied.map((round) => round.shield)),
    },
    direct: summarize(direct.map((round) => round.run)),
  };
}

/** The herd's table: one column for the proxy, one for the simulator called directly. */
export function herdTable(result: HerdResult): string {
  const { proxy, direct } = result;
  const span = ([low, high]: [number, number]): string => (low === high ? '' : ` (${low}–${high})`);
  const rows: [string, string | number, string | number][] = [
    [
      'upstream calls (simulator saw)',
      `${proxy.upstreamCalls}${span(proxy.upstreamCallsRange)}`,
      `${direct.upstreamCalls}${span(direct.upstreamCallsRange)}`,
    ],
    ['  of which throttled (429)', proxy.upstreamThrottled, direct.upstreamThrottled],
    ['peak calls in flight at simulator', proxy.upstreamPeakInFlight, direct.upstreamPeakInFlight],
    ['clients got 200', proxy.status200, direct.status200],
    [
      'clients got 429',
      `${proxy.status429}${span(proxy.status429Range)}`,
      `${direct.status429}${span(direct.status429Range)}`,
    ],
    ['clients got 503', proxy.status503, direct.status503],
    [
      'clients got other / no answer',
      `${proxy.statusOther} / ${proxy.errors}`,
      `${direct.statusOther} / ${direct.errors}`,
    ],
    ['p50 ms', proxy.p50Ms, direct.p50Ms],
    ['p99 ms', `${proxy.p99Ms}${span(proxy.p99MsRange)}`, `${direct.p99Ms}${span(direct.p99MsRange)}`],
    ['max ms', proxy.maxMs, direct.maxMs],
    ['duration ms (to last answer)', proxy.durationMs, direct.durationMs],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const cell = Math.max(...rows.flatMap(([, a, b]) => [String(a).length, String(b).length]));
  const line = (name: string, a: string | number, b: string | number): string =>
    `${name.padEnd(width)}  ${String(a).padStart(cell)}  ${String(b).padStart(cell)}`;
  const lines = [
    `herd: ${result.requests} requests over ${result.keys} keys (${result.users} users), ` +
      `${result.connections} connections; simulator throttles above ${result.throttleRps} req/s ` +
      `(${result.throttleScope}), latency ${result.upstreamLatencyMs} ms; proxy: shield defaults, client ` +
      `rate limit out of reach (RATE_LIMIT_RPS = BURST = ${result.rateLimitRps}); medians of ${result.rounds} rounds ` +
      '(range), peak and errors: worst',
    line('', 'proxy', 'direct (no proxy)'),
    ...rows.map(([name, a, b]) => line(name, a, b)),
    `proxy cache outcomes: ${JSON.stringify(proxy.cache)}`,
    `shield refused without calling VSPC: ${JSON.stringify(proxy.shieldRejected)}`,
  ];
  if (proxy.cutShort || direct.cutShort) lines.push(`a run was cut short at ${RUN_DEADLINE_MS} ms`);
  return lines.join('\n');
}
