import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { createTransport } from '../../src/upstream/transport.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

describe('keep-alive sockets to VSPC', () => {
  let vspc: ScriptedUpstream;
  const open = new Set<Socket>();

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      setTimeout(() => res.end('{}'), call.url.endsWith('/slow') ? 300 : 0);
    });
    vspc.server.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
  });
  afterAll(async () => {
    await vspc.close();
  });

  /** Sockets idle for 100 ms are closed; requests themselves may take 2 s. */
  const clientWithShortIdle = () =>
    createTransport({
      origin: vspc.url,
      timeoutMs: 2000,
      connectTimeoutMs: 1000,
      maxBodyBytes: 1024,
      maxSockets: 4,
      idleSocketMs: 100,
    });

  it('are reused while busy and closed by the proxy once idle', async () => {
    const client = clientWithShortIdle();
    for (let index = 0; index < 3; index += 1) {
      expect((await client.request({ method: 'GET', target: '/api/v3/x', headers: {} })).status).toBe(200);
    }
    expect(open.size).toBe(1);
    await waitFor(() => open.size === 0, 2000);
    expect((await client.request({ method: 'GET', target: '/api/v3/x', headers: {} })).status).toBe(200);
    client.close();
  });

  it('never cut a request that takes longer than the idle timeout', async () => {
    const client = clientWithShortIdle();
    await client.request({ method: 'GET', target: '/api/v3/warm', headers: {} });
    const answer = await client.request({ method: 'GET', target: '/api/v3/slow', headers: {} });
    client.close();
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('{}');
  });
});
