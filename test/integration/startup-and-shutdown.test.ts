import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { spawnProxy } from '../helpers/process.js';

const PASSWORD = 'admin-demo-password';

describe('process start-up', () => {
  it.each([
    [
      { PORT: 'abc' },
      'Invalid configuration: PORT="abc" is not allowed; expected an integer from 0 to 65535.',
    ],
    [
      { VSPC_URL: 'ftp://x' },
      'Invalid configuration: VSPC_URL="ftp://x" is not allowed; expected an http(s) origin',
    ],
    [
      { UPSTREAM_TIMEOUT_MS: '-1' },
      'Invalid configuration: UPSTREAM_TIMEOUT_MS="-1" is not allowed; expected an integer from 1 to 600000.',
    ],
    [
      { VSPC_CA_FILE: '/nonexistent/ca.pem' },
      'Invalid configuration: VSPC_CA_FILE="/nonexistent/ca.pem" is not allowed',
    ],
    [
      { SHUTDOWN_TIMEOUT_MS: '10000' },
      'Invalid configuration: SHUTDOWN_TIMEOUT_MS="10000" is not allowed; expected at least UPSTREAM_TIMEOUT_MS (15000)',
    ],
    [
      { NODE_ENV: 'production' },
      'Invalid configuration: VSPC_URL="" is not allowed; expected the VSPC origin when NODE_ENV=production',
    ],
  ])('exits 1 with one line for %p', async (env, message) => {
    const proxy = spawnProxy(env);
    const { code } = await proxy.exited;
    expect(code).toBe(1);
    const lines = proxy.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(proxy.stdout()).toBe('');
  });

  /** Starts the proxy on a free port, stops it with SIGTERM (a clean exit), and returns its stdout lines. */
  async function startAndStop(env: Record<string, string>): Promise<string[]> {
    const proxy = spawnProxy({ PORT: '0', HOST: '127.0.0.1', ...env });
    await proxy.listening;
    proxy.child.kill('SIGTERM');
    expect((await proxy.exited).code).toBe(0);
    return proxy.stdout().split('\n');
  }

  it('warns once at start when VSPC_TLS_INSECURE=true', async () => {
    const lines = await startAndStop({ VSPC_URL: 'https://127.0.0.1:1', VSPC_TLS_INSECURE: 'true' });
    const warnings = lines.filter((line) => line.includes('VSPC_TLS_INSECURE=true'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"level":"warn"');
  });

  it('serves the embedded simulator without VSPC_URL, keeps secrets out of its logs, and drains on SIGTERM', async () => {
    const proxy = spawnProxy({
      PORT: '0',
      HOST: '127.0.0.1',
      SIMULATOR_LATENCY_MS: '300',
      // The shutdown grace may not be shorter than the upstream timeout.
      UPSTREAM_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    const port = await proxy.listening;
    const base = `http://127.0.0.1:${port}`;
    expect(proxy.stdout()).toContain('serving DEMO DATA from the embedded VSPC simulator');
    // CONNECT is refused as a problem, not by a silent close.
    const connectAnswer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write('CONNECT vspc.example.com:1280 HTTP/1.1\r\nHost: vspc.example.com:1280\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(connectAnswer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    // The process serves Node's own metrics next to its own.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(metrics).toMatch(/^cache_entries \d/m);

    const login = await fetch(`${base}/api/v3/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'admin', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };

    // Started before SIGTERM, answered after it.
    const inFlight = fetch(`${base}/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=2`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const page = (await answer.json()) as { data: unknown[]; meta: { pagingInfo: { count: number } } };
    expect(page.data).toHaveLength(2);

    const { code } = await proxy.exited;
    expect(code).toBe(0);
    const logs = proxy.stdout();
    expect(logs).toContain('"msg":"stopped"');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(PASSWORD);
    expect(proxy.stderr()).toBe('');
  });
});
