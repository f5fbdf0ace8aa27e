/**
 * The "abuse" scenario of `npm run bench` (BENCH_ONLY=abuse): what a good client sees while others
 * misbehave. A good client reads one cached page over and over, one request at a time; its latency
 * (p50, p99) is measured alone, then under each load in turn, every phase bounded in time:
 *
 * - made-up tokens: a new random bearer token per request, 500 a second (the red-team pass that found the
 *   flaw used 58), against a cache holding 20,000 entries of other callers;
 * - partial bodies: 300 connections that each declare a 1 MiB body, send 512 KiB of it and stall;
 * - non-readers: 40 connections that ask for a large uncached answer (`no-store`) and never read it.
 *
 * Also counted: VSPC calls the made-up tokens caused, their statuses, and the proxy's RSS at the end of
 * each phase.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Simulator } from '../src/simulator/index.js';
import { round } from './stats.js';

const PHASE_MS = Number(process.env.BENCH_ABUSE_PHASE_MS ?? 4000);
const PAGE = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=100&offset=0';
const LARGE = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs?limit=500&offset=0';
const BOGUS_PER_TICK = 5;
const TICK_MS = 10;
const FILLED_ENTRIES = 20_000;
const FILL_IN_FLIGHT = 64;
const PARTIAL_CONNECTIONS = 300;
const PARTIAL_DECLARED_BYTES = 1024 * 1024;
const PARTIAL_SENT_BYTES = 512 * 1024;
const NON_READERS = 40;
/** Each non-reader asks this many times on its connection (pipelined), to pile answers up. */
const NON_READER_REQUESTS = 20;

export interface AbuseDeps {
  startProxy(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }>;
  stop(child: ChildProcess): Promise<void>;
}

export interface AbusePhase {
  goodRequests: number;
  goodP50Ms: number;
  goodP99Ms: number;
  goodErrors: number;
  proxyRssMiB: number;
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? NaN;
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return round(Number(match?.[1] ?? 0) / 1024, 1);
}

function get(
  port: number,
  agent: http.Agent,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The good client, one request at a time, until `until` has passed. */
async function goodClient(
  port: number,
  token: string,
  untilMs: number,
): Promise<Omit<AbusePhase, 'proxyRssMiB'>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const durations: number[] = [];
  let errors = 0;
  while (performance.now() < untilMs) {
    const started = performance.now();
    const status = await get(port, agent, PAGE, { authorization: `Bearer ${token}` });
    if (status === 200) durations.push(performance.now() - started);
    else errors += 1;
  }
  agent.destroy();
  return {
    goodRequests: durations.length,
    goodP50Ms: round(percentile(durations, 0.5), 3),
    goodP99Ms: round(percentile(durations, 0.99), 3),
    goodErrors: errors,
  };
}

/** Made-up tokens, `BOGUS_PER_TICK` every `TICK_MS`, until `untilMs`; statuses counted. */
async function bogusTokens(port: number, untilMs: number): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  while (performance.now() < untilMs) {
    for (let index = 0; index < BOGUS_PER_TICK; index += 1) {
      const token = randomBytes(24).toString('base64url');
      pending.push(
        get(port, agent, PAGE, { authorization: `Bearer ${token}` }).then((status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  agent.destroy();
  return statuses;
}

/** Fills the proxy's cache with `FILLED_ENTRIES` pages of the demo users' tokens. */
async function fillCache(port: number, tokens: readonly string[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: FILL_IN_FLIGHT });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < FILLED_ENTRIES) {
      const index = next++;
      const token = tokens[index % tokens.length] ?? '';
      await get(port, agent, `${PAGE.replace('limit=100', 'limit=1')}${index}`, {
        authorization: `Bearer ${token}`,
      });
    }
  };
  await Promise.all(Array.from({ length: FILL_IN_FLIGHT }, worker));
  agent.destroy();
}

/** Opens `count` raw connections and writes `request` (a function of the index) on each; they stay open. */
async function rawConnections(
  port: number,
  count: number,
  request: (index: number) => Buffer,
): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let index = 0; index < count; index += 1) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    // Non-readers must not read: pause, so the kernel buffers fill and the proxy's writes back up.
    socket.pause();
    await new Promise<void>((resolve) =>
      socket.once('connect', () => resolve()).once('error', () => resolve()),
    );
    socket.write(request(index));
    sockets.push(socket);
  }
  return sockets;
}

async function phase(
  port: number,
  pid: number,
  token: string,
  load: (untilMs: number) => Promise<unknown>,
): Promise<AbusePhase & { load: unknown }> {
  const untilMs = performance.now() + PHASE_MS;
  const [good, loaded] = await Promise.all([goodClient(port, token, untilMs), load(untilMs)]);
  return { ...good, proxyRssMiB: rssMiB(pid), load: loaded };
}

export async function abuse(sim: Simulator, token: string, deps: AbuseDeps) {
  const proxy = await deps.startProxy({ CACHE_MAX_BYTES: String(256 * 1024 * 1024) });
  const pid = proxy.child.pid ?? 0;
  try {
    const latencyMs = sim.knobs.latencyMs;
    sim.knobs.latencyMs = 0;
    await fillCache(
      proxy.port,
      ['admin', 'alpha', 'beta'].map((user) => sim.issueToken(user).accessToken),
    );
    sim.knobs.latencyMs = latencyMs;
    const warm = new http.Agent({ keepAlive: true });
    await get(proxy.port, warm, PAGE, { authorization: `Bearer ${token}` });
    warm.destroy();
    const callsBefore = sim.requestCount;
    const alone = await phase(proxy.port, pid, token, async () => undefined);
    const callsAlone = sim.requestCount - callsBefore;
    const flood = await phase(proxy.port, pid, token, (untilMs) => bogusTokens(proxy.port, untilMs));
    const floodCalls = sim.requestCount - callsBefore - callsAlone;
    const partial = await phase(proxy.port, pid, token, async (untilMs) => {
      const body = Buffer.alloc(PARTIAL_SENT_BYTES, 0x61);
      const sockets = await rawConnections(proxy.port, PARTIAL_CONNECTIONS, () =>
        Buffer.concat([
          Buffer.from(
            `POST /api/v3/infrastructure/backupServers/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${PARTIAL_DECLARED_BYTES}\r\n\r\n`,
          ),
          body,
        ]),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilMs - performance.now())));
      const open = sockets.filter((socket) => !socket.destroyed).length;
      sockets.forEach((socket) => socket.destroy());
      return { connections: PARTIAL_CONNECTIONS, stillOpenAtEnd: open };
    });
    const nonReaders = await phase(proxy.port, pid, token, async (untilMs) => {
      const request = Buffer.from(
        `GET ${LARGE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nCache-Control: no-store\r\n\r\n`.repeat(
          NON_READER_REQUESTS,
        ),
      );
      const sockets = await rawConnections(proxy.port, NON_READERS, () => request);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilMs - performance.now())));
      const open = sockets.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
      sockets.forEach((socket) => socket.destroy());
      return { connections: NON_READERS, stillOpenAtEnd: open };
    });
    return {
      phaseMs: PHASE_MS,
      alone,
      madeUpTokens: { ...flood, vspcCalls: floodCalls },
      partialBodies: partial,
      nonReaders,
    };
  } finally {
    await deps.stop(proxy.child);
  }
}
