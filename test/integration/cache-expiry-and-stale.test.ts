import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { STALE_REFRESH_RETRY_MS } from '../../src/cache/entry.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const TTL_MS = 30_000;
const STALE_MS = 300_000;
const TOKEN = 'tok-stale-test-789';
const URL_A = '/api/v3/infrastructure/backupServers/jobs?limit=1';
const URL_B = '/api/v3/infrastructure/backupServers/jobs?limit=2';

type Mode = 'ok' | 'hang' | number;

describe('TTL, stale-while-revalidate and stale-if-error (injected clock)', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;
  let clock: number;
  let mode: Mode;
  let version: number;

  beforeEach(async () => {
    clock = 1_000_000;
    mode = 'ok';
    version = 0;
    vspc = await startScriptedUpstream((call, res) => {
      if (mode === 'hang') return;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      if (mode === 'ok') {
        version += 1;
        res.end(JSON.stringify({ url: call.url, version }));
        return;
      }
      res.statusCode = mode;
      res.end(
        JSON.stringify({
          errors: [{ message: `forced ${mode}`, type: 'transport', code: mode, retryAfter: 3 }],
        }),
      );
    });
    proxy = buildProxy(
      vspc.url,
      { CACHE_TTL_MS: String(TTL_MS), CACHE_STALE_MS: String(STALE_MS), UPSTREAM_TIMEOUT_MS: '200' },
      () => clock,
    );
    server = await listen(proxy.app);
  });
  afterEach(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    request(server.url).get(url).set('Authorization', `Bearer ${TOKEN}`).set(headers);
  const advance = (ms: number) => {
    clock += ms;
  };

  it('serves fresh entries until the TTL, with Age and a counting-down ttl', async () => {
    const first = await get(URL_A).expect(200);
    expect(first.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    expect(first.headers.age).toBe('0');
    advance(10_000);
    const hit = await get(URL_A).expect(200);
    expect(hit.headers['cache-status']).toBe('vspc-proxy; hit; ttl=20');
    expect(hit.headers.age).toBe('10');
    expect(hit.body.version).toBe(1);
    expect(vspc.calls).toHaveLength(1);
  });

  it('after the TTL: serves stale at once, refreshes once in the background, then serves the new answer', async () => {
    await get(URL_A).expect(200);
    advance(TTL_MS + 1_000);
    mode = 'hang';
    const stale = await get(URL_A).expect(200);
    expect(stale.body.version).toBe(1);
    expect(stale.headers['cache-status']).toBe('vspc-proxy; hit; ttl=-1');
    // More stale requests while the refresh is in flight start no other refresh.
    await get(URL_A).expect(200);
    await get(URL_A).expect(200);
    await waitFor(() => vspc.calls.length === 2);
    expect(vspc.calls).toHaveLength(2);
    // The hung refresh times out (stale-if-error); a request a retry interval later refreshes again and succeeds.
    await waitFor(() => proxy.logs.text().includes('"failure":"timeout"'));
    advance(STALE_REFRESH_RETRY_MS);
    mode = 'ok';
    await get(URL_A).expect(200);
    await waitFor(() => vspc.calls.length === 3);
    const fresh = await get(URL_A).expect(200);
    expect(fresh.body.version).toBe(2);
    expect(fresh.headers['cache-status']).toBe('vspc-proxy; hit; ttl=30');
    expect(vspc.calls).toHaveLength(3);
  });

  it.each([
    [520, 'vspc-proxy; fwd=stale; fwd-status=520; ttl=-1'],
    [429, 'vspc-proxy; fwd=stale; fwd-status=429; ttl=-1'],
    [503, 'vspc-proxy; fwd=stale; fwd-status=503; ttl=-1'],
    ['hang', 'vspc-proxy; fwd=stale; ttl=-1; detail=timeout'],
  ] as Array<[Mode, string]>)(
    'stale-if-error: a refresh failing with %p keeps serving the stale entry',
    async (failure, status) => {
      await get(URL_A).expect(200);
      advance(TTL_MS + 1_000);
      mode = failure;
      await get(URL_A).expect(200); // stale, starts the refresh
      await waitFor(() => vspc.calls.length === 2);
      await waitFor(() => proxy.logs.text().includes('cache refresh failed'));
      const stale = await get(URL_A).expect(200);
      expect(stale.body.version).toBe(1);
      expect(stale.headers['cache-status']).toBe(status);
    },
  );

  it('stale-if-error: VSPC refusing connections keeps serving the stale entry', async () => {
    await get(URL_A).expect(200);
    advance(TTL_MS + 1_000);
    await vspc.close();
    await get(URL_A).expect(200);
    await waitFor(() => proxy.logs.text().includes('"failure":"refused"'));
    const stale = await get(URL_A).expect(200);
    expect(stale.body.version).toBe(1);
    expect(stale.headers['cache-status']).toBe('vspc-proxy; fwd=stale; ttl=-1; detail=refused');
  });

  it('during a throttle hold, stale hits refused by the shield log no refresh failure each', async () => {
    await get(URL_A).expect(200);
    advance(TTL_MS + 1_000);
    mode = 429; // VSPC's 429 says retryAfter 3 s; the injected clock stands still, so the hold lasts
    await get(URL_A).expect(200); // stale; its refresh meets VSPC's 429, which starts the hold
    await waitFor(() => vspc.calls.length === 2 && proxy.deps.upstream.inflight === 0);
    // Within a retry interval of the failed refresh, stale hits start none.
    for (let hit = 0; hit < 20; hit += 1) {
      const stale = await get(URL_A).expect(200);
      expect(stale.headers['cache-status']).toBe('vspc-proxy; fwd=stale; fwd-status=429; ttl=-1');
    }
    // Then each interval's refresh meets the hold (3 s): refused by the shield, VSPC not called.
    const held = 2;
    for (let hit = 0; hit < held; hit += 1) {
      advance(STALE_REFRESH_RETRY_MS);
      const stale = await get(URL_A).expect(200);
      expect(stale.headers['cache-status']).toBe(`vspc-proxy; fwd=stale; fwd-status=429; ttl=${-2 - hit}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(vspc.calls).toHaveLength(2);
    // The one refresh VSPC answered is logged; the refreshes the shield refused are not.
    const refreshFailures = proxy.logs
      .lines()
      .filter((line) => line.msg === 'cache refresh failed; serving stale');
    expect(refreshFailures).toEqual([expect.objectContaining({ level: 'warn', upstreamStatus: 429 })]);
    const metrics = await proxy.deps.metrics.registry.getSingleMetricAsString('upstream_rejected_total');
    expect(metrics).toContain(`upstream_rejected_total{reason="throttled"} ${held}`);
  });

  it('a stale entry is never served after the stale window', async () => {
    await get(URL_A).expect(200);
    advance(TTL_MS + STALE_MS + 1);
    mode = 520;
    const res = await get(URL_A).expect(520);
    expect(res.headers['cache-status']).toBe('vspc-proxy; fwd=miss; fwd-status=520');
    expect(vspc.calls).toHaveLength(2);
  });

  it.each([401, 403])(
    'a %i on refresh evicts every entry of the token; the client then gets VSPC’s answer',
    async (status) => {
      await get(URL_A).expect(200);
      advance(TTL_MS + 1_000);
      await get(URL_B).expect(200); // fresh entry of the same token
      mode = status;
      await get(URL_A).expect(200); // stale, refresh → 401/403
      await waitFor(() => vspc.calls.length === 3);
      await new Promise((resolve) => setImmediate(resolve));
      expect(proxy.deps.cache.stats.entries).toBe(0);
      const a = await get(URL_A).expect(status);
      const b = await get(URL_B).expect(status);
      expect(a.body.errors[0].code).toBe(status);
      expect(b.headers['cache-status']).toBe(`vspc-proxy; fwd=miss; fwd-status=${status}`);
      expect(vspc.calls).toHaveLength(5);
    },
  );

  it('a 401 on a miss evicts the other entries of that token, not those of other tokens', async () => {
    await get(URL_A).expect(200);
    await request(server.url).get(URL_A).set('Authorization', 'Bearer other-token').expect(200);
    mode = 401;
    await get(URL_B).expect(401);
    await waitFor(() => proxy.deps.cache.stats.entries === 1);
    mode = 'ok';
    const other = await request(server.url).get(URL_A).set('Authorization', 'Bearer other-token').expect(200);
    expect(other.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
  });

  it.each([
    ['a write', (): request.Test => request(server.url).patch('/api/v3/infrastructure/x').send({})],
    ['a no-store GET', (): request.Test => request(server.url).get(URL_B).set('Cache-Control', 'no-store')],
    ['a polled resource', (): request.Test => request(server.url).get('/api/v3/asyncActions/a1')],
    [
      'a no-store /jobs/copy',
      (): request.Test => request(server.url).get('/jobs/copy').set('Cache-Control', 'no-store'),
    ],
  ])('a 401 to %s, which the cache never sees, evicts that token’s entries too', async (_what, send) => {
    await get(URL_A).expect(200);
    await request(server.url).get(URL_A).set('Authorization', 'Bearer other-token').expect(200);
    mode = 401;
    await send().set('Authorization', `Bearer ${TOKEN}`).expect(401);
    expect(proxy.deps.cache.stats.entries).toBe(1); // the other token's
    mode = 'ok';
    expect((await get(URL_A).expect(200)).headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    const other = await request(server.url).get(URL_A).set('Authorization', 'Bearer other-token').expect(200);
    expect(other.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
  });

  it('a 403 to a read the cache never sees (no-store) evicts that token’s entries too', async () => {
    await get(URL_A).expect(200);
    mode = 403;
    await get(URL_B, { 'Cache-Control': 'no-store' }).expect(403);
    expect(proxy.deps.cache.stats.entries).toBe(0);
  });

  it('a 401 from the token endpoint is about the credentials sent, not the bearer token: nothing is evicted', async () => {
    await get(URL_A).expect(200);
    mode = 401;
    await request(server.url)
      .post('/api/v3/token')
      .set('Authorization', `Bearer ${TOKEN}`)
      .type('form')
      .send({ grant_type: 'password', username: 'u', password: 'wrong' })
      .expect(401);
    expect(proxy.deps.cache.stats.entries).toBe(1);
  });

  it('a 403 to a write leaves the token’s entries: it may still read what it cannot change', async () => {
    await get(URL_A).expect(200);
    mode = 403;
    await request(server.url)
      .patch('/api/v3/infrastructure/x')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({})
      .expect(403);
    expect((await get(URL_A).expect(200)).headers['cache-status']).toMatch(/^vspc-proxy; hit/);
    expect(vspc.calls).toHaveLength(2);
  });

  it('Cache-Control: no-cache refetches (coalesced) and stores; no-store bypasses both ways', async () => {
    await get(URL_A).expect(200);
    const refreshed = await Promise.all([
      get(URL_A, { 'Cache-Control': 'no-cache' }),
      get(URL_A, { 'Cache-Control': 'no-cache' }),
    ]);
    expect(vspc.calls).toHaveLength(2);
    expect(refreshed.map((res) => res.body.version)).toEqual([2, 2]);
    expect(refreshed.map((res) => res.headers['cache-status']).sort()).toEqual([
      'vspc-proxy; fwd=miss; collapsed',
      'vspc-proxy; fwd=request; stored',
    ]);
    expect((await get(URL_A).expect(200)).body.version).toBe(2);

    const bypassed = await get(URL_A, { 'Cache-Control': 'no-store' }).expect(200);
    expect(bypassed.body.version).toBe(3);
    expect(bypassed.headers['cache-status']).toBe('vspc-proxy; fwd=request; detail=no-store');
    expect((await get(URL_A).expect(200)).body.version).toBe(2);
    expect(
      (await get(URL_A, { 'Cache-Control': 'max-stale=10, community=x' }).expect(200)).body.version,
    ).toBe(2);
    expect(vspc.calls).toHaveLength(3);
  });

  it('a no-cache refresh that fails gets VSPC’s answer and leaves the entry for others', async () => {
    await get(URL_A).expect(200);
    mode = 520;
    const forced = await get(URL_A, { 'Cache-Control': 'no-cache' }).expect(520);
    expect(forced.headers['cache-status']).toBe('vspc-proxy; fwd=miss; fwd-status=520');
    const cached = await get(URL_A).expect(200);
    expect(cached.body.version).toBe(1);
    expect(cached.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
  });

  it('If-None-Match → 304 without a body; a changed body gets a new ETag', async () => {
    const first = await get(URL_A).expect(200);
    const etag = first.headers.etag ?? '';
    const notModified = await get(URL_A, { 'If-None-Match': `W/${etag}` }).expect(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers.etag).toBe(etag);
    expect(notModified.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
    const changed = await get(URL_A, { 'Cache-Control': 'no-cache', 'If-None-Match': etag }).expect(200);
    expect(changed.headers.etag).not.toBe(etag);
    await get(URL_A, { 'If-None-Match': changed.headers.etag ?? '' }).expect(304);
    await get(URL_A, { 'If-None-Match': '"something-else"' }).expect(200);
    expect(vspc.calls).toHaveLength(2);
  });
});
