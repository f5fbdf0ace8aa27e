import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrustProxy } from './http/rate-limit.js';
import { knobsFromEnv, type SimulatorKnobs } from './simulator/knobs.js';

/** Log levels pino understands, lowest last. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** Express's `trust proxy` setting: off, on, a hop count, or addresses/subnets/names of trusted proxies. */
export type TrustProxy = boolean | number | string[];

/** The validated, frozen settings of one vspc-proxy process. */
export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly host: string;
  /** Origin of the VSPC server (`https://vspc.example.com:1280`), or `null` to serve the embedded simulator. */
  readonly vspcUrl: string | null;
  /** Path of the PEM bundle to trust for VSPC's certificate, or `null`. */
  readonly vspcCaFile: string | null;
  /** Contents of {@link vspcCaFile}, read once at start. */
  readonly vspcCa: string | null;
  readonly vspcTlsInsecure: boolean;
  readonly upstreamTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly upstreamMaxBodyBytes: number;
  readonly upstreamMaxSockets: number;
  /** Calls to VSPC in flight at once, over all tokens; the rest queue. */
  readonly upstreamMaxConcurrency: number;
  /** Calls to VSPC in flight at once for one token. */
  readonly upstreamMaxConcurrencyPerToken: number;
  /** Calls that may wait for a slot; more are refused (503). */
  readonly upstreamQueueMax: number;
  /** Extra attempts of a GET/HEAD after a reset, a refused connection or a 502/503/504/520. */
  readonly upstreamRetries: number;
  /** First retry backoff ceiling; it doubles per attempt (full jitter). */
  readonly upstreamRetryBaseMs: number;
  /** Hold after a VSPC 429 that says neither `retryAfter` nor `Retry-After`. */
  readonly upstreamThrottleDefaultS: number;
  /**
   * What the run of failed VSPC calls must add up to for the circuit breaker to open (transport
   * failures, plus the distinct callers or paths of 5xx answers); 0 turns it off.
   */
  readonly breakerFailures: number;
  /** How long the breaker stays open before one probe call decides. */
  readonly breakerCooldownMs: number;
  /** Failed calls older than this no longer count towards opening the breaker. */
  readonly breakerWindowMs: number;
  readonly requestMaxBodyBytes: number;
  /** Bytes of request bodies all connections together may hold at once (declared or received); past it, 503. */
  readonly requestBodiesMaxBytes: number;
  /** Deadline to receive a whole request body once it is being read; past it, 408 and the connection closes. */
  readonly requestBodyTimeoutMs: number;
  /** Deadline to receive a request's head (Node's `headersTimeout`); past it, 408 and the connection closes. */
  readonly requestHeadersTimeoutMs: number;
  /** Bytes of ended answers not yet flushed to slow clients, all connections together; past it the oldest are dropped. */
  readonly clientWriteBufferMaxBytes: number;
  /** Deadline to flush an ended answer to its client; past it the connection is dropped. */
  readonly clientWriteTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Origins allowed to call the proxy from a browser; empty: no CORS headers at all. */
  readonly corsOrigins: readonly string[];
  /** Requests per second one caller may sustain; 0 turns the client rate limit off. */
  readonly rateLimitRps: number;
  /** Requests one caller may make at once after being idle (the bucket size). */
  readonly rateLimitBurst: number;
  /** Express's `trust proxy` setting: which proxies' `X-Forwarded-For` names the client. */
  readonly trustProxy: TrustProxy;
  /** Tokens VSPC has not accepted that one client address may try at once; 0 turns the budget off. */
  readonly authFailuresBurst: number;
  /** How many more such tokens it may try per minute once that is spent. */
  readonly authFailuresPerMin: number;
  /** Failed sign-ins one address, or one user name, may make at once; 0 turns the limit off. */
  readonly loginAttemptsBurst: number;
  /** How many more per minute once that is spent. */
  readonly loginAttemptsPerMin: number;
  /** Bearer token for `GET /metrics`; `null`: the metrics are open. */
  readonly metricsToken: string | null;
  /** Byte bound of the response cache (bodies, headers, keys, overhead). */
  readonly cacheMaxBytes: number;
  /** Larger answers pass through uncached. */
  readonly cacheMaxEntryBytes: number;
  readonly cacheTtlMs: number;
  /** How long after expiry an entry may still be served stale. */
  readonly cacheStaleMs: number;
  /** Secret for the token HMAC in cache keys; `null`: a random one per process. */
  readonly cacheKeySecret: string | null;
  /** Bearer token for `/admin/*`; `null`: the admin routes do not exist (404). */
  readonly adminToken: string | null;
  /** `/jobs/copy` asks VSPC for aligned windows of this many jobs and slices client pages from them. */
  readonly jobsWindow: number;
  /** `/jobs/copy?all=true` refuses (413) callers with more jobs than this. */
  readonly jobsAllMaxItems: number;
  /** Overall deadline of one `/jobs/copy?all=true` answer. */
  readonly jobsAllDeadlineMs: number;
  readonly readyTimeoutMs: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may take; never shorter than {@link upstreamTimeoutMs}. */
  readonly shutdownTimeoutMs: number;
  /** Settings of the VSPC simulator (`npm run simulator`, or embedded when `VSPC_URL` is unset). */
  readonly simulator: SimulatorSettings;
}

/** A setting that cannot be used; its message is the one line printed at start-up. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: string,
  ) {
    super(`Invalid configuration: ${variable}=${JSON.stringify(value)} is not allowed; expected ${allowed}.`);
  }
}

type Raw = Readonly<Record<string, string>>;

const DEFAULTS_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../config/default.json');

/** Reads `config/default.json` as the string values an environment would give. */
export function readDefaults(path: string = DEFAULTS_PATH): Raw {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path} must hold one JSON object of settings`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}

function integer(raw: Raw, name: string, min: number, max: number): number {
  const value = setting(raw, name);
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, value, `an integer from ${min} to ${max}`);
  }
  return parsed;
}

function boolean(raw: Raw, name: string): boolean {
  const value = setting(raw, name).toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === '') return false;
  throw new ConfigError(name, setting(raw, name), 'true or false');
}

function oneOf<T extends string>(raw: Raw, name: string, allowed: readonly T[]): T {
  const value = setting(raw, name);
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new ConfigError(name, value, `one of ${allowed.join(', ')}`);
  return found;
}

function setting(raw: Raw, name: string): string {
  const value = raw[name];
  if (value === undefined)
    throw new ConfigError(name, '', 'a value (config/default.json has no default for it)');
  return value.trim();
}

const VSPC_URL_ALLOWED = 'an http(s) origin such as https://vspc.example.com:1280 (the proxy adds /api/v3)';

/** Validates `VSPC_URL` and returns its origin, or `null` when unset. */
function vspcOrigin(raw: Raw): string | null {
  const value = setting(raw, 'VSPC_URL');
  if (value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('VSPC_URL', value, VSPC_URL_ALLOWED);
  }
  const hasOnlyOrigin = (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '';
  if (!['http:', 'https:'].includes(url.protocol) || !hasOnlyOrigin || url.username || url.password) {
    throw new ConfigError('VSPC_URL', value, VSPC_URL_ALLOWED);
  }
  return url.origin;
}

function caBundle(raw: Raw): { file: string | null; pem: string | null } {
  const file = setting(raw, 'VSPC_CA_FILE');
  if (file === '') return { file: null, pem: null };
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError('VSPC_CA_FILE', file, 'the path of a readable PEM file');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('VSPC_CA_FILE', file, 'a PEM file holding at least one certificate');
  }
  return { file, pem };
}

function origins(raw: Raw): string[] {
  const value = setting(raw, 'CORS_ORIGINS');
  if (value === '') return [];
  return value.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (parsed === null || parsed.origin !== origin) {
      throw new ConfigError(
        'CORS_ORIGINS',
        value,
        'a comma-separated list of origins such as https://app.example.com',
      );
    }
    return origin;
  });
}

/** The settings of the VSPC simulator. */
export interface SimulatorSettings {
  readonly host: string;
  readonly port: number;
  readonly tokenTtlS: number;
  readonly knobs: Readonly<Partial<SimulatorKnobs>>;
}

const MAX_TOKEN_TTL_S = 366 * 24 * 3600;

function simulatorSettings(raw: Raw): SimulatorSettings {
  let knobs: Partial<SimulatorKnobs>;
  try {
    knobs = knobsFromEnv(raw);
  } catch (error) {
    // The simulator's own parser names the variable, the value and what is allowed.
    const message = error instanceof Error ? error.message : String(error);
    const variable = /^(\w+)=/.exec(message)?.[1] ?? 'SIMULATOR_*';
    throw new ConfigError(
      variable,
      setting(raw, variable),
      message.replace(/^.*expected /, '').replace(/\.$/, ''),
    );
  }
  return Object.freeze({
    host: hostName(raw, 'SIMULATOR_HOST'),
    port: integer(raw, 'SIMULATOR_PORT', 0, MAX_PORT),
    tokenTtlS: integer(raw, 'SIMULATOR_TOKEN_TTL_S', 1, MAX_TOKEN_TTL_S),
    knobs: Object.freeze(knobs),
  });
}

/** Reads only the simulator's settings (for `npm run simulator`), from the defaults and `env`. */
export function loadSimulatorSettings(
  env: NodeJS.ProcessEnv = process.env,
  defaults: Raw = readDefaults(),
): SimulatorSettings {
  return simulatorSettings(merged(env, defaults));
}

/** An address to listen on: an IP address or a host name. */
function hostName(raw: Raw, name: string): string {
  const value = setting(raw, name);
  if (isIP(value) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(value)) {
    throw new ConfigError(name, value, 'an IP address or a host name, such as 0.0.0.0 or 127.0.0.1');
  }
  return value;
}

/** The defaults overridden by the variables of `env` that name a known setting. */
function merged(env: NodeJS.ProcessEnv, defaults: Raw): Raw {
  const raw: Record<string, string> = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    if (value !== undefined) raw[key] = value;
  }
  return raw;
}

/** A secret value: empty means unset; otherwise it must be long enough to resist guessing. */
function secret(raw: Raw, name: string, minLength: number): string | null {
  const value = setting(raw, name);
  // Set to blanks is a mistake, not "unset": it would leave /metrics or /admin open without a word.
  if (value === '' && (raw[name] ?? '') !== '')
    throw new ConfigError(
      name,
      `<${raw[name]?.length ?? 0} blank characters>`,
      `a secret of at least ${minLength} characters, or nothing`,
    );
  if (value === '') return null;
  // The value is a secret: the error names its length, never the value.
  if (value.length < minLength)
    throw new ConfigError(name, `<${value.length} characters>`, `at least ${minLength} characters`);
  return value;
}

const MAX_PORT = 65535;
/** VSPC's largest page. */
const VSPC_MAX_LIMIT = 500;
const MAX_JOBS_ALL_ITEMS = 1_000_000;
const MIN_SECRET_LENGTH = 16;
const MAX_CACHE_BYTES = 64 * 1024 * 1024 * 1024;
const MAX_CACHE_TIME_MS = 24 * 3600 * 1000;
const MAX_TIMEOUT_MS = 600_000;
const MAX_BODY_BYTES = 1024 * 1024 * 1024;
const MAX_CONCURRENCY = 10_000;
const MAX_QUEUE = 1_000_000;
const MAX_RETRIES = 10;
/** Longest throttle hold: one hour (the shield caps VSPC's own waits there too). */
const MAX_HOLD_S = 3600;
const MAX_BREAKER_FAILURES = 1000;
const MAX_RATE = 10_000_000;

/** `TRUST_PROXY`, parsed as Express's `trust proxy` setting accepts it. */
function trustProxy(raw: Raw): TrustProxy {
  const value = setting(raw, 'TRUST_PROXY');
  try {
    return parseTrustProxy(value);
  } catch {
    throw new ConfigError(
      'TRUST_PROXY',
      value,
      'true, false, a hop count, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal',
    );
  }
}

/**
 * Builds the frozen configuration from `config/default.json` overridden by the environment.
 * Throws {@link ConfigError} for the first bad value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: Raw = readDefaults()): Config {
  const raw = merged(env, defaults);
  const nodeEnv = oneOf(raw, 'NODE_ENV', NODE_ENVS);
  const vspcUrl = vspcOrigin(raw);
  if (vspcUrl === null && nodeEnv === 'production') {
    throw new ConfigError(
      'VSPC_URL',
      '',
      'the VSPC origin when NODE_ENV=production (the demo simulator is not served in production)',
    );
  }
  const ca = caBundle(raw);
  const timeoutMs = integer(raw, 'UPSTREAM_TIMEOUT_MS', 1, MAX_TIMEOUT_MS);
  const cacheMaxBytes = integer(raw, 'CACHE_MAX_BYTES', 1, MAX_CACHE_BYTES);
  const cacheMaxEntryBytes = integer(raw, 'CACHE_MAX_ENTRY_BYTES', 1, MAX_CACHE_BYTES);
  if (cacheMaxEntryBytes > cacheMaxBytes) {
    throw new ConfigError(
      'CACHE_MAX_ENTRY_BYTES',
      String(cacheMaxEntryBytes),
      `at most CACHE_MAX_BYTES (${cacheMaxBytes})`,
    );
  }
  const maxConcurrency = integer(raw, 'UPSTREAM_MAX_CONCURRENCY', 1, MAX_CONCURRENCY);
  const requestMaxBodyBytes = integer(raw, 'REQUEST_MAX_BODY_BYTES', 1, MAX_BODY_BYTES);
  const requestBodiesMaxBytes = integer(raw, 'REQUEST_BODIES_MAX_BYTES', 1, MAX_CACHE_BYTES);
  // A budget smaller than one body would refuse every body of the largest allowed size.
  if (requestBodiesMaxBytes < requestMaxBodyBytes) {
    throw new ConfigError(
      'REQUEST_BODIES_MAX_BYTES',
      String(requestBodiesMaxBytes),
      `at least REQUEST_MAX_BODY_BYTES (${requestMaxBodyBytes})`,
    );
  }
  const shutdownTimeoutMs = integer(raw, 'SHUTDOWN_TIMEOUT_MS', 0, MAX_TIMEOUT_MS);
  // The longest VSPC call must be able to finish inside the shutdown grace.
  if (shutdownTimeoutMs < timeoutMs) {
    throw new ConfigError(
      'SHUTDOWN_TIMEOUT_MS',
      String(shutdownTimeoutMs),
      `at least UPSTREAM_TIMEOUT_MS (${timeoutMs}), so the longest VSPC call can finish while shutting down`,
    );
  }
  return Object.freeze({
    nodeEnv,
    port: integer(raw, 'PORT', 0, MAX_PORT),
    host: hostName(raw, 'HOST'),
    vspcUrl,
    vspcCaFile: ca.file,
    vspcCa: ca.pem,
    vspcTlsInsecure: boolean(raw, 'VSPC_TLS_INSECURE'),
    upstreamTimeoutMs: timeoutMs,
    upstreamConnectTimeoutMs: Math.min(
      integer(raw, 'UPSTREAM_CONNECT_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
      timeoutMs,
    ),
    upstreamMaxBodyBytes: integer(raw, 'UPSTREAM_MAX_BODY_BYTES', 1, MAX_BODY_BYTES),
    upstreamMaxSockets: integer(raw, 'UPSTREAM_MAX_SOCKETS', 1, 10_000),
    upstreamMaxConcurrency: maxConcurrency,
    upstreamMaxConcurrencyPerToken: Math.min(
      integer(raw, 'UPSTREAM_MAX_CONCURRENCY_PER_TOKEN', 1, MAX_CONCURRENCY),
      maxConcurrency,
    ),
    upstreamQueueMax: integer(raw, 'UPSTREAM_QUEUE_MAX', 0, MAX_QUEUE),
    upstreamRetries: integer(raw, 'UPSTREAM_RETRIES', 0, MAX_RETRIES),
    upstreamRetryBaseMs: integer(raw, 'UPSTREAM_RETRY_BASE_MS', 1, MAX_TIMEOUT_MS),
    upstreamThrottleDefaultS: integer(raw, 'UPSTREAM_THROTTLE_DEFAULT_S', 1, MAX_HOLD_S),
    breakerFailures: integer(raw, 'BREAKER_FAILURES', 0, MAX_BREAKER_FAILURES),
    breakerCooldownMs: integer(raw, 'BREAKER_COOLDOWN_MS', 1, MAX_CACHE_TIME_MS),
    breakerWindowMs: integer(raw, 'BREAKER_WINDOW_MS', 1, MAX_CACHE_TIME_MS),
    requestMaxBodyBytes,
    requestBodiesMaxBytes,
    requestBodyTimeoutMs: integer(raw, 'REQUEST_BODY_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
    requestHeadersTimeoutMs: integer(raw, 'REQUEST_HEADERS_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
    clientWriteBufferMaxBytes: integer(raw, 'CLIENT_WRITE_BUFFER_MAX_BYTES', 1, MAX_CACHE_BYTES),
    clientWriteTimeoutMs: integer(raw, 'CLIENT_WRITE_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
    logLevel: oneOf(raw, 'LOG_LEVEL', LOG_LEVELS),
    corsOrigins: Object.freeze(origins(raw)),
    rateLimitRps: integer(raw, 'RATE_LIMIT_RPS', 0, MAX_RATE),
    rateLimitBurst: integer(raw, 'RATE_LIMIT_BURST', 1, MAX_RATE),
    trustProxy: trustProxy(raw),
    authFailuresBurst: integer(raw, 'AUTH_FAILURES_BURST', 0, MAX_RATE),
    authFailuresPerMin: integer(raw, 'AUTH_FAILURES_PER_MIN', 1, MAX_RATE),
    loginAttemptsBurst: integer(raw, 'LOGIN_ATTEMPTS_BURST', 0, MAX_RATE),
    loginAttemptsPerMin: integer(raw, 'LOGIN_ATTEMPTS_PER_MIN', 1, MAX_RATE),
    metricsToken: secret(raw, 'METRICS_TOKEN', MIN_SECRET_LENGTH),
    cacheMaxBytes,
    cacheMaxEntryBytes,
    cacheTtlMs: integer(raw, 'CACHE_TTL_MS', 0, MAX_CACHE_TIME_MS),
    cacheStaleMs: integer(raw, 'CACHE_STALE_MS', 0, MAX_CACHE_TIME_MS),
    cacheKeySecret: secret(raw, 'CACHE_KEY_SECRET', MIN_SECRET_LENGTH),
    adminToken: secret(raw, 'ADMIN_TOKEN', MIN_SECRET_LENGTH),
    jobsWindow: integer(raw, 'JOBS_WINDOW', 1, VSPC_MAX_LIMIT),
    jobsAllMaxItems: integer(raw, 'JOBS_ALL_MAX_ITEMS', 1, MAX_JOBS_ALL_ITEMS),
    jobsAllDeadlineMs: integer(raw, 'JOBS_ALL_DEADLINE_MS', 1, MAX_TIMEOUT_MS),
    readyTimeoutMs: integer(raw, 'READY_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
    shutdownTimeoutMs,
    simulator: simulatorSettings(raw),
  });
}
