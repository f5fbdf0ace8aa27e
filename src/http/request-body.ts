import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyRefusalReason } from '../metrics.js';
import { logFieldsOf } from './access-log.js';
import { instanceOf, requestIdOf } from './api-request.js';
import type { BodyBudget } from './body-budget.js';
import { closeAfterAnswer } from './closing-answer.js';
import { sendProblem, type ProblemCode } from './problems.js';

export interface BodyReaderOptions {
  /** The bytes all bodies may hold together (`REQUEST_BODIES_MAX_BYTES`). */
  budget: BodyBudget;
  /** Largest body of one request (`REQUEST_MAX_BODY_BYTES`). */
  maxBodyBytes: number;
  /** Deadline for the whole body from when reading starts (`REQUEST_BODY_TIMEOUT_MS`); progress does not reset it. */
  timeoutMs: number;
  /** Told of every refusal counted in `request_bodies_refused_total`. */
  onRefused?: (reason: BodyRefusalReason) => void;
}

/** A request whose body this reader has read. */
export type BodyRequest = IncomingMessage & { body?: Buffer };

/** `Expect` values that ask for `100 Continue` (Node's own test). */
const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;
const MS_PER_S = 1000;

/**
 * Reads a request body into `req.body` (one Buffer) and calls `next()`; a request without a body goes on
 * untouched. Meant for writes under `/api/v3/`, after `apiGate` has checked the path, method and token.
 *
 * - A declared `Content-Length` over `maxBodyBytes` is refused with 413 before a byte of the body is read,
 *   and without `100 Continue` when the client asked for one (the server hands `Expect: 100-continue`
 *   requests over with `checkContinue`; the reader sends `100 Continue` itself once it accepts the body).
 * - The declared length is reserved from `budget` up front, and the body read into one buffer of exactly
 *   that size; a chunked body reserves each chunk as it arrives. Past the budget: 503 `request-bodies-busy`
 *   with `Retry-After`. The bytes go back when the exchange ends (answered, refused or abandoned), since the
 *   body is held until VSPC has it.
 * - The whole body must arrive within `timeoutMs` of the start of reading: past it, 408 `request-timeout`.
 *
 * Every refusal is a problem answer with `Connection: close`, after which the connection is closed with a
 * short, bounded drain (so the client reads the answer rather than a reset); VSPC is never called.
 */
export function createBodyReader(options: BodyReaderOptions) {
  const { budget, maxBodyBytes, timeoutMs } = options;
  const retryAfterS = String(Math.ceil(timeoutMs / MS_PER_S));

  return (req: BodyRequest, res: ServerResponse, next: () => void): void => {
    if (!hasBody(req)) return next();
    const context = { instance: instanceOf(req), requestId: requestIdOf(req) };
    const refuse = (reason: BodyRefusalReason | 'encoded'): void => {
      if (reason !== 'encoded') {
        options.onRefused?.(reason);
        logFieldsOf(res).bodyRefused = reason;
      }
      // Node's parser may have failed inside this body and the client-error hook answered already.
      if (res.headersSent) return;
      const refusal = REFUSALS[reason];
      closeAfterAnswer(res);
      sendProblem(res, refusal.code, refusal.detail({ maxBodyBytes, budget, timeoutMs, retryAfterS }), {
        ...context,
        ...(reason === 'busy' ? { headers: { 'Retry-After': retryAfterS } } : {}),
      });
    };

    const coding = req.headers['content-encoding']?.trim().toLowerCase();
    if (coding !== undefined && coding !== '' && coding !== 'identity') return refuse('encoded');
    const declared = declaredLength(req);
    if (declared !== null && declared > maxBodyBytes) return refuse('too-large');
    if (declared !== null && !budget.tryReserve(declared)) return refuse('busy');

    if (expectsContinue(req, res)) res.writeContinue();

    // What this body holds of the budget, given back once when the exchange is over.
    let reserved = declared ?? 0;
    let buffer: Buffer | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(deadline);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const stop = (reason: BodyRefusalReason): void => {
      settle();
      chunks.length = 0;
      buffer = null;
      // Keep pulling what still arrives off the wire (and dropping it) until the connection closes.
      req.on('error', ignore);
      req.resume();
      refuse(reason);
    };
    const onData = (chunk: Buffer): void => {
      if (declared !== null) {
        // Node's parser delivers exactly `Content-Length` bytes, never more.
        buffer ??= Buffer.allocUnsafe(declared);
        chunk.copy(buffer, received);
        received += chunk.length;
        return;
      }
      if (received + chunk.length > maxBodyBytes) return stop('too-large');
      if (!budget.tryReserve(chunk.length)) return stop('busy');
      reserved += chunk.length;
      chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = (): void => {
      settle();
      req.body = declared === null ? Buffer.concat(chunks, received) : (buffer ?? Buffer.alloc(0));
      next();
    };
    // The client went away (or Node's parser failed) before the body ended: nobody to answer here.
    const onGone = (): void => {
      if (!settled) settle();
    };
    const deadline = setTimeout(() => {
      if (!settled) stop('timeout');
    }, timeoutMs);
    // The exchange is over, however it ended (answered, refused, abandoned, or answered by the client-error
    // hook after Node's parser failed inside this body): the body's bytes go back to the budget.
    res.once('close', () => {
      if (!settled) settle();
      budget.release(reserved);
    });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  };
}

function ignore(): void {}

interface RefusalContext {
  maxBodyBytes: number;
  budget: BodyBudget;
  timeoutMs: number;
  retryAfterS: string;
}

/** The answer of each refusal. */
const REFUSALS: Readonly<
  Record<BodyRefusalReason | 'encoded', { code: ProblemCode; detail: (context: RefusalContext) => string }>
> = {
  'too-large': {
    code: 'payload-too-large',
    detail: ({ maxBodyBytes }) => `The request body exceeds ${maxBodyBytes} bytes.`,
  },
  busy: {
    code: 'request-bodies-busy',
    detail: ({ budget, retryAfterS }) =>
      `The request bodies being received hold REQUEST_BODIES_MAX_BYTES (${budget.maxBytes}) bytes already; ` +
      `retry after ${retryAfterS} s.`,
  },
  timeout: {
    code: 'request-timeout',
    detail: ({ timeoutMs }) =>
      `The request body was not received within REQUEST_BODY_TIMEOUT_MS (${timeoutMs} ms).`,
  },
  encoded: {
    code: 'bad-request',
    detail: () =>
      'vspc-proxy forwards request bodies as they are and does not decode them: send the body without ' +
      'Content-Encoding.',
  },
};

/** True when the request has a body (even an empty one): it declares a length or is chunked. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

/** The declared `Content-Length` (Node's parser has checked it is one number), or null for a chunked body. */
function declaredLength(req: IncomingMessage): number | null {
  if (req.headers['transfer-encoding'] !== undefined) return null;
  const value = req.headers['content-length'];
  return value === undefined ? null : Number(value);
}

/**
 * True when the client waits for `100 Continue` before sending the body and has not had one yet (Node sends
 * it itself when the server does not take `checkContinue`; it reads `Expect` from HTTP/1.1 requests only).
 */
function expectsContinue(req: IncomingMessage, res: ServerResponse): boolean {
  const sent = (res as ServerResponse & { _sent100?: boolean })._sent100 === true;
  return !sent && req.httpVersion === '1.1' && CONTINUE_EXPECTATION.test(req.headers.expect ?? '');
}
