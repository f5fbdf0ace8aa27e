import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ALLOWED_METHODS, instanceOf, requestIdOf } from './api-request.js';
import { PROBLEM_CONTENT_TYPE, problemBody, sendProblem, type ProblemCode } from './problems.js';

/** The answer to each kind of error Node's parser reports; anything else is a 400. */
const PARSER_PROBLEMS: Readonly<Record<string, { code: ProblemCode; status: string; detail: string }>> = {
  HPE_HEADER_OVERFLOW: {
    code: 'headers-too-large',
    status: '431 Request Header Fields Too Large',
    detail: 'The request head is too large.',
  },
  // Node's own deadlines (`headersTimeout`, `requestTimeout`) end here too.
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'request-timeout',
    status: '408 Request Timeout',
    detail: 'The request was not received in time.',
  },
};
const NOT_HTTP = {
  code: 'bad-request',
  status: '400 Bad Request',
  detail: 'The request is not valid HTTP.',
} as const;

/**
 * Answers requests Node's HTTP parser refuses (malformed headers, unknown methods, oversized heads,
 * ambiguous framing, bad chunked framing, a head or request not received in time) with a problem+json 400,
 * 408 or 431 instead of a bare status line, then closes.
 * When the failure is inside the body of the request being answered, the problem goes out as that
 * request's answer (with its request id) and the connection closes at once, instead of waiting for a body
 * that will never end. When an earlier request on the connection (pipelined) is still being answered, that
 * answer goes out first and the connection then closes, without a 400 the client would take for its answer.
 * A client that reset its connection is not news: nothing is logged.
 */
export function createClientErrorHandler(
  logger: Logger,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const problem = (error.code === undefined ? undefined : PARSER_PROBLEMS[error.code]) ?? NOT_HTTP;
    // Node's own field: the answer this connection is writing now, if any.
    const answering = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
    logger.warn(
      {
        code: error.code,
        remoteAddress: socket.remoteAddress,
        ...(answering === null ? {} : { reqId: requestIdOf(answering.req) }),
      },
      'malformed request refused',
    );
    if (answering !== null && !answering.writableFinished) {
      // The failure is inside the body of the request being answered, and nothing of its answer is out yet.
      if (!answering.req.complete && !answering.headersSent) {
        answering.setHeader('Connection', 'close');
        sendProblem(answering, problem.code, problem.detail, {
          instance: instanceOf(answering.req),
          requestId: requestIdOf(answering.req),
        });
        return;
      }
      answering.once('finish', () => socket.end());
      return;
    }
    endWithProblem(socket, problem.status, problem.code, problem.detail);
  };
}

/**
 * Answers `CONNECT` (Node hands it to no request handler): vspc-proxy is not a forward proxy, so
 * 405 problem+json, then close; logged like the requests Node's parser refuses.
 */
export function createConnectRefusal(logger: Logger): (req: IncomingMessage, socket: Duplex) => void {
  return (req, socket) => {
    logger.warn({ method: 'CONNECT', remoteAddress: req.socket.remoteAddress }, 'CONNECT refused');
    refuseConnect(socket);
  };
}

function refuseConnect(socket: Duplex): void {
  endWithProblem(
    socket,
    '405 Method Not Allowed',
    'method-not-allowed',
    'vspc-proxy does not tunnel connections (CONNECT).',
    `Allow: ${ALLOWED_METHODS.join(', ')}\r\n`,
  );
}

/** Writes one problem+json answer straight to a socket, then closes it. */
function endWithProblem(socket: Duplex, status: string, code: ProblemCode, detail: string, extra = ''): void {
  const body = JSON.stringify(problemBody(code, detail));
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
