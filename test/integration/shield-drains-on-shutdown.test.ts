import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnProxy } from '../helpers/process.js';
import {
  rawRequest,
  startScriptedUpstream,
  type RawAnswer,
  type ScriptedUpstream,
} from '../helpers/servers.js';

const JOBS = '/api/v3/infrastructure/backupServers/jobs';
/** VSPC's time per call: shorter than the 250 ms an admitted call keeps, so every call sent can finish. */
const VSPC_LATENCY_MS = 150;
const REQUESTS = 30;
/** One VSPC call at a time, 150 ms each: the last of 30 queued calls would need 4.5 s, past the 3 s grace. */
const GRACE_MS = 3000;

describe('shutdown with calls queued in the shield', () => {
  let vspc: ScriptedUpstream;
  afterAll(async () => {
    await vspc.close();
  });

  it('answers every queued request, or refuses it 503 shutting-down with Retry-After: never a reset', async () => {
    vspc = await startScriptedUpstream((_call, res) => {
      setTimeout(() => {
        res.setHeader('Content-Type', 'application/json');
        res.end('{"data":[]}');
      }, VSPC_LATENCY_MS);
    });
    const proxy = spawnProxy({
      PORT: '0',
      HOST: '127.0.0.1',
      VSPC_URL: vspc.url,
      UPSTREAM_MAX_CONCURRENCY: '1',
      UPSTREAM_TIMEOUT_MS: String(GRACE_MS),
      SHUTDOWN_TIMEOUT_MS: String(GRACE_MS),
      RATE_LIMIT_RPS: '0',
    });
    const port = await proxy.listening;
    const url = `http://127.0.0.1:${port}`;
    const answers: Array<Promise<RawAnswer | Error>> = Array.from({ length: REQUESTS }, (_, index) =>
      rawRequest(url, {
        path: `${JOBS}?offset=${index}`,
        headers: { authorization: `Bearer tok-drain-${index % 3}` },
      }).catch((error: Error) => error),
    );
    // The first call is at VSPC; the others wait in the shield's queue.
    while (vspc.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    proxy.child.kill('SIGTERM');

    const outcomes = await Promise.all(answers);
    const resets = outcomes.filter((outcome) => outcome instanceof Error);
    expect(resets).toEqual([]);
    const answered = outcomes as RawAnswer[];
    const served = answered.filter((res) => res.status === 200);
    const refused = answered.filter((res) => res.status !== 200);
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(JSON.parse(res.body)).toMatchObject({ code: 'shutting-down', status: 503 });
    }
    // Both happen: the grace lets some queued calls finish, and is too short for all of them.
    expect(served.length).toBeGreaterThan(1);
    expect(refused.length).toBeGreaterThan(0);
    // Every answered request reached VSPC once; no refused one did.
    expect(vspc.calls).toHaveLength(served.length);

    expect((await proxy.exited).code).toBe(0);
    expect(proxy.stdout()).toContain('"msg":"stopped"');
  });
});
