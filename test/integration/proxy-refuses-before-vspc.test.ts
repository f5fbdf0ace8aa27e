import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  listen,
  rawRequest,
  startScriptedUpstream,
  type Listening,
  type ScriptedUpstream,
} from '../helpers/servers.js';

const AUTH = { Authorization: 'Bearer tok-guard-test' };

describe('requests refused without reaching VSPC', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => res.end('{}'));
    proxy = buildProxy(vspc.url, { REQUEST_MAX_BODY_BYTES: '64' });
    server = await listen(proxy.app);
  });
  afterEach(() => {
    vspc.calls.length = 0;
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic scheme', { Authorization: 'Basic YWRtaW46cGFzcw==' }],
    ['an empty bearer token', { Authorization: 'Bearer ' }],
  ])('answers 401 problem+json for %s', async (_name, headers: Record<string, string>) => {
    const res = await rawRequest(server.url, { path: '/api/v3/infrastructure/backupServers/jobs', headers });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'urn:vspc-proxy:problem:unauthorized',
      status: 401,
      code: 'unauthorized',
    });
    expect(vspc.calls).toHaveLength(0);
  });

  it('does not ask for a token on GET /api/v3/token either (only POST logs in)', async () => {
    const res = await rawRequest(server.url, { path: '/api/v3/token' });
    expect(res.status).toBe(401);
    expect(vspc.calls).toHaveLength(0);
  });

  it.each([
    '/api/v3/../admin',
    '/api/v3/infrastructure/../../etc/passwd',
    '/api/v3/%2e%2e/%2e%2e/secret',
    '/api/v3/%2E%2E/x',
    '/api/v3/.%2e/x',
    '/api/v3/infrastructure%2f..%2fx',
    '/api/v3/infrastructure%2Fjobs',
    '/api/v3/infrastructure%5cjobs',
    '/api/v3\\..\\x',
    '/api/v3/jobs\\x',
    '/api/v3/%00/x',
    '/api/v3/%zz',
    'http://evil.example/api/v3/infrastructure/backupServers/jobs',
    '/api/../api/v3/x',
  ])('rejects %s with 400 and no VSPC call', async (path) => {
    const res = await rawRequest(server.url, { path, headers: AUTH });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad-path', status: 400 });
    expect(vspc.calls).toHaveLength(0);
  });

  it('normalises dot and empty segments and still forwards below /api/v3', async () => {
    const res = await rawRequest(server.url, {
      path: '/api/v3//infrastructure/./backupServers/jobs?limit=5',
      headers: AUTH,
    });
    expect(res.status).toBe(200);
    expect(vspc.calls.map((call) => call.url)).toEqual(['/api/v3/infrastructure/backupServers/jobs?limit=5']);
  });

  it('answers 404 for /api/v3 itself and for paths outside it', async () => {
    expect((await rawRequest(server.url, { path: '/api/v3', headers: AUTH })).status).toBe(404);
    const outside = await rawRequest(server.url, { path: '/api/v2/jobs', headers: AUTH });
    expect(outside.status).toBe(404);
    expect(JSON.parse(outside.body)).toMatchObject({
      code: 'not-found',
      type: 'urn:vspc-proxy:problem:not-found',
    });
    expect(vspc.calls).toHaveLength(0);
  });

  it('answers 413 problem+json for a body over REQUEST_MAX_BODY_BYTES', async () => {
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/v3/infrastructure/backupServers/jobs/x/start',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(100) }),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'payload-too-large' });
    expect(res.body).not.toMatch(/at .*\.js/);
    expect(vspc.calls).toHaveLength(0);
  });
});
