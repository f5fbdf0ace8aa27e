import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { invalidationPrefix, revokesToken } from '../cache/policy.js';
import type { TokenHasher } from '../callers/bearer.js';
import type { ResponseCache } from '../cache/store.js';
import {
  PASSED_RESPONSE_HEADERS,
  type UpstreamClient,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../upstream/client.js';
import { UpstreamError, problemForFailure, retryHeadersFor } from '../upstream/errors.js';
import { logFieldsOf } from './access-log.js';
import { TOKEN_PATH, instanceOf, readApiRequest, requestIdOf, type ApiRequest } from './api-request.js';
import { addressLimitKey } from './client-address.js';
import { rewriteLocation } from './forwarding.js';
import { loginUsername, type LoginAttempts, type LoginTrial } from './login-attempts.js';
import { sendProblem } from './problems.js';
import { splitTarget } from './target.js';

export interface ProxyDeps {
  upstream: UpstreamClient;
  cache: ResponseCache;
  hashToken: TokenHasher;
  logger: Logger;
  /** Sign-in attempts per address and user name; `null` when `LOGIN_ATTEMPTS_BURST=0`. */
  loginAttempts?: LoginAttempts | null;
  /** The client's address as the rate limits see it (`TRUST_PROXY` applied). */
  clientAddress?: (req: IncomingMessage) => string;
}

/**
 * Sends one request to VSPC on behalf of a client that waits for it alone (no cache): aborts
 * the call if the client goes away, records the upstream status and time for the access log, and
 * drops the token's cached entries when VSPC answers that the token is refused.
 * Resolves with VSPC's answer, or `null` after answering a transport failure with a problem.
 */
export async function forwardAlone(
  deps: Pick<ProxyDeps, 'upstream' | 'logger' | 'cache'>,
  req: IncomingMessage,
  res: ServerResponse,
  request: Omit<UpstreamRequest, 'signal'>,
): Promise<UpstreamResponse | null> {
  const abort = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) abort.abort();
  };
  res.once('close', onClose);
  const fields = logFieldsOf(res);
  try {
    const answer = await deps.upstream.request({ ...request, signal: abort.signal });
    fields.upstreamStatus = answer.status;
    fields.upstreamMs = roundMs(answer.durationMs);
    // VSPC no longer accepts this token: what it has cached goes too, by whatever path VSPC said so.
    // (A 401 from the token endpoint is about the credentials in the body, not the bearer token.)
    if (
      request.tokenHash !== undefined &&
      revokesToken(answer.status, request.method) &&
      splitTarget(request.target).path !== TOKEN_PATH
    )
      fields.cachePurged = deps.cache.purgeToken(request.tokenHash);
    return answer;
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    fields.upstreamFailure = error.failure;
    if (abort.signal.aborted) return null; // the client left; nobody to answer
    sendUpstreamFailure(deps.logger, req, res, error);
    return null;
  } finally {
    res.off('close', onClose);
  }
}

/** Answers a transport failure with its problem, and logs it (never the request's headers). */
export function sendUpstreamFailure(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  error: UpstreamError,
): void {
  // Shield refusals are expected under load and have their own metrics; transport failures are news.
  if (error.retryAfterS === undefined) {
    logger.warn(
      { reqId: requestIdOf(req), failure: error.failure, code: error.code, err: { message: error.message } },
      'VSPC call failed',
    );
  }
  const problem = problemForFailure(error.failure);
  sendProblem(res, problem.code, problem.detail, {
    instance: instanceOf(req),
    requestId: requestIdOf(req),
    headers: retryHeadersFor(error),
  });
}

/**
 * Forwards a request under `/api/v3/` to VSPC unchanged (method, path, query, body, allowed headers)
 * and sends VSPC's status, content type and body back unchanged. A successful write purges the
 * cached entries of the collection it changed. (GET and HEAD go through the cache instead.)
 */
export function createProxyHandler(deps: ProxyDeps) {
  return async (req: IncomingMessage & { body?: unknown }, res: ServerResponse): Promise<void> => {
    const api = checkedRequests.get(res) ?? readApiRequest(req, res);
    if (api === null) return;
    const method = req.method ?? 'GET';
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    let login: LoginTrial | null = null;
    if (api.path === TOKEN_PATH && deps.loginAttempts != null) {
      const address = addressLimitKey(deps.clientAddress?.(req) ?? req.socket.remoteAddress ?? '');
      login = deps.loginAttempts.begin(address, loginUsername(req.headers['content-type'], body));
      if (!login.allowed) {
        const { burst, perMinute } = deps.loginAttempts;
        return sendProblem(
          res,
          'login-rate-limited',
          `Too many failed sign-ins from this ${login.scope === 'address' ? 'address' : 'user name'}: ` +
            `more than LOGIN_ATTEMPTS_BURST (${burst}) at once or LOGIN_ATTEMPTS_PER_MIN (${perMinute}) a minute. ` +
            `Retry after ${login.retryAfterS} s.`,
          {
            instance: api.path,
            requestId: requestIdOf(req),
            headers: { 'Retry-After': String(login.retryAfterS), ...TOKEN_ANSWER_HEADERS },
          },
        );
      }
    }
    const answer = await forwardAlone(deps, req, res, {
      method,
      target: api.path + api.search,
      headers: api.headers,
      ...(api.token === null ? {} : { tokenHash: deps.hashToken(api.token) }),
      ...(body === undefined ? {} : { body }),
    });
    if (login?.allowed === true) login.settle(answer?.status);
    if (answer === null) return;
    const isWrite = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && api.path !== TOKEN_PATH;
    if (isWrite && answer.status >= 200 && answer.status < 300) {
      logFieldsOf(res).cachePurged = deps.cache.purgePrefix(invalidationPrefix(api.path));
    }
    // RFC 6749 §5.1: token answers must not be stored, whatever VSPC said.
    sendUpstreamAnswer(
      res,
      answer,
      deps.upstream.origin,
      api.path === TOKEN_PATH ? TOKEN_ANSWER_HEADERS : {},
    );
  };
}

/**
 * Checks path, method and bearer token before the body is read (an anonymous client cannot make the
 * proxy buffer a body), and keeps the result for {@link createProxyHandler}.
 */
export function apiGate(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const api = readApiRequest(req, res);
  if (api === null) return;
  checkedRequests.set(res, api);
  next();
}

/** What {@link apiGate} found, per response. */
const checkedRequests = new WeakMap<ServerResponse, ApiRequest>();

/** What every answer of the token endpoint carries. */
const TOKEN_ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/** Statuses whose answers have no body, hence no Content-Length (RFC 9110 §8.6). */
const BODILESS_STATUSES = new Set([204, 304]);

/** Writes VSPC's answer: its status, the headers that matter, its body. */
export function sendUpstreamAnswer(
  res: ServerResponse,
  answer: UpstreamResponse,
  upstreamOrigin: string,
  extraHeaders: Record<string, string> = {},
): void {
  res.statusCode = answer.status;
  for (const name of PASSED_RESPONSE_HEADERS) {
    const value = answer.headers[name];
    if (value !== undefined)
      res.setHeader(name, name === 'location' ? rewriteLocation(value, upstreamOrigin) : value);
  }
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  if (BODILESS_STATUSES.has(answer.status)) {
    res.end();
    return;
  }
  res.setHeader('Content-Length', answer.body.length);
  res.end(answer.body);
}

/** Milliseconds to three decimals, for logs. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
