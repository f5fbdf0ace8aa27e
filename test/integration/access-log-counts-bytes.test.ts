import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { listen, type Listening } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const URL = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=3';

describe('the access line counts the bytes of every answer', () => {
  let sim: Simulator;
  let proxy: TestProxy;
  let server: Listening;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator();
    proxy = buildProxy(sim.url);
    server = await listen(proxy.app);
    token = sim.issueToken('alpha').accessToken;
  });
  afterAll(async () => {
    proxy.close();
    await server.close();
    await sim.close();
  });

  const lines = () => proxy.logs.lines().filter((line) => line.msg === 'request completed');

  it('logs the Content-Length sent for misses, hits and HEAD, and 0 for a 304', async () => {
    const miss = await request(server.url).get(URL).set('Authorization', `Bearer ${token}`).expect(200);
    const hit = await request(server.url).get(URL).set('Authorization', `Bearer ${token}`).expect(200);
    await request(server.url).head(URL).set('Authorization', `Bearer ${token}`).expect(200);
    await request(server.url)
      .get(URL)
      .set('Authorization', `Bearer ${token}`)
      .set('If-None-Match', String(hit.headers.etag))
      .expect(304);
    const length = Number(miss.headers['content-length']);
    expect(length).toBeGreaterThan(0);
    await waitFor(() => lines().length === 4);
    expect(lines().map((line) => [line.method, line.status, line.cache, line.bytes])).toEqual([
      ['GET', 200, 'miss', length],
      ['GET', 200, 'hit', length],
      ['HEAD', 200, 'hit', length],
      ['GET', 304, 'hit', 0],
    ]);
    // VSPC was asked once: only the miss says what it answered, and how fast.
    expect(lines().map((line) => [line.upstreamStatus, typeof line.upstreamMs])).toEqual([
      [200, 'number'],
      [undefined, 'undefined'],
      [undefined, 'undefined'],
      [undefined, 'undefined'],
    ]);
  });
});
