import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { connectRaw, finalAnswers, hasFinalAnswer, head, listenLikeMain } from '../helpers/raw-client.js';
import { startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const WRITE_PATH = '/api/v3/infrastructure/backupServers/jobs/x/start';
const SECRET_TOKEN = 'tok-malformed-bodies-secret';

describe('a request whose body Node cannot parse', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => res.end('{}'));
    proxy = buildProxy(vspc.url, { REQUEST_HEADERS_TIMEOUT_MS: '300', REQUEST_BODY_TIMEOUT_MS: '400' });
    server = await listenLikeMain(proxy);
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  const chunkedHead = (requestId: string): string =>
    head('POST', WRITE_PATH, {
      Authorization: `Bearer ${SECRET_TOKEN}`,
      Cookie: 'session=cookie-secret',
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'X-Request-Id': requestId,
    });

  it.each([
    ['a chunk size that is not hex', 'bad-size', 'zz\r\n{}\r\n0\r\n\r\n'],
    ['chunk data longer than its size', 'bad-data', '2\r\n{"a":1}\r\n0\r\n\r\n'],
  ])('answers %s with a 400 problem within 1 s and closes the connection', async (_name, id, framing) => {
    const client = await connectRaw(server.port);
    const sentAt = Date.now();
    await client.write(chunkedHead(id));
    // The head is routed (and the body reader waiting) before the bad framing arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.write(framing);
    await client.until(hasFinalAnswer, 1000);
    const closedAt = await client.untilClosed(1000);
    expect(closedAt - sentAt).toBeLessThan(1000);
    const [answer, ...more] = finalAnswers(client.text());
    expect(more).toEqual([]);
    expect(answer?.status).toBe(400);
    expect(answer?.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer?.headers.connection).toBe('close');
    expect(answer?.headers['x-request-id']).toBe(id);
    const problem = JSON.parse(answer?.body ?? '') as Record<string, unknown>;
    expect(problem).toMatchObject({ code: 'bad-request', status: 400, requestId: id, instance: WRITE_PATH });
    expect(JSON.stringify(problem)).not.toMatch(/ at |\.js:/);
    expect(vspc.calls).toHaveLength(0);
  });

  it('logs each refusal once, with the request id and without the token, cookie or body', async () => {
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 0);
    const refusals = proxy.logs.lines().filter((line) => line.msg === 'malformed request refused');
    expect(refusals.map((line) => [line.reqId, line.code])).toEqual([
      ['bad-size', 'HPE_INVALID_CHUNK_SIZE'],
      ['bad-data', 'HPE_STRICT'],
    ]);
    const text = proxy.logs.text();
    expect(text).not.toContain(SECRET_TOKEN);
    expect(text).not.toContain('cookie-secret');
    expect(text).not.toContain('"a":1');
  });

  it("leaves nothing behind: the bodies' bytes are back, and no body deadline fires later", async () => {
    expect(proxy.deps.requestBodies.stats).toMatchObject({ reservedBytes: 0, refusals: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const scrape = await fetch(`${server.url}/metrics`).then((res) => res.text());
    expect(scrape).toContain('request_bodies_refused_total{reason="timeout"} 0');
  });

  it('answers a head not received within REQUEST_HEADERS_TIMEOUT_MS with a 408 problem and closes', async () => {
    const client = await connectRaw(server.port);
    const sentAt = Date.now();
    await client.write(`POST ${WRITE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor`);
    await client.until(hasFinalAnswer, 2000);
    const closedAt = await client.untilClosed(1000);
    // Node checks its deadlines every REQUEST_HEADERS_TIMEOUT_MS / 10 here.
    expect(closedAt - sentAt).toBeGreaterThanOrEqual(300);
    expect(closedAt - sentAt).toBeLessThan(1000);
    const [answer] = finalAnswers(client.text());
    expect(answer?.status).toBe(408);
    expect(JSON.parse(answer?.body ?? '')).toMatchObject({ code: 'request-timeout', status: 408 });
    expect(vspc.calls).toHaveLength(0);
  });
});
