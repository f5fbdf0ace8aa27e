import { afterEach, describe, expect, it } from '@jest/globals';
import type { VspcClient } from '../../src/upstream/client.js';
import { createTransport } from '../../src/upstream/transport.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';

const PART = Buffer.alloc(20_000, 'x');

describe('the upstream client reads whole bodies', () => {
  let vspc: ScriptedUpstream;
  let client: VspcClient;
  afterEach(async () => {
    client.close();
    await vspc.close();
  });

  async function start(script: ScriptedUpstream['script']): Promise<void> {
    vspc = await startScriptedUpstream(script);
    client = createTransport({
      origin: vspc.url,
      timeoutMs: 2000,
      connectTimeoutMs: 1000,
      maxBodyBytes: 1_000_000,
      maxSockets: 4,
    });
  }

  const get = () => client.request({ method: 'GET', target: '/api/v3/x', headers: {} });
  /** The body is a whole ArrayBuffer of its own: nothing else is kept alive by it. */
  const ownsItsMemory = (body: Buffer) => body.byteOffset === 0 && body.buffer.byteLength === body.length;

  it('a declared length arriving in several writes comes back whole, in a buffer of exactly its size', async () => {
    await start((_call, res) => {
      res.setHeader('Content-Length', PART.length * 3);
      res.write(PART);
      setTimeout(() => res.write(PART), 10);
      setTimeout(() => res.end(PART), 20);
    });
    const answer = await get();
    expect(answer.status).toBe(200);
    expect(answer.body.equals(Buffer.concat([PART, PART, PART]))).toBe(true);
    expect(ownsItsMemory(answer.body)).toBe(true);
  });

  it('a chunked body (no declared length) is joined as before', async () => {
    await start((_call, res) => {
      res.write(PART);
      setTimeout(() => res.end('tail'), 10);
    });
    const answer = await get();
    expect(answer.body.toString()).toBe(`${PART.toString()}tail`);
  });

  it('a body cut short of its declared length is a reset, not a short answer', async () => {
    await start((_call, res) => {
      res.setHeader('Content-Length', PART.length * 2);
      res.write(PART);
      setTimeout(() => res.destroy(), 10);
    });
    await expect(get()).rejects.toMatchObject({ failure: 'reset' });
  });

  it('an empty body with Content-Length: 0 is an empty buffer', async () => {
    await start((_call, res) => {
      res.statusCode = 204;
      res.end();
    });
    const answer = await get();
    expect(answer.status).toBe(204);
    expect(answer.body.length).toBe(0);
  });
});
