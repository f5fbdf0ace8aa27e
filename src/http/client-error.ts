import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, problemBody, type ProblemCode } from './problems.js';

/** Node's parser error codes that mean "headers too large". */
const TOO_LARGE = new Set(['HPE_HEADER_OVERFLOW']);

/**
 * Answers requests Node's HTTP parser refuses (malformed headers, unknown methods, oversized heads,
 * ambiguous framing) with a problem+json 400 or 431 instead of a bare status line, then closes.
 */
export function createClientErrorHandler(
  logger: Logger,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    const tooLarge = error.code !== undefined && TOO_LARGE.has(error.code);
    logger.warn({ code: error.code, remoteAddress: socket.remoteAddress }, 'malformed request refused');
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const code: ProblemCode = tooLarge ? 'headers-too-large' : 'bad-request';
    const body = JSON.stringify(
      problemBody(code, tooLarge ? 'The request head is too large.' : 'The request is not valid HTTP.'),
    );
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
