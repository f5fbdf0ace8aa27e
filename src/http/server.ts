import http, { type RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createClientErrorHandler, createConnectRefusal } from './client-error.js';
import { clientStallTimeoutMs } from './client-timeouts.js';
import { serverTimeouts } from './server-timeouts.js';
import type { WriteBacklog } from './write-backlog.js';

/**
 * The HTTP server around the app, with what bounds its clients: deadlines to send a request
 * (`serverTimeouts`), the stall timeout, problem answers for what Node's parser refuses and for `CONNECT`,
 * `Expect: 100-continue` handed to the app (whose body reader sends `100 Continue` only for a body it
 * accepts), and every answer watched by the write backlog. It does not listen: `main.ts` or a test does.
 */
export function createHttpServer(
  app: RequestListener,
  deps: { config: Config; logger: Logger; writeBacklog: WriteBacklog },
): http.Server {
  const { writeBacklog } = deps;
  // Watched before the app runs: a cache hit is answered (and ended) before the app returns.
  const watched: RequestListener = (req, res) => {
    writeBacklog.watch(res);
    app(req, res);
  };
  const server = http.createServer(serverTimeouts(deps.config), watched);
  // A client that stops reading (or sending) is cut off instead of holding its answer's memory.
  server.timeout = clientStallTimeoutMs(deps.config);
  server.on('clientError', createClientErrorHandler(deps.logger));
  server.on('connect', createConnectRefusal(deps.logger));
  // Without a listener Node would answer `100 Continue` before the app sees the request.
  server.on('checkContinue', watched);
  return server;
}
