import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { OPENAPI_DOCUMENT } from './openapi/index.js';
import { API_PREFIX } from './target.js';

/** The absolute paths the docs router answers. */
export const DOCS_PATHS = {
  document: '/openapi.json',
  page: '/docs',
  assets: '/docs/assets',
} as const;

/**
 * The `/docs` page's Content-Security-Policy, replacing the API's `default-src 'none'` on that page only.
 * Everything from this origin and nothing else: scripts and styles from files (no inline code), the spec
 * fetched from `/openapi.json` (and "Try it out" calls to this origin), images from here plus the `data:`
 * SVG icons swagger-ui.css embeds. Nothing may frame the page; forms (swagger-ui's authorize dialog, which
 * never submits) may only target this origin; no `<base>`.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Generated answers change with the build only: browsers keep them but revalidate (cheap, via ETag). */
const CACHE_CONTROL = 'no-cache';

/** The files of swagger-ui-dist the page needs, by the name they are served under `/docs/assets/`. */
const PACKAGE_ASSETS = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'] as const;

/** The initializer's name under `/docs/assets/`. */
const INITIALIZER = 'docs-init.js';

/**
 * Renders `/openapi.json` with swagger-ui (the Base layout: no top bar, no URL box). No inline script:
 * the page's CSP allows scripts from files only. `validatorUrl: null` keeps swagger-ui from asking an
 * online validator about the document. The page and this script live here rather than as static files
 * because `tsc` copies only compiled code into `dist/`, which is all the container image ships.
 *
 * The request interceptor makes "Try it out" work for `/api/v3/{path}`: swagger-ui percent-encodes a path
 * parameter whole, so `infrastructure/backupServers` would leave as `infrastructure%2FbackupServers`, which
 * vspc-proxy refuses (an encoded slash); the slashes below `/api/v3/` are put back first, the query untouched.
 */
const INITIALIZER_SOURCE = `'use strict';
// Renders the vspc-proxy OpenAPI document; loaded by ${DOCS_PATHS.page} after swagger-ui-bundle.js.
function restoreApiSlashes(url) {
  var queryStart = url.indexOf('?');
  var path = queryStart === -1 ? url : url.slice(0, queryStart);
  var apiStart = path.indexOf('${API_PREFIX}/');
  if (apiStart === -1) return url;
  return path.slice(0, apiStart) + path.slice(apiStart).replace(/%2F/gi, '/') + url.slice(path.length);
}
window.ui = SwaggerUIBundle({
  url: '${DOCS_PATHS.document}',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
  tryItOutEnabled: false,
  requestInterceptor: function (request) {
    request.url = restoreApiSlashes(request.url);
    return request;
  },
});
`;

const asset = (name: string): string => `${DOCS_PATHS.assets}/${name}`;

const PAGE_SOURCE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${OPENAPI_DOCUMENT.info.title} API</title>
    <link rel="stylesheet" href="${asset('swagger-ui.css')}">
    <link rel="stylesheet" href="${asset('index.css')}">
    <link rel="icon" type="image/png" sizes="32x32" href="${asset('favicon-32x32.png')}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${asset('swagger-ui-bundle.js')}"></script>
    <script src="${asset(INITIALIZER)}"></script>
  </body>
</html>
`;

/** A body built once, with its type and a strong ETag. */
interface Generated {
  body: Buffer;
  contentType: string;
  etag: string;
}

function generated(text: string, contentType: string): Generated {
  const body = Buffer.from(text, 'utf8');
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/** The directory of the installed swagger-ui-dist; throws, saying what to do, when a file is missing. */
function swaggerUiDirectory(): string {
  const require = createRequire(import.meta.url);
  let directory: string;
  try {
    directory = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  } catch {
    throw new Error('swagger-ui-dist is not installed; run `npm ci` (it is a runtime dependency of /docs)');
  }
  for (const name of PACKAGE_ASSETS) {
    if (!existsSync(path.join(directory, name)))
      throw new Error(`swagger-ui-dist at ${directory} has no ${name}; reinstall it with \`npm ci\``);
  }
  return directory;
}

/** Sends a generated body, or 304 when the client's `If-None-Match` matches it. */
function sendGenerated(req: Request, res: Response, answer: Generated): void {
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.setHeader('ETag', answer.etag);
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', answer.contentType);
  res.setHeader('Content-Length', answer.body.length);
  res.status(200).end(answer.body);
}

/**
 * The API description and its page, from the installed swagger-ui-dist only (no CDN: `/docs` works
 * offline): `GET /openapi.json`, `GET /docs` and `GET /docs/assets/<file>`. The paths are absolute, so
 * mount it at the root. It assumes nothing about earlier middleware but that it may have set an API
 * CSP, which `/docs` replaces with {@link DOCS_CONTENT_SECURITY_POLICY}. Unknown asset names fall
 * through (`next()`) to the app's 404.
 */
export function createDocsRouter(): express.Router {
  const directory = swaggerUiDirectory();
  const packageFiles = new Map<string, string>(
    PACKAGE_ASSETS.map((name) => [name, path.join(directory, name)]),
  );
  const document = generated(JSON.stringify(OPENAPI_DOCUMENT), 'application/json; charset=utf-8');
  const page = generated(PAGE_SOURCE, 'text/html; charset=utf-8');
  const initializer = generated(INITIALIZER_SOURCE, 'text/javascript; charset=utf-8');

  const router = express.Router({ caseSensitive: true });

  router.get(DOCS_PATHS.document, (req, res) => sendGenerated(req, res, document));

  router.get(DOCS_PATHS.page, (req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
    sendGenerated(req, res, page);
  });

  router.get(`${DOCS_PATHS.assets}/:file`, (req, res, next) => {
    const name = req.params.file;
    if (name === INITIALIZER) return sendGenerated(req, res, initializer);
    const file = packageFiles.get(name);
    if (file === undefined) return next();
    res.sendFile(file, { cacheControl: false, headers: { 'Cache-Control': CACHE_CONTROL } }, (error) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });

  return router;
}
