import { createRequire } from 'node:module';

/**
 * The document's `info`, `servers` and `tags`. The version is the package's: `package.json` sits at the
 * repository root, three directories above this module both as source (`src/http/openapi/`) and compiled
 * (`dist/http/openapi/`), and the container image keeps it beside `dist/`.
 */

const PACKAGE_JSON = '../../../package.json';

/** `package.json`'s `version`; throws, naming the file, when it is missing or not a string. */
export function packageVersion(load: (path: string) => unknown = createRequire(import.meta.url)): string {
  const manifest = load(PACKAGE_JSON);
  const version = (manifest as { version?: unknown } | null)?.version;
  if (typeof version !== 'string' || version === '')
    throw new Error(`openapi: ${PACKAGE_JSON} (from ${import.meta.url}) has no version`);
  return version;
}

export const INFO = {
  title: 'vspc-proxy',
  version: packageVersion(),
  summary:
    'Caching proxy and backend-for-frontend in front of the Veeam Service Provider Console REST API v3.',
  description:
    "Backup copy jobs as plain, stable JSON (`/jobs/copy`), VSPC's own API passed through with a " +
    'token-isolated cache (`/api/v3/...`), health, metrics and admin endpoints. Every error vspc-proxy itself ' +
    'answers is `application/problem+json` (RFC 9457) with a stable `type` and `code`; under `/api/v3/*` it also ' +
    "carries VSPC's `errors` envelope (`VspcProblem`), so clients written for VSPC read it. Every response " +
    'carries `X-Request-Id`.\n\n' +
    'Each caller (bearer token, or address without one) has a rate limit on `/jobs/copy*` and `/api/v3/*`: ' +
    'their answers carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10), and a ' +
    "caller over it gets 429 `rate-limited`. A shield guards VSPC: while VSPC throttles a token, that token's " +
    'calls get 429 `upstream-throttled`; while the circuit breaker is open, 503 `upstream-unavailable`; when ' +
    'too many calls wait for VSPC, 503 `upstream-overloaded`; all with `Retry-After`.\n\n' +
    "Any request may also be refused by Node's parser before routing (400 `bad-request`, 431 " +
    '`headers-too-large`, see `components.responses.HeadersTooLarge`) or fail inside vspc-proxy (500 `internal`).',
  license: { name: 'MIT', identifier: 'MIT' },
};

export const SERVERS = [{ url: '/', description: 'The origin this document was fetched from' }];

export const TAGS = [
  { name: 'jobs', description: 'Backup copy jobs, simplified' },
  { name: 'vspc', description: "VSPC's REST API v3, passed through" },
  { name: 'operations', description: 'Health, readiness, metrics and cache administration' },
  { name: 'docs', description: 'This document and its page' },
];
