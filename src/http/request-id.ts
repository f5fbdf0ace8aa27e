import { randomUUID } from 'node:crypto';

/** A client-supplied request id is kept when it is 1–128 visible, URL-safe characters. */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Returns the client's `X-Request-Id` when well-formed, else a fresh UUID; pure but for the UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED_REQUEST_ID.test(header) ? header : randomUUID();
}
