// Ad-hoc: run the proxy under --cpu-prof while autocannon loads the hit path.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { startSimulator } from '../src/simulator/index.js';

const sim = await startSimulator();
const token = sim.issueToken('admin').accessToken;
const port = 18999;
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', 'dist/main.js'], {
  env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', VSPC_URL: sim.url, PORT: String(port), HOST: '127.0.0.1', CACHE_TTL_MS: '600000' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
await new Promise((r) => setTimeout(r, 1500));
const url = `http://127.0.0.1:${port}/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=100&offset=0`;
await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
const result = await autocannon({ url, connections: 50, duration: 5, headers: { Authorization: `Bearer ${token}` } });
console.log('rps', result.requests.average);
child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
await sim.close();
