import { afterEach, describe, expect, it } from '@jest/globals';
import zlib from 'node:zlib';
import type { VspcClient } from '../../src/upstream/client.js';
import { createTransport } from '../../src/upstream/transport.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';

const MAX_BODY_BYTES = 64_000;
const MIB = 1024 * 1024;

describe('the got transport keeps every body within UPSTREAM_MAX_BODY_BYTES', () => {
  let vspc: ScriptedUpstream | undefined;
  let client: VspcClient | undefined;
  afterEach(async () => {
    client?.close();
    await vspc?.close();
    client = undefined;
    vspc = undefined;
  });

  async function start(script: ScriptedUpstream['script']): Promise<VspcClient> {
    vspc = await startScriptedUpstream(script);
    client = createTransport({
      origin: vspc.url,
      timeoutMs: 10_000,
      connectTimeoutMs: 1000,
      maxBodyBytes: MAX_BODY_BYTES,
      maxSockets: 4,
    });
    return client;
  }

  const get = (target = '/api/v3/x') =>
    (client as VspcClient).request({ method: 'GET', target, headers: {} });

  const BOMB_BYTES = 48 * MIB;

  it.each([
    [
      'br',
      (bytes: Buffer) =>
        zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
    ],
    ['gzip', (bytes: Buffer) => zlib.gzipSync(bytes, { level: 9 })],
    ['deflate', (bytes: Buffer) => zlib.deflateRawSync(bytes, { level: 9 })],
  ])(
    'a %s bomb (48 MiB decoded) fails as body-too-large without being inflated past the bound',
    async (coding, compress) => {
      const bomb = compress(Buffer.alloc(BOMB_BYTES));
      expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
      await start((_call, res) => {
        res.setHeader('Content-Encoding', coding);
        res.end(bomb);
      });
      const before = process.memoryUsage().arrayBuffers;
      await expect(get()).rejects.toMatchObject({ failure: 'body-too-large', code: 'ERR_BODY_TOO_LARGE' });
      // Inflated, the bomb would hold 48 MiB; stopped at the bound, a few MiB at most.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * MIB);
    },
  );

  it('bytes received count too: a gzip stream of empty members that decodes to nothing is refused past the bound', async () => {
    const emptyMember = zlib.gzipSync(Buffer.alloc(0));
    const members = Buffer.concat(Array.from({ length: 5_000 }, () => emptyMember));
    expect(members.length).toBeGreaterThan(MAX_BODY_BYTES);
    await start((_call, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      // Chunked: no Content-Length to refuse it by before its bytes come.
      res.write(members.subarray(0, members.length / 2));
      res.end(members.subarray(members.length / 2));
    });
    await expect(get()).rejects.toMatchObject({
      failure: 'body-too-large',
      message: expect.stringContaining('sent more than'),
    });
  });

  it('a 304 is an answer, with an empty body and the validators VSPC sent', async () => {
    await start((call, res) => {
      expect(call.headers['if-none-match']).toBe('"v1"');
      res.statusCode = 304;
      res.setHeader('ETag', '"v1"');
      res.setHeader('Cache-Control', 'private, max-age=60');
      res.end();
    });
    const answer = await (client as VspcClient).request({
      method: 'GET',
      target: '/api/v3/x',
      headers: { 'if-none-match': '"v1"' },
    });
    expect(answer.status).toBe(304);
    expect(answer.body.length).toBe(0);
    expect(answer.headers).toMatchObject({ etag: '"v1"', 'cache-control': 'private, max-age=60' });
  });

  it("keeps VSPC's caching headers next to the passed ones, and nothing else", async () => {
    const sent = {
      'content-type': 'application/json',
      location: '/api/v3/asyncActions/1',
      'cache-control': 'no-cache',
      expires: 'Thu, 01 Jan 2026 00:00:00 GMT',
      age: '3',
      vary: 'Accept, Authorization',
      etag: 'W/"abc"',
      'last-modified': 'Wed, 31 Dec 2025 00:00:00 GMT',
      pragma: 'no-cache',
    };
    await start((_call, res) => {
      for (const [name, value] of Object.entries(sent)) res.setHeader(name, value);
      res.setHeader('Set-Cookie', 'session=secret');
      res.setHeader('X-Internal', 'hidden');
      res.end('{}');
    });
    const answer = await get();
    expect(answer.headers).toEqual({ ...sent, date: expect.any(String) });
  });

  it('sends a target with dot segments byte for byte: nothing parses it on the way', async () => {
    await start((_call, res) => res.end('{}'));
    const targets = ['/api/v3/a/./b/../c', '/api/v3/a/%2e%2e/b?x=%2F&y=../z', '/api/v3//double'];
    for (const target of targets) await get(target);
    expect(vspc?.calls.map((call) => call.url)).toEqual(targets);
  });
});
