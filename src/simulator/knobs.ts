import { envError, parseEnvBoolean, parseEnvFraction, parseEnvInteger, readEnv } from './env.js';

/** A status the simulator can be told to answer with instead of doing its work. */
export type ForcedStatus = 520 | 429 | 202;

/**
 * What `throttleRps` limits: `global`, one budget for every request; `user`, one budget per authenticated user
 * (requests without a valid bearer token share one budget per client IP address).
 */
export type ThrottleScope = 'user' | 'global';

/**
 * Fault-injection switches. The simulator reads them on every request, so tests may change fields of
 * `Simulator.knobs` directly and the change applies to the next request.
 *
 * Order of effects on a request: `down` (connection destroyed, nothing counted) → request counted and recorded →
 * (all but `POST /api/v3/token`) `throttleRps`: a request over the rate is answered 429 at once, without
 * `latencyMs`, `resetConnection` or any later effect → `latencyMs` → `resetConnection` → (all but
 * `POST /api/v3/token`) `forceStatus`, then `failureRate` → routing, authentication, the endpoint. Forced statuses
 * therefore apply before authentication, like a throttled or broken server; forced 202 spares
 * `GET /api/v3/asyncActions/{id}`, which VSPC never queues. `slowBodyMs` applies to every body written, 429s
 * included.
 */
export interface SimulatorKnobs {
  /** Delay before answering every request, token included. */
  latencyMs: number;
  /** Answer every request except `POST /api/v3/token` with this status (`null`: off). */
  forceStatus: ForcedStatus | null;
  /** `retryAfter` (seconds) in the body of a forced 429. */
  retryAfterS: number;
  /**
   * 0..1: share of requests (except the token request) answered 520. Draws come from a PRNG seeded once per
   * simulator, so a run of requests fails the same way every time; 1 fails all, 0 none.
   */
  failureRate: number;
  /** Reset (TCP RST) the connection after the request is read, without a response. */
  resetConnection: boolean;
  /** When > 0: write each body in about 4 chunks with this delay between chunks. */
  slowBodyMs: number;
  /** Destroy every new connection, and every request on a kept-alive one, without reading it. */
  down: boolean;
  /**
   * Send the copy-job enums `retentionPolicyType` and `rpoOptionsUnit` in lower case (`simple`, `gfs`, `minutes`),
   * as the original request's example response shows them. A robustness knob only: no official VSPC OpenAPI
   * document from 3.5.1 to 3.6.1 has these lower-case values (every one spells them `Simple`, `GFS`, `Minutes`),
   * so it tests that a client tolerates them, not how any VSPC version answers.
   */
  legacyEnumCasing: boolean;
  /**
   * Requests allowed per fixed one-second window (by the simulator's clock) and `throttleScope` budget; further
   * requests in that window are answered 429 with `retryAfter` = whole seconds until it ends (at least 1).
   * `POST /api/v3/token` is neither throttled nor counted. 0: off.
   */
  throttleRps: number;
  /** Whose requests share a `throttleRps` budget. */
  throttleScope: ThrottleScope;
}

/** Knobs of a simulator nobody configured: a healthy, fast VSPC 3.6. */
export const DEFAULT_KNOBS: Readonly<SimulatorKnobs> = Object.freeze({
  latencyMs: 0,
  forceStatus: null,
  retryAfterS: 5,
  failureRate: 0,
  resetConnection: false,
  slowBodyMs: 0,
  down: false,
  legacyEnumCasing: false,
  throttleRps: 0,
  throttleScope: 'user',
});

const FORCED_STATUSES: ReadonlySet<string> = new Set(['520', '429', '202']);
const NO_FORCED_STATUS_TEXTS: ReadonlySet<string> = new Set(['none', 'null', 'off']);
/** Longest delay a knob may ask for: one hour. */
const MAX_DELAY_MS = 3_600_000;
/** Longest `retryAfter` a knob may ask for: one day. */
const MAX_RETRY_AFTER_S = 86_400;
/** Highest request rate a knob may set. */
const MAX_THROTTLE_RPS = 100_000;
const THROTTLE_SCOPES: readonly ThrottleScope[] = ['user', 'global'];

function parseForceStatus(name: string, raw: string): ForcedStatus | null {
  if (NO_FORCED_STATUS_TEXTS.has(raw.toLowerCase())) return null;
  if (!FORCED_STATUSES.has(raw)) throw envError(name, raw, '520, 429, 202 or none');
  return Number(raw) as ForcedStatus;
}

function parseThrottleScope(name: string, raw: string): ThrottleScope {
  const scope = THROTTLE_SCOPES.find((candidate) => candidate === raw.toLowerCase());
  if (scope === undefined) throw envError(name, raw, THROTTLE_SCOPES.join(' or '));
  return scope;
}

/**
 * Knobs set by `SIMULATOR_*` environment variables; unset or empty variables are left out.
 * Throws an `Error` naming the variable, its value and what is allowed when a value is invalid.
 */
export function knobsFromEnv(env: NodeJS.ProcessEnv): Partial<SimulatorKnobs> {
  const knobs: Partial<SimulatorKnobs> = {};
  const read = (name: string, apply: (raw: string) => void): void => {
    const raw = readEnv(env, name);
    if (raw !== undefined) apply(raw);
  };
  read('SIMULATOR_LATENCY_MS', (raw) => {
    knobs.latencyMs = parseEnvInteger('SIMULATOR_LATENCY_MS', raw, 0, MAX_DELAY_MS);
  });
  read('SIMULATOR_FORCE_STATUS', (raw) => {
    knobs.forceStatus = parseForceStatus('SIMULATOR_FORCE_STATUS', raw);
  });
  read('SIMULATOR_RETRY_AFTER_S', (raw) => {
    knobs.retryAfterS = parseEnvInteger('SIMULATOR_RETRY_AFTER_S', raw, 0, MAX_RETRY_AFTER_S);
  });
  read('SIMULATOR_FAILURE_RATE', (raw) => {
    knobs.failureRate = parseEnvFraction('SIMULATOR_FAILURE_RATE', raw);
  });
  read('SIMULATOR_RESET_CONNECTION', (raw) => {
    knobs.resetConnection = parseEnvBoolean('SIMULATOR_RESET_CONNECTION', raw);
  });
  read('SIMULATOR_SLOW_BODY_MS', (raw) => {
    knobs.slowBodyMs = parseEnvInteger('SIMULATOR_SLOW_BODY_MS', raw, 0, MAX_DELAY_MS);
  });
  read('SIMULATOR_DOWN', (raw) => {
    knobs.down = parseEnvBoolean('SIMULATOR_DOWN', raw);
  });
  read('SIMULATOR_LEGACY_ENUM_CASING', (raw) => {
    knobs.legacyEnumCasing = parseEnvBoolean('SIMULATOR_LEGACY_ENUM_CASING', raw);
  });
  read('SIMULATOR_THROTTLE_RPS', (raw) => {
    knobs.throttleRps = parseEnvInteger('SIMULATOR_THROTTLE_RPS', raw, 0, MAX_THROTTLE_RPS);
  });
  read('SIMULATOR_THROTTLE_SCOPE', (raw) => {
    knobs.throttleScope = parseThrottleScope('SIMULATOR_THROTTLE_SCOPE', raw);
  });
  return knobs;
}

/**
 * The status a request must be answered with instead of its real answer, or `null`. `draw` is called only when
 * `failureRate` > 0 and no status is forced, so the failure sequence depends only on the requests it affects.
 * `mayQueue` is false for requests VSPC never answers with 202 (reading an async action).
 */
export function decideForcedStatus(
  knobs: SimulatorKnobs,
  draw: () => number,
  mayQueue: boolean,
): ForcedStatus | null {
  if (knobs.forceStatus !== null && (knobs.forceStatus !== 202 || mayQueue)) return knobs.forceStatus;
  if (knobs.failureRate > 0 && draw() < knobs.failureRate) return 520;
  return null;
}
