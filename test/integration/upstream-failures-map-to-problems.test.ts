import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';

const TOKEN = 'tok-failure-test-456';
const MAX_BODY_BYTES = 1024;
const TIMEOUT_MS = 300;

/** Scripts keyed by the last path segment, so one upstream serves every case. */
const SCRIPTS: Record<string, (res: ServerResponse) => void> = {
  hang: () => undefined,
  reset: (res) => res.socket?.destroy(),
  'big-declared': (res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(`"${'x'.repeat(MAX_BODY_BYTES * 2)}"`);
  },
  'big-chunked': (res) => {
    res.setHeader('Content-Type', 'application/json');
    res.write('"');
    res.write('y'.repeat(MAX_BODY_BYTES));
    res.write('y'.repeat(MAX_BODY_BYTES));
    res.end('"');
  },
  'slow-body': (res) => {
    res.setHeader('Content-Type', 'application/json');
    res.write('[');
    setTimeout(() => res.end(']'), TIMEOUT_MS * 3).unref();
  },
  'just-fits': (res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(`"${'z'.repeat(MAX_BODY_BYTES - 2)}"`);
  },
};

describe('transport failures become problem+json', () => {
  let vspc: ScriptedUpstream;
  let proxy: TestProxy;

  beforeAll(async () => {
    vspc = await startScriptedUpstream((call, res) => {
      const name = call.url.split('/').pop() ?? '';
      (SCRIPTS[name] ?? ((r: ServerResponse) => r.end('{}')))(res);
    });
    proxy = buildProxy(vspc.url, {
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      UPSTREAM_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    });
  });
  afterAll(async () => {
    proxy.close();
    await vspc.close();
  });

  const get = (name: string) =>
    request(proxy.app).get(`/api/v3/test/${name}`).set('Authorization', `Bearer ${TOKEN}`);

  it.each([
    ['hang', 504, 'upstream-timeout'],
    ['slow-body', 504, 'upstream-timeout'],
    ['reset', 502, 'upstream-unreachable'],
    ['big-declared', 502, 'upstream-body-too-large'],
    ['big-chunked', 502, 'upstream-body-too-large'],
  ])('%s → %i %s', async (name, status, code) => {
    const res = await get(name);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({ status, code, type: `urn:vspc-proxy:problem:${code}` });
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('passes a body of exactly UPSTREAM_MAX_BODY_BYTES', async () => {
    const res = await get('just-fits');
    expect(res.status).toBe(200);
    expect(res.text).toHaveLength(MAX_BODY_BYTES);
  });

  it('answers 502 when VSPC refuses connections', async () => {
    const closed = await listen((_req, res) => res.end());
    const deadUrl = closed.url;
    await closed.close();
    const deadProxy = buildProxy(deadUrl);
    const res = await request(deadProxy.app).get('/api/v3/anything').set('Authorization', `Bearer ${TOKEN}`);
    deadProxy.close();
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'upstream-unreachable', detail: 'VSPC refused the connection.' });
    const failureLines = deadProxy.logs.lines().filter((line) => line.msg === 'VSPC call failed');
    expect(failureLines).toHaveLength(1);
    expect(failureLines[0]).toMatchObject({ failure: 'refused', code: 'ECONNREFUSED' });
    expect(deadProxy.logs.text()).not.toContain(TOKEN);
  });

  it('never logs the bearer token while failing', async () => {
    for (const name of ['hang', 'reset', 'big-declared']) await get(name);
    expect(
      proxy.logs.lines().filter((line) => line.msg === 'VSPC call failed').length,
    ).toBeGreaterThanOrEqual(3);
    expect(proxy.logs.text()).not.toContain(TOKEN);
  });
});
