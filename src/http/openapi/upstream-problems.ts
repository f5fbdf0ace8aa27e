import { problemForFailure } from '../../upstream/errors.js';
import { EXAMPLE_VSPC_PATH, EXAMPLE_VSPC_THROTTLE_S, vspcErrorBody } from './examples.js';
import { RATE_LIMIT_HEADERS } from './headers.js';
import { problemResponse } from './problem-responses.js';

/**
 * Prose and examples of the problems about VSPC: its failures, and the shield's refusals to call it. One
 * response per cause, by its name under `components.responses`. Details come from `problemForFailure`, which
 * writes them for real answers.
 */

/** Seconds of cool-down left in the breaker example. */
const EXAMPLE_COOLDOWN_LEFT_S = 12;

export const UPSTREAM_PROBLEMS = {
  Throttled: problemResponse({
    description:
      'VSPC is throttling this token (`upstream-throttled`). Either VSPC answered 429: the jobs endpoints ' +
      "answer this problem with VSPC's body in `vspc` and `Retry-After` from VSPC's `retryAfter` (`/api/v3/*` " +
      "passes VSPC's own 429 through instead). Or vspc-proxy is holding this token's calls (every call, when VSPC " +
      "named its global limit) until VSPC's wait is over: answered without asking VSPC, with no `vspc` " +
      'member and `Retry-After` the seconds left.',
    code: 'upstream-throttled',
    summary: 'VSPC answered 429',
    detail: `VSPC is throttling; retry after ${EXAMPLE_VSPC_THROTTLE_S} s. VSPC said: Too many requests.`,
    instance: '/jobs/copy',
    extensions: {
      vspc: vspcErrorBody(429, 'transport', 'Too many requests.', { retryAfter: EXAMPLE_VSPC_THROTTLE_S }),
    },
    retryAfterS: EXAMPLE_VSPC_THROTTLE_S,
    more: {
      'upstream-throttled-hold': {
        summary: "Held after VSPC's 429",
        code: 'upstream-throttled',
        detail: problemForFailure('throttled').detail,
        instance: EXAMPLE_VSPC_PATH,
        retryAfterS: EXAMPLE_VSPC_THROTTLE_S - 1,
      },
    },
    headers: ['Retry-After', ...RATE_LIMIT_HEADERS],
  }),
  BadGateway: problemResponse({
    description:
      'VSPC unreachable (`upstream-unreachable`), answered too large a body (`upstream-body-too-large`) or an ' +
      'answer that could not be read, such as an unknown `Content-Encoding` (`upstream-bad-answer`); ' +
      'for `/jobs/copy*` also VSPC failed (520 and other 5xx, `upstream-error`) or answered a status it should ' +
      "not have (`upstream-rejected`), with VSPC's body in `vspc`.",
    code: 'upstream-unreachable',
    summary: 'VSPC unreachable',
    detail: problemForFailure('refused').detail,
    instance: '/jobs/copy',
    more: {
      'upstream-body-too-large': {
        summary: 'VSPC body too large',
        code: 'upstream-body-too-large',
        detail: problemForFailure('body-too-large').detail,
        instance: '/jobs/copy',
      },
      'upstream-bad-answer': {
        summary: "VSPC's answer could not be read",
        code: 'upstream-bad-answer',
        detail: problemForFailure('bad-answer').detail,
        instance: '/jobs/copy',
      },
      'upstream-error': {
        summary: 'VSPC failed',
        code: 'upstream-error',
        detail: 'VSPC failed (520). VSPC said: Unexpected error.',
        instance: '/jobs/copy',
        extensions: { vspc: vspcErrorBody(520, 'transport', 'Unexpected error.') },
      },
      'upstream-rejected': {
        summary: 'VSPC answered an unexpected status',
        code: 'upstream-rejected',
        detail: 'VSPC answered 400. VSPC said: Invalid filter.',
        instance: '/jobs/copy',
        extensions: { vspc: vspcErrorBody(400, 'logical', 'Invalid filter.') },
      },
    },
    headers: RATE_LIMIT_HEADERS,
  }),
  Busy: problemResponse({
    description:
      'VSPC started an asynchronous action instead of answering (`upstream-busy`); retry after `Retry-After`.',
    code: 'upstream-busy',
    summary: 'VSPC started an asynchronous action',
    detail: 'VSPC started an asynchronous action instead of answering; retry shortly.',
    instance: '/jobs/copy',
    retryAfterS: 1,
    headers: ['Retry-After', ...RATE_LIMIT_HEADERS],
  }),
  Unavailable: problemResponse({
    description:
      'The circuit breaker is open (`upstream-unavailable`): VSPC failed `BREAKER_FAILURES` times in a row, so ' +
      'calls are refused without asking VSPC until `BREAKER_COOLDOWN_MS` is over; then one probe call decides ' +
      '(the others are still refused meanwhile). `Retry-After` is the seconds left of the cool-down.',
    code: 'upstream-unavailable',
    summary: 'Circuit breaker open',
    detail: problemForFailure('breaker-open').detail,
    instance: '/jobs/copy',
    retryAfterS: EXAMPLE_COOLDOWN_LEFT_S,
    headers: ['Retry-After', ...RATE_LIMIT_HEADERS],
  }),
  Overloaded: problemResponse({
    description:
      'Too many calls are waiting for VSPC (`upstream-overloaded`): the queue (`UPSTREAM_QUEUE_MAX`) is full, or ' +
      'the call waited for a free slot (`UPSTREAM_MAX_CONCURRENCY`, `UPSTREAM_MAX_CONCURRENCY_PER_TOKEN`) until ' +
      'too little of its deadline was left. VSPC was not asked; `Retry-After` is 1.',
    code: 'upstream-overloaded',
    summary: 'Queue full',
    detail: problemForFailure('queue-full').detail,
    instance: '/jobs/copy',
    retryAfterS: 1,
    more: {
      'upstream-overloaded-wait': {
        summary: 'Waited until the deadline',
        code: 'upstream-overloaded',
        detail: problemForFailure('queue-timeout').detail,
        instance: '/jobs/copy',
        retryAfterS: 1,
      },
    },
    headers: ['Retry-After', ...RATE_LIMIT_HEADERS],
  }),
  GatewayTimeout: problemResponse({
    description: 'VSPC did not answer in time (`upstream-timeout`).',
    code: 'upstream-timeout',
    detail: problemForFailure('timeout').detail,
    instance: '/jobs/copy',
    headers: RATE_LIMIT_HEADERS,
  }),
};
