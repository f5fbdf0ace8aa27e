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

export function createBaseHeaders(): BaseHeaders {
  const flat: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      flat.push(name, Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader() {},
  } as unknown as ServerResponse;
  let finished = false;
  helmet()({} as IncomingMessage, recorder, () => {
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
