import { afterEach, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { documentedCodes, validateProxyResponse } from '../helpers/openapi-proxy.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  listen,
  rawRequest,
  startScriptedUpstream,
  type Listening,
  type RawAnswer,
  type RecordedCall,
  type ScriptedUpstream,
} from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const JOBS = '/api/v3/infrastructure/backupServers/jobs';
const TOKEN = 'tok-shield-breaker-456';
const COOLDOWN_MS = 10_000;
const START_MS = 1_000_000;
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
/**
 * The breaker at its documented defaults; retries stay off unless a test turns them on. VSPC's 5xx
 * answers count by source (distinct callers or paths): the tests that open it with 520s send each
 * request as another tenant (see {@link tenant}).
 */
const BREAKER_ON: Readonly<Record<string, string>> = {
  BREAKER_FAILURES: '5',
  BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
};
const OPENED = 'VSPC circuit breaker opened';
const HALF_OPEN = 'VSPC circuit breaker half-open';
const CLOSED = 'VSPC circuit breaker closed';
const RETRYING = 'retrying VSPC call';

/**
 * What the scripted VSPC does with one call: answer with a status, reset the connection, never answer,
 * or hold the call until the test releases it.
 */
type Reply = number | 'reset' | 'hang' | 'hold';

interface ScriptedVspc {
  upstream: ScriptedUpstream;
  /** Replies to the coming calls, in order, whatever their URL; `fallback` once they run out. */
  replies: Reply[];
  /** Replies to the coming calls for one URL, used before `replies`. */
  byUrl: Map<string, Reply[]>;
  fallback: Reply;
  /** Delay before a status is answered. */
  latencyMs: number;
  /** Calls being answered right now, and the most there ever were at once. */
  active: number;
  peak: number;
  held: Array<{ call: RecordedCall; res: ServerResponse }>;
  /** Answers every held call with `status`. */
  release(status: number): void;
  urls(): string[];
}

async function scriptedVspc(): Promise<ScriptedVspc> {
  const vspc = {
    replies: [],
    byUrl: new Map(),
    fallback: 200,
    latencyMs: 0,
    active: 0,
    peak: 0,
    held: [],
    release(status: number) {
      for (const { call, res } of vspc.held.splice(0)) answer(res, status, call);
    },
    urls: () => vspc.upstream.calls.map((call) => call.url),
  } as unknown as ScriptedVspc;
  vspc.upstream = await startScriptedUpstream((call, res) => {
    vspc.active += 1;
    vspc.peak = Math.max(vspc.peak, vspc.active);
    res.once('close', () => {
      vspc.active -= 1;
    });
    const reply = vspc.byUrl.get(call.url)?.shift() ?? vspc.replies.shift() ?? vspc.fallback;
    if (reply === 'hang') return;
    if (reply === 'hold') {
      vspc.held.push({ call, res });
      return;
    }
    if (reply === 'reset') {
      res.destroy();
      return;
    }
    if (vspc.latencyMs > 0) setTimeout(() => answer(res, reply, call), vspc.latencyMs);
    else answer(res, reply, call);
  });
  return vspc;
}

/** A VSPC-shaped answer: data for 2xx, VSPC's error envelope otherwise. */
function answer(res: ServerResponse, status: number, call: RecordedCall): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (status < 300) {
    res.end(JSON.stringify({ data: [], meta: { url: call.url } }));
    return;
  }
  const retryAfter = status === 429 ? { retryAfter: 1 } : {};
  res.end(
    JSON.stringify({
      errors: [{ message: `forced ${status}`, type: 'transport', code: status, ...retryAfter }],
    }),
  );
}

/** Everything a test started, closed after it. */
const opened: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

interface Setup {
  vspc: ScriptedVspc;
  proxy: TestProxy;
  server: Listening;
}

async function setup(
  env: Record<string, string>,
  options: { now?: () => number; random?: () => number } = {},
): Promise<Setup> {
  const vspc = await scriptedVspc();
  opened.push(() => vspc.upstream.close());
  const proxy = buildProxy(vspc.upstream.url, env, options.now, options.random);
  const server = await listen(proxy.app);
  opened.push(
    () => proxy.close(),
    () => server.close(),
  );
  return { vspc, proxy, server };
}

/** A clock that moves only when the test says so. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let at = START_MS;
  return {
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
  };
}

let sequence = 0;
/** A URL no earlier request used, so the cache never answers it. */
const freshUrl = (): string => `${JOBS}?limit=1&offset=${(sequence += 1)}`;
/** A bearer token no earlier request used: another tenant. */
const tenant = (): string => `tok-tenant-${(sequence += 1)}`;

function send(
  server: Listening,
  options: { method?: string; path?: string; token?: string; body?: string } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? TOKEN}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return rawRequest(server.url, {
    method: options.method ?? 'GET',
    path: options.path ?? freshUrl(),
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

/** Sends the requests one after another, each as another tenant; resolves with their statuses. */
async function statusesOf(server: Listening, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index += 1)
    statuses.push((await send(server, { token: tenant() })).status);
  return statuses;
}

/** One series of the `/metrics` exposition, such as `breaker_state` or `upstream_requests_total{status="520"}`. */
async function metric(server: Listening, series: string): Promise<number | undefined> {
  const res = await rawRequest(server.url, { path: '/metrics' });
  const line = res.body.split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * The OpenAPI document describes this answer of `method path`: its JSON body and media type, and for a
 * problem, its code among the examples of that status.
 */
function expectDocumented(method: string, path: string, res: RawAnswer): void {
  const body = JSON.parse(res.body) as { code?: string };
  const contentType = String(res.headers['content-type']);
  validateProxyResponse(method, path, res.status, body, { contentType });
  if (contentType.startsWith('application/problem+json'))
    expect(documentedCodes(method, path, res.status)).toContain(body.code);
}

function logged(proxy: TestProxy, prefix: string): Array<Record<string, unknown>> {
  return proxy.logs.lines().filter((line) => String(line.msg).startsWith(prefix));
}

/** A 503 the breaker gave without asking VSPC (a HEAD's has no body to check). */
function expectBreakerRefusal(res: RawAnswer, retryAfter: string): void {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toBe(PROBLEM_JSON);
  expect(res.headers['retry-after']).toBe(retryAfter);
  if (res.body === '') return;
  expect(JSON.parse(res.body)).toMatchObject({
    type: 'urn:vspc-proxy:problem:upstream-unavailable',
    code: 'upstream-unavailable',
    status: 503,
  });
}

/** Opens the breaker with BREAKER_FAILURES 520s in a row, from as many tenants. */
async function openBreaker({ vspc, proxy, server }: Setup): Promise<void> {
  const before = vspc.upstream.calls.length;
  vspc.replies.push(520, 520, 520, 520, 520);
  expect(await statusesOf(server, 5)).toEqual([520, 520, 520, 520, 520]);
  expect(vspc.upstream.calls.length - before).toBe(5);
  expect(proxy.deps.upstream.breakerState).toBe('open');
}

describe('the circuit breaker', () => {
  it('opens after exactly BREAKER_FAILURES consecutive 520s from as many tenants: then 503 upstream-unavailable at once, no VSPC call, /readyz 503, breaker_state 1', async () => {
    const clock = manualClock();
    const s = await setup(BREAKER_ON, { now: clock.now });
    const { vspc, proxy, server } = s;
    vspc.replies.push(520, 520, 520, 520);
    expect(await statusesOf(server, 4)).toEqual([520, 520, 520, 520]);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(await metric(server, 'breaker_state')).toBe(0);
    expect(logged(proxy, OPENED)).toHaveLength(0);

    vspc.replies.push(520);
    const fifth = await send(server, { token: tenant() });
    expect(fifth.status).toBe(520); // VSPC's own answer still reaches the client
    expect(JSON.parse(fifth.body)).toEqual({
      errors: [{ message: 'forced 520', type: 'transport', code: 520 }],
    });
    expect(proxy.deps.upstream.breakerState).toBe('open');
    expect(vspc.upstream.calls).toHaveLength(5);

    expectDocumented('GET', JOBS, fifth); // VSPC's own 520, passed through

    // VSPC would answer now, but nobody asks it: reads and writes alike fail fast.
    const sixth = await send(server);
    expectBreakerRefusal(sixth, String(COOLDOWN_MS / 1000));
    expectDocumented('GET', JOBS, sixth);
    const head = await send(server, { method: 'HEAD' });
    expect(head.body).toBe('');
    expectBreakerRefusal(head, '10');
    const post = await send(server, { method: 'POST', path: `${JOBS}/x/start`, body: '{}' });
    expectBreakerRefusal(post, '10');
    expectDocumented('POST', `${JOBS}/x/start`, post);
    expect(vspc.upstream.calls).toHaveLength(5);

    const readyz = await rawRequest(server.url, { path: '/readyz' });
    expect(readyz.status).toBe(503);
    expect(readyz.headers['content-type']).toBe(PROBLEM_JSON);
    expect(JSON.parse(readyz.body)).toMatchObject({ code: 'not-ready' });
    expect(JSON.parse(readyz.body).detail).toMatch(/circuit breaker is open/);
    expectDocumented('GET', '/readyz', readyz);
    expect(await metric(server, 'breaker_state')).toBe(1);
    expect(await metric(server, 'upstream_rejected_total{reason="breaker-open"}')).toBe(3);
    expect(await metric(server, 'upstream_requests_total{status="520"}')).toBe(5);
    expect(vspc.upstream.calls).toHaveLength(5);

    // One state change, one line, however many requests it refused.
    const opens = logged(proxy, OPENED);
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ level: 'warn', breaker: 'open', failures: 5, cooldownMs: COOLDOWN_MS });
    expect(logged(proxy, HALF_OPEN)).toHaveLength(0);
  });

  it('calls queued behind the failure that opens it are refused, not sent (UPSTREAM_MAX_CONCURRENCY=1)', async () => {
    const { vspc, proxy, server } = await setup({ ...BREAKER_ON, UPSTREAM_MAX_CONCURRENCY: '1' });
    vspc.replies.push('hold');
    vspc.fallback = 520;
    const answers = Array.from({ length: 7 }, () => send(server, { token: tenant() }));
    await waitFor(() => proxy.deps.upstream.inflight === 1 && proxy.deps.upstream.queueLength === 6);
    vspc.release(520);
    const statuses = (await Promise.all(answers)).map((res) => res.status);
    expect(vspc.upstream.calls).toHaveLength(5);
    expect(statuses.sort()).toEqual([503, 503, 520, 520, 520, 520, 520]);
    expect(logged(proxy, OPENED)).toHaveLength(1);
  });

  it('transport failures and any 5xx count: 520, 503, reset, 504 and a timeout (five tenants) open it', async () => {
    const { vspc, proxy, server } = await setup({ ...BREAKER_ON, UPSTREAM_TIMEOUT_MS: '200' });
    vspc.replies.push(520, 503, 'reset', 504, 'hang');
    const answers = [];
    for (let index = 0; index < 5; index += 1) answers.push(await send(server, { token: tenant() }));
    expect(answers.map((res) => res.status)).toEqual([520, 503, 502, 504, 504]);
    expect(JSON.parse(answers[2]?.body ?? '')).toMatchObject({ code: 'upstream-unreachable' });
    expect(JSON.parse(answers[4]?.body ?? '')).toMatchObject({ code: 'upstream-timeout' });
    expect(proxy.deps.upstream.breakerState).toBe('open');
    expectBreakerRefusal(await send(server), '10');
    expect(vspc.upstream.calls).toHaveLength(5);
  });

  it('after BREAKER_COOLDOWN_MS one probe goes to VSPC (half-open), others are refused meanwhile; its success closes the breaker', async () => {
    const clock = manualClock();
    const s = await setup(BREAKER_ON, { now: clock.now });
    const { vspc, proxy, server } = s;
    await openBreaker(s);

    clock.advance(COOLDOWN_MS - 1);
    expectBreakerRefusal(await send(server), '1');
    expect(proxy.deps.upstream.breakerState).toBe('open');
    expect(vspc.upstream.calls).toHaveLength(5);

    clock.advance(1);
    expect(proxy.deps.upstream.breakerState).toBe('half-open');
    expect(await metric(server, 'breaker_state')).toBe(2);
    vspc.replies.push('hold');
    const probe = send(server);
    await waitFor(() => vspc.upstream.calls.length === 6);
    expect(logged(proxy, HALF_OPEN)).toHaveLength(1);

    // While the probe runs: every other request is refused at once, /readyz too, and VSPC sees only the probe.
    const during = await Promise.all([send(server), send(server), send(server, { method: 'HEAD' })]);
    for (const res of during) expectBreakerRefusal(res, '1');
    const readyz = await rawRequest(server.url, { path: '/readyz' });
    expect(readyz.status).toBe(503);
    expect(await metric(server, 'breaker_state')).toBe(2);
    expect(vspc.upstream.calls).toHaveLength(6);

    vspc.release(200);
    expect((await probe).status).toBe(200);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(await metric(server, 'breaker_state')).toBe(0);
    expect(logged(proxy, CLOSED)).toHaveLength(1);
    expect(logged(proxy, OPENED)).toHaveLength(1);

    // Closed: requests reach VSPC again, and the failure count starts over.
    expect(await statusesOf(server, 3)).toEqual([200, 200, 200]);
    vspc.replies.push(520, 520, 520, 520);
    expect(await statusesOf(server, 4)).toEqual([520, 520, 520, 520]);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(vspc.upstream.calls).toHaveLength(13);
  });

  it('a failed probe opens it again for another full cool-down, then the next probe decides', async () => {
    const clock = manualClock();
    const s = await setup(BREAKER_ON, { now: clock.now });
    const { vspc, proxy, server } = s;
    await openBreaker(s);
    clock.advance(COOLDOWN_MS);

    vspc.replies.push(520);
    expect((await send(server)).status).toBe(520); // the probe gets VSPC's answer
    expect(vspc.upstream.calls).toHaveLength(6);
    expect(proxy.deps.upstream.breakerState).toBe('open');
    expect(await metric(server, 'breaker_state')).toBe(1);
    expect(logged(proxy, OPENED)).toHaveLength(2);

    expectBreakerRefusal(await send(server), '10');
    clock.advance(COOLDOWN_MS - 1);
    expectBreakerRefusal(await send(server), '1');
    expect(vspc.upstream.calls).toHaveLength(6);

    clock.advance(1);
    expect((await send(server)).status).toBe(200);
    expect(vspc.upstream.calls).toHaveLength(7);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(logged(proxy, HALF_OPEN)).toHaveLength(2);
    expect(logged(proxy, CLOSED)).toHaveLength(1);
  });

  const STALE_AFTER_REFUSAL = 'vspc-proxy; fwd=stale; ttl=-1; detail=breaker-open';

  it('serves a stale entry while open, with no VSPC call; an uncached request gets 503', async () => {
    const clock = manualClock();
    const s = await setup(
      { ...BREAKER_ON, CACHE_TTL_MS: '1000', CACHE_STALE_MS: '60000' },
      { now: clock.now },
    );
    const { vspc, server } = s;
    const cached = freshUrl();
    const stored = await send(server, { path: cached });
    expect(stored.status).toBe(200);
    expect(stored.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    await openBreaker(s);
    expect(vspc.upstream.calls).toHaveLength(6);

    clock.advance(2000); // past the TTL, inside the stale window and the cool-down
    const stale = await send(server, { path: cached });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe(stored.body);
    expect(stale.headers['cache-status']).toBe('vspc-proxy; hit; ttl=-1');
    // Its background refresh is refused by the breaker; the entry stays, marked with why.
    let again = await send(server, { path: cached });
    for (let tries = 0; tries < 20 && again.headers['cache-status'] !== STALE_AFTER_REFUSAL; tries += 1)
      again = await send(server, { path: cached });
    expect(again.status).toBe(200);
    expect(again.body).toBe(stored.body);
    expect(again.headers['cache-status']).toBe(STALE_AFTER_REFUSAL);
    expectBreakerRefusal(await send(server), '8');
    expect(vspc.upstream.calls).toHaveLength(6);
  });

  it('a success in between resets the count: 4 failures, 1 success, 4 failures leave it closed; a 5th in a row opens it', async () => {
    const { vspc, proxy, server } = await setup(BREAKER_ON);
    vspc.replies.push(520, 520, 520, 520, 200, 520, 520, 520, 520);
    expect(await statusesOf(server, 9)).toEqual([520, 520, 520, 520, 200, 520, 520, 520, 520]);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(await metric(server, 'breaker_state')).toBe(0);
    vspc.replies.push(520);
    expect((await send(server, { token: tenant() })).status).toBe(520);
    expect(proxy.deps.upstream.breakerState).toBe('open');
    expectBreakerRefusal(await send(server), '10');
    expect(vspc.upstream.calls).toHaveLength(10);
  });

  it.each([400, 401, 403, 404, 429])(
    '%i answers are not failures: six in a row leave it closed',
    async (status) => {
      const { vspc, proxy, server } = await setup(BREAKER_ON);
      vspc.fallback = status;
      // One token each: a 429 holds its token's later calls, which would then never reach VSPC.
      const answers = [];
      for (let index = 0; index < 6; index += 1)
        answers.push(await send(server, { token: `tok-${status}-${index}` }));
      expect(answers.map((res) => res.status)).toEqual(Array(6).fill(status));
      expect(vspc.upstream.calls).toHaveLength(6);
      expect(proxy.deps.upstream.breakerState).toBe('closed');
      expect(await metric(server, 'breaker_state')).toBe(0);
      expect(logged(proxy, OPENED)).toHaveLength(0);
    },
  );

  it('with retries on, a call counts once, by its last attempt: 520s from two calls of one tenant leave it closed', async () => {
    const { vspc, proxy, server } = await setup(
      { ...BREAKER_ON, UPSTREAM_RETRIES: '2' },
      { random: () => 0 },
    );
    vspc.fallback = 520;
    expect((await send(server)).status).toBe(520); // attempts 1-3
    expect(vspc.upstream.calls).toHaveLength(3);
    const second = await send(server); // attempts 4-6: the same tenant, the same path
    expect(second.status).toBe(520);
    expect(JSON.parse(second.body)).toMatchObject({ errors: [{ code: 520 }] });
    expect(vspc.upstream.calls).toHaveLength(6);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(await metric(server, 'upstream_requests_total{status="520"}')).toBe(6);
  });
});

describe('retries of idempotent calls', () => {
  const RETRIES_ON = { UPSTREAM_RETRIES: '2', UPSTREAM_RETRY_BASE_MS: '100' };

  it('520, 520, 200 → the client gets 200 after exactly 3 calls', async () => {
    const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.replies.push(520, 520, 200);
    const path = freshUrl();
    const res = await send(server, { path });
    expect(res.status).toBe(200);
    expect(res.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    expect(vspc.urls()).toEqual([path, path, path]);
  });

  it('backs off exponentially with full jitter: random × UPSTREAM_RETRY_BASE_MS × 2^attempt', async () => {
    const { vspc, proxy, server } = await setup(
      { ...RETRIES_ON, UPSTREAM_RETRIES: '3' },
      { random: () => 0.5 },
    );
    vspc.replies.push(520, 503, 'reset', 200);
    expect((await send(server)).status).toBe(200);
    expect(vspc.upstream.calls).toHaveLength(4);
    const retries = logged(proxy, RETRYING).map((line) => [
      line.attempt,
      line.upstreamStatus ?? line.failure,
      line.delayMs,
    ]);
    expect(retries).toEqual([
      [1, 520, 50],
      [2, 503, 100],
      [3, 'reset', 200],
    ]);
  });

  it('520 three times → the client gets VSPC’s 520 after exactly 1 + UPSTREAM_RETRIES calls', async () => {
    const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.fallback = 520;
    const res = await send(server);
    expect(res.status).toBe(520);
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ message: 'forced 520', type: 'transport', code: 520 }],
    });
    expect(vspc.upstream.calls).toHaveLength(3);
  });

  it.each([502, 503, 504])('%i is retried too', async (status) => {
    const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.replies.push(status);
    expect((await send(server)).status).toBe(200);
    expect(vspc.upstream.calls).toHaveLength(2);
  });

  it('a connection reset, then 200 → 200 after 2 calls', async () => {
    const { vspc, proxy, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.replies.push('reset');
    expect((await send(server)).status).toBe(200);
    expect(vspc.upstream.calls).toHaveLength(2);
    expect(logged(proxy, RETRYING)).toMatchObject([{ failure: 'reset' }]);
  });

  it('a refused connection is retried: 1 + UPSTREAM_RETRIES attempts, then 502', async () => {
    const dead = await listen((_req, res) => res.end());
    await dead.close();
    const proxy = buildProxy(dead.url, RETRIES_ON, undefined, () => 0);
    const server = await listen(proxy.app);
    opened.push(
      () => proxy.close(),
      () => server.close(),
    );
    const res = await send(server);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'upstream-unreachable' });
    expect(await metric(server, 'upstream_requests_total{status="refused"}')).toBe(3);
    expect(logged(proxy, RETRYING)).toHaveLength(2);
  });

  it.each([400, 401, 404, 429, 500])('%i is never retried: 1 call', async (status) => {
    const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.replies.push(status);
    expect((await send(server)).status).toBe(status);
    expect(vspc.upstream.calls).toHaveLength(1);
  });

  it('a timeout is not retried: 1 call, 504', async () => {
    const { vspc, server } = await setup({ ...RETRIES_ON, UPSTREAM_TIMEOUT_MS: '200' }, { random: () => 0 });
    vspc.replies.push('hang');
    const res = await send(server);
    expect(res.status).toBe(504);
    expect(vspc.upstream.calls).toHaveLength(1);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
    'a %s answered 520 is not retried: exactly 1 call',
    async (method) => {
      const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
      vspc.replies.push(520);
      const res = await send(server, {
        method,
        path: `${JOBS}/x`,
        ...(method === 'DELETE' ? {} : { body: '{}' }),
      });
      expect(res.status).toBe(520);
      expect(vspc.upstream.calls).toHaveLength(1);
      expect(vspc.upstream.calls[0]?.method).toBe(method);
    },
  );

  it('a POST whose connection is reset is not retried: exactly 1 call, 502', async () => {
    const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.replies.push('reset');
    const res = await send(server, { method: 'POST', path: `${JOBS}/x/start`, body: '{}' });
    expect(res.status).toBe(502);
    expect(vspc.upstream.calls).toHaveLength(1);
  });

  it('a HEAD is retried too (asked of VSPC as a GET)', async () => {
    const { vspc, server } = await setup(RETRIES_ON, { random: () => 0 });
    vspc.replies.push(520, 503);
    const res = await send(server, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(vspc.upstream.calls.map((call) => call.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('no retry when its backoff would pass the overall deadline (UPSTREAM_TIMEOUT_MS)', async () => {
    const clock = manualClock(); // frozen: only the backoff itself counts against the deadline
    const { vspc, proxy, server } = await setup(
      { ...RETRIES_ON, UPSTREAM_TIMEOUT_MS: '1000', UPSTREAM_RETRY_BASE_MS: '5000' },
      { now: clock.now, random: () => 0.5 }, // backoff 0.5 × min(2000, 5000) = 1000 ms: not before the deadline
    );
    vspc.replies.push(520);
    expect((await send(server)).status).toBe(520);
    expect(vspc.upstream.calls).toHaveLength(1);
    expect(logged(proxy, RETRYING)).toHaveLength(0);
  });

  it('a backoff that ends before the deadline is waited out, then retried', async () => {
    const clock = manualClock();
    const { vspc, proxy, server } = await setup(
      { ...RETRIES_ON, UPSTREAM_TIMEOUT_MS: '1000', UPSTREAM_RETRY_BASE_MS: '5000' },
      { now: clock.now, random: () => 0.05 }, // backoff 0.05 × min(2000, 5000) = 100 ms
    );
    vspc.replies.push(520);
    expect((await send(server)).status).toBe(200);
    expect(vspc.upstream.calls).toHaveLength(2);
    expect(logged(proxy, RETRYING)).toMatchObject([{ attempt: 1, delayMs: 100 }]);
  });

  it('retries count against the budget: with UPSTREAM_MAX_CONCURRENCY=1 VSPC never sees 2 calls at once', async () => {
    const { vspc, proxy, server } = await setup(
      { ...RETRIES_ON, UPSTREAM_RETRY_BASE_MS: '40', UPSTREAM_MAX_CONCURRENCY: '1' },
      { random: () => 0.5 }, // backoffs 20 ms, then 40 ms
    );
    vspc.latencyMs = 30; // longer than the first backoff: a retry that skipped the budget would overlap
    const retried = freshUrl();
    vspc.byUrl.set(retried, ['hold', 520, 200]);
    const a = send(server, { path: retried });
    await waitFor(() => vspc.upstream.calls.length === 1);
    const others = [freshUrl(), freshUrl()];
    const b = send(server, { path: others[0] as string });
    const c = send(server, { path: others[1] as string });
    await waitFor(() => proxy.deps.upstream.queueLength === 2);
    vspc.release(520);
    expect((await Promise.all([a, b, c])).map((res) => res.status)).toEqual([200, 200, 200]);
    // A call keeps its slot through its backoffs and retries: the calls queued meanwhile wait for all of it.
    expect(vspc.urls()).toEqual([retried, retried, retried, others[0], others[1]]);
    expect(vspc.peak).toBe(1);
  });
});

describe('against the simulator', () => {
  async function simulatorProxy(
    knobs: Partial<Simulator['knobs']>,
    env: Record<string, string>,
    options: { now?: () => number; random?: () => number } = {},
  ): Promise<{ sim: Simulator; proxy: TestProxy; server: Listening; token: string }> {
    const sim = await startSimulator({ knobs });
    opened.push(() => sim.close());
    const proxy = buildProxy(sim.url, env, options.now, options.random);
    const server = await listen(proxy.app);
    opened.push(
      () => proxy.close(),
      () => server.close(),
    );
    return { sim, proxy, server, token: sim.issueToken('admin').accessToken };
  }

  it('a failing simulator opens the breaker after 5 calls of 5 sessions; healed, the probe after the cool-down closes it', async () => {
    const clock = manualClock();
    const { sim, proxy, server, token } = await simulatorProxy({ failureRate: 1 }, BREAKER_ON, {
      now: clock.now,
    });
    const statuses = [];
    for (let index = 0; index < 5; index += 1) {
      const session = sim.issueToken('admin').accessToken;
      statuses.push((await send(server, { token: session })).status);
    }
    expect(statuses).toEqual([520, 520, 520, 520, 520]);
    expectBreakerRefusal(await send(server, { token }), '10');
    expect(sim.requestCount).toBe(5);

    sim.knobs.failureRate = 0;
    expectBreakerRefusal(await send(server, { token }), '10');
    clock.advance(COOLDOWN_MS);
    const probe = await send(server, { token });
    expect(probe.status).toBe(200);
    expect(JSON.parse(probe.body).data).toHaveLength(1);
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    expect(sim.requestCount).toBe(6);
  });

  it('a simulator resetting connections: a GET is tried 1 + UPSTREAM_RETRIES times, a POST once', async () => {
    const { sim, server, token } = await simulatorProxy(
      { resetConnection: true },
      { UPSTREAM_RETRIES: '2' },
      { random: () => 0 },
    );
    const get = await send(server, { token });
    expect(get.status).toBe(502);
    expect(JSON.parse(get.body)).toMatchObject({ code: 'upstream-unreachable' });
    expect(sim.requestCount).toBe(3);
    const post = await send(server, { token, method: 'POST', path: `${JOBS}/x/start`, body: '{}' });
    expect(post.status).toBe(502);
    expect(sim.requestCount).toBe(4);
  });
});
