import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { Logger } from 'pino';
import { redactUrl } from '../logger.js';
import { requestIdFrom } from './request-id.js';

type LogLevelName = 'info' | 'warn' | 'error';

/** Level follows the status: 5xx error, 4xx warn, the rest info; pure. */
export function levelForStatus(status: number, failed: boolean): LogLevelName {
  if (failed || status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return 'info';
}

/**
 * Fields a handler adds to the request's access log line (cache outcome, upstream status and time).
 * They live in `res.locals`, which Express keeps when it takes over the response.
 */
export function logFieldsOf(res: ServerResponse): Record<string, unknown> {
  const withLocals = res as ServerResponse & { locals?: Record<string, unknown> };
  withLocals.locals ??= {};
  return withLocals.locals;
}

/** The flat fields of one access log line. Never headers, never a body: no credential can leak. */
function accessFields(
  req: IncomingMessage,
  res: ServerResponse,
  durationMs: number,
): Record<string, unknown> {
  const locals = logFieldsOf(res);
  const rawUrl = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  return {
    method: req.method,
    path: redactUrl(rawUrl),
    status: res.statusCode,
    durationMs,
    bytes: Number(res.getHeader('content-length') ?? 0),
    remoteAddress: req.socket.remoteAddress,
    ...locals,
  };
}

/**
 * The access log: one line per request, with a request id taken from a well-formed
 * `X-Request-Id` or generated, and echoed on the response.
 */
export function createAccessLog(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => levelForStatus(res.statusCode, error !== undefined),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, value: { responseTime: number }) =>
      accessFields(req, res, value.responseTime),
    customErrorObject: (req, res, error, value: { responseTime: number }) => ({
      ...accessFields(req, res, value.responseTime),
      err: { type: error.name, message: error.message },
    }),
  });
}
