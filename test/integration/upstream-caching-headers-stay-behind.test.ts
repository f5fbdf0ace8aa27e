import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  listen,
  rawRequest,
  startScriptedUpstream,
  type Listening,
  type ScriptedUpstream,
} from '../helpers/servers.js';

const TOKEN = 'tok-caching-headers-1';
/** VSPC's caching headers, values no answer of the proxy's own would carry. */
const VSPC_CACHING = {
  'cache-control': 'public, max-age=987',
  expires: 'Thu, 01 Jan 2037 00:00:00 GMT',
  age: '42',
  vary: 'X-Vspc-Only',
  etag: '"vspc-etag-1"',
  'last-modified': 'Wed, 31 Dec 2036 00:00:00 GMT',
  pragma: 'x-vspc-pragma',
  date: 'Mon, 01 Jan 2035 00:00:00 GMT',
} as const;

describe("VSPC's caching headers stay behind the proxy", () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;
  let server: Listening;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((_call, res) => {
      for (const [name, value] of Object.entries(VSPC_CACHING)) res.setHeader(name, value);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Disposition', 'inline');
      res.end('{"data":[]}');
    });
    proxy = buildProxy(vspc.url);
    server = await listen(proxy.app);
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await vspc.close();
  });

  const send = (method: string, path: string) =>
    rawRequest(server.url, {
      method,
      path,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });

  it.each([
    ['GET', '/api/v3/infrastructure/backupServers/jobs', 'a miss, stored'],
    ['GET', '/api/v3/infrastructure/backupServers/jobs', 'a hit'],
    ['POST', '/api/v3/infrastructure/backupServers/jobs/x/start', 'a pass-through write'],
  ])(
    '%s %s (%s): the passed headers reach the client, none of VSPC’s caching values',
    async (method, path) => {
      const res = await send(method, path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('inline');
      for (const [name, value] of Object.entries(VSPC_CACHING))
        expect([name, res.headers[name]]).not.toEqual([name, value]);
    },
  );

  it('the stored entry never replays them either', async () => {
    const hit = await send('GET', '/api/v3/infrastructure/backupServers/jobs');
    expect(hit.headers['cache-status']).toMatch(/^vspc-proxy; hit/);
    expect(JSON.stringify(hit.headers)).not.toMatch(/vspc-etag-1|max-age=987|X-Vspc-Only|x-vspc-pragma/);
    expect(vspc.calls.filter((call) => call.method === 'GET')).toHaveLength(1);
  });
});
