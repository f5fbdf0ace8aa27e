import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { createAccessLineWriter, redactUrl, type AccessValue } from '../logger.js';
import type { CacheOutcome, Metrics } from '../metrics.js';
import { requestIdFrom } from './request-id.js';
import { API_PREFIX } from './target.js';

type LogLevelName = 'info' | 'warn' | 'error';

const MS_PER_S = 1000;
/** The route label of everything passed to VSPC: one template, whatever the path. */
const API_ROUTE = `${API_PREFIX}/*`;
/** The route label of requests no route matched (404s): raw paths never become labels. */
const UNMATCHED_ROUTE = 'unmatched';

const JOBS_ROUTE = '/jobs/copy';
const JOB_ROUTE = '/jobs/copy/:id';
/**
 * The paths Express's `/jobs/copy` and `/jobs/copy/:id` match: in any case, with one trailing slash
 * or none (its router is neither case-sensitive nor strict), the id being one path segment.
 */
const JOBS_PATH = /^\/jobs\/copy\/?$/i;
const JOB_PATH = /^\/jobs\/copy\/[^/]+\/?$/i;

/**
 * The route template a request matched, for metrics: `/api/v3/*` for VSPC calls, Express's route
 * (`/jobs/copy/:id`) for the rest, `unmatched` otherwise. Never a raw path or an id.
 * A request for a jobs path that Express did not route by its path alone (the client rate limit
 * refused it, or another method than GET met the jobs router's 405) gets the template its path has,
 * so its 429 or 405 is not counted with the 404s.
 */
export function routeOf(req: IncomingMessage, rawUrl: string): string {
  if (rawUrl.startsWith(`${API_PREFIX}/`) || rawUrl === API_PREFIX) return API_ROUTE;
  const matched = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  const path = matched.route?.path;
  if (typeof path === 'string') return `${matched.baseUrl ?? ''}${path}`;
  const rawPath = rawUrl.split('?', 1)[0] ?? '';
  if (JOBS_PATH.test(rawPath)) return JOBS_ROUTE;
  return JOB_PATH.test(rawPath) ? JOB_ROUTE : UNMATCHED_ROUTE;
}

/** Logged status of a request whose client left before any answer (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;

/** Level follows the status: 5xx error, 4xx warn, the rest info; an aborted response is a warning. Pure. */
export function levelForStatus(status: number, aborted: boolean): LogLevelName {
  if (status >= 500) return 'error';
  if (status >= 400 || aborted) return 'warn';
  return 'info';
}

/**
 * Fields a handler adds to the request's access log line (cache outcome, upstream status and time).
 * They live in `res.locals`, which Express keeps when it takes over the response.
 */
export function logFieldsOf(res: ServerResponse): Record<string, AccessValue> {
  const withLocals = res as ServerResponse & { locals?: Record<string, AccessValue> };
  withLocals.locals ??= {};
  return withLocals.locals;
}

/** Starts one request's access log; returns the request id (the client's when well-formed, else a UUID). */
export type AccessLog = (req: IncomingMessage, res: ServerResponse) => string;

/**
 * The access log: one JSON line per request when its response is done (or abandoned), with
 * `reqId`, `method`, `path` (credential query values redacted), `status`, `durationMs`, `bytes`,
 * `remoteAddress` and what handlers added. The line is built only from those fields, never from
 * headers or bodies, so it needs no redaction pass; this keeps it cheap on the cache-hit path.
 */
export function createAccessLog(logger: Logger, metrics?: Metrics): AccessLog {
  const write = createAccessLineWriter(logger);
  return (req, res) => {
    const started = performance.now();
    const reqId = requestIdFrom(req.headers['x-request-id']);
    (req as IncomingMessage & { id?: string }).id = reqId;
    res.once('close', () => {
      const aborted = !res.writableFinished;
      const rawUrl = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
      const status = aborted && !res.headersSent ? CLIENT_CLOSED_REQUEST : res.statusCode;
      const fields: Record<string, AccessValue> = {
        reqId,
        method: req.method,
        path: redactUrl(rawUrl),
        status,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        bytes: Number(res.getHeader('content-length') ?? 0),
        remoteAddress: req.socket.remoteAddress,
      };
      const handlerFields = logFieldsOf(res);
      Object.assign(fields, handlerFields);
      if (metrics !== undefined) {
        const seconds = (performance.now() - started) / MS_PER_S;
        metrics.httpRequest(routeOf(req, rawUrl), req.method ?? 'GET', status, seconds);
        const outcome = handlerFields.cache;
        if (typeof outcome === 'string')
          metrics.cacheRequest(outcome === 'refresh' ? 'miss' : (outcome as CacheOutcome));
      }
      write(levelForStatus(status, aborted), fields, aborted ? 'request aborted' : 'request completed');
    });
    return reqId;
  };
}
