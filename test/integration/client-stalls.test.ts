import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { clientStallTimeoutMs } from '../../src/http/client-timeouts.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type Listening, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

/** More than loopback's socket buffers hold on both ends, so a client that reads nothing stalls the write. */
const BODY_BYTES = 12 * 1024 * 1024;

describe('a client that stops reading', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;
  const closedAt: number[] = [];

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(Buffer.alloc(BODY_BYTES, 0x20));
    });
    proxy = buildProxy(vspc.url, {
      UPSTREAM_TIMEOUT_MS: '1000',
      JOBS_ALL_DEADLINE_MS: '1000',
      READY_TIMEOUT_MS: '500',
      // Node's deadline for receiving a request (300 + 300 + 1000 ms) stays under the stall timeout.
      REQUEST_HEADERS_TIMEOUT_MS: '300',
      REQUEST_BODY_TIMEOUT_MS: '300',
    });
    server = await listen(proxy.app);
    // As main.ts sets it.
    server.server.timeout = clientStallTimeoutMs(proxy.deps.config);
    server.server.on('connection', (socket: net.Socket) =>
      socket.on('close', () => closedAt.push(Date.now())),
    );
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  it('is cut off once nothing moved for twice the longest the proxy may take to answer', async () => {
    expect(clientStallTimeoutMs(proxy.deps.config)).toBe(2000);
    const client = net.connect(server.port, '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('connect', resolve));
    client.pause(); // reads nothing from here on
    const sentAt = Date.now();
    client.write('GET /api/v3/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-stalled-reader\r\n\r\n');
    await waitFor(() => closedAt.length === 1, 10_000);
    expect((closedAt[0] ?? 0) - sentAt).toBeGreaterThanOrEqual(2000);
    expect(vspc.calls).toHaveLength(1);
    client.destroy();
  });
});
