import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ALLOWED_METHODS } from './api-request.js';
import { PROBLEM_CONTENT_TYPE, problemBody, type ProblemCode } from './problems.js';

/** Node's parser error codes that mean "headers too large". */
const TOO_LARGE = new Set(['HPE_HEADER_OVERFLOW']);

/**
 * Answers requests Node's HTTP parser refuses (malformed headers, unknown methods, oversized heads,
 * ambiguous framing) with a problem+json 400 or 431 instead of a bare status line, then closes.
 * When an earlier request on the connection (pipelined) is still being answered, that answer goes out
 * first and the connection then closes, without a 400 the client would take for its answer.
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
    const tooLarge = error.code !== undefined && TOO_LARGE.has(error.code);
    logger.warn({ code: error.code, remoteAddress: socket.remoteAddress }, 'malformed request refused');
    // Node's own field: the answer this connection is writing now, if any.
    const answering = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (answering !== null && answering !== undefined && !answering.writableFinished) {
      answering.once('finish', () => socket.end());
      return;
    }
    const code: ProblemCode = tooLarge ? 'headers-too-large' : 'bad-request';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    endWithProblem(
      socket,
      status,
      code,
      tooLarge ? 'The request head is too large.' : 'The request is not valid HTTP.',
    );
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
