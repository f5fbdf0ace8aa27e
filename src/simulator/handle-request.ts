import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.js';
import { dispatch, type DispatchState } from './dispatch.js';
import { serverErrorResponse, STATUS_SERVER_ERROR } from './errors.js';
import { pause } from './pause.js';
import { writeResponse } from './respond.js';
import type { RequestStats } from './stats.js';
import { throttledResponse, type RequestThrottle } from './throttle.js';

/** Everything the request flow uses: endpoint state plus counters, the throttle and the close signal. */
export interface SimulatorState extends DispatchState {
  readonly stats: RequestStats;
  /** Request counts of the `throttleRps` knob. */
  readonly throttle: RequestThrottle;
  /** Aborted when the simulator closes: pending delays end at once. */
  readonly signal: AbortSignal;
}

/** Base for parsing request targets, which are usually origin-form (`/api/v3/...`). */
const URL_BASE = 'http://simulator.invalid';

/** The raw query string of a request target, without '?' and without any fragment. */
function rawQueryOf(target: string): string {
  const queryStart = target.indexOf('?');
  if (queryStart === -1) return '';
  const fragmentStart = target.indexOf('#', queryStart);
  return target.slice(queryStart + 1, fragmentStart === -1 ? undefined : fragmentStart);
}

/** The path of a request target (origin-form or absolute-form); the raw text if it does not parse. */
function pathnameOf(target: string): string {
  try {
    return new URL(target, URL_BASE).pathname;
  } catch {
    return target.split('?')[0] ?? target;
  }
}

async function answer(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { knobs, signal } = state;
  const target = req.url ?? '/';
  const method = req.method ?? 'GET';
  const pathname = pathnameOf(target);
  const rawQuery = rawQueryOf(target);
  const body = await readBody(req);
  state.stats.record({
    method,
    path: pathname,
    query: rawQuery,
    headers: { ...req.headers },
    body: body.text,
  });

  const throttled = throttledResponse(state, {
    method,
    pathname,
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
  });
  if (throttled !== undefined) {
    state.stats.throttled();
    await writeResponse(res, throttled, knobs.slowBodyMs, signal);
    return;
  }
  if (knobs.latencyMs > 0 && !(await pause(knobs.latencyMs, signal))) return;
  if (knobs.resetConnection) {
    req.socket.resetAndDestroy();
    return;
  }
  const response = dispatch(state, {
    method,
    pathname,
    query: new URLSearchParams(rawQuery),
    headers: req.headers,
    body,
  });
  await writeResponse(res, response, knobs.slowBodyMs, signal);
}

/**
 * The life of one request: refused outright when the `down` knob is on; otherwise counted, read (1 MiB cap),
 * recorded, answered 429 at once when over the `throttleRps` rate, else delayed, possibly reset, then answered.
 * In-flight tracking ends when the response finishes or the connection closes.
 */
export function handleRequest(state: SimulatorState, req: IncomingMessage, res: ServerResponse): void {
  if (state.knobs.down) {
    req.socket.resetAndDestroy();
    return;
  }
  state.stats.arrive();
  res.once('close', () => state.stats.depart());
  answer(state, req, res).catch(() => {
    // Only a failure outside `dispatch` (reading or writing) gets here; answer 520 if still possible.
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    writeResponse(res, { status: STATUS_SERVER_ERROR, body: serverErrorResponse() }, 0, state.signal).catch(
      () => res.destroy(),
    );
  });
}
