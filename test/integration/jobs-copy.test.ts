import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { validateProxyResponse } from '../helpers/openapi-proxy.js';
import { listen, type Listening } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const ORIGIN = 'https://frontend.example.com';
const SEED_UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';

interface Page {
  data: Array<{ id: string; name: string | null; status: string | null }>;
  page: { total: number; count: number; offset: number; limit: number | null };
  links: { self: string; next: string | null; prev: string | null };
}

describe('/jobs/copy against the simulator', () => {
  let sim: Simulator;
  let proxy: TestProxy;
  let server: Listening;
  let admin: string;
  let alpha: string;
  let beta: string;

  beforeAll(async () => {
    sim = await startSimulator();
    proxy = buildProxy(sim.url, { CORS_ORIGINS: ORIGIN });
    server = await listen(proxy.app);
    admin = sim.issueToken('admin').accessToken;
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

  const get = (path: string, token = alpha) =>
    request(server.url).get(path).set('Authorization', `Bearer ${token}`);
  const upstreamQueries = () => sim.recentRequests.map((seen) => new URLSearchParams(seen.query));

  it('maps a real simulator page, with exact page arithmetic and links', async () => {
    const res = await get('/jobs/copy?limit=2').expect(200);
    const body = res.body as Page;
    expect(body.page).toEqual({ total: 300, count: 2, offset: 0, limit: 2 });
    expect(body.links).toEqual({
      self: '/jobs/copy?limit=2&offset=0',
      next: '/jobs/copy?limit=2&offset=2',
      prev: null,
    });
    expect(body.data[0]).toMatchObject({
      id: SEED_UID,
      retention: { policy: 'simple' },
      rpo: { unit: 'minutes' },
    });
    expect(body.data[0]?.name).toMatch(/^Alpha Logistics/);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
  });

  it('pages through 10 pages of 50 with one VSPC call', async () => {
    const ids = new Set<string>();
    for (let page = 0; page < 10; page += 1) {
      const body = (await get(`/jobs/copy?limit=50&offset=${page * 50}`, admin).expect(200)).body as Page;
      expect(body.page).toEqual({ total: 1200, count: 50, offset: page * 50, limit: 50 });
      for (const job of body.data) ids.add(job.id);
    }
    expect(ids.size).toBe(500);
    expect(sim.requestCount).toBe(1);
    expect(upstreamQueries()[0]?.get('limit')).toBe('500');
    expect(upstreamQueries()[0]?.get('expand')).toBe('BackupServerJob');
  });

  it('a page straddling two windows costs two calls, and slices exactly', async () => {
    const straddling = (await get('/jobs/copy?limit=100&offset=450', admin).expect(200)).body as Page;
    expect(sim.requestCount).toBe(2);
    expect(upstreamQueries().map((params) => params.get('offset'))).toEqual(['0', '500']);
    const direct = await fetch(
      `${sim.url}/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=100&offset=450`,
      {
        headers: { Authorization: `Bearer ${admin}` },
      },
    );
    const expected = ((await direct.json()) as { data: Array<{ instanceUid: string }> }).data.map(
      (job) => job.instanceUid,
    );
    expect(straddling.data.map((job) => job.id)).toEqual(expected);
    expect(straddling.page).toEqual({ total: 1200, count: 100, offset: 450, limit: 100 });
  });

  it('an offset past the total answers an empty page with one call', async () => {
    const body = (await get('/jobs/copy?limit=100&offset=5000').expect(200)).body as Page;
    expect(body.page).toEqual({ total: 300, count: 0, offset: 5000, limit: 100 });
    expect(body.data).toEqual([]);
    expect(body.links.next).toBeNull();
    expect(body.links.prev).toBe('/jobs/copy?limit=100&offset=200'); // the last page with jobs
    expect(sim.requestCount).toBe(1);
  });

  it('a filter matching nothing answers total 0', async () => {
    const body = (await get('/jobs/copy?q=no-such-job-anywhere').expect(200)).body as Page;
    expect(body.page).toEqual({ total: 0, count: 0, offset: 0, limit: 100 });
  });

  it('q, status and sort reach VSPC as filter and sort JSON (ignoring case: VSPC compares ordinal by default), and filter for real', async () => {
    const body = (await get('/jobs/copy?q=dr&status=failed,warning&sort=-name&limit=500', admin).expect(200))
      .body as Page;
    const params = upstreamQueries()[0];
    expect(JSON.parse(params?.get('filter') ?? '')).toEqual([
      {
        property: '_embedded.backupServerJob.name',
        operation: 'contains',
        collation: 'ignorecase',
        value: 'dr',
      },
      {
        property: '_embedded.backupServerJob.status',
        operation: 'in',
        collation: 'ignorecase',
        value: ['Failed', 'Warning'],
      },
    ]);
    expect(JSON.parse(params?.get('sort') ?? '')).toEqual([
      { property: '_embedded.backupServerJob.name', direction: 'descending', collation: 'ignorecase' },
    ]);
    expect(body.data.length).toBeGreaterThan(0);
    expect(
      body.data.every(
        (job) => /dr/i.test(job.name ?? '') && ['failed', 'warning'].includes(job.status ?? ''),
      ),
    ).toBe(true);
    const names = body.data.map((job) => job.name ?? '');
    expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a, 'en', { sensitivity: 'base' })));
  });

  it('keeps company users apart', async () => {
    const alphaPage = (await get('/jobs/copy?all=true', alpha).expect(200)).body as Page;
    const betaPage = (await get('/jobs/copy?all=true', beta).expect(200)).body as Page;
    expect(alphaPage.page.total).toBe(300);
    expect(betaPage.page.total).toBe(200);
    expect(alphaPage.data.every((job) => job.name?.startsWith('Alpha Logistics'))).toBe(true);
    expect(betaPage.data.every((job) => job.name?.startsWith('Beta Health'))).toBe(true);
    await get(`/jobs/copy/${SEED_UID}`, beta).expect(404);
  });

  it('all=true gathers every job in windows of 500', async () => {
    const body = (await get('/jobs/copy?all=true', admin).expect(200)).body as Page;
    expect(body.page).toEqual({ total: 1200, count: 1200, offset: 0, limit: null });
    expect(new Set(body.data.map((job) => job.id)).size).toBe(1200);
    expect(body.links).toEqual({ self: '/jobs/copy?all=true', next: null, prev: null });
    expect(sim.requestCount).toBe(3);
  });

  it('all=true refuses callers over JOBS_ALL_MAX_ITEMS with 413', async () => {
    const bounded = buildProxy(sim.url, { JOBS_ALL_MAX_ITEMS: '1000' });
    const res = await request(bounded.app)
      .get('/jobs/copy?all=true')
      .set('Authorization', `Bearer ${admin}`)
      .expect(413);
    bounded.close();
    expect(res.body).toMatchObject({ code: 'too-many-items', limit: 1000, total: 1200 });
    expect(res.body.detail).toContain('JOBS_ALL_MAX_ITEMS (1000)');
    expect(sim.requestCount).toBe(1);
  });

  it('all=true past JOBS_ALL_DEADLINE_MS answers 504 and starts no VSPC window after the deadline', async () => {
    const LATENCY_MS = 200;
    // 1,200 jobs in 12 windows of 100: the first alone (0–200 ms), then two at a time (200–400 ms, ...).
    const slow = buildProxy(sim.url, { JOBS_WINDOW: '100', JOBS_ALL_DEADLINE_MS: '300' });
    sim.knobs.latencyMs = LATENCY_MS;
    const res = await request(slow.app)
      .get('/jobs/copy?all=true')
      .set('Authorization', `Bearer ${admin}`)
      .expect(504);
    expect(res.body).toMatchObject({ code: 'upstream-timeout' });
    expect(sim.requestCount).toBe(3);
    // The two windows in flight at the deadline finish; no later window starts.
    await waitFor(() => sim.inFlight === 0 && slow.deps.upstream.inflight === 0);
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
    slow.close();
    expect(sim.requestCount).toBe(3);
    expect(upstreamQueries().map((params) => params.get('offset'))).toEqual(['0', '100', '200']);
  });

  it('refuses bad parameters with 400 listing each, without calling VSPC', async () => {
    for (const query of [
      'limit=0',
      'limit=501',
      'offset=-1',
      'limit=1e2',
      'limit=abc',
      'limit=1&limit=2',
      'colour=red',
      'limit=10?colour=red',
      'q=%E0%A4%A',
      'q=%zz',
    ]) {
      const res = await get(`/jobs/copy?${query}`).expect(400);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.body.code).toBe('invalid-parameters');
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    expect(sim.requestCount).toBe(0);
  });

  it('answers one job, 404 for an unknown one, 400 for a malformed id', async () => {
    const one = await get(`/jobs/copy/${SEED_UID}`).expect(200);
    expect(one.body.data).toMatchObject({
      id: SEED_UID,
      wanAcceleration: { sourceId: 'af43d000-52f1-4874-8df3-62dbb8676f25' },
    });
    expect(one.body.data.name).toMatch(/^Alpha Logistics/);
    const missing = await get('/jobs/copy/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body).toMatchObject({ code: 'not-found' });
    expect(missing.body.vspc.errors[0].type).toBe('logical');
    await get('/jobs/copy/not-a-uuid').expect(400);
  });

  it.each(['post', 'put', 'patch', 'delete'] as const)(
    'answers %s with 405 and Allow: the jobs API is read-only',
    async (method) => {
      for (const path of ['/jobs/copy', `/jobs/copy/${SEED_UID}`]) {
        const res = await request(server.url)[method](path).set('Authorization', 'Bearer t').expect(405);
        expect(res.headers.allow).toBe('GET, HEAD');
        expect(res.body.code).toBe('method-not-allowed');
      }
      expect(sim.requestCount).toBe(0);
      // Counted under the jobs routes, not with the 404s.
      const metrics = (await request(server.url).get('/metrics').expect(200)).text;
      const upper = method.toUpperCase();
      expect(metrics).toContain(`http_requests_total{route="/jobs/copy",method="${upper}",status="405"} 1`);
      expect(metrics).toContain(
        `http_requests_total{route="/jobs/copy/:id",method="${upper}",status="405"} 1`,
      );
    },
  );

  it('needs a bearer token', async () => {
    const anonymous = await request(server.url).get('/jobs/copy').expect(401);
    validateProxyResponse('GET', '/jobs/copy', anonymous.status, anonymous.body);
    expect(sim.requestCount).toBe(0);
  });

  it.each([
    [429, 429, { 'retry-after': '25' }],
    [520, 502, {}],
    [202, 503, { 'retry-after': '1' }],
  ])('VSPC %i becomes %i problem+json keeping VSPC’s message', async (forced, status, headers) => {
    sim.knobs.forceStatus = forced as 429 | 520 | 202;
    sim.knobs.retryAfterS = 25;
    // A 429 holds this token's calls for 25 s; a token of its own keeps the hold out of later tests.
    const res = await get('/jobs/copy', `forced-${forced}-token`).expect(status);
    expect(res.headers).toMatchObject(headers);
    expect(res.body.status).toBe(status);
    if (forced !== 202) expect(res.body.vspc.errors[0].code).toBe(forced);
  });

  it('a revoked token gets VSPC’s 401 as a problem', async () => {
    const res = await get('/jobs/copy', 'revoked-token').expect(401);
    expect(res.body).toMatchObject({
      code: 'token-refused',
      title: 'VSPC refused the token',
      vspc: { errors: [{ type: 'security' }] },
    });
  });

  it('serves repeat pages from the cache with Cache-Status, ETag and 304', async () => {
    const first = await get('/jobs/copy?limit=10').expect(200);
    const again = await get('/jobs/copy?limit=10').expect(200);
    expect(again.headers['cache-status']).toMatch(/^vspc-proxy; hit; ttl=\d+$/);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['cache-control']).toBe('private, no-cache');
    await get('/jobs/copy?limit=10')
      .set('If-None-Match', first.headers.etag ?? '')
      .expect(304);
    expect(sim.requestCount).toBe(1);
  });

  it('CORS: the allowed origin may read, with ETag and Cache-Status exposed; others may not', async () => {
    const allowed = await get('/jobs/copy?limit=1').set('Origin', ORIGIN).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(allowed.headers['access-control-expose-headers']).toContain('ETag');
    expect(allowed.headers['access-control-expose-headers']).toContain('Cache-Status');
    expect(allowed.headers['access-control-expose-headers']).toContain('Retry-After');
    // The answer depends on Origin as well as on the token: shared caches must keep them apart.
    expect(allowed.headers.vary).toBe('Origin, Authorization');
    const refused = await get('/jobs/copy?limit=1').set('Origin', 'https://evil.example.com').expect(200);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers.vary).toBe('Origin, Authorization');
  });

  it('maps legacy lower-case and 3.6 enum casings alike', async () => {
    const modern = (await get(`/jobs/copy/${SEED_UID}`).expect(200)).body;
    proxy.deps.cache.purgeAll();
    sim.knobs.legacyEnumCasing = true;
    const legacy = (await get(`/jobs/copy/${SEED_UID}`).expect(200)).body;
    expect(legacy).toEqual(modern);
  });
});
