import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AsyncActionStore } from './async-actions.js';
import { buildDataset } from './dataset.js';
import { handleRequest, type SimulatorState } from './handle-request.js';
import { DEFAULT_KNOBS, type SimulatorKnobs } from './knobs.js';
import { createRng } from './prng.js';
import { RequestStats, type RecordedRequest } from './stats.js';
import { RequestThrottle } from './throttle.js';
import { TokenStore, type TokenPair } from './tokens.js';
import { findDemoUser } from './users.js';

/** How to start a simulator; every field is optional. */
export interface SimulatorOptions {
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  /** Host to listen on; default '127.0.0.1'. */
  host?: string;
  /** Access token lifetime in seconds; default 3600. */
  tokenTtlS?: number;
  /** Clock in epoch milliseconds, for token expiry and the `throttleRps` windows; default `Date.now`. */
  now?: () => number;
  /** Initial knobs over {@link DEFAULT_KNOBS}; `resetKnobs()` returns to them. */
  knobs?: Partial<SimulatorKnobs>;
  /** How many recent requests to keep; default 100. */
  recentRequestsMax?: number;
}

/** A running simulator. */
export interface Simulator {
  /** Origin such as 'http://127.0.0.1:43121' (no trailing slash, no /api/v3). */
  readonly url: string;
  readonly port: number;
  /** Mutable: set fields directly; a change applies to the next request. */
  readonly knobs: SimulatorKnobs;
  /** Every request received (token included), counted at arrival; requests refused by `down` are not. */
  readonly requestCount: number;
  /** Requests answered 429 by the `throttleRps` knob (counted in `requestCount` too; forced 429s are not). */
  readonly throttledCount: number;
  /** Recent requests as they arrived, newest last, at most `recentRequestsMax`. */
  readonly recentRequests: readonly RecordedRequest[];
  /** Requests received and not yet answered (or abandoned). */
  readonly inFlight: number;
  /** Highest `inFlight` since start or the last `resetStats()`. */
  readonly peakInFlight: number;
  /**
   * Zeroes `requestCount` and `throttledCount`, forgets recent requests and restarts `peakInFlight` from the
   * current `inFlight`. The counts of the current throttling window are kept.
   */
  resetStats(): void;
  /** Puts the knobs back to their values at start (defaults overlaid with `SimulatorOptions.knobs`). */
  resetKnobs(): void;
  /** Stops listening and destroys every open socket, kept-alive ones included; safe to call twice. */
  close(): Promise<void>;
  /** Issue a token directly (for tests), as if the user logged in. Throws for an unknown username. */
  issueToken(username: string): { accessToken: string; refreshToken: string };
}

/** Port the simulator listens on by default: 0, a free port. */
export const DEFAULT_PORT = 0;
export const DEFAULT_HOST = '127.0.0.1';
/** Access token lifetime VSPC uses. */
export const DEFAULT_TOKEN_TTL_S = 3600;
export const DEFAULT_RECENT_REQUESTS_MAX = 100;
/** Seed of the `failureRate` draws: every simulator fails the same requests of the same sequence. */
const FAILURE_RNG_SEED = 0x5eed;

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function originOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts a VSPC REST API v3 simulator on a plain `node:http` server: tokens for the demo users, backup copy
 * jobs and jobs with paging/filter/sort/select/expand, the other typed job collections (empty), enum values
 * mapped to `Unknown` for an older `X-Client-Version`, async actions, and fault-injection knobs.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? DEFAULT_HOST;
  const initialKnobs: SimulatorKnobs = { ...DEFAULT_KNOBS, ...options.knobs };
  const knobs: SimulatorKnobs = { ...initialKnobs };
  const stats = new RequestStats(options.recentRequestsMax ?? DEFAULT_RECENT_REQUESTS_MAX);
  const now = options.now ?? Date.now;
  const tokens = new TokenStore(options.tokenTtlS ?? DEFAULT_TOKEN_TTL_S, now);
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  let origin = '';

  const state: SimulatorState = {
    knobs,
    stats,
    throttle: new RequestThrottle(now),
    tokens,
    dataset: buildDataset(),
    asyncActions: new AsyncActionStore(),
    failureRng: createRng(FAILURE_RNG_SEED),
    origin: () => origin,
    signal: closing.signal,
  };

  const server = createServer();
  server.on('connection', (socket: Socket) => {
    if (knobs.down) {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req, res) => handleRequest(state, req, res));
  await listen(server, options.port ?? DEFAULT_PORT, host);
  const { port } = server.address() as AddressInfo;
  origin = originOf(host, port);

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    port,
    knobs,
    get requestCount() {
      return stats.requestCount;
    },
    get throttledCount() {
      return stats.throttledCount;
    },
    get recentRequests() {
      return stats.recentRequests;
    },
    get inFlight() {
      return stats.inFlight;
    },
    get peakInFlight() {
      return stats.peakInFlight;
    },
    resetStats: () => stats.reset(),
    resetKnobs: () => {
      Object.assign(knobs, initialKnobs);
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
    issueToken: (username: string): TokenPair => {
      const user = findDemoUser(username);
      if (user === undefined) throw new Error(`issueToken: '${username}' is not a demo user`);
      return tokens.issue(user.username);
    },
  };
}
