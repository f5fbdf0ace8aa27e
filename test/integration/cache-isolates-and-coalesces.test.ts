import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, type Listening } from '../helpers/servers.js';

const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const CONCURRENT = 100;
/**
 * VSPC's latency while the concurrent requests arrive: long enough that all of them reach the proxy
 * before its one call returns, even on a loaded CI machine (150 ms was not).
 */
const SLOW_VSPC_MS = 1000;

describe('the cache keeps tokens apart and asks VSPC once', () => {
  let sim: Simulator;
  let proxy: TestProxy;
  let server: Listening;
  let alpha: string;
  let beta: string;

  beforeAll(async () => {
    sim = await startSimulator();
    proxy = buildProxy(sim.url);
    server = await listen(proxy.app);
    alpha = sim.issueToken('alpha').accessToken;
    beta = sim.issueToken('beta').accessToken;
  });
  afterEach(() => {
    sim.resetKnobs();
    sim.resetStats();
    proxy.deps.cache.purgeAll();
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await sim.close();
  });

  const get = (path: string, token: string) =>
    request(server.url).get(path).set('Authorization', `Bearer ${token}`);

  it('serves each token its own data for the same URL, and a second request from the cache', async () => {
    const url = `${COPY_JOBS}?limit=5&expand=BackupServerJob`;
    const alphaFirst = await get(url, alpha).expect(200);
    const betaFirst = await get(url, beta).expect(200);
    expect(sim.requestCount).toBe(2);
    expect(alphaFirst.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    expect(betaFirst.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    const alphaNames = alphaFirst.body.data.map(
      (job: { _embedded: { backupServerJob: { name: string } } }) => job._embedded.backupServerJob.name,
    );
    const betaNames = betaFirst.body.data.map(
      (job: { _embedded: { backupServerJob: { name: string } } }) => job._embedded.backupServerJob.name,
    );
    expect(alphaNames.every((name: string) => name.startsWith('Alpha Logistics'))).toBe(true);
    expect(betaNames.every((name: string) => name.startsWith('Beta Health'))).toBe(true);

    const alphaAgain = await get(url, alpha).expect(200);
    const betaAgain = await get(url, beta).expect(200);
    expect(sim.requestCount).toBe(2);
    expect(alphaAgain.text).toBe(alphaFirst.text);
    expect(betaAgain.text).toBe(betaFirst.text);
    expect(alphaAgain.headers['cache-status']).toMatch(/^vspc-proxy; hit; ttl=(29|30)$/);
    expect(alphaAgain.headers['cache-control']).toBe('private, no-cache');
    expect(alphaAgain.headers.etag).toBe(alphaFirst.headers.etag);
    expect(alphaAgain.headers.etag).not.toBe(betaAgain.headers.etag);
  });

  it('treats equivalent queries as one entry', async () => {
    await get(`${COPY_JOBS}`, alpha).expect(200);
    await get(`${COPY_JOBS}?offset=0&limit=100`, alpha).expect(200);
    await get(`${COPY_JOBS}?limit=100`, alpha).expect(200);
    expect(sim.requestCount).toBe(1);
  });

  it(`coalesces ${CONCURRENT} concurrent identical misses into one VSPC call`, async () => {
    sim.knobs.latencyMs = SLOW_VSPC_MS;
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => get(`${COPY_JOBS}?limit=7`, alpha)),
    );
    expect(sim.requestCount).toBe(1);
    const bodies = new Set(answers.map((answer) => answer.text));
    expect(bodies.size).toBe(1);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const statuses = answers.map((answer) => answer.headers['cache-status']);
    expect(statuses.filter((status) => status === 'vspc-proxy; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'vspc-proxy; fwd=miss; collapsed')).toHaveLength(
      CONCURRENT - 1,
    );
  });

  it('gives every waiter the same upstream error, and does not cache it', async () => {
    sim.knobs.latencyMs = SLOW_VSPC_MS;
    sim.knobs.forceStatus = 520;
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => get(`${COPY_JOBS}?limit=8`, alpha)),
    );
    expect(sim.requestCount).toBe(1);
    expect(answers.every((answer) => answer.status === 520)).toBe(true);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(answers.map((answer) => answer.headers['cache-status']).sort()).toEqual([
      'vspc-proxy; fwd=miss; fwd-status=520',
      ...Array<string>(CONCURRENT - 1).fill('vspc-proxy; fwd=miss; fwd-status=520; collapsed'),
    ]);
    sim.resetKnobs();
    await get(`${COPY_JOBS}?limit=8`, alpha).expect(200);
    expect(sim.requestCount).toBe(2);
  });

  it('never caches a 401, and a transport error reaches every waiter', async () => {
    await get(`${COPY_JOBS}?limit=2`, 'not-a-token').expect(401);
    await get(`${COPY_JOBS}?limit=2`, 'not-a-token').expect(401);
    expect(sim.requestCount).toBe(2);
    sim.knobs.latencyMs = 150;
    sim.knobs.resetConnection = true;
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(`${COPY_JOBS}?limit=3`, alpha)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(502));
    expect(sim.requestCount).toBe(3);
  });

  it('answers HEAD from the GET entry, with the headers and no body', async () => {
    const full = await get(`${COPY_JOBS}?limit=4`, alpha).expect(200);
    const head = await request(server.url)
      .head(`${COPY_JOBS}?limit=4`)
      .set('Authorization', `Bearer ${alpha}`)
      .expect(200);
    expect(sim.requestCount).toBe(1);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(full.text)));
    expect(head.headers.etag).toBe(full.headers.etag);
    expect(head.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
    expect(head.text).toBeUndefined();
  });

  it('a HEAD miss asks VSPC with GET and stores the answer', async () => {
    await request(server.url)
      .head(`${COPY_JOBS}?limit=6`)
      .set('Authorization', `Bearer ${alpha}`)
      .expect(200);
    expect(sim.recentRequests.at(-1)?.method).toBe('GET');
    await get(`${COPY_JOBS}?limit=6`, alpha).expect(200);
    expect(sim.requestCount).toBe(1);
  });

  it.each(['access_token', 'sessionToken', 'private_key'])(
    'does not cache a request that carries a credential in its query (%s)',
    async (name) => {
      const before = sim.requestCount;
      const url = `${COPY_JOBS}?limit=2&${name}=${alpha}`;
      const first = await get(url, alpha).expect(200);
      await get(url, alpha).expect(200);
      expect(sim.requestCount - before).toBe(2);
      expect(first.headers['cache-status']).toBe('vspc-proxy; fwd=request; detail=credential-in-query');
      expect(proxy.deps.cache.stats.entries).toBe(0);
    },
  );

  it('keeps the bearer token out of the logs and the cache keys', () => {
    const text = proxy.logs.text();
    expect(text).not.toContain(alpha);
    expect(text).not.toContain(beta);
    expect(proxy.logs.lines().some((line) => line.cache === 'hit')).toBe(true);
  });
});
