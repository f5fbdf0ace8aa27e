import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  connectRaw,
  finalAnswers,
  hasFinalAnswer,
  head,
  listenLikeMain,
  parseAnswers,
} from '../helpers/raw-client.js';
import { startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';

const WRITE_PATH = '/api/v3/infrastructure/backupServers/jobs/x/start';
const TOKEN = 'Bearer tok-oversize-bodies';
/** What curl declared in the red-team run. */
const DECLARED_BYTES = 52_428_800;
const MIB = 1024 * 1024;
/** curl's upload buffer. */
const CHUNK_BYTES = 64 * 1024;

describe('a body declared larger than REQUEST_MAX_BODY_BYTES', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ received: call.body.length }));
    });
    // The default limit: 1 MiB.
    proxy = buildProxy(vspc.url);
    server = await listenLikeMain(proxy);
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it('is answered 413 as soon as its head is read, and the connection closes, before 1 MiB is sent', async () => {
    expect(proxy.config.requestMaxBodyBytes).toBe(MIB);
    const callsBefore = vspc.calls.length;
    const client = await connectRaw(server.port);
    await client.write(
      head('POST', WRITE_PATH, {
        Authorization: TOKEN,
        'Content-Type': 'application/octet-stream',
        'Content-Length': DECLARED_BYTES,
        'X-Request-Id': 'oversize-1',
      }),
    );
    // Like curl: keep uploading while no answer has come, and stop when one has.
    const chunk = Buffer.alloc(CHUNK_BYTES, 0x61);
    let written = 0;
    while (!hasFinalAnswer(client.text()) && written < DECLARED_BYTES) {
      if (!(await client.write(chunk))) break;
      written += CHUNK_BYTES;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await client.until(hasFinalAnswer);
    await client.untilClosed(3000);
    const [answer, ...more] = finalAnswers(client.text());
    expect(more).toEqual([]);
    expect(answer?.status).toBe(413);
    expect(answer?.headers.connection).toBe('close');
    expect(answer?.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer?.headers['x-request-id']).toBe('oversize-1');
    expect(JSON.parse(answer?.body ?? '')).toMatchObject({
      code: 'payload-too-large',
      status: 413,
      requestId: 'oversize-1',
      instance: WRITE_PATH,
    });
    expect(client.sentBytes).toBeLessThanOrEqual(MIB);
    expect(vspc.calls.length - callsBefore).toBe(0);
    expect(proxy.deps.requestBodies.stats.reservedBytes).toBe(0);
  });

  it('with Expect: 100-continue, is answered 413 without any 100 Continue', async () => {
    const callsBefore = vspc.calls.length;
    const client = await connectRaw(server.port);
    await client.write(
      head('POST', WRITE_PATH, {
        Authorization: TOKEN,
        'Content-Length': DECLARED_BYTES,
        Expect: '100-continue',
      }),
    );
    await client.until(hasFinalAnswer);
    await client.untilClosed();
    expect(client.text()).not.toContain('100 Continue');
    expect(parseAnswers(client.text()).map((answer) => answer.status)).toEqual([413]);
    expect(client.sentBytes).toBeLessThan(1024);
    expect(vspc.calls.length - callsBefore).toBe(0);
  });

  it('with Expect: 100-continue and no token, is answered 401 without any 100 Continue', async () => {
    const client = await connectRaw(server.port);
    await client.write(head('POST', WRITE_PATH, { 'Content-Length': 10, Expect: '100-continue' }));
    await client.until(hasFinalAnswer);
    expect(client.text()).not.toContain('100 Continue');
    expect(finalAnswers(client.text()).map((answer) => answer.status)).toEqual([401]);
    client.socket.destroy();
  });

  it('counts each refusal in /metrics as too-large', async () => {
    const scrape = await fetch(`${server.url}/metrics`).then((res) => res.text());
    expect(scrape).toContain('request_bodies_refused_total{reason="too-large"} 2');
    expect(scrape).toContain('request_bodies_refused_total{reason="busy"} 0');
    expect(scrape).toContain('request_bodies_refused_total{reason="timeout"} 0');
  });
});

describe('a body that fits, sent after Expect: 100-continue', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ received: call.body }));
    });
    proxy = buildProxy(vspc.url);
    server = await listenLikeMain(proxy);
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it('gets 100 Continue, then is forwarded to VSPC byte for byte, and the connection stays open', async () => {
    const body = JSON.stringify({ note: 'x'.repeat(5000) });
    const client = await connectRaw(server.port);
    await client.write(
      head('POST', WRITE_PATH, {
        Authorization: TOKEN,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        Expect: '100-continue',
      }),
    );
    await client.until((text) => text.includes('\r\n\r\n'));
    expect(client.text()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    await client.write(body);
    await client.until(hasFinalAnswer);
    const [interim, answer] = parseAnswers(client.text());
    expect(interim?.status).toBe(100);
    expect(answer?.status).toBe(200);
    expect(answer?.headers.connection).toBe('keep-alive');
    expect(JSON.parse(answer?.body ?? '')).toEqual({ received: body });
    expect(vspc.calls.map((call) => [call.method, call.url, call.body])).toEqual([
      ['POST', WRITE_PATH, body],
    ]);
    expect(client.closedAt).toBeNull();
    client.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(proxy.deps.requestBodies.stats).toMatchObject({
      reservedBytes: 0,
      reservedTotalBytes: Buffer.byteLength(body),
      releasedTotalBytes: Buffer.byteLength(body),
    });
  });
});
