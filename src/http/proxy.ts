import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { UpstreamError, problemForFailure } from '../upstream/errors.js';
import type { UpstreamClient, UpstreamResponse } from '../upstream/client.js';
import { hasBearerToken, rewriteLocation, upstreamHeaders } from './forwarding.js';
import { sendProblem } from './problems.js';
import { API_PREFIX, isApiPath, normaliseTarget } from './target.js';

/** The one VSPC call that needs no bearer token: logging in. */
const TOKEN_PATH = `${API_PREFIX}/token`;

export interface ProxyDeps {
  upstream: UpstreamClient;
  logger: Logger;
}

/** What the access log line learns about the upstream call, via `res.locals`. */
export interface UpstreamLogFields {
  upstreamStatus?: number;
  upstreamMs?: number;
  upstreamFailure?: string;
}

/**
 * Forwards a request under `/api/v3/` to VSPC unchanged (method, path, query, body, allowed headers)
 * and sends VSPC's status, content type and body back unchanged.
 */
export function createProxyHandler(deps: ProxyDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const context = { instance: req.path, requestId: String(req.id) };
    const target = normaliseTarget(req.originalUrl);
    if (!target.ok) return sendProblem(res, 'bad-path', target.detail, context);
    if (!isApiPath(target.path)) return sendProblem(res, 'not-found', 'No such VSPC resource.', context);
    const isLogin = req.method === 'POST' && target.path === TOKEN_PATH;
    if (!isLogin && !hasBearerToken(req.headers.authorization)) {
      return sendProblem(
        res,
        'unauthorized',
        'Send Authorization: Bearer <token> (get one from POST /api/v3/token).',
        {
          ...context,
          headers: { 'WWW-Authenticate': 'Bearer' },
        },
      );
    }

    // A client that goes away cancels its VSPC call.
    const abort = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort();
    };
    res.once('close', onClose);
    const fields = res.locals as UpstreamLogFields;
    try {
      const answer = await deps.upstream.request({
        method: req.method,
        target: target.path + target.search,
        headers: upstreamHeaders(req.headers, {
          address: req.socket.remoteAddress,
          protocol: req.protocol === 'https' ? 'https' : 'http',
        }),
        ...(Buffer.isBuffer(req.body) ? { body: req.body } : {}),
        signal: abort.signal,
      });
      fields.upstreamStatus = answer.status;
      fields.upstreamMs = Math.round(answer.durationMs * 1000) / 1000;
      sendUpstreamAnswer(res, answer, deps.upstream.origin);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      fields.upstreamFailure = error.failure;
      if (error.failure === 'aborted' && abort.signal.aborted) return; // nobody is listening
      deps.logger.warn(
        { reqId: req.id, failure: error.failure, code: error.code, err: { message: error.message } },
        'VSPC call failed',
      );
      const problem = problemForFailure(error.failure);
      sendProblem(res, problem.code, problem.detail, context);
    } finally {
      res.off('close', onClose);
    }
  };
}

/** Writes VSPC's answer: its status, the headers that matter, its body. */
export function sendUpstreamAnswer(res: Response, answer: UpstreamResponse, upstreamOrigin: string): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) {
    res.setHeader(name, name === 'location' ? rewriteLocation(value, upstreamOrigin) : value);
  }
  res.setHeader('Content-Length', answer.body.length);
  res.end(answer.body);
}
