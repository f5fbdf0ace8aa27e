import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const JOBS = '/api/v3/infrastructure/backupServers/jobs';
const COPY_JOBS = `${JOBS}/backupCopyJobs`;
const COMPANIES = '/api/v3/organizations/companies';
const JOB_UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';

describe('invalidation, admin purge and the byte bounds', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;
  let bodyBytes: number;
  let writeStatus: number;

  const start = async (env: Record<string, string>) => {
    proxy = buildProxy(vspc.url, env);
    server = await listen(proxy.app);
  };

  beforeEach(async () => {
    bodyBytes = 100;
    writeStatus = 200;
    vspc = await startScriptedUpstream((call, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (call.method !== 'GET') {
        res.statusCode = writeStatus;
        res.end('{}');
        return;
      }
      // Exactly bodyBytes of valid JSON: {"p":"xxx…"}.
      res.end(`{"p":"${'x'.repeat(bodyBytes - '{"p":""}'.length)}"}`);
    });
  });
  afterEach(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  const get = (url: string, token = 'user-token-a') =>
    request(server.url).get(url).set('Authorization', `Bearer ${token}`);
  const status = async (url: string, token?: string) =>
    (await get(url, token).expect(200)).headers['cache-status'] ?? '';

  it('a successful write purges its collection and below, for every token', async () => {
    await start({});
    for (const token of ['user-token-a', 'user-token-b']) {
      await get(`${JOBS}?limit=1`, token).expect(200);
      await get(`${COPY_JOBS}?limit=1`, token).expect(200);
      await get(`${COMPANIES}?limit=1`, token).expect(200);
    }
    expect(proxy.deps.cache.stats.entries).toBe(6);
    await request(server.url)
      .patch(`${JOBS}/${JOB_UID}`)
      .set('Authorization', 'Bearer user-token-a')
      .send([{ op: 'replace', path: '/isEnabled', value: false }])
      .expect(200);
    expect(proxy.deps.cache.stats.entries).toBe(2);
    expect(await status(`${JOBS}?limit=1`, 'user-token-b')).toBe('vspc-proxy; fwd=miss; stored');
    expect(await status(`${COPY_JOBS}?limit=1`)).toBe('vspc-proxy; fwd=miss; stored');
    expect(await status(`${COMPANIES}?limit=1`)).toMatch(/^vspc-proxy; hit/);
  });

  it('a write to the same path in another case purges it too (VSPC ignores case in paths)', async () => {
    await start({});
    await get(`${JOBS}?limit=1`).expect(200);
    await request(server.url)
      .patch(`${JOBS.toUpperCase().replace('/API/V3', '/api/v3')}/${JOB_UID}`)
      .set('Authorization', 'Bearer user-token-a')
      .send([{ op: 'replace', path: '/isEnabled', value: false }])
      .expect(200);
    expect(await status(`${JOBS}?limit=1`)).toBe('vspc-proxy; fwd=miss; stored');
  });

  it('a failed write purges nothing', async () => {
    await start({});
    await get(`${JOBS}?limit=1`).expect(200);
    writeStatus = 520;
    await request(server.url)
      .post(`${JOBS}/${JOB_UID}/start`)
      .set('Authorization', 'Bearer user-token-a')
      .expect(520);
    expect(await status(`${JOBS}?limit=1`)).toMatch(/^vspc-proxy; hit/);
  });

  it('the admin routes do not exist without ADMIN_TOKEN', async () => {
    await start({});
    const res = await request(server.url)
      .delete('/admin/cache')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(404);
    expect(res.body.code).toBe('not-found');
  });

  it('admin purge needs the admin token, then purges all or by prefix', async () => {
    await start({ ADMIN_TOKEN });
    await request(server.url).delete('/admin/cache').expect(401);
    await request(server.url)
      .delete('/admin/cache')
      .set('Authorization', 'Bearer wrong-token-wrong-token')
      .expect(401);
    await get(`${JOBS}?limit=1`).expect(200);
    await get(`${COPY_JOBS}?limit=1`).expect(200);
    await get(`${COMPANIES}?limit=1`).expect(200);

    const byPrefix = await request(server.url)
      .delete('/admin/cache?prefix=/infrastructure/backupServers/jobs/backupCopyJobs')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(byPrefix.body).toEqual({
      purged: 1,
      prefix: '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs',
    });
    expect(await status(`${JOBS}?limit=1`)).toMatch(/^vspc-proxy; hit/);
    // A prefix given with /api/v3 in front means the same path.
    const withApiPrefix = await request(server.url)
      .delete('/admin/cache?prefix=/api/v3/organizations/companies')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(withApiPrefix.body).toEqual({ purged: 1, prefix: '/api/v3/organizations/companies' });
    await get(`${COMPANIES}?limit=1`).expect(200);

    await request(server.url)
      .delete('/admin/cache?prefix=../x')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(400);
    const all = await request(server.url)
      .delete('/admin/cache')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(all.body).toEqual({ purged: 2, prefix: null });
    const stats = await request(server.url)
      .get('/admin/cache')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(stats.body).toMatchObject({ entries: 0, bytes: 0, maxBytes: 64 * 1024 * 1024 });
    expect(stats.body.process.rssBytes).toBeGreaterThan(0);
    await request(server.url).get('/admin/cache').expect(401);
    expect(proxy.deps.cache.stats.entries).toBe(0);
    expect(proxy.logs.text()).not.toContain(ADMIN_TOKEN);
  });

  it('passes answers over CACHE_MAX_ENTRY_BYTES through uncached', async () => {
    await start({ CACHE_MAX_ENTRY_BYTES: '1000', CACHE_MAX_BYTES: '100000' });
    bodyBytes = 1001;
    const big = await get(`${JOBS}?limit=9`).expect(200);
    expect(big.text).toHaveLength(1001);
    expect(big.headers['cache-status']).toBe('vspc-proxy; fwd=miss; fwd-status=200');
    await get(`${JOBS}?limit=9`).expect(200);
    expect(vspc.calls).toHaveLength(2);
    bodyBytes = 1000;
    await get(`${JOBS}?limit=10`).expect(200);
    expect(await status(`${JOBS}?limit=10`)).toMatch(/^vspc-proxy; hit/);
  });

  it('holds no more than CACHE_MAX_BYTES after filling past it, evicting the least recently used', async () => {
    const maxBytes = 50_000;
    await start({ CACHE_MAX_BYTES: String(maxBytes), CACHE_MAX_ENTRY_BYTES: '10000' });
    bodyBytes = 2_000;
    for (let offset = 0; offset < 60; offset += 1) await get(`${JOBS}?offset=${offset}`).expect(200);
    const { bytes, entries } = proxy.deps.cache.stats;
    expect(bytes).toBeLessThanOrEqual(maxBytes);
    expect(entries).toBeGreaterThan(5); // ~5.1 KB charged each: 9 fit
    expect(entries).toBeLessThan(60);
    // The newest pages are held, the oldest were evicted.
    expect(await status(`${JOBS}?offset=59`)).toMatch(/^vspc-proxy; hit/);
    expect(await status(`${JOBS}?offset=0`)).toBe('vspc-proxy; fwd=miss; stored');
  });
});
