import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** A response header as a name/value pair. */
export type HeaderPair = readonly [name: string, value: string];

/**
 * The headers helmet sets, captured once when the app is built, so every response (the
 * cache-hit path included, which never enters Express) gets them for the price of a few setHeader calls.
 */
export function securityHeaders(): readonly HeaderPair[] {
  const pairs: HeaderPair[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      pairs.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
    },
    removeHeader() {},
  } as unknown as ServerResponse;
  let finished = false;
  helmet()({} as IncomingMessage, recorder, () => {
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously; security headers cannot be captured');
  return pairs;
}
