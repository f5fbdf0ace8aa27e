import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  rawRequest,
  listen,
  startScriptedUpstream,
  type Listening,
  type ScriptedUpstream,
} from '../helpers/servers.js';

const TOKEN = 'tok-forwarding-test-123';

describe('transparent proxy against a scripted VSPC', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Set-Cookie', 'vspc-session=secret');
      res.setHeader('X-Internal', 'hidden');
      res.end('{"data":[]}');
    });
    proxy = buildProxy(vspc.url);
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

  it('forwards method, path, query, body and the allowed headers unchanged', async () => {
    const res = await rawRequest(server.url, {
      method: 'PATCH',
      path: '/api/v3/infrastructure/backupServers/jobs/abc?select=%5B%7B%22propertyPath%22%3A%22name%22%7D%5D&x=1',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-Client-Version': '3.6',
        'X-Request-id': 'a1b2c3d4-0000-4000-8000-000000000001',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        Cookie: 'session=browser-secret',
        Connection: 'keep-alive, X-Drop-Me',
        'Keep-Alive': 'timeout=5',
        'Proxy-Authorization': 'Basic Zm9vOmJhcg==',
        Upgrade: 'h2c',
        TE: 'trailers',
        'X-Drop-Me': '1',
      },
      body: '[{"op":"replace","path":"/isEnabled","value":false}]',
    });
    expect(res.status).toBe(200);
    expect(vspc.calls).toHaveLength(1);
    const call = vspc.calls[0]!;
    expect(call.method).toBe('PATCH');
    expect(call.url).toBe(
      '/api/v3/infrastructure/backupServers/jobs/abc?select=%5B%7B%22propertyPath%22%3A%22name%22%7D%5D&x=1',
    );
    expect(call.body).toBe('[{"op":"replace","path":"/isEnabled","value":false}]');
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers.accept).toBe('application/json');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['x-client-version']).toBe('3.6');
    expect(call.headers['x-request-id']).toBe('a1b2c3d4-0000-4000-8000-000000000001');
    expect(call.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(call.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(call.headers['x-forwarded-proto']).toBe('http');
    for (const dropped of ['cookie', 'keep-alive', 'proxy-authorization', 'upgrade', 'te', 'x-drop-me']) {
      expect(call.headers[dropped]).toBeUndefined();
    }
    expect(call.headers.host).toBe(new URL(vspc.url).host);
    // VSPC's cookies and internal headers stay behind the proxy.
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-internal']).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toBe('a1b2c3d4-0000-4000-8000-000000000001');
    expect(res.body).toBe('{"data":[]}');
  });

  it('appends the client address to an existing X-Forwarded-For chain', async () => {
    await request(proxy.app)
      .get('/api/v3/infrastructure/backupServers/jobs')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('X-Forwarded-For', '203.0.113.7')
      .expect(200);
    expect(vspc.calls[0]!.headers['x-forwarded-for']).toMatch(/^203\.0\.113\.7, (::ffff:)?127\.0\.0\.1$/);
  });

  it('lets POST /api/v3/token through without a bearer token, form body intact', async () => {
    await request(proxy.app)
      .post('/api/v3/token')
      .type('form')
      .send('grant_type=password&username=admin&password=p%40ss')
      .expect(200);
    expect(vspc.calls).toHaveLength(1);
    expect(vspc.calls[0]!.body).toBe('grant_type=password&username=admin&password=p%40ss');
    expect(vspc.calls[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });
});
