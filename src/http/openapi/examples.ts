import type { Job } from '../../jobs/job.js';
import type { JobPage } from '../../jobs/schema.js';
import { rateLimitField, rateLimitPolicyField } from '../rate-limit.js';
import type { OAuth2Error, OAuth2Result } from './vspc-schemas.js';

/** Example values of the document. Typed by the schemas they illustrate, so they cannot fall out of shape. */

/** The first seed job of the simulator. */
export const EXAMPLE_JOB: Job = {
  id: 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09',
  name: 'Copy to DR site',
  status: 'success',
  enabled: true,
  lastRun: '2026-11-28T22:00:00Z',
  lastEndTime: '2026-11-28T22:13:32Z',
  lastDurationSec: 812,
  targetRepositoryId: '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec',
  wanAcceleration: {
    sourceId: 'af43d000-52f1-4874-8df3-62dbb8676f25',
    targetId: 'a2b489bb-4aa5-4527-b9e4-f6a0f493a1bb',
  },
  retention: { policy: 'simple', weekly: 0, monthly: 0, yearly: 0 },
  rpo: { enabled: false, value: 0, unit: 'minutes' },
};

export const EXAMPLE_PAGE: JobPage = {
  data: [EXAMPLE_JOB],
  page: { total: 1000, count: 100, offset: 0, limit: 100 },
  links: { self: '/jobs/copy?limit=100&offset=0', next: '/jobs/copy?limit=100&offset=100', prev: null },
};

export const EXAMPLE_REQUEST_ID = '5f0c6a52-1f7e-4d8e-9b1a-3c2d4e5f6a7b';
export const EXAMPLE_JOB_PATH = `/jobs/copy/${EXAMPLE_JOB.id}`;
/** A VSPC path of the pass-through examples. */
export const EXAMPLE_VSPC_PATH = '/api/v3/infrastructure/backupServers/jobs';
/** Seconds VSPC asks to wait in the throttling examples. */
export const EXAMPLE_VSPC_THROTTLE_S = 5;

/** The limiter of the examples: the defaults (`RATE_LIMIT_RPS=50`, `RATE_LIMIT_BURST=100`). */
export const EXAMPLE_RATE_LIMIT = { rps: 50, burst: 100 } as const;
/** `RateLimit-Policy` of that limiter, as the limiter writes it. */
export const EXAMPLE_POLICY_FIELD = rateLimitPolicyField(EXAMPLE_RATE_LIMIT.rps, EXAMPLE_RATE_LIMIT.burst);
/** `RateLimit` after a first request, and on a refusal. */
export const EXAMPLE_RATE_LIMIT_FIELDS = [
  rateLimitField({ allowed: true, remaining: EXAMPLE_RATE_LIMIT.burst - 1, resetS: 1 }),
  rateLimitField({ allowed: false, remaining: 0, resetS: 1, retryAfterS: 1 }),
];

/** A few lines of the `/metrics` exposition. */
export const EXAMPLE_METRICS = [
  '# HELP http_requests_total Client requests answered, by route template, method and response status.',
  '# TYPE http_requests_total counter',
  'http_requests_total{route="/jobs/copy",method="GET",status="200"} 42',
  '# HELP breaker_state State of the circuit breaker in front of VSPC: 0 closed, 1 open, 2 half-open.',
  '# TYPE breaker_state gauge',
  'breaker_state 0',
  '',
].join('\n');

/** VSPC's answer to a password login (tokens shortened). */
export const EXAMPLE_TOKEN: OAuth2Result = {
  access_token: 'ZXhhbXBsZS1hY2Nlc3MtdG9rZW4',
  token_type: 'bearer',
  refresh_token: 'ZXhhbXBsZS1yZWZyZXNoLXRva2Vu',
  mfa_token: null,
  encrypted_code: null,
  expires_in: 3600,
};

/** VSPC's answer to a login with a wrong password. */
export const EXAMPLE_LOGIN_REFUSED: OAuth2Error = {
  error: 'invalid_grant',
  error_description: 'Cannot complete login due to incorrect username or password, or no sufficient rights.',
  error_uri: null,
};

/** VSPC's own error body (`ErrorResponse`), as kept in a problem's `vspc` member. */
export function vspcErrorBody(
  code: number,
  type: string,
  message: string,
  extra: Readonly<Record<string, number>> = {},
): { errors: Array<Record<string, string | number>> } {
  return { errors: [{ message, type, code, ...extra }] };
}
