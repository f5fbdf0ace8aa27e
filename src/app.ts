import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createAccessLog } from './http/access-log.js';
import { createCors } from './http/cors.js';
import { createReadyz, healthz } from './http/health.js';
import { sendProblem } from './http/problems.js';
import { createProxyHandler } from './http/proxy.js';
import { API_PREFIX, normaliseTarget } from './http/target.js';
import type { UpstreamClient } from './upstream/client.js';

/** Everything the app needs, built by `main.ts` (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  upstream: UpstreamClient;
}

/** Builds the vspc-proxy HTTP app. It never listens: `main.ts` or a test does. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, upstream } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(createAccessLog(logger));
  app.use(helmet());
  app.use(createCors(config.corsOrigins));

  // Refuse traversal and absolute-form targets before any routing sees them.
  app.use((req, res, next) => {
    const target = normaliseTarget(req.url);
    if (!target.ok) return sendProblem(res, 'bad-path', target.detail, { requestId: String(req.id) });
    next();
  });

  app.get('/healthz', healthz);
  app.get('/readyz', createReadyz(upstream, config.readyTimeoutMs));

  app.use(
    API_PREFIX,
    express.raw({ type: () => true, limit: config.requestMaxBodyBytes }),
    createProxyHandler({ upstream, logger }),
  );

  app.use((req, res) => {
    sendProblem(res, 'not-found', `No route for ${req.method} ${req.path}.`, {
      instance: req.path,
      requestId: String(req.id),
    });
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const context = { instance: req.path, requestId: String(req.id) };
    const status = (error as { status?: unknown }).status;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 413) {
      return sendProblem(
        res,
        'payload-too-large',
        `The request body exceeds ${config.requestMaxBodyBytes} bytes.`,
        context,
      );
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(res, 'bad-request', 'The request could not be read.', context);
    }
    logger.error(
      { reqId: req.id, err: { type: (error as Error).name, message: (error as Error).message } },
      'unhandled error',
    );
    sendProblem(res, 'internal', 'An unexpected error occurred.', context);
  };
  app.use(onError);
  return app;
}
