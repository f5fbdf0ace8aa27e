import type { ServerResponse } from 'node:http';
import { STATUS_SERVER_ERROR } from './errors.js';
import { pause } from './pause.js';

/** What an endpoint answers: status, optional JSON body, optional extra headers. */
export interface EndpointResponse {
  readonly status: number;
  /** Serialized as JSON; `undefined` sends an empty body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const STATUS_OK = 200;
export const STATUS_ACCEPTED = 202;

/** Content type of every JSON body VSPC sends. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** With `slowBodyMs` > 0 a body is written in this many chunks. */
export const SLOW_BODY_CHUNKS = 4;
/** Node has no reason phrase for VSPC's 520. */
const SERVER_ERROR_REASON = 'Unknown Error';

/**
 * Writes a response. With `slowBodyMs` > 0 the body goes out in {@link SLOW_BODY_CHUNKS} chunks with that delay
 * between them (Content-Length is sent up front, as VSPC does); writing stops if the client goes away or the
 * simulator closes.
 */
export async function writeResponse(
  res: ServerResponse,
  response: EndpointResponse,
  slowBodyMs: number,
  signal: AbortSignal,
): Promise<void> {
  const payload =
    response.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(response.body), 'utf8');
  res.statusCode = response.status;
  if (response.status === STATUS_SERVER_ERROR) res.statusMessage = SERVER_ERROR_REASON;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.body !== undefined) res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', payload.length);

  if (slowBodyMs <= 0 || payload.length === 0) {
    res.end(payload);
    return;
  }
  const chunkBytes = Math.ceil(payload.length / SLOW_BODY_CHUNKS);
  for (let start = 0; start < payload.length; start += chunkBytes) {
    if (start > 0 && !(await pause(slowBodyMs, signal))) return;
    if (res.destroyed) return;
    res.write(payload.subarray(start, start + chunkBytes));
  }
  res.end();
}
