import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';

describe('/healthz and /readyz', () => {
  let vspc: ScriptedUpstream;
  let mode: 'up' | 'error' | 'hang' = 'up';

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => {
      if (mode === 'hang') return;
      res.statusCode = mode === 'up' ? 401 : 520;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"errors":[{"message":"Unauthorized","type":"security","code":401}]}');
    });
  });
  afterAll(async () => {
    await vspc.close();
  });

  it('/healthz answers 200 without calling VSPC', async () => {
    const proxy = buildProxy(vspc.url);
    const before = vspc.calls.length;
    const res = await request(proxy.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(vspc.calls.length).toBe(before);
    proxy.close();
  });

  it('/readyz is 200 when VSPC answers (a 401 to an anonymous probe counts)', async () => {
    mode = 'up';
    const proxy = buildProxy(vspc.url);
    const res = await request(proxy.app).get('/readyz').expect(200);
    expect(res.body).toEqual({
      status: 'ready',
      vspc: {
        probe: 'GET /api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=1 without a token',
        status: 401,
        meaning: 'VSPC is serving: a 401 is its answer to a call without a token.',
      },
    });
    expect(vspc.calls.at(-1)?.headers.authorization).toBeUndefined();
    proxy.close();
  });

  it('/readyz is 503 problem+json when VSPC answers with a server error', async () => {
    mode = 'error';
    const proxy = buildProxy(vspc.url);
    const res = await request(proxy.app).get('/readyz').expect(503);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({ code: 'not-ready', detail: 'VSPC answered 520.' });
    proxy.close();
  });

  it('/readyz is 503 when VSPC does not answer within READY_TIMEOUT_MS', async () => {
    mode = 'hang';
    const proxy = buildProxy(vspc.url, { READY_TIMEOUT_MS: '150' });
    const res = await request(proxy.app).get('/readyz').expect(503);
    expect(res.body).toMatchObject({ code: 'not-ready', detail: 'VSPC did not answer within 150 ms.' });
    proxy.close();
  });

  it('/readyz is 503 when VSPC is down', async () => {
    const dead = await listen((_req, res) => res.end());
    const url = dead.url;
    await dead.close();
    const proxy = buildProxy(url);
    const res = await request(proxy.app).get('/readyz').expect(503);
    expect(res.body).toMatchObject({ code: 'not-ready', detail: 'VSPC is unreachable (refused).' });
    proxy.close();
  });

  it('reuses one probe for concurrent readiness checks', async () => {
    mode = 'up';
    const proxy = buildProxy(vspc.url);
    const before = vspc.calls.length;
    await Promise.all(Array.from({ length: 5 }, () => request(proxy.app).get('/readyz').expect(200)));
    expect(vspc.calls.length - before).toBe(1);
    proxy.close();
  });
});
