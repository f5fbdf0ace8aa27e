import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { createClientErrorHandler, createConnectRefusal } from '../../src/http/client-error.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  listen,
  rawRequest,
  startScriptedUpstream,
  type Listening,
  type ScriptedUpstream,
} from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const AUTH = { Authorization: 'Bearer tok-hygiene-test' };
const ORIGIN = 'https://app.example.com';

describe('HTTP hygiene', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      if (call.url.endsWith('/hang')) return;
      if (call.url.endsWith('/slow')) {
        setTimeout(() => {
          res.setHeader('Content-Type', 'application/json');
          res.end('{"slow":true}');
        }, 150);
        return;
      }
      if (call.url.endsWith('/empty')) {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end('{}');
    });
    proxy = buildProxy(vspc.url, { CORS_ORIGINS: ORIGIN, REQUEST_MAX_BODY_BYTES: '64' });
    server = await listen(proxy.app);
    server.server.on('clientError', createClientErrorHandler(proxy.logs.logger));
    server.server.on('connect', createConnectRefusal(proxy.logs.logger));
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it('sends helmet headers, no X-Powered-By, and a generated X-Request-Id', async () => {
    for (const path of ['/healthz', '/api/v3/infrastructure/backupServers/jobs', '/nowhere']) {
      const res = await request(server.url).get(path).set(AUTH);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('names the full path as the problem instance', async () => {
    const res = await request(server.url)
      .get('/api/v3/infrastructure/backupServers/jobs?limit=1')
      .expect(401);
    expect(res.body.instance).toBe('/api/v3/infrastructure/backupServers/jobs');
    const post = await request(server.url)
      .post('/api/v3/infrastructure/backupServers/jobs/x/start')
      .expect(401);
    expect(post.body.instance).toBe('/api/v3/infrastructure/backupServers/jobs/x/start');
  });

  it('answers 405 for methods VSPC does not use, without calling it', async () => {
    const before = vspc.calls.length;
    const res = await rawRequest(server.url, {
      method: 'TRACE',
      path: '/api/v3/infrastructure/backupServers/jobs',
      headers: AUTH,
    });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'method-not-allowed' });
    expect(vspc.calls.length).toBe(before);
  });

  it('refuses an anonymous write before reading its body', async () => {
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/v3/infrastructure/backupServers/jobs/x/start',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(500) }),
    });
    expect(res.status).toBe(401);
  });

  it('sends no Content-Length with a 204', async () => {
    const res = await rawRequest(server.url, {
      method: 'DELETE',
      path: '/api/v3/things/empty',
      headers: AUTH,
    });
    expect(res.status).toBe(204);
    expect(res.headers['content-length']).toBeUndefined();
  });

  /** What the proxy answers to raw bytes, up to its closing the connection. */
  const rawExchange = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });

  it('answers malformed HTTP with problem+json and closes', async () => {
    const answer = await rawExchange('GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Header: y\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(answer).toContain('"code":"bad-request"');
  });

  it('answers a request still pending before a malformed one pipelined behind it, then closes', async () => {
    const answer = await rawExchange(
      `GET /api/v3/things/slow HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH.Authorization}\r\n\r\n` +
        'GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Header: y\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('{"slow":true}');
    expect(answer).not.toContain('400 Bad Request');
  });

  it('answers CONNECT with 405 problem+json and closes: it is not a forward proxy', async () => {
    const before = vspc.calls.length;
    const answer = await rawExchange(
      'CONNECT vspc.example.com:1280 HTTP/1.1\r\nHost: vspc.example.com:1280\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(answer).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(answer).toContain('"code":"method-not-allowed"');
    expect(vspc.calls.length).toBe(before);
    expect(proxy.logs.lines()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'CONNECT refused', method: 'CONNECT' }),
    );
  });

  it('logs a request whose client left as 499, at warn', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get(`${server.url}/api/v3/things/hang`, { headers: AUTH });
      req.on('error', () => resolve());
      setTimeout(() => req.destroy(), 100);
    });
    await waitFor(() => proxy.logs.lines().some((line) => line.msg === 'request aborted'));
    const line = proxy.logs.lines().find((entry) => entry.msg === 'request aborted');
    expect(line).toMatchObject({ status: 499, level: 'warn', path: '/api/v3/things/hang' });
  });

  describe('CORS', () => {
    it('echoes an allowed origin and exposes the cache and rate limit headers', async () => {
      const res = await request(server.url).get('/healthz').set('Origin', ORIGIN).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['access-control-expose-headers']).toBe(
        'ETag, Cache-Status, Retry-After, X-Request-Id, Location, Age, RateLimit, RateLimit-Policy',
      );
      expect(res.headers.vary).toContain('Origin');
    });
    it('keeps Vary: Origin next to the cache Vary on cached answers', async () => {
      const res = await request(server.url)
        .get('/api/v3/anything')
        .set(AUTH)
        .set('Origin', ORIGIN)
        .expect(200);
      expect(res.headers.vary).toBe('Origin, Authorization, Accept, Accept-Language, X-Client-Version');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    });
    it('gives other origins nothing to read', async () => {
      const res = await request(server.url)
        .get('/healthz')
        .set('Origin', 'https://evil.example.com')
        .expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
    it('answers a preflight from an allowed origin with 204 and no VSPC call', async () => {
      const before = vspc.calls.length;
      const res = await request(server.url)
        .options('/api/v3/infrastructure/backupServers/jobs')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization, traceparent')
        .expect(204);
      expect(res.headers['access-control-allow-headers']).toContain('traceparent');
      expect(res.headers['access-control-allow-methods']).toContain('PATCH');
      expect(vspc.calls.length).toBe(before);
    });
    it('adds no CORS headers when CORS_ORIGINS is empty', async () => {
      const plain = buildProxy(vspc.url);
      const res = await request(plain.app).get('/healthz').set('Origin', ORIGIN).expect(200);
      plain.close();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers.vary).toBeUndefined();
    });
  });

  it('while stopping: answers close their connection and /readyz is 503', async () => {
    let stopping = false;
    const app = createApp({ ...proxy.deps, isStopping: () => stopping });
    await request(app).get('/readyz').expect(200);
    stopping = true;
    const ready = await request(app).get('/readyz').expect(503);
    expect(ready.body.code).toBe('shutting-down');
    const res = await request(app).get('/healthz').expect(200);
    expect(res.headers.connection).toBe('close');
  });
});
