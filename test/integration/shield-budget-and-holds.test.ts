import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { documentedCodes, validateProxyResponse } from '../helpers/openapi-proxy.js';
import { buildProxy } from '../helpers/proxy.js';
import { waitFor } from '../helpers/wait.js';
import {
  rawRequest,
  listen,
  startScriptedUpstream,
  type Listening,
  type RawAnswer,
} from '../helpers/servers.js';

const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const page = (offset: number) => `${COPY_JOBS}?limit=1&offset=${offset}`;

/** Everything a test started, closed after it. */
const opened: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function proxyOver(vspcUrl: string, env: Record<string, string>, now?: () => number) {
  const proxy = buildProxy(vspcUrl, env, now);
  const server = await listen(proxy.app);
  opened.push(
    () => proxy.close(),
    () => server.close(),
  );
  return { proxy, server };
}

async function simulator(latencyMs: number): Promise<Simulator> {
  const sim = await startSimulator({ knobs: { latencyMs } });
  opened.push(() => sim.close());
  return sim;
}

const get = (server: Listening, path: string, token: string) =>
  rawRequest(server.url, { path, headers: { authorization: `Bearer ${token}` } });

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

describe('the upstream budget', () => {
  it('500 concurrent distinct misses from three tokens never put more than 8 calls in flight at VSPC', async () => {
    const sim = await simulator(20);
    const { server } = await proxyOver(sim.url, {});
    const tokens = ['admin', 'alpha', 'beta'].map((user) => sim.issueToken(user).accessToken);
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, index) => get(server, page(index), tokens[index % 3] as string)),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(500);
    expect(sim.requestCount).toBe(500);
    // Three tokens of 4 each could use 12 slots; the total budget holds them at 8.
    expect(sim.peakInFlight).toBe(8);
  });

  it('holds one token to UPSTREAM_MAX_CONCURRENCY_PER_TOKEN while another token still gets slots', async () => {
    // Each call takes 300 ms: long enough that the queue cannot move while the gauges are read.
    const sim = await simulator(300);
    const { proxy, server } = await proxyOver(sim.url, {});
    const alpha = sim.issueToken('alpha').accessToken;
    const beta = sim.issueToken('beta').accessToken;
    const alphaMisses = Array.from({ length: 20 }, (_, index) => get(server, page(index), alpha));
    // While alpha's 16 extra calls wait, beta's call goes at once: a capped token does not block others.
    await waitFor(() => proxy.deps.upstream.queueLength === 16);
    expect(proxy.deps.upstream.inflight).toBe(4);
    // The gauges read the same at a scrape.
    const scrape = await request(server.url).get('/metrics').expect(200);
    expect(scrape.text).toMatch(/^upstream_inflight 4$/m);
    expect(scrape.text).toMatch(/^upstream_queue_length 16$/m);
    const betaAnswer = await get(server, page(0), beta);
    expect(betaAnswer.status).toBe(200);
    expect(proxy.deps.upstream.queueLength).toBeGreaterThan(0);
    const answers = await Promise.all(alphaMisses);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(sim.peakInFlight).toBe(5);
    expect(sim.requestCount).toBe(21);
  });

  it('a full queue answers 503 upstream-overloaded with Retry-After at once, without calling VSPC', async () => {
    const sim = await simulator(300);
    const { proxy, server } = await proxyOver(sim.url, {
      UPSTREAM_MAX_CONCURRENCY: '1',
      UPSTREAM_QUEUE_MAX: '2',
    });
    const alpha = sim.issueToken('alpha').accessToken;
    const admitted = [0, 1, 2].map((offset) => get(server, page(offset), alpha));
    await waitFor(() => proxy.deps.upstream.queueLength === 2);
    const started = Date.now();
    const refused = await get(server, page(3), alpha);
    expect(Date.now() - started).toBeLessThan(250);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'upstream-overloaded', status: 503 });
    expectDocumented('GET', page(3), refused);
    expect((await Promise.all(admitted)).map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(sim.requestCount).toBe(3);
    expect(sim.peakInFlight).toBe(1);
  });

  it('a call that waits until too little of its deadline is left is answered 503 upstream-overloaded, never sent', async () => {
    const vspc = await startScriptedUpstream(() => undefined); // never answers
    opened.push(() => vspc.close());
    const { server } = await proxyOver(vspc.url, {
      UPSTREAM_MAX_CONCURRENCY: '1',
      UPSTREAM_TIMEOUT_MS: '400',
    });
    const first = get(server, page(0), 'tok-a'); // holds the one slot until its 400 ms deadline
    await waitFor(() => vspc.calls.length === 1);
    const started = Date.now();
    // Its wait ends when a quarter of its 400 ms is left (100 ms < 250 ms), before the slot frees.
    const second = await get(server, page(1), 'tok-b');
    const waitedMs = Date.now() - started;
    expect(second.status).toBe(503);
    expect(JSON.parse(second.body)).toMatchObject({ code: 'upstream-overloaded', status: 503 });
    expectDocumented('GET', page(1), second);
    expect(second.headers['retry-after']).toBe('1');
    expect(waitedMs).toBeGreaterThanOrEqual(280); // it did wait (until 400 - 100 ms), it was not refused at once
    expect((await first).status).toBe(504);
    expect(vspc.calls.map((call) => call.url)).toEqual([page(0)]);
  });

  it('/readyz is not ready while every slot stays busy, and its probe is never sent', async () => {
    const vspc = await startScriptedUpstream(() => undefined); // never answers
    opened.push(() => vspc.close());
    const { server } = await proxyOver(vspc.url, {
      UPSTREAM_MAX_CONCURRENCY: '1',
      UPSTREAM_TIMEOUT_MS: '2000',
      READY_TIMEOUT_MS: '100',
    });
    const busy = get(server, page(0), 'tok-a');
    await waitFor(() => vspc.calls.length === 1);
    const ready = await request(server.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      code: 'not-ready',
      detail: 'Every VSPC call slot (UPSTREAM_MAX_CONCURRENCY) stayed busy: the probe could not be sent.',
    });
    validateProxyResponse('GET', '/readyz', 503, ready.body, { contentType: ready.headers['content-type'] });
    expect(documentedCodes('GET', '/readyz', 503)).toContain('not-ready');
    expect(vspc.calls).toHaveLength(1);
    expect((await busy).status).toBe(504);
  });
});

describe('VSPC throttling (429) holds calls', () => {
  it('after retryAfter: 2, no call reaches VSPC for 2 s: stale entries are served, the rest get 429 with Retry-After', async () => {
    let clock = 5_000_000;
    const sim = await simulator(0);
    const { server } = await proxyOver(
      sim.url,
      { CACHE_TTL_MS: '1000', CACHE_STALE_MS: '60000' },
      () => clock,
    );
    const alpha = sim.issueToken('alpha').accessToken;
    const beta = sim.issueToken('beta').accessToken;
    expect((await get(server, page(0), alpha)).status).toBe(200); // cached
    clock += 1500; // the entry is now stale (servable)

    sim.knobs.forceStatus = 429;
    sim.knobs.retryAfterS = 2;
    const throttled = await get(server, page(1), alpha);
    expect(throttled.status).toBe(429);
    // VSPC's own body passes through; its wait becomes a Retry-After header.
    expect(JSON.parse(throttled.body)).toMatchObject({ errors: [{ code: 429, retryAfter: 2 }] });
    expect(throttled.headers['retry-after']).toBe('2');
    expectDocumented('GET', page(1), throttled); // VSPC's own 429, passed through
    const callsAtHold = sim.requestCount;
    expect(callsAtHold).toBe(2);

    sim.knobs.forceStatus = null; // VSPC would answer now, but the hold is not over
    for (const elapsedMs of [0, 500, 1000, 1500, 1999]) {
      const at = clock + elapsedMs;
      const saved = clock;
      clock = at;
      const stale = await get(server, page(0), alpha);
      expect(stale.status).toBe(200);
      // The first stale answer starts a refresh, which the hold refuses; later ones report the 429.
      expect(stale.headers['cache-status']).toBe(
        elapsedMs === 0
          ? 'vspc-proxy; hit; ttl=-1'
          : `vspc-proxy; fwd=stale; fwd-status=429; ttl=${Math.floor(-(500 + elapsedMs) / 1000)}`,
      );
      const held = await get(server, page(2), alpha);
      expect(held.status).toBe(429);
      expect(JSON.parse(held.body)).toMatchObject({ code: 'upstream-throttled', status: 429 });
      expectDocumented('GET', page(2), held);
      expect(held.headers['retry-after']).toBe(String(Math.ceil((2000 - elapsedMs) / 1000)));
      clock = saved;
    }
    expect(sim.requestCount).toBe(callsAtHold);

    // The hold is per token: another user's calls still reach VSPC.
    expect((await get(server, page(2), beta)).status).toBe(200);
    expect(sim.requestCount).toBe(callsAtHold + 1);

    clock += 2000; // the hold is over
    expect((await get(server, page(2), alpha)).status).toBe(200);
    expect(sim.requestCount).toBe(callsAtHold + 2);
  });

  it('a 429 that names the global limit holds every token; without retryAfter the Retry-After header decides', async () => {
    let clock = 9_000_000;
    let throttle = true;
    const vspc = await startScriptedUpstream((_call, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (throttle) {
        res.statusCode = 429;
        res.setHeader('Retry-After', '3');
        res.end(
          JSON.stringify({
            errors: [{ type: 'transport', code: 429, message: 'Global request limit exceeded.' }],
          }),
        );
        return;
      }
      res.end('{"data":[]}');
    });
    opened.push(() => vspc.close());
    const { server } = await proxyOver(vspc.url, {}, () => clock);
    const first = await get(server, page(0), 'tok-one');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('3');
    throttle = false;
    const other = await get(server, page(1), 'tok-two');
    expect(other.status).toBe(429);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'upstream-throttled' });
    expectDocumented('GET', page(1), other);
    expect(other.headers['retry-after']).toBe('3');
    expect(vspc.calls).toHaveLength(1);
    clock += 3000;
    expect((await get(server, page(1), 'tok-two')).status).toBe(200);
    expect(vspc.calls).toHaveLength(2);
  });

  it('a 429 with no wait at all holds for UPSTREAM_THROTTLE_DEFAULT_S, and writes are held too', async () => {
    let clock = 7_000_000;
    const vspc = await startScriptedUpstream((_call, res) => {
      res.statusCode = 429;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"errors":[{"type":"transport","code":429}]}');
    });
    opened.push(() => vspc.close());
    const { server } = await proxyOver(vspc.url, { UPSTREAM_THROTTLE_DEFAULT_S: '7' }, () => clock);
    const first = await get(server, page(0), 'tok-w');
    expect(first.headers['retry-after']).toBe('7');
    const write = await rawRequest(server.url, {
      method: 'POST',
      path: `${COPY_JOBS}/6a3f2b1c-0000-4000-8000-000000000001/start`,
      headers: { authorization: 'Bearer tok-w', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(429);
    expect(write.headers['retry-after']).toBe('7');
    expectDocumented('POST', `${COPY_JOBS}/6a3f2b1c-0000-4000-8000-000000000001/start`, write);
    expect(vspc.calls).toHaveLength(1);
    clock += 7000;
    await get(server, page(0), 'tok-w');
    expect(vspc.calls).toHaveLength(2);
  });
});

describe('the shield serves the /jobs/copy endpoint too', () => {
  it('a held token gets a 429 problem with Retry-After from /jobs/copy, without a VSPC call', async () => {
    let clock = 3_000_000;
    const sim = await simulator(0);
    const { server } = await proxyOver(sim.url, {}, () => clock);
    const alpha = sim.issueToken('alpha').accessToken;
    sim.knobs.forceStatus = 429;
    sim.knobs.retryAfterS = 4;
    await get(server, page(0), alpha);
    sim.knobs.forceStatus = null;
    const calls = sim.requestCount;
    const res = await request(server.url).get('/jobs/copy?limit=5').set('Authorization', `Bearer ${alpha}`);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'upstream-throttled' });
    expect(res.body).not.toHaveProperty('vspc'); // the hold's problem: VSPC was not asked
    expect(res.headers['retry-after']).toBe('4');
    validateProxyResponse('GET', '/jobs/copy?limit=5', 429, res.body, {
      contentType: res.headers['content-type'],
    });
    expect(documentedCodes('GET', '/jobs/copy', 429)).toContain('upstream-throttled');
    expect(sim.requestCount).toBe(calls);
    clock += 4000;
    expect(
      (await request(server.url).get('/jobs/copy?limit=5').set('Authorization', `Bearer ${alpha}`)).status,
    ).toBe(200);
  });
});
