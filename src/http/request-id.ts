import { randomUUID } from 'node:crypto';

/** A client-supplied request id is kept when it is 1–128 visible, URL-safe characters. */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** True for a request id the proxy keeps: 1–128 characters of `A-Z a-z 0-9 . _ : -`. Pure. */
export function isWellFormedRequestId(value: string): boolean {
  return WELL_FORMED_REQUEST_ID.test(value);
}

/** Returns the client's `X-Request-Id` when well-formed, else a fresh UUID; pure but for the UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && isWellFormedRequestId(header) ? header : randomUUID();
}
