/**
 * `npm run bench`: measures vspc-proxy against the VSPC simulator and a bare node:http server, all on
 * loopback, every loop bounded. Prints a table and writes bench/results.json.
 *
 * Processes: this one (load generator + simulator, so its counters can be read), the proxy
 * (`node dist/main.js`, as `npm start` runs it, NODE_ENV=production, logs to /dev/null) and the bare server.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { DEMO_USERS, startSimulator, type Simulator } from '../src/simulator/index.js';
import { abuse } from './abuse.js';
import { herd, herdTable, HERD_REQUESTS } from './herd.js';
import { median, round } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HIT_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const HIT_CONNECTIONS = 50;
const STAMPEDE_REQUESTS = 200;
const MISS_SAMPLES = 400;
const WARM_UP_REQUESTS = 800;
const UPSTREAM_LATENCY_MS = 20;
const CACHE_MAX_BYTES = 64 * 1024 * 1024;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const PAGE = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=100&offset=0';
const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const START_TIMEOUT_MS = 20_000;
/** The proxy's default UPSTREAM_MAX_CONCURRENCY (config/default.json): the herd's ceiling at VSPC. */
const UPSTREAM_MAX_CONCURRENCY = 8;
/** RATE_LIMIT_RPS and RATE_LIMIT_BURST for every scenario: the configuration's maximum, never reached. */
const UNREACHABLE_RATE = 10_000_000;

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not come up`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The simulator in a process of its own (`node dist/simulator/cli.js`), the way VSPC is to its
 * clients, and a token of its demo administrator.
 */
async function startSimulatorProcess(): Promise<{
  child: ChildProcess;
  port: number;
  url: string;
  token: string;
}> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/simulator/cli.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_PORT: String(port),
      SIMULATOR_LATENCY_MS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/api/v3/token`);
    const admin = DEMO_USERS.find((user) => user.username === 'admin');
    if (admin === undefined) throw new Error('the simulator has no admin demo user');
    const login = await fetch(`${url}/api/v3/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        username: admin.username,
        password: admin.password,
      }),
    });
    const { access_token: token } = (await login.json()) as { access_token?: unknown };
    if (!login.ok || typeof token !== 'string') throw new Error(`simulator login answered ${login.status}`);
    return { child, port, url, token };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

async function startProxy(
  vspcUrl: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      VSPC_URL: vspcUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN,
      CACHE_TTL_MS: '600000',
      // The client rate limit stays on (its per-request cost is part of the path measured) but out of
      // reach: its default (50/s, burst 100 per caller) would refuse most of these loads from one token.
      RATE_LIMIT_RPS: String(UNREACHABLE_RATE),
      RATE_LIMIT_BURST: String(UNREACHABLE_RATE),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  return { child, port };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return Number(match?.[1] ?? 0) * 1024;
}

/** CPU time a process has used, user plus system, in µs (Linux: /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  // After the command name, which is in parentheses and may itself hold ') '.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const USER_TICKS = 11;
  const SYSTEM_TICKS = 12;
  const MICROS_PER_TICK = 10_000;
  return (Number(fields[USER_TICKS]) + Number(fields[SYSTEM_TICKS])) * MICROS_PER_TICK;
}

/**
 * One autocannon run against `port`. `cpuUsPerRequest` is the CPU time the server process (`pid`)
 * spent per answered request: steadier than req/s on a shared machine, where the load generator
 * competes for the same CPUs.
 */
async function load(
  port: number,
  pid: number,
  headers: Record<string, string>,
): Promise<{ rps: number; p50: number; p99: number; errors: number; cpuUsPerRequest: number }> {
  const cpuBefore = cpuMicros(pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${PAGE}`,
    connections: HIT_CONNECTIONS,
    duration: HIT_SECONDS,
    headers,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuUsPerRequest: (cpuMicros(pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

async function hits(sim: Simulator, token: string): Promise<Record<string, number>> {
  const proxy = await startProxy(
    sim.url,
    process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {},
  );
  const auth = { Authorization: `Bearer ${token}` };
  const warm = await get(proxy.port, PAGE, auth);
  if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}`);
  const dir = mkdtempSync(join(tmpdir(), 'vspc-bench-'));
  writeFileSync(join(dir, 'page.json'), warm.body);
  const barePort = await freePort();
  const bare = fork('bench/bare-server.mjs', [
    String(barePort),
    join(dir, 'page.json'),
    String(warm.headers['content-type']),
  ]);
  await new Promise((resolve) => bare.once('message', resolve));

  const bareRuns: Awaited<ReturnType<typeof load>>[] = [];
  const proxyRuns: Awaited<ReturnType<typeof load>>[] = [];
  // One unmeasured run each first: V8 keeps optimising the proxy's hit path for tens of thousands
  // of requests, so without it the first round measures the JIT's warm-up as much as the proxy.
  const barePid = bare.pid ?? 0;
  const proxyPid = proxy.child.pid ?? 0;
  await load(barePort, barePid, auth);
  await load(proxy.port, proxyPid, auth);
  for (let round = 0; round < ROUNDS; round += 1) {
    bareRuns.push(await load(barePort, barePid, auth));
    proxyRuns.push(await load(proxy.port, proxyPid, auth));
  }
  const check = await get(proxy.port, PAGE, auth);
  await stop(bare);
  await stop(proxy.child);
  if (!String(check.headers['cache-status']).includes('hit'))
    throw new Error('hits scenario did not hit the cache');
  const bareRps = median(bareRuns.map((run) => run.rps));
  const proxyRps = median(proxyRuns.map((run) => run.rps));
  return {
    pageBytes: warm.body.length,
    bareRps: round(bareRps, 0),
    proxyRps: round(proxyRps, 0),
    ratio: round(proxyRps / bareRps, 3),
    bareP50Ms: median(bareRuns.map((run) => run.p50)),
    bareP99Ms: median(bareRuns.map((run) => run.p99)),
    proxyP50Ms: median(proxyRuns.map((run) => run.p50)),
    proxyP99Ms: median(proxyRuns.map((run) => run.p99)),
    bareCpuUsPerRequest: round(median(bareRuns.map((run) => run.cpuUsPerRequest)), 1),
    proxyCpuUsPerRequest: round(median(proxyRuns.map((run) => run.cpuUsPerRequest)), 1),
    errors: [...bareRuns, ...proxyRuns].reduce((sum, run) => sum + run.errors, 0),
  };
}

/** Time for `count` concurrent GETs of `path` to all complete. */
async function burst(
  port: number,
  path: string,
  count: number,
  headers: Record<string, string>,
): Promise<{ ms: number; statuses: Set<number> }> {
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: count }, () => get(port, path, headers)));
  return { ms: performance.now() - started, statuses: new Set(answers.map((answer) => answer.status)) };
}

async function stampede(sim: Simulator, token: string): Promise<Record<string, number | boolean>> {
  const proxy = await startProxy(sim.url, {});
  const auth = { Authorization: `Bearer ${token}` };
  const dir = mkdtempSync(join(tmpdir(), 'vspc-bench-'));
  const page = await get(proxy.port, PAGE, auth);
  writeFileSync(join(dir, 'page.json'), page.body);
  const barePort = await freePort();
  const bare = fork('bench/bare-server.mjs', [String(barePort), join(dir, 'page.json'), 'application/json']);
  await new Promise((resolve) => bare.once('message', resolve));
  const bareMs: number[] = [];
  const proxyMs: number[] = [];
  const upstreamCalls: number[] = [];
  // The proxy gets the warm-up the bare server gets before each round: its sockets, and its JIT on
  // the collapsed path, with one unmeasured stampede on a key of its own.
  await burst(proxy.port, `${COPY_JOBS}?limit=100&offset=99`, STAMPEDE_REQUESTS, auth);
  for (let round = 0; round < ROUNDS; round += 1) {
    await burst(barePort, '/', STAMPEDE_REQUESTS, auth); // warm sockets
    bareMs.push((await burst(barePort, '/', STAMPEDE_REQUESTS, auth)).ms);
    sim.resetStats();
    const cold = `${COPY_JOBS}?limit=100&offset=${100 + round}`;
    const result = await burst(proxy.port, cold, STAMPEDE_REQUESTS, auth);
    if (result.statuses.size !== 1 || !result.statuses.has(200))
      throw new Error('stampede got non-200 answers');
    proxyMs.push(result.ms);
    upstreamCalls.push(sim.requestCount);
  }
  await stop(bare);
  await stop(proxy.child);
  const budgetMs = (UPSTREAM_LATENCY_MS + median(bareMs)) * 1.3;
  return {
    requests: STAMPEDE_REQUESTS,
    upstreamCallsMax: Math.max(...upstreamCalls),
    lastResponseMs: round(median(proxyMs)),
    bareMs: round(median(bareMs)),
    budgetMs: round(budgetMs),
    withinBudget: median(proxyMs) <= budgetMs,
  };
}

/**
 * Sequential unique pages, upstream latency 0: the proxy (a miss each time) against the same page
 * fetched directly. VSPC runs in a process of its own, as it does for a client; the direct call to
 * the in-process simulator (no process hop at all) is measured too, for comparison. So is a bare
 * `node:http` pass-through (`bench/bare-proxy.mjs`): the least any Node proxy adds on this machine.
 */
async function missOverhead(sim: Simulator, token: string): Promise<Record<string, number>> {
  sim.knobs.latencyMs = 0;
  const vspc = await startSimulatorProcess();
  let proxy: { child: ChildProcess; port: number } | undefined;
  let bare: ChildProcess | undefined;
  const inProcess: number[] = [];
  const direct: number[] = [];
  const proxied: number[] = [];
  const passedThrough: number[] = [];
  try {
    proxy = await startProxy(vspc.url, {});
    const barePort = await freePort();
    bare = fork('bench/bare-proxy.mjs', [String(barePort), String(vspc.port)]);
    await new Promise((resolve) => bare?.once('message', resolve));
    const proxyPort = proxy.port;
    const auth = { Authorization: `Bearer ${vspc.token}` };
    const inProcessAuth = { Authorization: `Bearer ${token}` };
    // Warm the connection pools and the JIT, then alternate: page i in-process, directly, through the
    // proxy, through the bare pass-through.
    for (let i = 0; i < 200; i += 1) {
      const warm = `${COPY_JOBS}?limit=10&offset=${i}&x=warm`;
      await get(sim.port, warm, inProcessAuth);
      await get(vspc.port, warm, auth);
      await get(proxyPort, warm, auth);
      await get(barePort, warm, auth);
    }
    const timed = async (port: number, path: string, headers: Record<string, string>, into: number[]) => {
      const started = performance.now();
      const answer = await get(port, path, headers);
      into.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`miss scenario got ${answer.status}`);
      return answer;
    };
    for (let i = 0; i < MISS_SAMPLES; i += 1) {
      const path = `${COPY_JOBS}?limit=20&offset=${i}`;
      await timed(sim.port, path, inProcessAuth, inProcess);
      await timed(vspc.port, path, auth, direct);
      const answer = await timed(proxyPort, path, auth, proxied);
      if (!String(answer.headers['cache-status']).includes('fwd=miss'))
        throw new Error('miss scenario hit the cache');
      await timed(barePort, path, auth, passedThrough);
    }
  } finally {
    if (bare !== undefined) await stop(bare);
    if (proxy !== undefined) await stop(proxy.child);
    await stop(vspc.child);
    sim.knobs.latencyMs = UPSTREAM_LATENCY_MS;
  }
  return {
    samples: MISS_SAMPLES,
    directMedianMs: round(median(direct), 3),
    proxiedMedianMs: round(median(proxied), 3),
    addedMedianMs: round(median(proxied) - median(direct), 3),
    barePassThroughAddedMs: round(median(passedThrough) - median(direct), 3),
    directInProcessMedianMs: round(median(inProcess), 3),
    addedOverInProcessMs: round(median(proxied) - median(inProcess), 3),
  };
}

async function memory(sim: Simulator, token: string): Promise<Record<string, number>> {
  sim.knobs.latencyMs = 0;
  const proxy = await startProxy(sim.url, { CACHE_MAX_BYTES: String(CACHE_MAX_BYTES) });
  const auth = { Authorization: `Bearer ${token}` };
  // Warm-up with the same traffic, uncached (no-store), so the V8 heap and the allocator reach their
  // working size first: the growth measured afterwards is what the cached entries hold.
  for (let i = 0; i < WARM_UP_REQUESTS; i += 16) {
    await Promise.all(
      Array.from({ length: 16 }, (_, j) =>
        get(proxy.port, `${COPY_JOBS}?limit=100&offset=${(i + j) % 1100}`, {
          ...auth,
          'Cache-Control': 'no-store',
        }),
      ),
    );
  }
  const before = rssBytes(proxy.child.pid ?? 0);
  const stats = async () =>
    JSON.parse(
      (await get(proxy.port, '/admin/cache', { Authorization: `Bearer ${ADMIN_TOKEN}` })).body.toString(),
    ) as {
      entries: number;
      bytes: number;
      process: { heapUsedBytes: number; arrayBuffersBytes: number };
    };
  const processBefore = (await stats()).process;
  let requests = 0;
  const pages: string[] = [];
  for (let limit = 100; limit > 80; limit -= 1)
    for (let offset = 0; offset <= 1100; offset += 1)
      pages.push(`${COPY_JOBS}?limit=${limit}&offset=${offset}`);
  // Fill past the bound: distinct pages until the LRU has evicted for a while, 16 at a time.
  const target = CACHE_MAX_BYTES * 1.5;
  let fetchedBytes = 0;
  while (fetchedBytes < target && requests < pages.length) {
    const batch = pages.slice(requests, requests + 16);
    requests += batch.length;
    const answers = await Promise.all(batch.map((path) => get(proxy.port, path, auth)));
    fetchedBytes += answers.reduce((sum, answer) => sum + answer.body.length, 0);
  }
  const after = rssBytes(proxy.child.pid ?? 0);
  const held = await stats();
  await stop(proxy.child);
  sim.knobs.latencyMs = UPSTREAM_LATENCY_MS;
  return {
    maxBytes: CACHE_MAX_BYTES,
    requests,
    fetchedMiB: round(fetchedBytes / 2 ** 20, 1),
    entries: held.entries,
    accountedMiB: round(held.bytes / 2 ** 20, 1),
    rssGrowthMiB: round((after - before) / 2 ** 20, 1),
    heapGrowthMiB: round((held.process.heapUsedBytes - processBefore.heapUsedBytes) / 2 ** 20, 1),
    arrayBuffersGrowthMiB: round(
      (held.process.arrayBuffersBytes - processBefore.arrayBuffersBytes) / 2 ** 20,
      1,
    ),
    rssGrowthOverBound: round((after - before) / CACHE_MAX_BYTES, 3),
  };
}

async function main(): Promise<void> {
  const sim = await startSimulator({ knobs: { latencyMs: UPSTREAM_LATENCY_MS } });
  const token = sim.issueToken('admin').accessToken;
  // BENCH_ONLY=hits (or a comma list) runs some scenarios, for quick iterations; results.json is then left alone.
  const only = process.env.BENCH_ONLY?.split(',');
  const wanted = (name: string): boolean => only === undefined || only.includes(name);
  const results = {
    when: new Date().toISOString(),
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    settings: {
      rounds: ROUNDS,
      hitSeconds: HIT_SECONDS,
      connections: HIT_CONNECTIONS,
      upstreamLatencyMs: UPSTREAM_LATENCY_MS,
    },
    hits: wanted('hits') ? await hits(sim, token) : {},
    stampede: wanted('stampede') ? await stampede(sim, token) : {},
    missOverhead: wanted('miss') ? await missOverhead(sim, token) : {},
    memory: wanted('memory') ? await memory(sim, token) : {},
    herd: wanted('herd')
      ? await herd(
          sim,
          {
            startProxy: (env) => startProxy(sim.url, env),
            stop,
            get: (port, path) => get(port, path),
          },
          { upstreamLatencyMs: UPSTREAM_LATENCY_MS, rounds: ROUNDS, rateLimitRps: UNREACHABLE_RATE },
        )
      : undefined,
    abuse: wanted('abuse')
      ? await abuse(sim, token, { startProxy: (env) => startProxy(sim.url, env), stop })
      : undefined,
  };
  await sim.close();
  agent.destroy();
  if (only === undefined) writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  if (results.herd !== undefined) console.log(herdTable(results.herd));
  // [scenario, verdict, met]: scenarios left out by BENCH_ONLY print SKIP.
  const verdicts = [
    ['hits', 'hits ratio ≥ 0.7', (results.hits.ratio ?? 0) >= 0.7],
    ['stampede', 'stampede: exactly 1 upstream call', results.stampede.upstreamCallsMax === 1],
    ['stampede', 'stampede within budget', results.stampede.withinBudget === true],
    ['miss', 'miss overhead ≤ 0.5 ms', (results.missOverhead.addedMedianMs ?? Infinity) <= 0.5],
    ['memory', 'memory: RSS growth ≤ 1.3 × bound', (results.memory.rssGrowthOverBound ?? Infinity) <= 1.3],
    [
      'herd',
      `herd: ≤ ${UPSTREAM_MAX_CONCURRENCY} calls in flight at VSPC`,
      (results.herd?.proxy.upstreamPeakInFlight ?? Infinity) <= UPSTREAM_MAX_CONCURRENCY,
    ],
    [
      'herd',
      `herd: every one of ${HERD_REQUESTS} requests answered`,
      results.herd !== undefined &&
        results.herd.proxy.errors === 0 &&
        !results.herd.proxy.cutShort &&
        results.herd.proxy.answered === results.herd.requests,
    ],
    [
      'abuse',
      'abuse: good p50 under made-up tokens ≤ 2 × alone',
      results.abuse !== undefined &&
        results.abuse.madeUpTokens.goodP50Ms <= 2 * results.abuse.alone.goodP50Ms,
    ],
  ] as const;
  for (const [scenario, name, ok] of verdicts)
    console.log(`${wanted(scenario) ? (ok ? 'PASS' : 'MISS') : 'SKIP'}  ${name}`);
}

await main();
