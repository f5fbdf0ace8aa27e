import { EXAMPLE_POLICY_FIELD, EXAMPLE_RATE_LIMIT_FIELDS } from './examples.js';
import { ref } from './json.js';

/** `components.headers`: the response headers the document names, with what each says. */
export const HEADERS = {
  'X-Request-Id': {
    description:
      "The client's `X-Request-Id` when well-formed (1-128 of `A-Z a-z 0-9 . _ : -`), else a UUID.",
    schema: { type: 'string' },
  },
  ETag: {
    description: 'Strong entity tag of the body; send it back in `If-None-Match`.',
    schema: { type: 'string' },
  },
  'Cache-Status': {
    description:
      'RFC 9211 cache status, such as `vspc-proxy; hit; ttl=17` or `vspc-proxy; fwd=miss; stored`.',
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 0 },
  },
  'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } },
  'RateLimit-Policy': {
    description:
      "The client rate limit's quota policy (draft-ietf-httpapi-ratelimit-headers-10 §3), a Structured Field " +
      'List of one item: `"default";q=<RATE_LIMIT_BURST>;w=<seconds a full refill takes>`. On every answer ' +
      'of `/jobs/copy*` and `/api/v3/*` while `RATE_LIMIT_RPS` is above 0.',
    schema: {
      type: 'string',
      pattern: '^"default";q=[1-9][0-9]*;w=[1-9][0-9]*$',
      examples: [EXAMPLE_POLICY_FIELD],
    },
  },
  RateLimit: {
    description:
      "This caller's quota now (draft-ietf-httpapi-ratelimit-headers-10 §4), a Structured Field List of one " +
      'item: `"default";r=<requests left>;t=<seconds until the quota is full again>`; on a 429, `t` is the ' +
      '`Retry-After` seconds. On every answer of `/jobs/copy*` and `/api/v3/*` while `RATE_LIMIT_RPS` is ' +
      'above 0.',
    schema: { type: 'string', pattern: '^"default";r=[0-9]+;t=[0-9]+$', examples: EXAMPLE_RATE_LIMIT_FIELDS },
  },
  Allow: { description: 'The methods forwarded to VSPC.', schema: { type: 'string' } },
};

export type HeaderName = keyof typeof HEADERS;

/** `headers` of a response: references to the named component headers. */
export function headerRefs(...names: readonly HeaderName[]): Record<string, { readonly $ref: string }> {
  return Object.fromEntries(names.map((name) => [name, ref('headers', name)]));
}

/**
 * The client rate limit's header fields (draft-ietf-httpapi-ratelimit-headers-10), on every answer of the
 * rate-limited operations (`/jobs/copy*`, `/api/v3/*`) while `RATE_LIMIT_RPS` is above 0.
 */
export const RATE_LIMIT_HEADERS: readonly HeaderName[] = ['RateLimit-Policy', 'RateLimit'];

/** Headers of every answer built from cached VSPC data. */
export const CACHED_ANSWER_HEADERS: readonly HeaderName[] = ['ETag', 'Cache-Status', 'X-Request-Id'];
