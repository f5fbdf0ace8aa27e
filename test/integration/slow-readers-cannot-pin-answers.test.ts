import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { connectRaw, fetchAll, head, listenLikeMain, type RawClient } from '../helpers/raw-client.js';
import { startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const MIB = 1024 * 1024;
/** The red-team run's answers: too large for the cache (4 MiB per entry), so each is VSPC's own bytes. */
const ANSWER_BYTES = 8 * MIB;
/** Room for one such answer, not two. */
const BACKLOG_MAX_BYTES = 12 * MIB;
const WRITE_TIMEOUT_MS = 1500;

describe('clients that stop reading', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;
  const nonReaders: RawClient[] = [];
  /** When the proxy closed each connection, by the client's port (a client that reads nothing never sees it). */
  const closedByProxy = new Map<number, number>();
  const closedAt = (client: RawClient | undefined): number | null =>
    closedByProxy.get(client?.socket.localPort ?? -1) ?? null;
  const untilClosed = async (client: RawClient | undefined, timeoutMs: number): Promise<number> => {
    await waitFor(() => closedAt(client) !== null, timeoutMs);
    return closedAt(client) as number;
  };

  beforeAll(async () => {
    const body = Buffer.alloc(ANSWER_BYTES, 0x20);
    vspc = await startScriptedUpstream((_call, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(body);
    });
    proxy = buildProxy(vspc.url, {
      CLIENT_WRITE_BUFFER_MAX_BYTES: String(BACKLOG_MAX_BYTES),
      CLIENT_WRITE_TIMEOUT_MS: String(WRITE_TIMEOUT_MS),
    });
    server = await listenLikeMain(proxy);
    server.server.on('connection', (socket) =>
      socket.once('close', () => closedByProxy.set(socket.remotePort ?? 0, Date.now())),
    );
  });
  afterAll(async () => {
    for (const client of nonReaders) client.socket.destroy();
    proxy.close();
    await server.close();
    await vspc.close();
  });

  /** A client that asks for an 8 MiB answer and never reads a byte of it. */
  async function askWithoutReading(index: number): Promise<RawClient> {
    const client = await connectRaw(server.port, { read: false });
    nonReaders.push(client);
    await client.write(
      head('GET', `/api/v3/big?n=${index}`, {
        Authorization: `Bearer tok-non-reader-secret-${index}`,
        'X-Request-Id': `non-reader-${index}`,
      }),
    );
    return client;
  }

  it('are dropped oldest first once their unread answers pass CLIENT_WRITE_BUFFER_MAX_BYTES', async () => {
    const backlog = proxy.deps.writeBacklog;
    await askWithoutReading(0);
    await waitFor(() => backlog.stats.pendingAnswers === 1, 5000);
    expect(backlog.stats.pendingBytes).toBeGreaterThan(ANSWER_BYTES);
    for (let index = 1; index <= 3; index += 1) {
      await askWithoutReading(index);
      // The newer answer stays; the one before it (its client the slowest reader) goes.
      await waitFor(() => backlog.stats.dropped.memory === index, 5000);
      await untilClosed(nonReaders[index - 1], 1000);
      expect(backlog.stats.pendingAnswers).toBe(1);
      expect(closedAt(nonReaders[index])).toBeNull();
    }
    expect(backlog.stats.peakBytes).toBeLessThanOrEqual(BACKLOG_MAX_BYTES);
    expect(backlog.stats.dropped).toEqual({ memory: 3, deadline: 0 });
  });

  it('are dropped once their answer is not read within CLIENT_WRITE_TIMEOUT_MS', async () => {
    const sentAt = Date.now();
    const client = await askWithoutReading(4);
    // The last one of the run above goes by the memory bound, this one's answer then waits alone.
    await waitFor(() => proxy.deps.writeBacklog.stats.dropped.memory === 4, 5000);
    const closed = await untilClosed(client, WRITE_TIMEOUT_MS + 2000);
    expect(closed - sentAt).toBeGreaterThanOrEqual(WRITE_TIMEOUT_MS);
    expect(closed - sentAt).toBeLessThan(WRITE_TIMEOUT_MS + 1000);
    expect(proxy.deps.writeBacklog.stats).toMatchObject({
      pendingAnswers: 0,
      pendingBytes: 0,
      dropped: { memory: 4, deadline: 1 },
    });
    expect(nonReaders.every((reader) => closedAt(reader) !== null)).toBe(true);
  });

  it('leave a client that reads served in full, even beside one that does not', async () => {
    const stalled = await askWithoutReading(5);
    await waitFor(() => proxy.deps.writeBacklog.stats.pendingAnswers === 1, 5000);
    const answer = await fetchAll(server.url, '/api/v3/big?n=reader', { Authorization: 'Bearer tok-reader' });
    expect(answer).toEqual({ status: 200, bytes: ANSWER_BYTES });
    // Room was made for the reader's answer by dropping the stalled one.
    await untilClosed(stalled, 1000);
    expect(proxy.deps.writeBacklog.stats.dropped).toEqual({ memory: 5, deadline: 1 });
    await waitFor(() => proxy.deps.writeBacklog.stats.pendingAnswers === 0);
    expect(vspc.calls).toHaveLength(7);
  });

  it('are counted in /metrics and logged once per drop, without a header', async () => {
    const scrape = await fetch(`${server.url}/metrics`).then((res) => res.text());
    expect(scrape).toContain('client_writes_dropped_total{reason="memory"} 5');
    expect(scrape).toContain('client_writes_dropped_total{reason="deadline"} 1');
    const drops = proxy.logs.lines().filter((line) => String(line.msg).startsWith('answer dropped'));
    expect(drops.map((line) => [line.reqId, line.reason])).toEqual([
      ['non-reader-0', 'memory'],
      ['non-reader-1', 'memory'],
      ['non-reader-2', 'memory'],
      ['non-reader-3', 'memory'],
      ['non-reader-4', 'deadline'],
      ['non-reader-5', 'memory'],
    ]);
    for (const line of drops) {
      expect(Object.keys(line).sort()).toEqual(
        [
          'ageMs',
          'level',
          'msg',
          'pendingBytes',
          'reason',
          'remoteAddress',
          'reqId',
          'service',
          'time',
        ].sort(),
      );
      expect(line.pendingBytes).toBeGreaterThan(ANSWER_BYTES);
    }
    expect(proxy.logs.text()).not.toContain('non-reader-secret');
  });
});
