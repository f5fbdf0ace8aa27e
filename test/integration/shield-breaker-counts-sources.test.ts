import { afterEach, describe, expect, it } from '@jest/globals';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import {
  listen,
  rawRequest,
  startScriptedUpstream,
  type Listening,
  type RawAnswer,
  type ScriptedUpstream,
} from '../helpers/servers.js';

const JOBS = '/api/v3/infrastructure/backupServers/jobs';
/** The breaker and retries at their documented defaults. */
const SHIELD_DEFAULTS: Readonly<Record<string, string>> = {
  BREAKER_FAILURES: '5',
  BREAKER_COOLDOWN_MS: '10000',
  UPSTREAM_RETRIES: '2',
};
const START_MS = 3_000_000;

/** Everything a test started, closed after it. */
const opened: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

/**
 * A VSPC that answers 520 to every call of the tenants in `failing` (VSPC's answer to any server
 * error, including one a single tenant's data causes), 200 to the others, and to its anonymous probe
 * (the readiness probe) 401.
 */
async function vspcFailingFor(failing: Set<string>): Promise<ScriptedUpstream> {
  const vspc = await startScriptedUpstream((call, res) => {
    const token = call.headers.authorization?.replace(/^Bearer /, '');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    if (token === undefined) {
      res.statusCode = 401;
      res.end('{"errors":[{"message":"Unauthorized","type":"security","code":401}]}');
    } else if (failing.has(token)) {
      res.statusCode = 520;
      res.end('{"errors":[{"message":"Unexpected error.","type":"unspecified","code":520}]}');
    } else {
      res.end('{"data":[]}');
    }
  });
  opened.push(() => vspc.close());
  return vspc;
}

async function proxyOver(url: string, env: Record<string, string> = {}) {
  let clock = START_MS;
  const proxy: TestProxy = buildProxy(
    url,
    { ...SHIELD_DEFAULTS, ...env },
    () => clock,
    () => 0,
  );
  const server: Listening = await listen(proxy.app);
  opened.push(
    () => proxy.close(),
    () => server.close(),
  );
  return {
    proxy,
    server,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

let sequence = 0;
function send(
  server: Listening,
  token: string,
  path = `${JOBS}?offset=${(sequence += 1)}`,
): Promise<RawAnswer> {
  return rawRequest(server.url, { path, headers: { authorization: `Bearer ${token}` } });
}

describe('the breaker one tenant cannot trip for all', () => {
  it("one tenant's requests answered 520 (with retries) leave it closed: other tenants' calls go through, /readyz stays 200", async () => {
    const vspc = await vspcFailingFor(new Set(['tok-broken-tenant']));
    const { proxy, server } = await proxyOver(vspc.url);
    for (let index = 0; index < 2; index += 1) {
      const res = await send(server, 'tok-broken-tenant');
      expect(res.status).toBe(520);
      expect(JSON.parse(res.body)).toMatchObject({ errors: [{ code: 520 }] });
    }
    expect(vspc.calls).toHaveLength(6); // 2 calls × (1 + UPSTREAM_RETRIES) attempts
    expect(proxy.deps.upstream.breakerState).toBe('closed');
    // More of the same tenant, on other paths with ids, is still one source.
    for (const id of ['6a3f2b1c-0000-4000-8000-000000000001', '6a3f2b1c-0000-4000-8000-000000000002'])
      expect((await send(server, 'tok-broken-tenant', `${JOBS}/${id}`)).status).toBe(520);
    expect(proxy.deps.upstream.breakerState).toBe('closed');

    for (const tenant of ['tok-healthy-1', 'tok-healthy-2', 'tok-healthy-3'])
      expect((await send(server, tenant)).status).toBe(200);
    const readyz = await rawRequest(server.url, { path: '/readyz' });
    expect(readyz.status).toBe(200);
    expect(JSON.parse(readyz.body)).toEqual({
      status: 'ready',
      vspc: {
        probe: 'GET /api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=1 without a token',
        status: 401,
        meaning: 'VSPC is serving: a 401 is its answer to a call without a token.',
      },
    });
    expect(
      proxy.logs.lines().filter((line) => String(line.msg).startsWith('VSPC circuit breaker opened')),
    ).toHaveLength(0);
  });

  it("five tenants' 520s open it: a sixth tenant is refused without a VSPC call, and /readyz is 503", async () => {
    const broken = ['tok-t1', 'tok-t2', 'tok-t3', 'tok-t4', 'tok-t5'];
    const vspc = await vspcFailingFor(new Set(broken));
    const { proxy, server } = await proxyOver(vspc.url);
    for (const [index, tenant] of broken.entries()) {
      expect((await send(server, tenant)).status).toBe(520);
      expect(proxy.deps.upstream.breakerState).toBe(index < 4 ? 'closed' : 'open');
    }
    const callsWhenOpened = vspc.calls.length;
    expect(callsWhenOpened).toBe(15);
    const refused = await send(server, 'tok-healthy');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'upstream-unavailable' });
    expect((await rawRequest(server.url, { path: '/readyz' })).status).toBe(503);
    expect(vspc.calls).toHaveLength(callsWhenOpened);
    const opens = proxy.logs
      .lines()
      .filter((line) => String(line.msg).startsWith('VSPC circuit breaker opened'));
    expect(opens).toMatchObject([{ failures: 5, transportFailures: 0, callers: 5, paths: 1 }]);
  });

  it('refused connections from one tenant open it: VSPC unreachable is everyone’s problem', async () => {
    const dead = await listen((_req, res) => res.end());
    await dead.close();
    const { proxy, server } = await proxyOver(dead.url);
    const statuses = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await send(server, 'tok-one-tenant')).status);
    expect(statuses).toEqual([502, 502, 502, 502, 502]);
    expect(proxy.deps.upstream.breakerState).toBe('open');
    const other = await send(server, 'tok-other-tenant');
    expect(other.status).toBe(503);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'upstream-unavailable' });
  });

  it('failures older than BREAKER_WINDOW_MS no longer count', async () => {
    const broken = ['tok-w1', 'tok-w2', 'tok-w3', 'tok-w4', 'tok-w5'];
    const vspc = await vspcFailingFor(new Set(broken));
    const { proxy, server, advance } = await proxyOver(vspc.url, { BREAKER_WINDOW_MS: '1000' });
    for (const tenant of broken.slice(0, 4)) await send(server, tenant);
    advance(1_001);
    await send(server, 'tok-w5');
    expect(proxy.deps.upstream.breakerState).toBe('closed');
  });
});
