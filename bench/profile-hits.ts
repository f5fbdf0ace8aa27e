/**
 * `npm run bench:profile`: runs the built proxy under `--cpu-prof` while autocannon loads the
 * cache-hit path for 5 s, and leaves the profile in ./profiles (open it in Chrome DevTools).
 * Loopback only, bounded in time.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { startSimulator } from '../src/simulator/index.js';

const PORT = 18999;
const SECONDS = 5;
const PAGE = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=100&offset=0';

const sim = await startSimulator();
const token = sim.issueToken('admin').accessToken;
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=profiles', 'dist/main.js'], {
  env: {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    VSPC_URL: sim.url,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    CACHE_TTL_MS: '600000',
    // The client rate limit still runs on every request, but never refuses this load from one token.
    RATE_LIMIT_RPS: '10000000',
    RATE_LIMIT_BURST: '10000000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${PORT}${PAGE}`;
const headers = { Authorization: `Bearer ${token}` };
for (let attempt = 0; ; attempt += 1) {
  try {
    await fetch(url, { headers });
    break;
  } catch (error) {
    if (attempt > 100) throw error;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const result = await autocannon({ url, connections: 50, duration: SECONDS, headers });
console.log(
  `hits: ${Math.round(result.requests.average)} req/s, ${result.requests.total} requests; profile in ./profiles`,
);
child.kill('SIGINT');
await new Promise((resolve) => child.once('exit', resolve));
await sim.close();
