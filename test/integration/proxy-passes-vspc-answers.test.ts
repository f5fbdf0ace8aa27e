import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { startScriptedUpstream } from '../helpers/servers.js';

const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';

describe('VSPC answers pass through unchanged (against the simulator)', () => {
  let sim: Simulator;
  let proxy: TestProxy;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    proxy = buildProxy(sim.url);
    token = sim.issueToken('admin').accessToken;
  });
  afterEach(() => {
    sim.resetKnobs();
    sim.resetStats();
  });
  afterAll(async () => {
    proxy.close();
    await sim.close();
  });

  /** The same request straight to the simulator, to compare with what the proxy returns. */
  const direct = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, { headers });

  it.each([
    ['an unknown token → 401', `${COPY_JOBS}?limit=1`, 'Bearer not-a-real-token'],
    ['an unknown uid → 404', `${COPY_JOBS}/00000000-0000-4000-8000-000000000000`, 'VALID'],
    ['bad paging → 400', `${COPY_JOBS}?limit=501`, 'VALID'],
    ['a page', `${COPY_JOBS}?limit=3&offset=7&expand=BackupServerJob`, 'VALID'],
  ])('%s: same status, content type and body as VSPC', async (_name, path, auth) => {
    const authorization = auth === 'VALID' ? `Bearer ${token}` : auth;
    const expected = await direct(path, { Authorization: authorization });
    const expectedBody = await expected.text();
    const res = await request(proxy.app).get(path).set('Authorization', authorization);
    expect(res.status).toBe(expected.status);
    expect(res.headers['content-type']).toBe(expected.headers.get('content-type'));
    expect(res.text).toBe(expectedBody);
  });

  it('passes a 520 with its body', async () => {
    sim.knobs.forceStatus = 520;
    const res = await request(proxy.app).get(COPY_JOBS).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(520);
    expect(res.body.errors[0]).toMatchObject({ type: 'unspecified', code: 520 });
  });

  it('passes a 429 with retryAfter in the body', async () => {
    sim.knobs.forceStatus = 429;
    sim.knobs.retryAfterS = 25;
    // The 429 holds this token's calls for 25 s: a token of its own keeps the hold out of later tests.
    const res = await request(proxy.app).get(COPY_JOBS).set('Authorization', 'Bearer throttled-token');
    expect(res.status).toBe(429);
    expect(res.body.errors[0]).toMatchObject({ type: 'transport', code: 429, retryAfter: 25 });
    // VSPC sends no Retry-After; the proxy adds it from the body.
    expect(res.headers['retry-after']).toBe('25');
  });

  it('passes a 202 with Location made relative to the proxy', async () => {
    sim.knobs.forceStatus = 202;
    const res = await request(proxy.app).get(COPY_JOBS).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(202);
    expect(res.headers.location).toMatch(/^\/api\/v3\/asyncActions\/[0-9a-f-]{36}$/);
    const action = await request(proxy.app)
      .get(res.headers.location!)
      .set('Authorization', `Bearer ${token}`);
    expect(action.status).toBe(200);
    expect(action.body.data).toMatchObject({ status: 'running' });
    // Polled for progress: never answered from the cache.
    expect(action.headers['cache-status']).toBe('vspc-proxy; fwd=request; detail=polled-resource');
    const before = sim.requestCount;
    await request(proxy.app).get(res.headers.location!).set('Authorization', `Bearer ${token}`).expect(200);
    expect(sim.requestCount).toBe(before + 1);
  });

  it('returns a connection reset as 502', async () => {
    sim.knobs.resetConnection = true;
    const res = await request(proxy.app).get(COPY_JOBS).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('upstream-unreachable');
    expect(sim.requestCount).toBe(1);
  });

  it('headers reach the simulator as sent', async () => {
    await request(proxy.app)
      .get(`${COPY_JOBS}?limit=1`)
      .set('Authorization', `Bearer ${token}`)
      .set('X-Client-Version', '3.6')
      .set('Cookie', 'a=b')
      .expect(200);
    const seen = sim.recentRequests.at(-1);
    expect(seen?.headers['x-client-version']).toBe('3.6');
    expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.query).toBe('limit=1');
  });
});

describe('a full login + list flow leaves no credential in the logs', () => {
  it('logs neither the password nor the access or refresh token', async () => {
    const sim = await startSimulator();
    const proxy = buildProxy(sim.url);
    const password = 'alpha-demo-password';
    const login = await request(proxy.app)
      .post('/api/v3/token')
      .type('form')
      .send({ grant_type: 'password', username: 'alpha', password })
      .expect(200);
    const { access_token: accessToken, refresh_token: refreshToken } = login.body as Record<string, string>;
    const refreshed = await request(proxy.app)
      .post('/api/v3/token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: refreshToken })
      .expect(200);
    const newToken = (refreshed.body as Record<string, string>).access_token ?? '';
    await request(proxy.app)
      .get(`${COPY_JOBS}?limit=5`)
      .set('Authorization', `Bearer ${newToken}`)
      .expect(200);
    await request(proxy.app)
      .get(`${COPY_JOBS}?access_token=${newToken}`)
      .set('Authorization', `Bearer ${newToken}`);
    proxy.close();
    await sim.close();

    const text = proxy.logs.text();
    expect(proxy.logs.lines().filter((line) => line.msg === 'request completed')).toHaveLength(4);
    for (const secret of [password, accessToken, refreshToken, newToken]) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(secret);
    }
  });
});

describe('VSPC headers a client needs pass through, cached or not', () => {
  it('Content-Disposition on a cached 200 (miss and hit), WWW-Authenticate on a 401, no-store on token answers', async () => {
    const vspc = await startScriptedUpstream((call, res) => {
      if (call.url === '/api/v3/token') {
        res.setHeader('Content-Type', 'application/json');
        res.end('{"access_token":"a","token_type":"bearer"}');
        return;
      }
      if (call.url.startsWith('/api/v3/expired')) {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
        res.end('{"errors":[{"type":"security","code":401}]}');
        return;
      }
      res.setHeader('Content-Type', 'text/csv');
      res.setHeader('Content-Disposition', 'attachment; filename="report.csv"');
      res.end('a,b\n1,2\n');
    });
    const proxy = buildProxy(vspc.url);
    try {
      const get = (path: string) => request(proxy.app).get(path).set('Authorization', 'Bearer tok-headers');
      const miss = await get('/api/v3/reports/r1').expect(200);
      const hit = await get('/api/v3/reports/r1').expect(200);
      expect(hit.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
      for (const res of [miss, hit])
        expect(res.headers['content-disposition']).toBe('attachment; filename="report.csv"');
      const expired = await get('/api/v3/expired').expect(401);
      expect(expired.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      const login = await request(proxy.app)
        .post('/api/v3/token')
        .type('form')
        .send({ grant_type: 'password', username: 'u', password: 'p' })
        .expect(200);
      expect(login.headers['cache-control']).toBe('no-store');
      expect(login.headers.pragma).toBe('no-cache');
      expect(vspc.calls).toHaveLength(3);
    } finally {
      proxy.close();
      await vspc.close();
    }
  });
});
