import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { validateProxyResponse } from '../helpers/openapi-proxy.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { jobUid, vspcCopyJob } from '../helpers/vspc-copy-jobs.js';

const TTL_MS = 30_000;
const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const SERVER_JOBS = '/api/v3/infrastructure/backupServers/jobs';
const JOBS = 120;
const ORPHAN = jobUid(7);

/**
 * A VSPC with 120 copy jobs whose server job records are all missing: a copy job reads 200, its
 * server job 404 every time.
 */
function answer(url: URL): { status: number; body: unknown } {
  if (url.pathname === COPY_JOBS) {
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const data = [];
    for (let index = offset; index < Math.min(offset + limit, JOBS); index += 1)
      data.push(vspcCopyJob(index));
    return { status: 200, body: { meta: { pagingInfo: { total: JOBS, count: data.length, offset } }, data } };
  }
  if (url.pathname === `${COPY_JOBS}/${ORPHAN}`) return { status: 200, body: { data: vspcCopyJob(7) } };
  return {
    status: 404,
    body: { errors: [{ message: 'Job not found.', type: 'logical', code: 404 }], data: null },
  };
}

describe('/jobs/copy reports every VSPC read it made, the same way in Cache-Status, the log and the metric', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let clock = 1_000_000;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      const { status, body } = answer(new URL(call.url, 'http://vspc'));
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(body));
    });
    proxy = buildProxy(vspc.url, { CACHE_TTL_MS: String(TTL_MS), JOBS_WINDOW: '50' }, () => clock);
  });
  afterAll(async () => {
    proxy.close();
    await vspc.close();
  });

  const get = (path: string) => request(proxy.app).get(path).set('Authorization', 'Bearer tok-outcomes');

  async function cacheOutcomes(): Promise<Record<string, number>> {
    const text = (await request(proxy.app).get('/metrics').expect(200)).text;
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^cache_requests_total\{outcome="(\w+)"\} (\d+)$/gm))
      counts[match[1] ?? ''] = Number(match[2]);
    return counts;
  }

  async function loggedCache(path: string): Promise<unknown[]> {
    await waitFor(() => proxy.logs.lines().some((line) => line.path === path));
    return proxy.logs
      .lines()
      .filter((line) => line.path === path)
      .map((line) => line.cache);
  }

  it('/jobs/copy/:id counts the server job read: a 404 there is a miss every time, never a hit', async () => {
    const path = `/jobs/copy/${ORPHAN}`;
    const first = await get(path).expect(200);
    validateProxyResponse('GET', path, first.status, first.body);
    expect(first.body.data).toMatchObject({ id: ORPHAN, name: null, status: null });
    expect(first.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');

    // The copy job is now cached; its server job is not (VSPC said 404), so VSPC is asked again.
    const second = await get(path).expect(200);
    expect(second.headers['cache-status']).toBe('vspc-proxy; fwd=miss; fwd-status=404');
    const calls = vspc.calls.map((call) => call.url);
    expect(calls.filter((url) => url === `${COPY_JOBS}/${ORPHAN}`)).toHaveLength(1);
    expect(calls.filter((url) => url === `${SERVER_JOBS}/${ORPHAN}`)).toHaveLength(2);
    expect(calls).toHaveLength(3);
    expect(await loggedCache(path)).toEqual(['miss', 'miss']);
    expect(await cacheOutcomes()).toMatchObject({ hit: 0, miss: 2, stale: 0, collapsed: 0 });
  });

  it('a list page reports its least favourable window in all three places', async () => {
    vspc.calls.length = 0;
    const before = await cacheOutcomes();
    await get('/jobs/copy?limit=50&offset=0').expect(200); // window 0: a miss, stored
    clock += TTL_MS + 1_000;
    // Window 0 is served stale (refreshed in the background); window 50 is a miss: the page is a miss.
    const path = '/jobs/copy?limit=50&offset=25';
    const straddling = await get(path).expect(200);
    expect(straddling.body.page).toEqual({ total: JOBS, count: 50, offset: 25, limit: 50 });
    expect(straddling.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
    expect(await loggedCache(path)).toEqual(['miss']);
    // It started two VSPC calls (window 0's background refresh, window 50 for this page), and says so.
    const line = proxy.logs.lines().find((entry) => entry.path === path);
    expect(line).toMatchObject({ upstreamCalls: 2, upstreamStatus: 200 });
    expect(typeof line?.upstreamMs).toBe('number');
    const hitPath = '/jobs/copy?limit=10&offset=60';
    await get(hitPath).expect(200); // window 50, cached: VSPC not asked
    await waitFor(() => proxy.logs.lines().some((entry) => entry.path === hitPath));
    const hitLine = proxy.logs.lines().find((entry) => entry.path === hitPath);
    expect(hitLine).toMatchObject({ upstreamCalls: 0, cache: 'hit' });
    expect(hitLine?.upstreamStatus).toBeUndefined();
    const after = await cacheOutcomes();
    expect({ miss: after.miss, stale: after.stale, hit: after.hit }).toEqual({
      miss: (before.miss ?? 0) + 2,
      stale: before.stale,
      hit: (before.hit ?? 0) + 1,
    });
    await waitFor(() => vspc.calls.length === 3 && proxy.deps.upstream.inflight === 0);
  });
});
