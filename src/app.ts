import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { bearerToken, createTokenHasher, type TokenHasher } from './callers/bearer.js';
import { ResponseCache } from './cache/store.js';
import type { Config } from './config.js';
import { createAccessLog, logFieldsOf } from './http/access-log.js';
import { addressLimitKey } from './http/client-address.js';
import { createLoginAttempts, type LoginAttempts } from './http/login-attempts.js';
import { createUnverifiedTokenBudget, type UnverifiedTokenBudget } from './http/unverified-tokens.js';
import { createBodyBudget, type BodyBudget } from './http/body-budget.js';
import { createBodyReader } from './http/request-body.js';
import { createWriteBacklog, type WriteBacklog } from './http/write-backlog.js';
import { createAdminCachePurge, createAdminCacheStats, createAdminGuard } from './http/admin.js';
import { TOKEN_PATH, instanceOf, refusedPath, requestIdOf } from './http/api-request.js';
import { createCachedGetHandler } from './http/cached-get.js';
import { createCors } from './http/cors.js';
import { createDocsRouter } from './http/docs.js';
import { createReadyz, healthz } from './http/health.js';
import { sendProblem } from './http/problems.js';
import { apiGate, createProxyHandler } from './http/proxy.js';
import { createJobsRouter } from './jobs/routes.js';
import { createBaseHeaders } from './http/security-headers.js';
import { API_PREFIX, normaliseTarget, splitTarget } from './http/target.js';
import {
  callerKey,
  clientAddress,
  compileTrustProxy,
  createRateLimiter,
  rateLimitField,
  setRateLimitHeaders,
  type RateLimiter,
} from './http/rate-limit.js';
import { createMetrics, createMetricsHandler, type Metrics } from './metrics.js';
import type { VspcClient } from './upstream/client.js';
import { createShield, type BreakerState, type ShieldedClient } from './upstream/shield.js';
import { createTransport, transportOptionsFrom } from './upstream/transport.js';

/** Everything the app needs, built by `main.ts` (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Every call to VSPC goes through the shield: budget, throttle holds, breaker, retries. */
  upstream: ShieldedClient;
  cache: ResponseCache;
  metrics: Metrics;
  /** Per-caller token buckets; `null` when `RATE_LIMIT_RPS=0`. */
  rateLimiter: RateLimiter | null;
  /** Per-address budget of tokens VSPC has not accepted; `null` when `AUTH_FAILURES_BURST=0`. */
  unverifiedTokens: UnverifiedTokenBudget | null;
  /** Failed sign-ins per address and per user name; `null` when `LOGIN_ATTEMPTS_BURST=0`. */
  loginAttempts: LoginAttempts | null;
  /** Token HMAC for cache keys; built from `CACHE_KEY_SECRET` by default. */
  hashToken: TokenHasher;
  /** The bytes all request bodies may hold together (`REQUEST_BODIES_MAX_BYTES`). */
  requestBodies: BodyBudget;
  /** Answers not yet flushed to slow clients, bounded (`CLIENT_WRITE_*`); the server watches every answer. */
  writeBacklog: WriteBacklog;
  /** Clock in ms; tests inject one. */
  now?: () => number;
  /** True once the process is shutting down: answers then close their connection, `/readyz` is 503. */
  isStopping?: () => boolean;
}

const API_PATH_START = `${API_PREFIX}/`;

/**
 * Builds the vspc-proxy request handler. It never listens: `main.ts` or a test does.
 * Every request gets the access log, a request id, the security headers and CORS; `GET`/`HEAD`
 * under `/api/v3/` then go to the cache handler directly (no Express on the hit path), the rest to Express.
 */
export function createApp(deps: AppDeps): RequestListener {
  const { config, logger, upstream, cache, metrics, rateLimiter, unverifiedTokens } = deps;
  const now = deps.now ?? Date.now;
  const accessLog = createAccessLog(logger, metrics);
  const base = createBaseHeaders();
  const cors = createCors(config.corsOrigins);
  const cachedGet = createCachedGetHandler({ base, cache, upstream, hashToken: deps.hashToken, logger, now });
  const routes = createRoutes(deps);
  const trust = compileTrustProxy(config.trustProxy);

  const isStopping = deps.isStopping ?? (() => false);
  return (req: IncomingMessage, res: ServerResponse) => {
    const requestId = accessLog(req, res);
    if (isStopping()) res.setHeader('Connection', 'close');
    const method = req.method;
    const url = req.url ?? '/';
    const isApi = url.startsWith(API_PATH_START);
    let tokenHash: string | null = null;
    let rateHeaders: string[] | null = null;
    const guarded = isApi || isRateLimitedRoute(url);
    // The token endpoint reads no bearer token: its callers are counted by address.
    const bearer = guarded && !isTokenEndpoint(url) ? bearerToken(req.headers.authorization) : null;
    if (bearer !== null && (rateLimiter !== null || unverifiedTokens !== null))
      tokenHash = deps.hashToken(bearer);
    const address = guarded ? clientAddress(req, trust) : '';
    if (tokenHash !== null && unverifiedTokens !== null) {
      const hash = tokenHash;
      const trial = unverifiedTokens.begin(addressLimitKey(address), hash);
      if (trial !== null && !trial.allowed) {
        metrics.rateLimited();
        base.apply(res, requestId);
        cors(req, res);
        return sendProblem(
          res,
          'auth-rate-limited',
          `VSPC refused more than AUTH_FAILURES_BURST (${unverifiedTokens.burst}) tokens from this address, ` +
            `or more than AUTH_FAILURES_PER_MIN (${unverifiedTokens.perMinute}) a minute since; tokens VSPC ` +
            `accepted still work. Retry after ${trial.retryAfterS} s.`,
          { instance: instanceOf(req), requestId, headers: { 'Retry-After': String(trial.retryAfterS) } },
        );
      }
      res.once('close', () => {
        const status = upstreamStatusOf(res);
        if (trial !== null) trial.settle(status);
        else if (status === UNAUTHORIZED) unverifiedTokens.forget(hash);
      });
    }
    if (rateLimiter !== null && guarded) {
      const decision = rateLimiter.take(callerKey(tokenHash, address));
      rateHeaders = ['RateLimit-Policy', rateLimiter.policyField, 'RateLimit', rateLimitField(decision)];
      if (!decision.allowed) {
        metrics.rateLimited();
        base.apply(res, requestId);
        cors(req, res);
        setRateLimitHeaders(res, rateLimiter, decision);
        return sendProblem(
          res,
          'rate-limited',
          `This caller sent more than RATE_LIMIT_BURST (${rateLimiter.burst}) requests at once or more than ` +
            `RATE_LIMIT_RPS (${rateLimiter.rps}) per second; retry after ${decision.retryAfterS} s.`,
          { instance: instanceOf(req), requestId },
        );
      }
    }
    if ((method === 'GET' || method === 'HEAD') && isApi) {
      cors(req, res);
      return cachedGet(req, res, requestId, { tokenHash, headers: rateHeaders });
    }
    base.apply(res, requestId);
    if (rateHeaders !== null)
      for (let index = 0; index < rateHeaders.length; index += 2)
        res.setHeader(rateHeaders[index] as string, rateHeaders[index + 1] as string);
    if (cors(req, res)) return;
    routes(req, res);
  };
}

/** Routes outside `/api/v3/` that count against a caller's rate limit: the jobs endpoint. */
function isRateLimitedRoute(url: string): boolean {
  // Express matches routes whatever their case: so must this check.
  const path = url.slice(0, JOBS_PATH.length + 1).toLowerCase();
  return path === JOBS_PATH || path === `${JOBS_PATH}/` || path === `${JOBS_PATH}?`;
}

const JOBS_PATH = '/jobs/copy';
const UNAUTHORIZED = 401;

/** True for the token endpoint, whose callers send credentials in the body, not a bearer token. */
function isTokenEndpoint(url: string): boolean {
  return splitTarget(url).path.toLowerCase() === TOKEN_PATH.toLowerCase();
}

/** What VSPC answered the request, when it was asked and answered. */
function upstreamStatusOf(res: ServerResponse): number | undefined {
  const status = logFieldsOf(res).upstreamStatus;
  return typeof status === 'number' ? status : undefined;
}

/** The `breaker_state` gauge's encoding. */
const BREAKER_GAUGE: Readonly<Record<BreakerState, 0 | 1 | 2>> = { closed: 0, open: 1, 'half-open': 2 };

/** Bytes of the random token-HMAC secret used when `CACHE_KEY_SECRET` is unset. */
const RANDOM_SECRET_BYTES = 32;

/**
 * Builds the app's collaborators from a configuration: the upstream client for `origin`, the response
 * cache over it, and the token hasher (`CACHE_KEY_SECRET`, or a random secret for this process).
 */
export function createAppDeps(
  config: Config,
  options: {
    origin: string;
    logger: Logger;
    now?: () => number;
    userAgent?: string;
    isStopping?: () => boolean;
    /** Built here (without Node's process metrics) when not given; `main.ts` passes one with them. */
    metrics?: Metrics;
    /** 0 ≤ x < 1, for retry jitter; tests inject one. */
    random?: () => number;
    /** The client the shield sends calls with; an HTTP client for `origin` when not given (tests inject one). */
    transport?: VspcClient;
  },
): AppDeps {
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: false });
  const transport =
    options.transport ?? createTransport(transportOptionsFrom(config, options.origin, options.userAgent));
  const upstream = createShield(transport, {
    maxConcurrency: config.upstreamMaxConcurrency,
    maxConcurrencyPerToken: config.upstreamMaxConcurrencyPerToken,
    queueMax: config.upstreamQueueMax,
    retries: config.upstreamRetries,
    retryBaseMs: config.upstreamRetryBaseMs,
    throttleDefaultS: config.upstreamThrottleDefaultS,
    breakerFailures: config.breakerFailures,
    breakerCooldownMs: config.breakerCooldownMs,
    breakerWindowMs: config.breakerWindowMs,
    defaultTimeoutMs: config.upstreamTimeoutMs,
    logger: options.logger,
    now,
    ...(options.random === undefined ? {} : { random: options.random }),
    observer: {
      attempt: (outcome, seconds) => metrics.upstreamRequest(outcome, seconds),
      throttled: () => metrics.upstreamThrottled(),
      // Refusals while shutting down have no series of their own: the process is going away.
      rejected: (reason) => {
        if (reason !== 'shutting-down') metrics.upstreamRejected(reason);
      },
    },
  });
  const cache = new ResponseCache({
    upstream,
    maxBytes: config.cacheMaxBytes,
    maxEntryBytes: config.cacheMaxEntryBytes,
    ttlMs: config.cacheTtlMs,
    staleMs: config.cacheStaleMs,
    now,
    logger: options.logger,
  });
  metrics.setSources({
    cacheStats: () => cache.stats,
    upstreamInflight: () => upstream.inflight,
    upstreamQueueLength: () => upstream.queueLength,
    breakerState: () => BREAKER_GAUGE[upstream.breakerState],
  });
  const hashToken = createTokenHasher(config.cacheKeySecret ?? randomBytes(RANDOM_SECRET_BYTES));
  const rateLimiter = createRateLimiter({
    rps: config.rateLimitRps,
    burst: config.rateLimitBurst,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const unverifiedTokens = createUnverifiedTokenBudget({
    burst: config.authFailuresBurst,
    perMinute: config.authFailuresPerMin,
    isVouchedFor: (tokenHash) => cache.holdsToken(tokenHash),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const loginAttempts = createLoginAttempts({
    burst: config.loginAttemptsBurst,
    perMinute: config.loginAttemptsPerMin,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const writeBacklog = createWriteBacklog({
    maxBytes: config.clientWriteBufferMaxBytes,
    timeoutMs: config.clientWriteTimeoutMs,
    onDrop: ({ requestId, ...drop }) => {
      metrics.clientWriteDropped(drop.reason);
      options.logger.warn({ reqId: requestId, ...drop }, 'answer dropped: its client reads too slowly');
    },
  });
  return {
    config,
    logger: options.logger,
    upstream,
    cache,
    metrics,
    rateLimiter,
    unverifiedTokens,
    loginAttempts,
    hashToken,
    requestBodies: createBodyBudget(config.requestBodiesMaxBytes),
    writeBacklog,
    now,
    ...(options.isStopping === undefined ? {} : { isStopping: options.isStopping }),
  };
}

/** The Express part: health, admin, writes to VSPC, and problem answers for everything else. */
function createRoutes(deps: AppDeps): express.Express {
  const trust = compileTrustProxy(deps.config.trustProxy);
  const { config, logger, upstream, cache } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);

  // Refuse traversal and absolute-form targets before any routing sees them.
  app.use((req, res, next) => {
    const target = normaliseTarget(req.url);
    if (!target.ok)
      return sendProblem(res, 'bad-path', target.detail, {
        instance: refusedPath(req.url),
        requestId: requestIdOf(req),
      });
    next();
  });

  app.get('/healthz', healthz);
  app.use(createDocsRouter());
  app.get('/readyz', createReadyz(upstream, config.readyTimeoutMs, deps.isStopping));
  app.get(
    '/metrics',
    createMetricsHandler(deps.metrics, {
      token: config.metricsToken,
      onError: (error) =>
        logger.error({ err: { message: (error as Error).message } }, 'metrics could not be collected'),
    }),
  );
  if (config.adminToken !== null) {
    app.use('/admin', createAdminGuard(config.adminToken));
    app.get('/admin/cache', createAdminCacheStats(cache));
    app.delete('/admin/cache', createAdminCachePurge(cache));
  }

  app.use(
    createJobsRouter({
      config,
      cache,
      upstream,
      hashToken: deps.hashToken,
      logger,
      now: deps.now ?? Date.now,
    }),
  );

  app.use(
    API_PREFIX,
    apiGate,
    createBodyReader({
      budget: deps.requestBodies,
      maxBodyBytes: config.requestMaxBodyBytes,
      timeoutMs: config.requestBodyTimeoutMs,
      onRefused: (reason) => deps.metrics.requestBodyRefused(reason),
    }),
    createProxyHandler({
      upstream,
      cache,
      hashToken: deps.hashToken,
      logger,
      loginAttempts: deps.loginAttempts,
      clientAddress: (req) => clientAddress(req, trust),
    }),
  );

  app.use((req, res) => {
    sendProblem(res, 'not-found', `No route for ${req.method} ${instanceOf(req)}.`, {
      instance: instanceOf(req),
      requestId: requestIdOf(req),
    });
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const context = { instance: instanceOf(req), requestId: requestIdOf(req) };
    const status = (error as { status?: unknown }).status;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 413) {
      return sendProblem(
        res,
        'payload-too-large',
        `The request body exceeds ${config.requestMaxBodyBytes} bytes.`,
        context,
      );
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(res, 'bad-request', 'The request could not be read.', context);
    }
    logger.error(
      { reqId: requestIdOf(req), err: { type: (error as Error).name, message: (error as Error).message } },
      'unhandled error',
    );
    sendProblem(res, 'internal', 'An unexpected error occurred.', context);
  };
  app.use(onError);
  return app;
}
