import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  connectRaw,
  finalAnswers,
  hasFinalAnswer,
  head,
  listenLikeMain,
  parseAnswers,
  type RawClient,
} from '../helpers/raw-client.js';
import { startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const WRITE_PATH = '/api/v3/infrastructure/backupServers/jobs/x/start';
const AUTH = 'Bearer tok-request-bodies';
const MAX_BODY_BYTES = 10_240;
/** Three bodies of the largest size fit at once. */
const BUDGET_BYTES = 3 * MAX_BODY_BYTES;
const BODY_TIMEOUT_MS = 5000;
const PARTIAL = Buffer.alloc(1024, 0x62);

/** Opens a connection declaring `declared` body bytes, and sends the head and `first` of the body. */
async function holdBody(port: number, declared: number, first: Buffer, extra: Record<string, string> = {}) {
  const client = await connectRaw(port);
  await client.write(head('POST', WRITE_PATH, { Authorization: AUTH, 'Content-Length': declared, ...extra }));
  await client.write(first);
  return client;
}

async function scrape(server: Listening): Promise<string> {
  return fetch(`${server.url}/metrics`).then((res) => res.text());
}

describe('request bodies, all connections together', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;
  const held: RawClient[] = [];

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ bytes: call.body.length }));
    });
    proxy = buildProxy(vspc.url, {
      REQUEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      REQUEST_BODIES_MAX_BYTES: String(BUDGET_BYTES),
      REQUEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
    });
    server = await listenLikeMain(proxy);
  });
  afterAll(async () => {
    for (const client of held) client.socket.destroy();
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it('reserve their declared length up front; past REQUEST_BODIES_MAX_BYTES, 503 with Retry-After, closed', async () => {
    for (let index = 0; index < 3; index += 1)
      held.push(await holdBody(server.port, MAX_BODY_BYTES, PARTIAL));
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === BUDGET_BYTES);

    // Like the red-team run, scaled down: many more connections each declaring a full body.
    const refused = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        holdBody(server.port, MAX_BODY_BYTES, PARTIAL, { 'X-Request-Id': `busy-${index}` }),
      ),
    );
    await Promise.all(refused.map((client) => client.until(hasFinalAnswer)));
    await Promise.all(refused.map((client) => client.untilClosed(3000)));
    refused.forEach((client, index) => {
      const [answer, ...more] = finalAnswers(client.text());
      expect(more).toEqual([]);
      expect(answer?.status).toBe(503);
      expect(answer?.headers['retry-after']).toBe('5');
      expect(answer?.headers.connection).toBe('close');
      expect(JSON.parse(answer?.body ?? '')).toMatchObject({
        code: 'request-bodies-busy',
        requestId: `busy-${index}`,
        instance: WRITE_PATH,
      });
    });
    // The budget never went past its bound, and nothing reached VSPC.
    expect(proxy.deps.requestBodies.stats).toMatchObject({ reservedBytes: BUDGET_BYTES, refusals: 20 });
    expect(vspc.calls).toHaveLength(0);
  });

  it('with Expect: 100-continue past the budget, is answered 503 without any 100 Continue', async () => {
    const client = await connectRaw(server.port);
    await client.write(
      head('POST', WRITE_PATH, { Authorization: AUTH, 'Content-Length': 1, Expect: '100-continue' }),
    );
    await client.until(hasFinalAnswer);
    await client.untilClosed();
    expect(client.text()).not.toContain('100 Continue');
    expect(parseAnswers(client.text()).map((answer) => answer.status)).toEqual([503]);
  });

  it('give their bytes back when they end, are abandoned or are answered', async () => {
    // One held body completes: it is forwarded whole, and its bytes come back once it is answered.
    const [first, second, third] = held;
    await first?.write(Buffer.alloc(MAX_BODY_BYTES - PARTIAL.length, 0x62));
    await first?.until(hasFinalAnswer);
    expect(finalAnswers(first?.text() ?? '').map((answer) => [answer.status, answer.body])).toEqual([
      [200, JSON.stringify({ bytes: MAX_BODY_BYTES })],
    ]);
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 2 * MAX_BODY_BYTES);
    // The other two clients leave mid-body.
    second?.socket.destroy();
    third?.socket.destroy();
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 0);
    const { reservedTotalBytes, releasedTotalBytes } = proxy.deps.requestBodies.stats;
    expect(reservedTotalBytes).toBe(BUDGET_BYTES);
    expect(releasedTotalBytes).toBe(reservedTotalBytes);
    expect(vspc.calls.map((call) => call.body.length)).toEqual([MAX_BODY_BYTES]);
  });

  it('reserve a chunked body chunk by chunk, and refuse the chunk past the budget', async () => {
    // 26,624 bytes held: 4,096 left.
    held.push(await holdBody(server.port, MAX_BODY_BYTES, PARTIAL));
    held.push(await holdBody(server.port, MAX_BODY_BYTES, PARTIAL));
    held.push(await holdBody(server.port, 6144, PARTIAL));
    const holding = 2 * MAX_BODY_BYTES + 6144;
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === holding);
    const chunked = await connectRaw(server.port);
    await chunked.write(head('POST', WRITE_PATH, { Authorization: AUTH, 'Transfer-Encoding': 'chunked' }));
    const chunk = `800\r\n${'c'.repeat(2048)}\r\n`;
    await chunked.write(chunk);
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === holding + 2048);
    await chunked.write(chunk);
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === holding + 4096);
    // 2,048 more would pass the budget's 30,720 bytes; the body itself (6,144 bytes) would still fit.
    await chunked.write(chunk);
    await chunked.until(hasFinalAnswer);
    await chunked.untilClosed(3000);
    expect(finalAnswers(chunked.text()).map((answer) => answer.status)).toEqual([503]);
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === holding);
    for (const client of held.splice(0)) client.socket.destroy();
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 0);
    expect(vspc.calls).toHaveLength(1);
  });

  it('refuse a chunked body with 413 once it passes REQUEST_MAX_BODY_BYTES', async () => {
    const chunked = await connectRaw(server.port);
    await chunked.write(head('POST', WRITE_PATH, { Authorization: AUTH, 'Transfer-Encoding': 'chunked' }));
    for (let index = 0; index < 3 && !hasFinalAnswer(chunked.text()); index += 1)
      await chunked.write(`1000\r\n${'d'.repeat(4096)}\r\n`);
    await chunked.until(hasFinalAnswer);
    await chunked.untilClosed(3000);
    const [answer] = finalAnswers(chunked.text());
    expect(answer?.status).toBe(413);
    expect(JSON.parse(answer?.body ?? '')).toMatchObject({ code: 'payload-too-large' });
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 0);
    expect(vspc.calls).toHaveLength(1);
  });

  it('forward a chunked body that fits whole, read in one buffer', async () => {
    const client = await connectRaw(server.port);
    await client.write(head('POST', WRITE_PATH, { Authorization: AUTH, 'Transfer-Encoding': 'chunked' }));
    await client.write(`3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n`);
    await client.until(hasFinalAnswer);
    expect(finalAnswers(client.text())[0]?.status).toBe(200);
    expect(vspc.calls.at(-1)?.body).toBe('abcdefg');
    client.socket.destroy();
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 0);
  });

  it('count every refusal in /metrics by reason', async () => {
    const text = await scrape(server);
    expect(text).toContain('request_bodies_refused_total{reason="busy"} 22');
    expect(text).toContain('request_bodies_refused_total{reason="too-large"} 1');
    expect(text).toContain('request_bodies_refused_total{reason="timeout"} 0');
  });
});

describe('a request body that does not arrive within REQUEST_BODY_TIMEOUT_MS', () => {
  const TIMEOUT_MS = 300;
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => res.end('{}'));
    proxy = buildProxy(vspc.url, { REQUEST_BODY_TIMEOUT_MS: String(TIMEOUT_MS) });
    server = await listenLikeMain(proxy);
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it('is answered 408 when the deadline passes, however steadily it trickles, and its connection closes', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        holdBody(server.port, 100, Buffer.from('x'), { 'X-Request-Id': `slow-${index}` }),
      ),
    );
    const startedAt = Date.now();
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 2000);
    // One byte every 50 ms each: progress never resets the deadline.
    const trickle = setInterval(() => {
      for (const client of clients) if (client.closedAt === null) void client.write('x');
    }, 50);
    try {
      await Promise.all(clients.map((client) => client.until(hasFinalAnswer, 2000)));
      const answeredAfterMs = Date.now() - startedAt;
      expect(answeredAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(answeredAfterMs).toBeLessThan(TIMEOUT_MS + 700);
      // Closed after a drain of at most CLOSE_DRAIN_MS (1 s), though the clients keep sending.
      const closedAt = await Promise.all(clients.map((client) => client.untilClosed(3000)));
      expect(Math.max(...closedAt) - startedAt).toBeLessThan(TIMEOUT_MS + 1000 + 700);
    } finally {
      clearInterval(trickle);
    }
    clients.forEach((client, index) => {
      const [answer, ...more] = finalAnswers(client.text());
      expect(more).toEqual([]);
      expect(answer?.status).toBe(408);
      expect(answer?.headers.connection).toBe('close');
      expect(JSON.parse(answer?.body ?? '')).toMatchObject({
        code: 'request-timeout',
        requestId: `slow-${index}`,
        detail: `The request body was not received within REQUEST_BODY_TIMEOUT_MS (${TIMEOUT_MS} ms).`,
      });
    });
    await waitFor(() => proxy.deps.requestBodies.stats.reservedBytes === 0);
    expect(proxy.deps.requestBodies.stats.releasedTotalBytes).toBe(2000);
    expect(vspc.calls).toHaveLength(0);
    expect(await scrape(server)).toContain('request_bodies_refused_total{reason="timeout"} 20');
  });

  it('also bounds a body that never starts, and Node cuts nothing silently before it', async () => {
    const client = await connectRaw(server.port);
    await client.write(head('PUT', WRITE_PATH, { Authorization: AUTH, 'Content-Length': 10 }));
    await client.until(hasFinalAnswer, 2000);
    expect(finalAnswers(client.text()).map((answer) => answer.status)).toEqual([408]);
    await client.untilClosed(2000);
    expect(server.server.requestTimeout).toBe(proxy.config.requestHeadersTimeoutMs + TIMEOUT_MS + 1000);
    expect(server.server.headersTimeout).toBe(10_000);
  });
});

describe('a compressed request body', () => {
  it('is refused with a 400 problem: vspc-proxy does not decode request bodies', async () => {
    const vspc = await startScriptedUpstream((_call, res) => res.end('{}'));
    const proxy = buildProxy(vspc.url);
    const server = await listenLikeMain(proxy);
    try {
      const client = await connectRaw(server.port);
      await client.write(
        head('POST', WRITE_PATH, { Authorization: AUTH, 'Content-Encoding': 'gzip', 'Content-Length': 4 }),
      );
      await client.write('abcd');
      await client.until(hasFinalAnswer);
      const [answer] = finalAnswers(client.text());
      expect(answer?.status).toBe(400);
      expect(JSON.parse(answer?.body ?? '')).toMatchObject({ code: 'bad-request' });
      await client.untilClosed();
      expect(vspc.calls).toHaveLength(0);
    } finally {
      proxy.close();
      await server.close();
      await vspc.close();
    }
  });
});
