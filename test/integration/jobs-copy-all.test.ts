import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { validateProxyResponse } from '../helpers/openapi-proxy.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';
import { jobUid, vspcCopyJob } from '../helpers/vspc-copy-jobs.js';

const JOBS = 1000;

/** A VSPC with exactly 1,000 copy jobs, paged as VSPC pages them; `/slow` in the path delays every answer. */
function copyJobsPage(url: URL) {
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const data = [];
  for (let index = offset; index < Math.min(offset + limit, JOBS); index += 1) {
    data.push({
      ...vspcCopyJob(index),
      _embedded: { backupServerJob: { name: `Job ${index}`, status: 'Success', isEnabled: true } },
    });
  }
  return { meta: { pagingInfo: { total: JOBS, count: data.length, offset } }, data, errors: null };
}

describe('/jobs/copy?all=true against a VSPC with 1,000 jobs', () => {
  let vspc: ScriptedUpstream;
  let delayMs = 0;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      setTimeout(() => {
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(copyJobsPage(new URL(call.url, 'http://vspc'))));
      }, delayMs);
    });
  });
  afterAll(async () => {
    await vspc.close();
  });

  const all = (proxy: TestProxy) =>
    request(proxy.app).get('/jobs/copy?all=true').set('Authorization', 'Bearer tok-all-test');

  it('gathers them in two upstream calls of 500', async () => {
    const proxy = buildProxy(vspc.url);
    vspc.calls.length = 0;
    const res = await all(proxy).expect(200);
    proxy.close();
    validateProxyResponse('GET', '/jobs/copy', res.status, res.body);
    expect(res.body.page).toEqual({ total: 1000, count: 1000, offset: 0, limit: null });
    expect(new Set(res.body.data.map((job: { id: string }) => job.id)).size).toBe(1000);
    expect(vspc.calls.map((call) => new URL(call.url, 'http://vspc').searchParams.get('offset'))).toEqual([
      '0',
      '500',
    ]);
  });

  it('answers 504 past JOBS_ALL_DEADLINE_MS', async () => {
    const proxy = buildProxy(vspc.url, { JOBS_ALL_DEADLINE_MS: '100' });
    delayMs = 80;
    const res = await all(proxy).expect(504);
    delayMs = 0;
    proxy.close();
    validateProxyResponse('GET', '/jobs/copy', res.status, res.body);
    expect(res.body).toMatchObject({ code: 'upstream-timeout' });
    expect(res.body.detail).toContain('JOBS_ALL_DEADLINE_MS (100 ms)');
  });
});

describe('/jobs/copy against a VSPC that answers 200 with something that is not JSON', () => {
  it('answers 502 problem+json, never a 500', async () => {
    const broken = await startScriptedUpstream((_call, res) => res.end('<html>maintenance</html>'));
    const proxy = buildProxy(broken.url);
    const res = await request(proxy.app)
      .get('/jobs/copy')
      .set('Authorization', 'Bearer tok-broken')
      .expect(502);
    const one = await request(proxy.app)
      .get('/jobs/copy/00000000-0000-4000-8000-000000000001')
      .set('Authorization', 'Bearer tok-broken')
      .expect(502);
    // Around the cache too.
    const bypassed = await request(proxy.app)
      .get('/jobs/copy')
      .set('Authorization', 'Bearer tok-broken')
      .set('Cache-Control', 'no-store')
      .expect(502);
    proxy.close();
    expect(bypassed.body.code).toBe('upstream-error');
    await broken.close();
    validateProxyResponse('GET', '/jobs/copy', res.status, res.body);
    expect(res.body.code).toBe('upstream-error');
    expect(one.body.code).toBe('upstream-error');
    expect(broken.calls.map((call) => call.url)).toContain(
      '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs/00000000-0000-4000-8000-000000000001',
    );
  });
});

/**
 * A VSPC of `total` copy jobs that answers at most `perCall` of them per call; with `shiftAfterFirst`,
 * one job is added at the front after its first answer, so later reads start one job earlier.
 */
function pagedVspc(options: { total: number; perCall?: number; shiftAfterFirst?: boolean }) {
  let shift = 0;
  return startScriptedUpstream((call, res) => {
    const url = new URL(call.url, 'http://vspc.invalid');
    const offset = Number(url.searchParams.get('offset')) - shift;
    const limit = Math.min(options.perCall ?? Infinity, Number(url.searchParams.get('limit')));
    const data = [];
    for (let index = offset; index < Math.min(offset + limit, options.total); index += 1)
      data.push(vspcCopyJob(index));
    if (options.shiftAfterFirst === true) shift = 1;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(
      JSON.stringify({ meta: { pagingInfo: { total: options.total, count: data.length, offset } }, data }),
    );
  });
}

const idsOf = (body: { data: Array<{ id: string }> }): string[] => body.data.map((job) => job.id);
/** The ids of `count` jobs from `first` on. */
const uidsFrom = (first: number, count: number): string[] =>
  Array.from({ length: count }, (_unused, index) => jobUid(first + index));

describe('/jobs/copy against a collection that changes between two window reads', () => {
  it('keeps a job that moved across the windows’ edge once, and the page full', async () => {
    // One job is added at the front after the first window was read: the second window starts one job earlier.
    const vspc = await pagedVspc({ total: JOBS, shiftAfterFirst: true });
    const proxy = buildProxy(vspc.url);
    const res = await request(proxy.app)
      .get('/jobs/copy?offset=450&limit=100')
      .set('Authorization', 'Bearer tok-moving')
      .expect(200);
    proxy.close();
    await vspc.close();
    expect(vspc.calls).toHaveLength(2);
    expect(idsOf(res.body)).toEqual(uidsFrom(450, 100));
    expect(res.body.page).toEqual({ total: JOBS, count: 100, offset: 450, limit: 100 });
  });
});

describe('/jobs/copy against a VSPC that answers at most 100 jobs per call', () => {
  const TOTAL = 1234;
  let vspc: ScriptedUpstream;
  beforeAll(async () => {
    vspc = await pagedVspc({ total: TOTAL, perCall: 100 });
  });
  afterAll(async () => {
    await vspc.close();
  });

  it('keeps a job once when it moved between a short read and its follow-up', async () => {
    // After the first read, one job is added at the front: the follow-up at offset 100 starts with job 99.
    const moving = await pagedVspc({ total: TOTAL, perCall: 100, shiftAfterFirst: true });
    const proxy = buildProxy(moving.url);
    const page = await request(proxy.app)
      .get('/jobs/copy?offset=0&limit=200')
      .set('Authorization', 'Bearer tok-capped-moving')
      .expect(200);
    proxy.close();
    await moving.close();
    expect(idsOf(page.body)).toEqual(uidsFrom(0, 200));
  });

  it('completes each short window, so pages and all=true are never silently short', async () => {
    const proxy = buildProxy(vspc.url);
    const get = (path: string) => request(proxy.app).get(path).set('Authorization', 'Bearer tok-capped');
    const page = await get('/jobs/copy?offset=450&limit=100').expect(200);
    const pageCalls = vspc.calls.length;
    const all = await get('/jobs/copy?all=true').expect(200);
    proxy.close();
    expect(idsOf(page.body)).toEqual(uidsFrom(450, 100));
    expect(page.body.page).toEqual({ total: TOTAL, count: 100, offset: 450, limit: 100 });
    expect(pageCalls).toBe(10); // 0–499 in 5 reads, 500–999 in 5 (the window is read whole)
    expect(all.body.page).toEqual({ total: TOTAL, count: TOTAL, offset: 0, limit: null });
    expect(new Set(idsOf(all.body)).size).toBe(TOTAL);
    validateProxyResponse('GET', '/jobs/copy', all.status, all.body);
  });
});

describe('/jobs/copy against a VSPC that answers too few jobs per call for JOBS_WINDOW', () => {
  /** A proxy (with `env`) over a VSPC of 1,000 jobs answering at most `perCall` per call; both stopped after `use`. */
  async function overCappedVspc(
    perCall: number,
    env: Record<string, string>,
    use: (proxy: TestProxy, vspc: ScriptedUpstream) => Promise<void>,
  ): Promise<void> {
    const vspc = await pagedVspc({ total: JOBS, perCall });
    const proxy = buildProxy(vspc.url, env);
    try {
      await use(proxy, vspc);
    } finally {
      proxy.close();
      await vspc.close();
    }
  }
  const getAs = (proxy: TestProxy, path: string) =>
    request(proxy.app).get(path).set('Authorization', 'Bearer tok-capped');

  it('answers 502 naming the fix after the first read, rather than a short page', async () => {
    await overCappedVspc(20, {}, async (proxy, capped) => {
      const refused = await getAs(proxy, '/jobs/copy?limit=10').expect(502);
      expect(capped.calls).toHaveLength(1); // its answer already tells: 20 of 1,000
      expect(refused.body.code).toBe('upstream-error');
      expect(refused.body.detail).toBe(
        'VSPC answers at most 20 jobs per call, too few to fill a window of 500 in 20 calls; set JOBS_WINDOW to 400 or less.',
      );
      validateProxyResponse('GET', '/jobs/copy', refused.status, refused.body);
    });
  });

  it('with JOBS_WINDOW as the 502 says, pages fully', async () => {
    await overCappedVspc(20, { JOBS_WINDOW: '400' }, async (proxy, capped) => {
      const page = await getAs(proxy, '/jobs/copy?offset=30&limit=50').expect(200);
      expect(idsOf(page.body)).toEqual(uidsFrom(30, 50));
      expect(capped.calls).toHaveLength(20); // the window's first read and 19 follow-ups
    });
  });

  it('at exactly 25 per call (20 calls fill a window of 500), pages fully', async () => {
    await overCappedVspc(25, {}, async (proxy, capped) => {
      const page = await getAs(proxy, '/jobs/copy?offset=480&limit=20').expect(200);
      expect(idsOf(page.body)).toEqual(uidsFrom(480, 20));
      expect(capped.calls).toHaveLength(20);
    });
  });
});
