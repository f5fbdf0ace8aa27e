import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { bodyText, etagOf, ifNoneMatchHits, type CachedAnswer } from '../cache/entry.js';
import { cacheKey } from '../cache/key.js';
import { bearerToken, type TokenHasher } from '../callers/bearer.js';
import {
  cacheStatus,
  freshnessLeftS,
  requestDirectives,
  revokesToken,
  type CacheOutcome,
} from '../cache/policy.js';
import { UncacheableAnswer, type FetchContext, type ReadResult, type ResponseCache } from '../cache/store.js';
import type { Config } from '../config.js';
import { logFieldsOf } from '../http/access-log.js';
import type { AccessValue } from '../logger.js';
import { instanceOf, requestIdOf } from '../http/api-request.js';
import { upstreamHeaders } from '../http/forwarding.js';
import { roundMs } from '../http/proxy.js';
import { sendProblem, type ProblemCode } from '../http/problems.js';
import { splitTarget } from '../http/target.js';
import type { Priority, UpstreamClient } from '../upstream/client.js';
import { UpstreamError, problemForFailure, retryHeadersFor } from '../upstream/errors.js';
import { problemForVspcAnswer } from './errors.js';
import type { Job } from './job.js';
import { mapCopyJob, reportOnce, type UnknownEnumReporter } from './map.js';
import { pageLinks, windowsFor } from './paging.js';
import { linkParameters, parseJobsQuery, type JobsQuery } from './params.js';
import { COPY_JOBS_PATH, SERVER_JOBS_PATH, vspcWindowQuery } from './vspc-query.js';

export interface JobsDeps {
  config: Config;
  cache: ResponseCache;
  upstream: UpstreamClient;
  hashToken: TokenHasher;
  logger: Logger;
  now: () => number;
}

const BASE_PATH = '/jobs/copy';
const ACCEPT = 'application/json';
const CACHE_CONTROL = 'private, no-cache';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Windows fetched at once by `all=true` after the first (which tells the total). */
const ALL_CONCURRENCY = 2;
/**
 * Reads that may complete a window VSPC answered short (a VSPC that answers 25 jobs per call still fills a
 * window of 500); past them, the answer is a 502 naming the fix, never a silently short page.
 */
const MAX_WINDOW_FOLLOW_UPS = 19;

/** A problem to answer with, thrown from deep inside a request's work. */
class JobsProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/**
 * How one VSPC read of an answer met the cache: `entry` is `null` when nothing was stored (a `no-store`
 * bypass, or a server job VSPC does not have: `fwdStatus` 404).
 */
interface ReadOutcome {
  outcome: CacheOutcome;
  entry: CachedAnswer | null;
  fwdStatus?: number;
}

/** One VSPC read made for a client request: through the cache, or around it for `no-store`. */
interface Reader {
  read(path: string, query: string): Promise<ReadOutcome & { body: unknown }>;
  /** VSPC calls started (or joined) for the answer, background refreshes included. */
  calls: number;
  /** What VSPC answered the reads that waited for it: the highest status, and the time they took in all. */
  answered: { status: number; ms: number } | null;
}

const NOT_FOUND = 404;

type VspcCollection = { meta?: { pagingInfo?: { total?: unknown } }; data?: unknown };

/**
 * `GET /jobs/copy` and `GET /jobs/copy/:id`: backup copy jobs as plain, stable JSON. Pages are sliced
 * from aligned VSPC windows of `JOBS_WINDOW` jobs read through the response cache, so paging through
 * a list costs one VSPC call per window, whatever the page size.
 */
export function createJobsRouter(deps: JobsDeps): Router {
  const router = Router();
  const reportUnknown: UnknownEnumReporter = reportOnce((field, value) =>
    deps.logger.warn(
      { field, value },
      'VSPC sent an enum value this version does not know; mapped to "unknown"',
    ),
  );

  /** `priority`: `bulk` for `all=true`, whose windows queue behind interactive calls at VSPC. */
  function readerFor(req: IncomingMessage, token: string, priority: Priority): Reader {
    const directives = requestDirectives(req.headers['cache-control'], req.headers.pragma);
    const tokenHash = deps.hashToken(token);
    const headers = {
      ...upstreamHeaders(req.headers, { address: req.socket.remoteAddress, protocol: 'http' }),
      accept: ACCEPT,
    };
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
        if (directives.noStore) {
          reader.calls += 1;
          const answer = await deps.upstream.request({ method: 'GET', target, headers, tokenHash, priority });
          note(answer.status, answer.durationMs);
          if (revokesToken(answer.status)) deps.cache.purgeToken(tokenHash);
          if (answer.status !== 200) throw new UncacheableAnswer(answer);
          return { body: parseVspcJson(answer.body.toString('utf8')), outcome: 'bypass', entry: null };
        }
        const key = cacheKey({
          tokenHash,
          method: 'GET',
          path,
          query,
          accept: ACCEPT,
          acceptLanguage: req.headers['accept-language'],
          clientVersion,
        });
        const context = (): FetchContext => {
          reader.calls += 1;
          return { request: { method: 'GET', target, headers, tokenHash, priority }, path, tokenHash };
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

  async function readJobs(reader: Reader, query: JobsQuery, window: { limit: number; offset: number }) {
    const read = await reader.read(COPY_JOBS_PATH, vspcWindowQuery(query, window));
    const collection = read.body as VspcCollection;
    const total = Number(collection.meta?.pagingInfo?.total);
    const data = Array.isArray(collection.data) ? (collection.data as Record<string, unknown>[]) : [];
    return { ...read, total: Number.isSafeInteger(total) ? total : data.length, data };
  }

  /**
   * The aligned window at `offset`. When VSPC answers it with fewer jobs than it asked for and than the
   * total (`knownTotal`, else the window's own) says there are, the rest is asked for right after the
   * jobs received, at most {@link MAX_WINDOW_FOLLOW_UPS} times; if VSPC still answers jobs but not all
   * of them, a 502 problem says so (set `JOBS_WINDOW` lower). A read that brings no jobs means the
   * collection shrank meanwhile: the window is what VSPC has.
   */
  async function readWindow(
    reader: Reader,
    query: JobsQuery,
    offset: number,
    options: {
      /** The collection's total as the page's first window told it. */
      knownTotal?: number;
      /** Aborted at `all=true`'s deadline: no read starts after it. */
      signal?: AbortSignal;
      /** Sees the total as soon as the first read tells it; may throw (`all=true`'s bound). */
      onTotal?: (total: number) => void;
    } = {},
  ) {
    const size = deps.config.jobsWindow;
    const first = await readJobs(reader, query, { limit: size, offset });
    options.onTotal?.(first.total);
    const expected = Math.min(size, (options.knownTotal ?? first.total) - offset);
    if (first.data.length >= expected) return first;
    const perCall = first.data.length;
    if (perCall > 0 && perCall * (MAX_WINDOW_FOLLOW_UPS + 1) < expected) {
      // VSPC told in one answer that it has more than it sent: it answers at most that many per call.
      throw new JobsProblem(
        'upstream-error',
        `VSPC answers at most ${perCall} jobs per call, too few to fill a window of ${size} in ` +
          `${MAX_WINDOW_FOLLOW_UPS + 1} calls; set JOBS_WINDOW to ${perCall * (MAX_WINDOW_FOLLOW_UPS + 1)} or less.`,
      );
    }
    const data = [...first.data];
    const reads = [first];
    // Jobs counted once (one may move into a later read while the collection grows); offsets move by
    // what VSPC sent.
    const seen = new Set(first.data.map((item, index) => item.instanceUid ?? `#${index}`));
    let received = first.data.length;
    for (let followUp = 0; seen.size < expected && followUp < MAX_WINDOW_FOLLOW_UPS; followUp += 1) {
      options.signal?.throwIfAborted();
      const more = await readJobs(reader, query, {
        limit: expected - seen.size,
        offset: offset + received,
      });
      if (more.data.length === 0) break; // the collection shrank meanwhile
      more.data.forEach((item, index) => seen.add(item.instanceUid ?? `#${received + index}`));
      received += more.data.length;
      data.push(...more.data);
      reads.push(more);
    }
    return { ...combinedOutcome(reads), total: first.total, data };
  }

  async function listPage(reader: Reader, query: JobsQuery, page: { limit: number; offset: number }) {
    const size = deps.config.jobsWindow;
    const starts = windowsFor(page.offset, page.limit, size);
    const first = await readWindow(reader, query, starts[0] ?? 0);
    const windows = [first];
    // Later windows only when the page reaches into them and VSPC has that many jobs.
    for (const start of starts.slice(1))
      if (start < first.total)
        windows.push(await readWindow(reader, query, start, { knownTotal: first.total }));
    // A job that moved across the edge of two reads (two windows, or a window and its follow-up) is kept once.
    const items = uniqueJobs(windows.flatMap((window) => window.data));
    const skip = page.offset - (starts[0] ?? 0);
    const data = items.slice(skip, skip + page.limit).map((item) => mapCopyJob(item, reportUnknown));
    return {
      body: {
        data,
        page: { total: first.total, count: data.length, offset: page.offset, limit: page.limit },
        links: pageLinks(BASE_PATH, linkParameters(query), { ...page, total: first.total }),
      },
      windows,
    };
  }

  /** `signal` aborts at the deadline: no read is started after it (those in flight finish and are cached). */
  async function listAll(reader: Reader, query: JobsQuery, signal: AbortSignal) {
    const size = deps.config.jobsWindow;
    const max = deps.config.jobsAllMaxItems;
    // Over the bound, the answer is a 413 as soon as the first read tells the total.
    const onTotal = (total: number): void => {
      if (total <= max) return;
      throw new JobsProblem(
        'too-many-items',
        `This caller has ${total} jobs; all=true answers at most JOBS_ALL_MAX_ITEMS (${max}). Page with limit/offset instead.`,
        { limit: max, total },
      );
    };
    const first = await readWindow(reader, query, 0, { signal, onTotal });
    const starts: number[] = [];
    for (let start = size; start < first.total; start += size) starts.push(start);
    const windows = [first];
    for (let index = 0; index < starts.length; index += ALL_CONCURRENCY) {
      signal.throwIfAborted();
      windows.push(
        ...(await Promise.all(
          starts
            .slice(index, index + ALL_CONCURRENCY)
            .map((start) => readWindow(reader, query, start, { knownTotal: first.total, signal })),
        )),
      );
    }
    // Items can move between windows while the collection changes: keep each job once.
    const seen = new Set<string>();
    const data: Job[] = [];
    for (const item of windows.flatMap((window) => window.data)) {
      const job = mapCopyJob(item, reportUnknown);
      if (seen.has(job.id) || data.length >= max) continue;
      seen.add(job.id);
      data.push(job);
    }
    const extra = linkParameters(query);
    return {
      body: {
        data,
        page: { total: first.total, count: data.length, offset: 0, limit: null },
        links: { self: `${BASE_PATH}?all=true${extra}`, next: null, prev: null },
      },
      windows,
    };
  }

  router.get(BASE_PATH, (req, res) => {
    const token = requireToken(req, res);
    if (token === null) return;
    // A second `?` is part of a name or value (`limit=10?x=1` is a bad limit).
    const rawQuery = splitTarget(req.originalUrl).search.slice(1);
    const parsed = parseJobsQuery(rawQuery);
    if (!parsed.ok) {
      return sendProblem(res, 'invalid-parameters', parsed.errors.map((error) => error.message).join(' '), {
        instance: instanceOf(req),
        requestId: requestIdOf(req),
        extensions: { errors: parsed.errors },
      });
    }
    const { page } = parsed.query;
    const reader = readerFor(req, token, page === null ? 'bulk' : 'interactive');
    const work =
      page === null
        ? withDeadline((signal) => listAll(reader, parsed.query, signal), deps.config.jobsAllDeadlineMs)
        : listPage(reader, parsed.query, page);
    work.then(
      ({ body, windows }) => sendJson(req, res, body, windows, reader, deps.now()),
      (error: unknown) => sendFailure(req, res, error, reader),
    );
  });

  router.get(`${BASE_PATH}/:id`, (req, res) => {
    const token = requireToken(req, res);
    if (token === null) return;
    const id = String(req.params.id);
    if (!UUID.test(id)) {
      return sendProblem(res, 'invalid-parameters', 'id must be a job UUID (VSPC instanceUid).', {
        instance: instanceOf(req),
        requestId: requestIdOf(req),
        extensions: { errors: [{ parameter: 'id', message: 'id must be a UUID.' }] },
      });
    }
    const reader = readerFor(req, token, 'interactive');
    const serverJob = reader.read(`${SERVER_JOBS_PATH}/${id}`, '').then(
      (read) => ({ read, data: (read.body as { data?: Record<string, unknown> }).data ?? null }),
      (error: unknown) => {
        // The copy job decides whether the job exists; without its server record, name and state are null.
        // VSPC was asked and nothing was stored: the answer reports that read as a miss.
        if (error instanceof UncacheableAnswer && error.answer.status === NOT_FOUND) {
          const read: ReadOutcome = { outcome: 'miss', entry: null, fwdStatus: NOT_FOUND };
          return { read, data: null };
        }
        throw error;
      },
    );
    Promise.all([reader.read(`${COPY_JOBS_PATH}/${id}`, ''), serverJob]).then(
      ([copy, server]) => {
        const item = (copy.body as { data?: Record<string, unknown> }).data ?? {};
        const body = { data: mapCopyJob(item, reportUnknown, server.data) };
        sendJson(req, res, body, [copy, server.read], reader, deps.now());
      },
      (error: unknown) => sendFailure(req, res, error, reader),
    );
  });

  // Other methods on these paths: the resource is there, but read-only (OPTIONS stays Express's).
  router.all([BASE_PATH, `${BASE_PATH}/:id`], (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    sendProblem(res, 'method-not-allowed', `${BASE_PATH} is read-only: use GET.`, {
      instance: instanceOf(req),
      requestId: requestIdOf(req),
      headers: { Allow: 'GET, HEAD' },
    });
  });

  function sendFailure(req: Request, res: Response, error: unknown, reader: Reader): void {
    const context = { instance: instanceOf(req), requestId: requestIdOf(req) };
    logFieldsOf(res).upstreamCalls = reader.calls;
    logAnswered(logFieldsOf(res), reader);
    if (error instanceof JobsProblem) {
      return sendProblem(res, error.code, error.detail, {
        ...context,
        extensions: error.extensions,
        headers: error.headers,
      });
    }
    if (error instanceof UncacheableAnswer) {
      const problem = problemForVspcAnswer(error.answer);
      logFieldsOf(res).upstreamStatus = error.answer.status;
      return sendProblem(res, problem.code, problem.detail, {
        ...context,
        extensions: { vspc: problem.vspc },
        headers: problem.headers,
      });
    }
    if (error instanceof UpstreamError) {
      logFieldsOf(res).upstreamFailure = error.failure;
      const problem = problemForFailure(error.failure);
      return sendProblem(res, problem.code, problem.detail, { ...context, headers: retryHeadersFor(error) });
    }
    deps.logger.error(
      { reqId: requestIdOf(req), err: { message: (error as Error).message } },
      'jobs request failed',
    );
    sendProblem(res, 'internal', 'An unexpected error occurred.', context);
  }

  return router;
}

/** The access line's `upstreamStatus` and `upstreamMs`: what VSPC answered the reads that waited for it. */
function logAnswered(fields: Record<string, AccessValue>, reader: Reader): void {
  if (reader.answered === null) return;
  fields.upstreamStatus = reader.answered.status;
  fields.upstreamMs = roundMs(reader.answered.ms);
}

/** VSPC's copy-job records, each `instanceUid` once (the first time it appears); pure. */
function uniqueJobs(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    const id = item.instanceUid;
    if (typeof id !== 'string') return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** VSPC's JSON body; a 200 that is not JSON is VSPC's failure, answered 502. */
function parseVspcJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JobsProblem('upstream-error', 'VSPC answered 200 with a body that is not JSON.');
  }
}

/** The bearer token, or `null` after answering 401. */
function requireToken(req: Request, res: Response): string | null {
  const token = bearerToken(req.headers.authorization);
  if (token !== null) return token;
  sendProblem(res, 'unauthorized', 'Send Authorization: Bearer <token> (get one from POST /api/v3/token).', {
    instance: instanceOf(req),
    requestId: requestIdOf(req),
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
  return null;
}

/**
 * Rejects with a 504 problem when `work` takes longer than `ms`, and then aborts the signal `work` was
 * given, so it starts no more VSPC calls for an answer nobody will get.
 */
function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const problem = new JobsProblem(
        'upstream-timeout',
        `Gathering every job took longer than JOBS_ALL_DEADLINE_MS (${ms} ms).`,
      );
      controller.abort(problem);
      reject(problem);
    }, ms);
  });
  return Promise.race([work(controller.signal), deadline]).finally(() => clearTimeout(timer));
}

/** Outcomes from the least favourable (VSPC was asked, nothing cached was used) to the most. */
const OUTCOME_ORDER: readonly CacheOutcome[] = ['bypass', 'refresh', 'miss', 'collapsed', 'stale', 'hit'];

/**
 * The least favourable outcome of the reads an answer was built from, and that read: what the
 * access log, the metric and `Cache-Status` all report. Pure.
 */
function combinedOutcome(windows: ReadonlyArray<ReadOutcome>): ReadOutcome {
  const worst = OUTCOME_ORDER.find((outcome) => windows.some((window) => window.outcome === outcome));
  return windows.find((window) => window.outcome === worst) ?? { outcome: 'hit', entry: null };
}

/** `Cache-Status` of an answer built from `combined` ({@link combinedOutcome}). */
function combinedStatus(combined: ReadOutcome, now: number): string {
  const { outcome: worst, entry } = combined;
  if (worst === 'bypass') return cacheStatus('bypass', { detail: 'no-store' });
  if ((worst === 'hit' || worst === 'stale') && entry !== null) {
    const failure = entry.refreshFailure;
    return cacheStatus(worst, {
      ttlS: freshnessLeftS(entry.freshUntil, now),
      ...(failure === undefined
        ? {}
        : 'status' in failure
          ? { fwdStatus: failure.status }
          : { detail: failure.failure }),
    });
  }
  return cacheStatus(worst, {
    stored: (worst === 'miss' || worst === 'refresh') && entry !== null,
    ...(combined.fwdStatus === undefined ? {} : { fwdStatus: combined.fwdStatus }),
  });
}

/** Sends a JSON answer with a strong ETag of its bytes (304 on a matching `If-None-Match`). */
function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  windows: ReadonlyArray<ReadOutcome>,
  reader: Reader,
  now: number,
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  const etag = etagOf(bytes);
  const fields = logFieldsOf(res);
  fields.upstreamCalls = reader.calls;
  logAnswered(fields, reader);
  const combined = combinedOutcome(windows);
  fields.cache = combined.outcome;
  res.setHeader('Cache-Status', combinedStatus(combined, now));
  res.setHeader('Cache-Control', CACHE_CONTROL);
  // CORS may have said `Vary: Origin` already.
  res.setHeader(
    'Vary',
    res.hasHeader('vary') ? `${String(res.getHeader('vary'))}, Authorization` : 'Authorization',
  );
  res.setHeader('ETag', etag);
  const inm = req.headers['if-none-match'];
  if (ifNoneMatchHits(typeof inm === 'string' ? inm : undefined, etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}
