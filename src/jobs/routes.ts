import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { UncacheableAnswer, type ResponseCache } from '../cache/store.js';
import { bearerToken, type TokenHasher } from '../callers/bearer.js';
import type { Config } from '../config.js';
import { logFieldsOf } from '../http/access-log.js';
import { instanceOf, requestIdOf } from '../http/api-request.js';
import { upstreamHeaders } from '../http/forwarding.js';
import { ProblemError, sendProblem } from '../http/problems.js';
import { splitTarget } from '../http/target.js';
import type { Priority, VspcClient } from '../upstream/client.js';
import { UpstreamError, problemForFailure, retryHeadersFor } from '../upstream/errors.js';
import { problemForVspcAnswer } from './errors.js';
import { JOBS_BASE_PATH as BASE_PATH, listAll, listPage, type Listing } from './lists.js';
import { mapCopyJob, reportOnce, type UnknownEnumReporter } from './map.js';
import type { ReadOutcome } from './outcome.js';
import { parseJobsQuery, type JobsQuery } from './params.js';
import { createReader, type Reader } from './reader.js';
import { logReads, sendJson } from './response.js';
import { COPY_JOBS_PATH, SERVER_JOBS_PATH } from './vspc-query.js';

export interface JobsDeps {
  config: Config;
  cache: ResponseCache;
  upstream: VspcClient;
  hashToken: TokenHasher;
  logger: Logger;
  now: () => number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_FOUND = 404;

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

  function readerFor(req: Request, token: string, priority: Priority): Reader {
    return createReader(deps, {
      req,
      identity: deps.hashToken(token),
      headers: upstreamHeaders(req.headers, { address: req.socket.remoteAddress, protocol: 'http' }),
      priority,
    });
  }

  const listing = (reader: Reader, query: JobsQuery): Listing => ({
    reader,
    query,
    windowSize: deps.config.jobsWindow,
    reportUnknown,
  });

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
        ? withDeadline(
            (signal) => listAll(listing(reader, parsed.query), deps.config.jobsAllMaxItems, signal),
            deps.config.jobsAllDeadlineMs,
          )
        : listPage(listing(reader, parsed.query), page);
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
    logReads(logFieldsOf(res), reader);
    if (error instanceof ProblemError) {
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
      const problem = new ProblemError(
        'upstream-timeout',
        `Gathering every job took longer than JOBS_ALL_DEADLINE_MS (${ms} ms).`,
      );
      controller.abort(problem);
      reject(problem);
    }, ms);
  });
  return Promise.race([work(controller.signal), deadline]).finally(() => clearTimeout(timer));
}
