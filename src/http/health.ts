import type { RequestHandler } from 'express';
import type { UpstreamClient } from '../upstream/client.js';
import type { BreakerState } from '../upstream/breaker.js';
import { UpstreamError } from '../upstream/errors.js';
import { instanceOf, requestIdOf } from './api-request.js';
import { sendProblem } from './problems.js';
import { API_PREFIX } from './target.js';

/** A cheap VSPC call that needs no token: an answer below 500 (401 included) proves VSPC is serving. */
const PROBE_TARGET = `${API_PREFIX}/infrastructure/backupServers/jobs/backupCopyJobs?limit=1`;
/** A probe result is reused this long, so frequent health checks do not become VSPC load. */
const PROBE_REUSE_MS = 1000;

const TOO_MANY_REQUESTS = 429;
/** What a ready probe's status says: VSPC answers the tokenless probe, as it should. */
const READY_MEANINGS: Readonly<Record<number, string>> = {
  401: 'VSPC is serving: a 401 is its answer to a call without a token.',
  429: 'VSPC is serving but throttling; cached answers are still served.',
};
const BREAKER_OPEN_REASON =
  'The circuit breaker is open: VSPC failed BREAKER_FAILURES times in a row; one probe call after BREAKER_COOLDOWN_MS decides.';

export type Readiness = { ready: true; upstreamStatus: number } | { ready: false; reason: string };

/** `GET /healthz`: the process is alive. Never calls VSPC. */
export const healthz: RequestHandler = (_req, res) => {
  res.setHeader('Cache-Control', 'no-store');
  res.json({ status: 'ok' });
};

/** Builds `GET /readyz`: 200 when VSPC answered within `timeoutMs`, else (or while shutting down) 503 problem+json. */
export function createReadyz(
  upstream: UpstreamClient & {
    readonly breakerState?: BreakerState;
    readonly breakerRetryAfterS?: number;
    readonly breakerProbing?: boolean;
  },
  timeoutMs: number,
  isStopping: () => boolean = () => false,
  now: () => number = Date.now,
): RequestHandler {
  let last: { at: number; result: Promise<Readiness> } | null = null;

  async function probe(): Promise<Readiness> {
    try {
      const answer = await upstream.request({
        method: 'GET',
        target: PROBE_TARGET,
        headers: { accept: 'application/json' },
        timeoutMs,
        readiness: true,
      });
      if (answer.status >= 500) return { ready: false, reason: `VSPC answered ${answer.status}.` };
      return { ready: true, upstreamStatus: answer.status };
    } catch (error) {
      const failure = error instanceof UpstreamError ? error.failure : 'other';
      // Held after a 429: VSPC is up and the cache still serves; this replica is ready.
      if (failure === 'throttled') return { ready: true, upstreamStatus: TOO_MANY_REQUESTS };
      if (failure === 'breaker-open') return { ready: false, reason: BREAKER_OPEN_REASON };
      if (failure === 'queue-full' || failure === 'queue-timeout') {
        return {
          ready: false,
          reason: 'Every VSPC call slot (UPSTREAM_MAX_CONCURRENCY) stayed busy: the probe could not be sent.',
        };
      }
      const reason =
        failure === 'timeout'
          ? `VSPC did not answer within ${timeoutMs} ms.`
          : `VSPC is unreachable (${failure}).`;
      return { ready: false, reason };
    }
  }

  return async (req, res) => {
    if (isStopping()) {
      return sendProblem(res, 'shutting-down', 'vspc-proxy is shutting down.', {
        instance: instanceOf(req),
        requestId: requestIdOf(req),
      });
    }
    // Open and cooling down, or its probe call still out: not ready, without asking VSPC. Once the
    // cool-down is over and no probe runs, the readiness probe below asks VSPC itself (the breaker
    // waits for a real call to decide, so a load balancer that took this replica out lets it back in).
    const breaker = upstream.breakerState;
    if (breaker === 'open' || (breaker === 'half-open' && upstream.breakerProbing === true)) {
      return sendProblem(res, 'not-ready', BREAKER_OPEN_REASON, {
        instance: instanceOf(req),
        requestId: requestIdOf(req),
        headers: { 'Retry-After': String(Math.max(1, upstream.breakerRetryAfterS ?? 1)) },
      });
    }
    if (last === null || now() - last.at >= PROBE_REUSE_MS) last = { at: now(), result: probe() };
    const readiness = await last.result;
    if (!readiness.ready) {
      return sendProblem(res, 'not-ready', readiness.reason, {
        instance: instanceOf(req),
        requestId: requestIdOf(req),
      });
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      status: 'ready',
      vspc: {
        probe: `GET ${PROBE_TARGET} without a token`,
        status: readiness.upstreamStatus,
        meaning: READY_MEANINGS[readiness.upstreamStatus] ?? 'VSPC answered below 500: it is serving.',
      },
    });
  };
}
