import type { ProblemCode } from '../http/problems.js';
import type { UpstreamResponse } from '../upstream/client.js';
import { throttleOf } from '../upstream/throttle-answer.js';

/** How one VSPC error answer is told to a `/jobs/copy` client. */
export interface VspcProblem {
  code: ProblemCode;
  detail: string;
  /** VSPC's own body, parsed when it is JSON. */
  vspc: unknown;
  headers: Record<string, string>;
}

/** Seconds to wait when VSPC asks for patience without saying how long. */
const DEFAULT_RETRY_AFTER_S = 1;
/** Longest wait told to a client: one hour, the shield's longest hold. */
const MAX_RETRY_AFTER_S = 3600;

function parsed(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text === '' ? null : text;
  }
}

/** VSPC's first error message, if its body has one. */
function firstError(vspc: unknown): { message?: unknown; retryAfter?: unknown } | undefined {
  const errors = (vspc as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors)
    ? (errors[0] as { message?: unknown; retryAfter?: unknown } | undefined)
    : undefined;
}

/**
 * Seconds a client should wait after VSPC's 429, from 1 to {@link MAX_RETRY_AFTER_S}: the answer's
 * `Retry-After` header when it is whole seconds (the shield sets it to the seconds it holds the
 * calls), else what VSPC's answer says ({@link throttleOf}: the body's `retryAfter`, a header date),
 * else one second. Pure.
 */
export function retryAfterSeconds(answer: UpstreamResponse, now: number = Date.now()): number {
  const header = answer.headers['retry-after']?.trim();
  if (header !== undefined && /^\d+$/.test(header)) return boundedSeconds(Number(header));
  const { retryAfterS } = throttleOf(answer, now);
  return retryAfterS === null ? DEFAULT_RETRY_AFTER_S : boundedSeconds(retryAfterS);
}

/** Whole seconds, rounded up, within 1..{@link MAX_RETRY_AFTER_S}. */
function boundedSeconds(seconds: number): number {
  return Math.min(MAX_RETRY_AFTER_S, Math.max(DEFAULT_RETRY_AFTER_S, Math.ceil(seconds)));
}

/**
 * Maps a VSPC answer that is not a 200 onto a problem; pure. 401/403/404 keep their status;
 * 429 stays 429 with `Retry-After` from {@link retryAfterSeconds}; 202 (an async action) becomes 503 with
 * `Retry-After: 1`; 520 and other server errors become 502; any other status is a 502 too.
 */
export function problemForVspcAnswer(answer: UpstreamResponse): VspcProblem {
  const vspc = parsed(answer.body);
  const message = firstError(vspc)?.message;
  const said = typeof message === 'string' ? ` VSPC said: ${message}` : '';
  switch (answer.status) {
    case 401:
      return {
        code: 'token-refused',
        detail: `VSPC refused the token; sign in again (POST /api/v3/token).${said}`,
        vspc,
        headers: { 'WWW-Authenticate': 'Bearer' },
      };
    case 403:
      return {
        code: 'forbidden',
        detail: `VSPC does not allow this to the token's user.${said}`,
        vspc,
        headers: {},
      };
    case 404:
      return { code: 'not-found', detail: `VSPC has no such job.${said}`, vspc, headers: {} };
    case 429: {
      const seconds = retryAfterSeconds(answer);
      return {
        code: 'upstream-throttled',
        detail: `VSPC is throttling; retry after ${seconds} s.${said}`,
        vspc,
        headers: { 'Retry-After': String(seconds) },
      };
    }
    case 202:
      return {
        code: 'upstream-busy',
        detail: 'VSPC started an asynchronous action instead of answering; retry shortly.',
        vspc,
        headers: { 'Retry-After': String(DEFAULT_RETRY_AFTER_S) },
      };
    default:
      if (answer.status >= 500)
        return {
          code: 'upstream-error',
          detail: `VSPC failed (${answer.status}).${said}`,
          vspc,
          headers: {},
        };
      return {
        code: 'upstream-rejected',
        detail: `VSPC answered ${answer.status}.${said}`,
        vspc,
        headers: {},
      };
  }
}
