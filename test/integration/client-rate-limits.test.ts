import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { documentedCodes, proxyDocumentSchemas, validateProxyResponse } from '../helpers/openapi-proxy.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, type Listening } from '../helpers/servers.js';

/** RATE_LIMIT_RPS=1, RATE_LIMIT_BURST=5: a full bucket holds 5 requests and refills in 5 s. */
const LIMITS = { RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '5' } as const;
const POLICY = '"default";q=5;w=5';
const FULL_REFILL_MS = 5000;
const ONE_TOKEN_MS = 1000;
/** The limiter's LRU ignores a clock at 0, so the injected clock starts well above it. */
const CLOCK_START_MS = 1_000_000;

const JOBS_URL = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=1';
const SEED_UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** `RateLimit` of an allowed request when the bucket had been full and nothing refilled since. */
const countdown = (remaining: number) => `"default";r=${remaining};t=${5 - remaining}`;

/** The rate-limit fields of an answer match the header schemas of the OpenAPI document. */
function expectDocumentedRateLimitFields(res: request.Response): void {
  const schemas = proxyDocumentSchemas();
  for (const name of ['RateLimit-Policy', 'RateLimit']) {
    const value = res.headers[name.toLowerCase()];
    expect([name, value, schemas.at(`/components/headers/${name}/schema`)(value)]).toEqual([
      name,
      value,
      true,
    ]);
  }
}

describe('client rate limits: a token bucket per caller (injected clock)', () => {
  let sim: Simulator;
  let alpha: string;
  let beta: string;
  let clock: number;
  const opened: Array<{ proxy: TestProxy; server: Listening }> = [];

  beforeAll(async () => {
    sim = await startSimulator();
    alpha = sim.issueToken('alpha').accessToken;
    beta = sim.issueToken('beta').accessToken;
  });
  afterEach(async () => {
    for (const { proxy, server } of opened.splice(0)) {
      proxy.close();
      await server.close();
    }
    sim.resetKnobs();
    sim.resetStats();
  });
  afterAll(async () => {
    await sim.close();
  });

  /** A fresh proxy (fresh buckets) on its own port, sharing the test's clock. */
  async function start(env: Record<string, string> = LIMITS): Promise<Listening> {
    clock = CLOCK_START_MS;
    const proxy = buildProxy(sim.url, env, () => clock);
    const server = await listen(proxy.app);
    opened.push({ proxy, server });
    return server;
  }
  const advance = (ms: number) => {
    clock += ms;
  };
  const get = (server: Listening, path: string, token: string | null = alpha) => {
    const req = request(server.url).get(path);
    return token === null ? req : req.set('Authorization', `Bearer ${token}`);
  };
  const login = (server: Listening) =>
    request(server.url)
      .post('/api/v3/token')
      .type('form')
      .send({ grant_type: 'password', username: 'alpha', password: 'alpha-demo-password' });

  /** The exact 429 the limiter answers once a caller's bucket is empty. */
  function expectRateLimited(res: request.Response, path: string, retryAfterS = 1): void {
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toBe(PROBLEM_TYPE);
    expect(res.headers['retry-after']).toBe(String(retryAfterS));
    expect(res.headers['ratelimit-policy']).toBe(POLICY);
    expect(res.headers.ratelimit).toBe(`"default";r=0;t=${retryAfterS}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({
      type: 'urn:vspc-proxy:problem:rate-limited',
      title: 'Too many requests from this caller',
      status: 429,
      code: 'rate-limited',
      detail:
        'This caller sent more than RATE_LIMIT_BURST (5) requests at once or more than RATE_LIMIT_RPS (1) ' +
        `per second; retry after ${retryAfterS} s.`,
      instance: path.split('?')[0],
      requestId: res.headers['x-request-id'],
    });
    // The OpenAPI document describes this answer of this operation, body and rate-limit fields. Express
    // routes the jobs paths in any letter case; the document names them in lower case.
    const documented = path.toLowerCase().startsWith('/jobs/') ? path.toLowerCase() : path;
    validateProxyResponse(res.request.method, documented, 429, res.body, {
      contentType: res.headers['content-type'],
    });
    expect(documentedCodes(res.request.method, documented, 429)).toContain('rate-limited');
    expectDocumentedRateLimitFields(res);
  }

  it("passes a token's first 5 cache hits with RateLimit counting down, then 429s without asking VSPC", async () => {
    const server = await start();
    const warm = await get(server, JOBS_URL).expect(200);
    expect(warm.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    expect(warm.headers.ratelimit).toBe(countdown(4));
    // Refill the warming request's token; the entry (30 s TTL) stays fresh.
    advance(FULL_REFILL_MS);
    expect(sim.requestCount).toBe(1);

    for (let remaining = 4; remaining >= 0; remaining -= 1) {
      const res = await get(server, JOBS_URL).expect(200);
      expect(res.headers['cache-status']).toMatch(/^vspc-proxy; hit; ttl=\d+$/);
      expect(res.headers['ratelimit-policy']).toBe(POLICY);
      expect(res.headers.ratelimit).toBe(countdown(remaining));
    }
    const refused = await get(server, JOBS_URL);
    expectRateLimited(refused, JOBS_URL);
    expect(refused.headers['cache-status']).toBeUndefined();
    expect(sim.requestCount).toBe(1);
  });

  it('counts misses and hits against the same bucket: the warming miss plus 4 hits, then 429', async () => {
    const server = await start();
    const outcomes: string[] = [];
    for (let sent = 0; sent < 5; sent += 1) {
      const res = await get(server, JOBS_URL).expect(200);
      outcomes.push(String(res.headers['cache-status']).split(';')[1]?.trim() ?? '');
    }
    expect(outcomes).toEqual(['fwd=miss', 'hit', 'hit', 'hit', 'hit']);
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);
    expect(sim.requestCount).toBe(1);
  });

  it('gives a second token a bucket of its own', async () => {
    const server = await start();
    for (let sent = 0; sent < 5; sent += 1) await get(server, JOBS_URL).expect(200);
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);

    const other = await get(server, JOBS_URL, beta).expect(200);
    expect(other.headers.ratelimit).toBe(countdown(4));
    expect(other.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    // alpha is still refused.
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);
    expect(sim.requestCount).toBe(2);
  });

  it('refills at RATE_LIMIT_RPS: one token per second, the whole bucket after 5 s', async () => {
    const server = await start();
    for (let sent = 0; sent < 5; sent += 1) await get(server, JOBS_URL).expect(200);
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);

    advance(ONE_TOKEN_MS - 1);
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);
    advance(1);
    const one = await get(server, JOBS_URL).expect(200);
    expect(one.headers.ratelimit).toBe('"default";r=0;t=5');
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);

    advance(FULL_REFILL_MS);
    const full = await get(server, JOBS_URL).expect(200);
    expect(full.headers.ratelimit).toBe(countdown(4));
    expect(sim.requestCount).toBe(1);
  });

  it('advertises the policy of other rates: RATE_LIMIT_RPS=2 with a burst of 5 is a 3 s window, a token per 500 ms', async () => {
    const server = await start({ RATE_LIMIT_RPS: '2', RATE_LIMIT_BURST: '5' });
    for (let sent = 0; sent < 5; sent += 1) await get(server, JOBS_URL).expect(200);
    const refused = await get(server, JOBS_URL).expect(429);
    expect(refused.headers['ratelimit-policy']).toBe('"default";q=5;w=3');
    expect(refused.headers['retry-after']).toBe('1');
    advance(499);
    await get(server, JOBS_URL).expect(429);
    advance(1);
    const one = await get(server, JOBS_URL).expect(200);
    expect(one.headers['ratelimit-policy']).toBe('"default";q=5;w=3');
    // r=0, and the 5 missing tokens take 2.5 s, rounded up.
    expect(one.headers.ratelimit).toBe('"default";r=0;t=3');
  });

  it('limits callers without a token by client IP: 401s and logins share one bucket', async () => {
    const server = await start();
    for (let sent = 0; sent < 2; sent += 1) {
      const res = await login(server).expect(200);
      expect(res.headers.ratelimit).toBe(countdown(4 - sent));
      expect(res.headers['ratelimit-policy']).toBe(POLICY);
    }
    for (let sent = 2; sent < 5; sent += 1) {
      const res = await get(server, JOBS_URL, null).expect(401);
      expect(res.headers.ratelimit).toBe(countdown(4 - sent));
    }
    expect(sim.requestCount).toBe(2);
    expectRateLimited(await login(server), '/api/v3/token');
    expectRateLimited(await get(server, JOBS_URL, null), JOBS_URL);
    expect(sim.requestCount).toBe(2);
    // A token is a different caller from the address it comes from.
    expect((await get(server, JOBS_URL).expect(200)).headers.ratelimit).toBe(countdown(4));
  });

  it('with TRUST_PROXY=loopback, each X-Forwarded-For client has its own bucket', async () => {
    const server = await start({ ...LIMITS, TRUST_PROXY: 'loopback' });
    const from = (address: string) => get(server, JOBS_URL, null).set('X-Forwarded-For', address);
    for (let sent = 0; sent < 5; sent += 1) await from('203.0.113.7').expect(401);
    expectRateLimited(await from('203.0.113.7'), JOBS_URL);
    const other = await from('203.0.113.8').expect(401);
    expect(other.headers.ratelimit).toBe(countdown(4));
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: every forwarded client is the socket peer', async () => {
    const server = await start();
    const from = (address: string) => get(server, JOBS_URL, null).set('X-Forwarded-For', address);
    for (let sent = 0; sent < 5; sent += 1) await from(`203.0.113.${sent + 1}`).expect(401);
    expectRateLimited(await from('203.0.113.99'), JOBS_URL);
    expectRateLimited(await get(server, JOBS_URL, null), JOBS_URL);
  });

  it('limits /jobs/copy and /jobs/copy/:id in the same bucket as /api/v3', async () => {
    const server = await start();
    await get(server, '/jobs/copy?limit=1').expect(200);
    const page = await get(server, '/jobs/copy?limit=1').expect(200);
    expect(page.headers.ratelimit).toBe(countdown(3));
    expect(page.headers['ratelimit-policy']).toBe(POLICY);
    validateProxyResponse('GET', '/jobs/copy?limit=1', 200, page.body);
    expectDocumentedRateLimitFields(page);
    const one = await get(server, `/jobs/copy/${SEED_UID}`).expect(200);
    expect(one.headers.ratelimit).toBe(countdown(2));
    await get(server, JOBS_URL).expect(200);
    await get(server, `/jobs/copy/${SEED_UID}`).expect(200);
    const calls = sim.requestCount;

    expectRateLimited(await get(server, `/jobs/copy/${SEED_UID}`), `/jobs/copy/${SEED_UID}`);
    expectRateLimited(await get(server, '/jobs/copy?limit=1'), '/jobs/copy?limit=1');
    // Refused before the jobs router reads anything through the cache or from VSPC.
    expect(sim.requestCount).toBe(calls);
  });

  it('limits the jobs paths whatever their letter case (Express routes them case-insensitively)', async () => {
    const server = await start();
    for (const path of ['/JOBS/COPY?limit=1', `/Jobs/Copy/${SEED_UID}`, '/jobs/COPY?limit=1']) {
      const res = await get(server, path).expect(200);
      expect(res.headers['ratelimit-policy']).toBe(POLICY);
    }
    await get(server, '/jobs/copy?limit=1').expect(200);
    await get(server, '/JOBS/copy?limit=1').expect(200);
    expectRateLimited(await get(server, '/JOBS/COPY?limit=1'), '/JOBS/COPY?limit=1');
  });

  it('never limits /healthz, /readyz or /metrics, and they carry no RateLimit fields', async () => {
    const server = await start();
    for (let sent = 0; sent < 5; sent += 1) await get(server, JOBS_URL, null).expect(401);
    for (let sent = 0; sent < 5; sent += 1) await get(server, JOBS_URL).expect(200);
    expectRateLimited(await get(server, JOBS_URL, null), JOBS_URL);
    expectRateLimited(await get(server, JOBS_URL), JOBS_URL);

    for (const path of ['/healthz', '/readyz', '/metrics']) {
      for (const token of [null, alpha]) {
        for (let sent = 0; sent < 7; sent += 1) {
          const res = await get(server, path, token);
          expect([path, res.status]).toEqual([path, 200]);
          expect(res.headers.ratelimit).toBeUndefined();
          expect(res.headers['ratelimit-policy']).toBeUndefined();
        }
      }
    }
    // They did not spend (nor refill) anything either.
    expectRateLimited(await get(server, JOBS_URL, null), JOBS_URL);
  });

  it('RATE_LIMIT_RPS=0 turns it off: 300 requests pass at one instant, without RateLimit fields', async () => {
    const server = await start({ RATE_LIMIT_RPS: '0', RATE_LIMIT_BURST: '5' });
    const seen = new Map<number, number>();
    const headers = new Set<string>();
    const send = async (path: string, token: string | null) => {
      const res = await fetch(`${server.url}${path}`, {
        headers: token === null ? {} : { Authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      for (const name of ['ratelimit', 'ratelimit-policy', 'retry-after'])
        if (res.headers.has(name)) headers.add(name);
    };
    for (let sent = 0; sent < 300; sent += 1) await send(JOBS_URL, alpha);
    for (let sent = 0; sent < 20; sent += 1) await send(JOBS_URL, null);
    for (let sent = 0; sent < 20; sent += 1) await send(`/jobs/copy/${SEED_UID}`, alpha);
    expect(Object.fromEntries(seen)).toEqual({ 200: 320, 401: 20 });
    expect([...headers]).toEqual([]);
    // One miss for the page, two for the job (copy job and server job); the rest were hits.
    expect(sim.requestCount).toBe(3);
  });
});
