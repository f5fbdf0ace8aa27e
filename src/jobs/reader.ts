import type { IncomingMessage } from 'node:http';
import { bodyText } from '../cache/entry.js';
import { cacheKey } from '../cache/key.js';
import { requestDirectives, revokesToken } from '../cache/policy.js';
import { UncacheableAnswer, type FetchContext, type ReadResult, type ResponseCache } from '../cache/store.js';
import { ProblemError } from '../http/problems.js';
import type { Priority, VspcClient } from '../upstream/client.js';
import type { ReadOutcome } from './outcome.js';

/** What VSPC's JSON answers are asked for in. */
const ACCEPT = 'application/json';

/** One VSPC read made for a client request: through the cache, or around it for `no-store`. */
export interface Reader {
  read(path: string, query: string): Promise<ReadOutcome & { body: unknown }>;
  /** VSPC calls started (or joined) for the answer, background refreshes included. */
  calls: number;
  /** What VSPC answered the reads that waited for it: the highest status, and the time they took in all. */
  answered: { status: number; ms: number } | null;
}

/** Who reads, for whom, and how. */
export interface ReaderRequest {
  req: IncomingMessage;
  /** The caller's identity (cache keys, the shield's per-token budget). */
  identity: string;
  /** The headers VSPC gets (the caller's `Authorization` among them). */
  headers: Record<string, string>;
  /** `bulk` for `all=true`, whose windows queue behind interactive calls at VSPC. */
  priority: Priority;
}

/**
 * A reader of VSPC's JSON for one client request: each read goes through the response cache (one
 * VSPC call for concurrent identical reads), or straight to VSPC with `Cache-Control: no-store`. A
 * 200 that is not JSON is VSPC's failure (502); any other status rejects with {@link UncacheableAnswer}.
 */
export function createReader(
  deps: { cache: ResponseCache; upstream: VspcClient },
  { req, identity, headers: forwarded, priority }: ReaderRequest,
): Reader {
  const directives = requestDirectives(req.headers['cache-control'], req.headers.pragma);
  const headers = { ...forwarded, accept: ACCEPT };
  const clientVersion =
    typeof req.headers['x-client-version'] === 'string' ? req.headers['x-client-version'] : undefined;
  const note = (status: number, ms: number): void => {
    const before = reader.answered;
    reader.answered = { status: Math.max(status, before?.status ?? 0), ms: ms + (before?.ms ?? 0) };
  };
  const reader: Reader = {
    calls: 0,
    answered: null,
    async read(path, query) {
      const target = query === '' ? path : `${path}?${query}`;
      const request = { method: 'GET', target, headers, tokenHash: identity, priority };
      if (directives.noStore) {
        reader.calls += 1;
        const answer = await deps.upstream.request(request);
        note(answer.status, answer.durationMs);
        if (revokesToken(answer.status)) deps.cache.purgeToken(identity);
        if (answer.status !== 200) throw new UncacheableAnswer(answer);
        return { body: parseVspcJson(answer.body.toString('utf8')), outcome: 'bypass', entry: null };
      }
      const key = cacheKey({
        tokenHash: identity,
        method: 'GET',
        path,
        query,
        accept: ACCEPT,
        acceptLanguage: req.headers['accept-language'],
        clientVersion,
      });
      const context = (): FetchContext => {
        reader.calls += 1;
        return { request: { ...request }, path, tokenHash: identity };
      };
      let read: ReadResult;
      try {
        read = await deps.cache.read(key, context, { noCache: directives.noCache });
      } catch (error) {
        if (error instanceof UncacheableAnswer) note(error.answer.status, error.answer.durationMs);
        throw error;
      }
      const { entry, outcome } = read;
      if (outcome === 'miss' || outcome === 'refresh') note(200, entry.upstreamMs);
      return { body: parseVspcJson(bodyText(entry)), outcome, entry };
    },
  };
  return reader;
}

/** VSPC's JSON body; a 200 that is not JSON is VSPC's failure, answered 502. */
function parseVspcJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProblemError('upstream-error', 'VSPC answered 200 with a body that is not JSON.');
  }
}
