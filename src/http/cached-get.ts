import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ifNoneMatchHits, type CachedAnswer } from '../cache/entry.js';
import { cacheKey, memoizedCanonicalQuery } from '../cache/key.js';
import { type TokenHasher } from '../callers/bearer.js';
import { queryHoldsSecret } from '../logger.js';
import {
  cacheStatus,
  freshnessLeftS,
  isPolledResource,
  requestDirectives,
  type CacheOutcome,
  type CacheStatusDetails,
} from '../cache/policy.js';
import {
  UncacheableAnswer,
  type FetchContext,
  type FetchReport,
  type ResponseCache,
} from '../cache/store.js';
import type { UpstreamClient, UpstreamRequest } from '../upstream/client.js';
import { UpstreamError } from '../upstream/errors.js';
import { logFieldsOf } from './access-log.js';
import { readApiRequest, requestIdOf } from './api-request.js';
import { sendProblem } from './problems.js';
import type { BaseHeaders } from './security-headers.js';
import { forwardAlone, roundMs, sendUpstreamAnswer, sendUpstreamFailure } from './proxy.js';

/** Per-user data: no shared cache may store it; a browser must revalidate (cheap, via ETag). */
const CACHE_CONTROL = 'private, no-cache';
/** Everything the cache key depends on besides the URL. */
const VARY = 'Authorization, Accept, Accept-Language, X-Client-Version';
const MS_PER_S = 1000;
const CANONICAL_QUERY_MEMO_ENTRIES = 1024;

export interface CachedGetDeps {
  base: BaseHeaders;
  cache: ResponseCache;
  upstream: UpstreamClient;
  hashToken: TokenHasher;
  logger: Logger;
  now: () => number;
}

/** What the front of the app already worked out about the caller. */
export interface CallerContext {
  /** The bearer token's HMAC, when the rate limiter computed it (the hit path hashes once). */
  tokenHash: string | null;
  /** Header name/value pairs every answer carries (the rate limit fields), or `null`. */
  headers: string[] | null;
}

/**
 * `GET`/`HEAD` under `/api/v3/`: answered from the token-isolated cache when it can be, else from
 * VSPC through the cache (one call for concurrent identical misses). Runs outside Express, so a
 * hit costs a key, a lookup and a write.
 */
export function createCachedGetHandler(deps: CachedGetDeps) {
  const { cache, now, base } = deps;
  const canonical = memoizedCanonicalQuery(CANONICAL_QUERY_MEMO_ENTRIES);

  return (req: IncomingMessage, res: ServerResponse, requestId: string, caller: CallerContext): void => {
    // Answers other than cached entries set the base headers first; entries write them in one go.
    const withBase = (): ServerResponse => {
      base.apply(res, requestId);
      const extra = caller.headers;
      if (extra !== null)
        for (let index = 0; index < extra.length; index += 2)
          res.setHeader(extra[index] as string, extra[index + 1] as string);
      return res;
    };
    const api = readApiRequest(req, withBase);
    if (api === null) return;
    const directives = requestDirectives(req.headers['cache-control'], req.headers.pragma);
    const query = api.search.slice(1);
    // A credential in the query would end up in the cache key: such requests skip the cache.
    const bypassReason = directives.noStore
      ? 'no-store'
      : queryHoldsSecret(query)
        ? 'credential-in-query'
        : isPolledResource(api.path)
          ? 'polled-resource'
          : null;
    const tokenHash = caller.tokenHash ?? deps.hashToken(api.token ?? '');
    if (bypassReason !== null) {
      const request = { method: 'GET', target: api.path + api.search, headers: api.headers, tokenHash };
      void bypass(req, withBase(), request, bypassReason);
      return;
    }
    const key = cacheKey(
      {
        tokenHash,
        method: 'GET',
        path: api.path,
        query,
        accept: req.headers.accept,
        acceptLanguage: req.headers['accept-language'],
        clientVersion: singleHeader(req.headers['x-client-version']),
      },
      canonical,
    );
    // Built on a miss or a refresh only: a hit never talks to VSPC.
    const context = (): FetchContext => ({
      request: { method: 'GET', target: api.path + api.search, headers: api.headers, tokenHash },
      path: api.path,
      tokenHash,
    });

    const served = directives.noCache ? undefined : cache.serve(key, context);
    if (served !== undefined)
      return sendEntry(req, res, requestId, caller, served.entry, served.outcome, now());
    const report: FetchReport = { collapsed: false };
    cache.fetch(key, context(), { forceRefresh: directives.noCache, report }).then(
      ({ entry, outcome }) => {
        if (outcome !== 'collapsed') {
          // Only VSPC's 200s become entries.
          const fields = logFieldsOf(res);
          fields.upstreamStatus = 200;
          fields.upstreamMs = roundMs(entry.upstreamMs);
        }
        sendEntry(req, res, requestId, caller, entry, outcome, now());
      },
      (error: unknown) => sendFetchFailure(req, withBase(), error, report.collapsed ? 'collapsed' : 'miss'),
    );
  };

  /**
   * `Cache-Control: no-store`, a credential in the query, or a resource polled for progress:
   * straight to VSPC and back, nothing read or written.
   */
  async function bypass(
    req: IncomingMessage,
    res: ServerResponse,
    request: Omit<UpstreamRequest, 'signal'>,
    reason: 'no-store' | 'credential-in-query' | 'polled-resource',
  ): Promise<void> {
    logFieldsOf(res).cache = 'bypass';
    const answer = await forwardAlone(deps, req, res, request);
    if (answer === null) return;
    sendUpstreamAnswer(res, answer, deps.upstream.origin, {
      'Cache-Status': cacheStatus('bypass', { detail: reason }),
    });
  }

  /**
   * VSPC's failed answer (or the failure) of one fetch, told to each of its waiters: `collapsed` for
   * those that joined it in flight, so one failed call counts as one miss.
   */
  function sendFetchFailure(
    req: IncomingMessage,
    res: ServerResponse,
    error: unknown,
    outcome: 'miss' | 'collapsed',
  ): void {
    const fields = logFieldsOf(res);
    fields.cache = outcome;
    if (error instanceof UncacheableAnswer) {
      fields.upstreamStatus = error.answer.status;
      if (outcome === 'miss') fields.upstreamMs = roundMs(error.answer.durationMs);
      const status = cacheStatus(outcome, { fwdStatus: error.answer.status });
      return sendUpstreamAnswer(res, error.answer, deps.upstream.origin, { 'Cache-Status': status });
    }
    if (error instanceof UpstreamError) {
      fields.upstreamFailure = error.failure;
      res.setHeader('Cache-Status', cacheStatus(outcome, { detail: error.failure }));
      return sendUpstreamFailure(deps.logger, req, res, error);
    }
    deps.logger.error(
      { reqId: requestIdOf(req), err: { message: (error as Error).message } },
      'cache fetch failed',
    );
    sendProblem(res, 'internal', 'An unexpected error occurred.', { requestId: requestIdOf(req) });
  }

  /**
   * Writes a cached answer with every header in one `writeHead`: 304 when the client's
   * `If-None-Match` matches, else the body (none for HEAD).
   */
  function sendEntry(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    caller: CallerContext,
    entry: CachedAnswer,
    outcome: CacheOutcome,
    at: number,
  ): void {
    const details: CacheStatusDetails = {};
    if (outcome === 'hit' || outcome === 'stale') details.ttlS = freshnessLeftS(entry.freshUntil, at);
    if (outcome === 'miss' || outcome === 'refresh') details.stored = true;
    if (outcome === 'stale' && entry.refreshFailure !== undefined) {
      if ('status' in entry.refreshFailure) details.fwdStatus = entry.refreshFailure.status;
      else details.detail = entry.refreshFailure.failure;
    }
    const fields = logFieldsOf(res);
    fields.cache = outcome;
    const headers: string[] = [];
    base.appendTo(headers, requestId);
    if (caller.headers !== null) headers.push(...caller.headers);
    headers.push(
      'Cache-Status',
      cacheStatus(outcome, details),
      'Cache-Control',
      CACHE_CONTROL,
      'Vary',
      res.hasHeader('vary') ? `${String(res.getHeader('vary'))}, ${VARY}` : VARY,
      'ETag',
      entry.etag,
      'Age',
      String(Math.max(0, Math.floor((at - entry.storedAt) / MS_PER_S))),
    );
    if (ifNoneMatchHits(singleHeader(req.headers['if-none-match']), entry.etag)) {
      fields.bytes = 0;
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (entry.contentType !== undefined) headers.push('Content-Type', entry.contentType);
    if (entry.headers.length > 0) headers.push(...entry.headers);
    headers.push('Content-Length', String(entry.body.length));
    // Headers given to writeHead as a list are not readable back: the access log takes the length from here.
    fields.bytes = entry.body.length;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else res.end(entry.body, 'latin1');
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
