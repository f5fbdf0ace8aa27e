import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import zlib from 'node:zlib';
import type { VspcClient } from '../../src/upstream/client.js';
import { createTransport } from '../../src/upstream/transport.js';
import request from 'supertest';
import { buildProxy } from '../helpers/proxy.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';

const PAGE = Buffer.from(JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => ({ id: i })) }));
const MAX_BODY_BYTES = 64_000;

describe('the upstream client on the wire', () => {
  let vspc: ScriptedUpstream | undefined;
  let client: VspcClient | undefined;
  afterEach(async () => {
    client?.close();
    await vspc?.close();
    client = undefined;
    vspc = undefined;
  });

  function clientFor(origin: string, timeoutMs = 2000): VspcClient {
    client = createTransport({
      origin,
      timeoutMs,
      connectTimeoutMs: 1000,
      maxBodyBytes: MAX_BODY_BYTES,
      maxSockets: 4,
    });
    return client;
  }

  async function start(script: ScriptedUpstream['script']): Promise<VspcClient> {
    vspc = await startScriptedUpstream(script);
    return clientFor(vspc.url);
  }

  const get = (target = '/api/v3/x', headers: Record<string, string> = {}) =>
    (client as VspcClient).request({ method: 'GET', target, headers });

  it('asks for gzip, deflate and br, and sends its user agent', async () => {
    await start((_call, res) => res.end('{}'));
    await get();
    expect(vspc?.calls[0]?.headers).toMatchObject({
      'accept-encoding': 'gzip, deflate, br',
      'user-agent': 'vspc-proxy',
    });
  });

  it('sends only the headers it is given, its user agent and accept-encoding, and what HTTP/1.1 needs', async () => {
    await start((_call, res) => res.end('{}'));
    await get('/api/v3/x', { authorization: 'Bearer t', 'x-client-version': '3.6' });
    await (client as VspcClient).request({
      method: 'POST',
      target: '/api/v3/y',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
    });
    const names = (index: number) => Object.keys(vspc?.calls[index]?.headers ?? {}).sort();
    expect(names(0)).toEqual([
      'accept-encoding',
      'authorization',
      'connection',
      'host',
      'user-agent',
      'x-client-version',
    ]);
    expect(names(1)).toEqual([
      'accept-encoding',
      'connection',
      'content-length',
      'content-type',
      'host',
      'user-agent',
    ]);
  });

  it.each([
    ['gzip', 'gzip', zlib.gzipSync],
    ['x-gzip', 'gzip', zlib.gzipSync],
    ['br', 'brotli', zlib.brotliCompressSync],
    ['deflate', 'zlib-wrapped deflate', zlib.deflateSync],
    ['deflate', 'raw deflate', zlib.deflateRawSync],
  ])('undoes Content-Encoding: %s (%s)', async (encoding, _format, compress) => {
    await start((_call, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Encoding', encoding);
      res.end(compress(PAGE));
    });
    const answer = await get();
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.body.equals(PAGE)).toBe(true);
  });

  it('refuses a compressed body that inflates past maxBodyBytes', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(MAX_BODY_BYTES * 4, ' '));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    await start((_call, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(bomb);
    });
    await expect(get()).rejects.toMatchObject({ failure: 'body-too-large', code: 'ERR_BODY_TOO_LARGE' });
  });

  it('a body that is not what its Content-Encoding says is a failure, not a garbled answer', async () => {
    await start((_call, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end('not gzip at all');
    });
    await expect(get()).rejects.toMatchObject({ failure: 'bad-answer', code: 'ERR_CONTENT_DECODING' });
  });

  it('a HEAD answer declares a length but has no body', async () => {
    await start((_call, res) => {
      res.setHeader('Content-Length', MAX_BODY_BYTES * 10);
      res.end();
    });
    const answer = await (client as VspcClient).request({
      method: 'HEAD',
      target: '/api/v3/x',
      headers: {},
    });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(0);
  });

  it('sends a plain target byte for byte and encodes what a URL would', async () => {
    await start((_call, res) => res.end('{}'));
    await get('/api/v3/x?filter=%5B%7B%22a%22%3A1%7D%5D&sort=-name');
    await get('/api/v3/x?filter=[{"a":1}]&q=a<b');
    // Node hands a raw byte 0xE9 over as the latin1 character 'é': it goes on as that one byte, escaped.
    await get('/api/v3/caf\u00e9?q=\u00e9t\u00e9');
    expect(vspc?.calls.map((call) => call.url)).toEqual([
      '/api/v3/x?filter=%5B%7B%22a%22%3A1%7D%5D&sort=-name',
      '/api/v3/x?filter=[{%22a%22:1}]&q=a%3Cb',
      '/api/v3/caf%E9?q=%E9t%E9',
    ]);
  });

  it('sends a write body with its length, and an empty one as Content-Length: 0', async () => {
    await start((_call, res) => res.end('{}'));
    const send = (method: string, body?: Buffer) =>
      (client as VspcClient).request({
        method,
        target: '/api/v3/x',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
    await send('PATCH', Buffer.from('[{"op":"replace"}]'));
    await send('DELETE');
    expect(vspc?.calls.map((call) => [call.method, call.headers['content-length'], call.body])).toEqual([
      ['PATCH', '18', '[{"op":"replace"}]'],
      ['DELETE', '0', ''],
    ]);
  });

  /** Polls until `done()` or 5 s have passed. */
  async function eventually(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('an abort signal ends the call at once, and VSPC sees the connection close', async () => {
    let closed = 0;
    let reached: () => void = () => undefined;
    const vspcHasIt = new Promise<void>((resolve) => (reached = resolve));
    await start((_call, res) => {
      res.write('[');
      res.on('close', () => (closed += 1));
      reached();
    });
    const abort = new AbortController();
    const pending = (client as VspcClient).request({
      method: 'GET',
      target: '/api/v3/x',
      headers: {},
      signal: abort.signal,
    });
    await vspcHasIt;
    abort.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'aborted', code: 'ERR_ABORTED' });
    await eventually(() => closed === 1);
    expect(closed).toBe(1);
  });

  it('an already aborted signal sends nothing, not even a connection', async () => {
    await start((_call, res) => res.end('{}'));
    let connections = 0;
    vspc?.server.on('connection', () => (connections += 1));
    await expect(
      (client as VspcClient).request({
        method: 'GET',
        target: '/api/v3/aborted',
        headers: {},
        signal: AbortSignal.abort(),
      }),
    ).rejects.toMatchObject({ failure: 'aborted' });
    // A later call goes through, on the first connection VSPC sees.
    await get('/api/v3/after');
    expect(connections).toBe(1);
    expect(vspc?.calls.map((call) => call.url)).toEqual(['/api/v3/after']);
  });

  it('a per-call timeout shorter than the client default ends the call at that timeout', async () => {
    await start(() => undefined);
    client?.close();
    clientFor(vspc?.url ?? '', 30_000);
    const started = Date.now();
    const pending = (client as VspcClient).request({
      method: 'GET',
      target: '/api/v3/x',
      headers: {},
      timeoutMs: 100,
    });
    await expect(pending).rejects.toMatchObject({ failure: 'timeout', code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each(['zstd', 'gzip, br', 'compress'])(
    'an answer in a Content-Encoding it did not ask for (%s) is a failure, not unreadable bytes',
    async (encoding) => {
      await start((_call, res) => {
        res.setHeader('Content-Encoding', encoding);
        res.end(zlib.gzipSync(PAGE));
      });
      await expect(get()).rejects.toMatchObject({ failure: 'bad-answer', code: 'ERR_CONTENT_DECODING' });
    },
  );

  it('a server that accepts TCP but never answers is a timeout, and its socket is closed', async () => {
    const sockets: net.Socket[] = [];
    let closed = 0;
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // reads (and drops) the request, so the client's close is seen
      socket.on('close', () => (closed += 1));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      clientFor(`http://127.0.0.1:${port}`, 150);
      await expect(get()).rejects.toMatchObject({ failure: 'timeout' });
      await eventually(() => closed === 1);
      expect(sockets).toHaveLength(1);
      expect(closed).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('a compressed VSPC answer through the proxy', () => {
  it('reaches the client decoded, without Content-Encoding, and is cached decoded', async () => {
    const vspc = await startScriptedUpstream((_call, res) => {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Encoding', 'gzip');
      res.end(zlib.gzipSync(PAGE));
    });
    const proxy = buildProxy(vspc.url);
    try {
      const ask = () =>
        request(proxy.app).get('/api/v3/x').set('Authorization', 'Bearer tok-compressed-1').buffer(true);
      const first = await ask();
      const second = await ask();
      for (const res of [first, second]) {
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(res.headers['content-length']).toBe(String(PAGE.length));
        expect(res.text).toBe(PAGE.toString());
      }
      expect(first.headers['cache-status']).toBe('vspc-proxy; fwd=miss; stored');
      expect(second.headers['cache-status']).toMatch(/^vspc-proxy; hit; ttl=\d+$/);
      expect(vspc.calls).toHaveLength(1);
    } finally {
      proxy.close();
      await vspc.close();
    }
  });
});
