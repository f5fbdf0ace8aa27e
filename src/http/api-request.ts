import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from '../callers/bearer.js';
import { upstreamHeaders } from './forwarding.js';
import { sendProblem } from './problems.js';
import { API_PREFIX, isApiPath, normaliseTarget, splitTarget } from './target.js';

/** The one VSPC call that needs no bearer token: logging in. */
export const TOKEN_PATH = `${API_PREFIX}/token`;

/** A request under `/api/v3/` that may be forwarded. */
export interface ApiRequest {
  /** Normalised path. */
  path: string;
  /** Raw query, with its `?`, or empty. */
  search: string;
  /** The bearer token (`null` only for `POST /api/v3/token`). */
  token: string | null;
  /** Headers VSPC gets (built on first use: a cache hit never needs them). */
  readonly headers: Record<string, string>;
}

/** The request id the access log gave the request. */
export function requestIdOf(req: IncomingMessage): string {
  return String((req as IncomingMessage & { id?: unknown }).id ?? '');
}

/** The path a problem answer names as its `instance`: the full request path, without the query. */
export function instanceOf(req: IncomingMessage): string {
  const rawUrl = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  return queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
}

/** Methods VSPC's API uses; anything else is answered 405 without reaching VSPC. */
export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Checks a request bound for VSPC: the path stays below `/api/v3/`, and a bearer token is present
 * (but for `POST /api/v3/token`). Sends the problem answer and returns `null` when it is refused.
 */
export function readApiRequest(
  req: IncomingMessage,
  response: ServerResponse | (() => ServerResponse),
): ApiRequest | null {
  // A refusal needs the response; a function is asked for it only then (the hit path sets its headers later).
  const res = (): ServerResponse => (typeof response === 'function' ? response() : response);
  const rawUrl = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const target = normaliseTarget(rawUrl);
  if (!target.ok) {
    sendProblem(res(), 'bad-path', target.detail, {
      instance: refusedPath(rawUrl),
      requestId: requestIdOf(req),
    });
    return null;
  }
  if (!(ALLOWED_METHODS as readonly string[]).includes(req.method ?? '')) {
    sendProblem(res(), 'method-not-allowed', `VSPC's API does not use ${req.method}.`, {
      instance: target.path,
      requestId: requestIdOf(req),
      headers: { Allow: ALLOWED_METHODS.join(', ') },
    });
    return null;
  }
  if (!isApiPath(target.path)) {
    sendProblem(res(), 'not-found', 'No such VSPC resource.', {
      instance: target.path,
      requestId: requestIdOf(req),
    });
    return null;
  }
  const isLogin = req.method === 'POST' && target.path === TOKEN_PATH;
  const token = bearerToken(req.headers.authorization);
  if (!isLogin && token === null) {
    sendProblem(
      res(),
      'unauthorized',
      'Send Authorization: Bearer <token> (get one from POST /api/v3/token).',
      {
        instance: target.path,
        requestId: requestIdOf(req),
        headers: { 'WWW-Authenticate': 'Bearer' },
      },
    );
    return null;
  }
  return new CheckedApiRequest(req, target.path, target.search, token);
}

/**
 * An {@link ApiRequest} whose VSPC headers are built on first use. A class, not an object literal
 * with a getter: a literal's getter is a new closure per request, and V8 then gives each such object
 * a shape of its own, which kept per-request garbage alive into the old generation (the cache-hit
 * path paid for it in mark-compact collections).
 */
class CheckedApiRequest implements ApiRequest {
  readonly #req: IncomingMessage;
  #headers: Record<string, string> | undefined;

  constructor(
    req: IncomingMessage,
    readonly path: string,
    readonly search: string,
    readonly token: string | null,
  ) {
    this.#req = req;
  }

  get headers(): Record<string, string> {
    const socket = this.#req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
    this.#headers ??= upstreamHeaders(this.#req.headers, {
      address: socket.remoteAddress,
      protocol: socket.encrypted === true ? 'https' : 'http',
    });
    return this.#headers;
  }
}

/** Longest refused path a problem repeats as its `instance`. */
const MAX_INSTANCE_CHARS = 256;

/**
 * The path of a refused target as its problem's `instance`: the raw path, without the query, cut at
 * {@link MAX_INSTANCE_CHARS} (JSON escapes whatever control characters it holds). Pure.
 */
export function refusedPath(rawUrl: string): string {
  return splitTarget(rawUrl).path.slice(0, MAX_INSTANCE_CHARS);
}
