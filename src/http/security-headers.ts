import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * The headers every response carries: `X-Request-Id` and helmet's security headers. helmet runs
 * once when the app is built and its headers are kept, so the cache-hit path (which never enters
 * Express) can write them with the rest of its headers in one `writeHead`.
 */
export interface BaseHeaders {
  /** Sets them on a response the usual way (`setHeader`). */
  apply(res: ServerResponse, requestId: string): void;
  /** Appends them to a flat `[name, value, …]` list for `writeHead`. */
  appendTo(list: string[], requestId: string): void;
}

/**
 * helmet, set for a JSON API: a CSP that allows nothing and no framing, HSTS, nosniff, no referrer,
 * same-origin COOP/CORP, `X-Frame-Options`; the headers that only matter to HTML pages are off
 * (they would add bytes to every answer, cached ones included).
 */
const API_HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

export function createBaseHeaders(): BaseHeaders {
  const flat: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      flat.push(name, Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader() {},
  } as unknown as ServerResponse;
  let finished = false;
  helmet(API_HELMET_OPTIONS)({} as IncomingMessage, recorder, () => {
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously; its headers cannot be captured');
  return {
    apply(res, requestId) {
      res.setHeader('X-Request-Id', requestId);
      for (let index = 0; index < flat.length; index += 2)
        res.setHeader(flat[index] as string, flat[index + 1] as string);
    },
    appendTo(list, requestId) {
      list.push('X-Request-Id', requestId, ...flat);
    },
  };
}
