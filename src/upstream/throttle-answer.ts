import type { VspcResponse } from './client.js';

/** 429 bodies larger than this are not parsed for `retryAfter`. */
const MAX_THROTTLE_BODY_BYTES = 64 * 1024;
const MS_PER_S = 1000;

/**
 * What a VSPC 429 says about the wait: `retryAfter` (seconds) of the body's first error, else a
 * `Retry-After` header (seconds or an HTTP date), else nothing; and whether its message names the
 * global limit. Pure.
 */
export function throttleOf(
  answer: Pick<VspcResponse, 'headers' | 'body'>,
  now: number = Date.now(),
): { retryAfterS: number | null; global: boolean } {
  let first: { retryAfter?: unknown; message?: unknown } | undefined;
  if (answer.body.length <= MAX_THROTTLE_BODY_BYTES) {
    try {
      const parsed = JSON.parse(answer.body.toString('utf8')) as { errors?: unknown };
      if (Array.isArray(parsed.errors)) first = parsed.errors[0] as typeof first;
    } catch {
      first = undefined;
    }
  }
  // VSPC sees every call from the proxy's one address: a limit per IP (not per user and IP) holds everyone.
  const message = typeof first?.message === 'string' ? first.message : '';
  const global =
    /\bglobal\b/i.test(message) || (/\b(ip|address)\b/i.test(message) && !/\buser\b/i.test(message));
  const fromBody = seconds(first?.retryAfter);
  if (fromBody !== null) return { retryAfterS: fromBody, global };
  const header = answer.headers['retry-after']?.trim();
  if (header !== undefined && header !== '') {
    if (/^\d+$/.test(header)) return { retryAfterS: Number(header), global };
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return { retryAfterS: Math.max(0, (at - now) / MS_PER_S), global };
  }
  return { retryAfterS: null, global };
}

/** A non-negative number of seconds, as a number or a numeric string; else `null`. */
function seconds(value: unknown): number | null {
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
}
