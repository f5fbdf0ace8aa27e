import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const TTL_MS = 30_000;
const TOKEN = 'tok-promotion-test';
const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
/** The one window `/jobs/copy?all=true` and `/jobs/copy?limit=10` both read. */
const WINDOW = `${COPY_JOBS}?expand=BackupServerJob&limit=500&offset=0`;
/** Holds VSPC's only slot until the test lets it go. */
const BLOCKER = '/api/v3/infrastructure/companies?limit=1';
/** A client's call that queues after the bulk call, for another key. */
const OTHER = '/api/v3/infrastructure/backupServers/jobs?limit=3';
const STALE_URL = '/api/v3/infrastructure/backupServers?limit=1';

/**
 * The shield admits interactive waiters before bulk ones and reads a waiter's priority when it picks
 * one; the cache promotes a bulk call (an `all=true` window, a background refresh) that a client
 * comes to wait for. With one VSPC slot, the order VSPC sees the calls in shows it.
 */
describe('a client waiting on a queued bulk call moves it ahead of later interactive calls', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;
  let clock: number;
  let releaseBlocker: (() => void) | null;
  const arrived: string[] = [];

  beforeEach(async () => {
    clock = 1_000_000;
    releaseBlocker = null;
    arrived.length = 0;
    vspc = await startScriptedUpstream((call, res: ServerResponse) => {
      const answer = () => {
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ meta: { pagingInfo: { total: 0, count: 0, offset: 0 } }, data: [] }));
      };
      if (call.url === BLOCKER) releaseBlocker = answer;
      else answer();
    });
    proxy = buildProxy(
      vspc.url,
      {
        UPSTREAM_MAX_CONCURRENCY: '1',
        UPSTREAM_MAX_CONCURRENCY_PER_TOKEN: '1',
        CACHE_TTL_MS: String(TTL_MS),
      },
      () => clock,
    );
    // Records each request as the proxy starts handling it (it reaches the cache in the same turn).
    server = await listen((req, res) => {
      arrived.push(req.url ?? '');
      proxy.app(req, res);
    });
  });
  afterEach(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    request(server.url).get(url).set('Authorization', `Bearer ${TOKEN}`).set(headers);
  const queued = (length: number) => waitFor(() => proxy.deps.upstream.queueLength === length);

  /** Starts a call VSPC holds on to; resolves (with the pending answer, in an object) once VSPC has it. */
  async function blockTheSlot() {
    const blocked = get(BLOCKER).then((res) => res);
    await waitFor(() => releaseBlocker !== null);
    return { blocked };
  }

  it('an all=true window joined by a page request goes before an interactive call that queued after it', async () => {
    const { blocked } = await blockTheSlot();
    const all = get('/jobs/copy?all=true').then((res) => res);
    await queued(1); // the all=true window, bulk
    const other = get(OTHER).then((res) => res);
    await queued(2); // another client's call, interactive
    const page = get('/jobs/copy?limit=10').then((res) => res);
    await waitFor(() => arrived.includes('/jobs/copy?limit=10'));
    expect(proxy.deps.upstream.queueLength).toBe(2); // the page joined the window's call

    releaseBlocker?.();
    const answers = await Promise.all([blocked, all, other, page]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect(answers[3]?.headers['cache-status']).toBe('vspc-proxy; fwd=miss; collapsed');
    expect(vspc.calls.map((call) => call.url)).toEqual([BLOCKER, WINDOW, OTHER]);
  });

  it('a background refresh a no-cache client waits for goes before an interactive call that queued after it', async () => {
    await get(STALE_URL).expect(200);
    clock += TTL_MS + 1_000;
    const { blocked } = await blockTheSlot();
    const stale = await get(STALE_URL).expect(200); // served stale; its refresh queues, bulk
    expect(stale.headers['cache-status']).toBe('vspc-proxy; hit; ttl=-1');
    await queued(1);
    const other = get(OTHER).then((res) => res);
    await queued(2);
    const refetch = get(STALE_URL, { 'Cache-Control': 'no-cache' }).then((res) => res);
    await waitFor(() => arrived.filter((url) => url === STALE_URL).length === 3);
    expect(proxy.deps.upstream.queueLength).toBe(2); // the no-cache request joined the refresh

    releaseBlocker?.();
    const answers = await Promise.all([blocked, other, refetch]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(answers[2]?.headers['cache-status']).toBe('vspc-proxy; fwd=miss; collapsed');
    expect(vspc.calls.map((call) => call.url)).toEqual([STALE_URL, BLOCKER, STALE_URL, OTHER]);
  });
});
