import { describe, expect, it } from '@jest/globals';
import { OPENAPI_DOCUMENT } from '../../src/http/openapi/index.js';
import { packageVersion } from '../../src/http/openapi/info.js';
import { problemResponse } from '../../src/http/openapi/problem-responses.js';
import { assembleProblemResponses } from '../../src/http/openapi/responses.js';
import { PROBLEMS } from '../../src/http/problems.js';
import { unlistedProblems, withUnlisted } from '../../src/http/openapi/unlisted-problems.js';

/** The catalog with the codes that are on their way into it. */
const GROWN_CATALOG = {
  'rate-limited': { status: 429, title: 'Too many requests from this caller' },
  'length-required': { status: 411, title: 'Content-Length required' },
  'login-rate-limited': { status: 429, title: 'Too many logins from this address' },
  'auth-rate-limited': { status: 429, title: 'Too many refused tokens from this address' },
};

describe('problem codes the prose does not describe yet', () => {
  it('get one response per status, each code an example whose detail is its title', () => {
    const unlisted = unlistedProblems(GROWN_CATALOG, new Set(['rate-limited']));
    expect([...unlisted.keys()]).toEqual([411, 429]);
    const tooMany = unlisted.get(429);
    expect(tooMany?.examples).toEqual({
      'login-rate-limited': {
        code: 'login-rate-limited',
        summary: 'Too many logins from this address',
        detail: 'Too many logins from this address.',
      },
      'auth-rate-limited': {
        code: 'auth-rate-limited',
        summary: 'Too many refused tokens from this address',
        detail: 'Too many refused tokens from this address.',
      },
    });
    expect(tooMany?.headers).toEqual(['Retry-After', 'RateLimit-Policy', 'RateLimit']);
    expect(unlisted.get(411)?.headers).toEqual(['RateLimit-Policy', 'RateLimit']);
    expect(unlisted.get(411)?.description).toBe('Content-Length required (`length-required`).');
  });

  it('join the response an operation already has at their status', () => {
    const listed = problemResponse({
      description: 'Over the limit.',
      code: 'rate-limited',
      detail: 'Slow down.',
      headers: ['Retry-After'],
    });
    const unlisted = unlistedProblems({ 'rate-limited': GROWN_CATALOG['rate-limited'] }, new Set());
    // A real catalog code, so that the merge can check its status.
    const joined = withUnlisted(
      listed,
      unlistedProblems({ 'upstream-throttled': { status: 429, title: 'Throttled' } }, new Set()).get(429),
    );
    expect(Object.keys(joined.examples)).toEqual(['rate-limited', 'upstream-throttled']);
    expect(joined.description).toBe('Over the limit.\n\nAlso: Throttled (`upstream-throttled`).');
    expect(joined.headers).toEqual(['Retry-After', 'RateLimit-Policy', 'RateLimit']);
    expect(withUnlisted(listed, undefined)).toBe(listed);
    expect(() => withUnlisted(listed, unlisted.get(429))).toThrow(/two examples named 'rate-limited'/);
  });

  it('are documented on the jobs and VSPC operations at their status, in their own problem schema', () => {
    const { pools, byStatus } = assembleProblemResponses({ ...PROBLEMS, ...GROWN_CATALOG });
    expect(byStatus.jobsList[411]).toBe('Unlisted411');
    expect(byStatus.jobsOne[411]).toBe('Unlisted411');
    expect(byStatus.passThrough[411]).toBe('PassThroughUnlisted411');
    expect(byStatus.token[411]).toBe('PassThroughUnlisted411');
    expect(Object.keys(pools.Problem.Unlisted411?.examples ?? {})).toEqual(['length-required']);
    expect(Object.keys(pools.VspcProblem.PassThroughUnlisted411?.examples ?? {})).toEqual([
      'length-required',
    ]);
    // At a status the operation already answers, they join that response.
    expect(byStatus.jobsList[429]).toBe('TooManyRequests');
    expect(Object.keys(pools.Problem.TooManyRequests?.examples ?? {})).toEqual([
      'rate-limited',
      'auth-rate-limited',
      'upstream-throttled',
      'upstream-throttled-hold',
    ]);
    expect(Object.keys(pools.VspcProblem.PassThroughTooManyRequests?.examples ?? {})).toEqual([
      'rate-limited',
      'auth-rate-limited',
      'upstream-throttled-hold',
    ]);
    // The operational routes are left as they are.
    expect(byStatus.readyz).toEqual({ 503: 'NotReady' });
    expect(byStatus.metrics).toEqual({ 401: 'MetricsUnauthorized', 500: 'Internal' });
  });

  it('are none today: every code of the catalog has its prose', () => {
    const names = Object.keys(OPENAPI_DOCUMENT.components.responses);
    expect(names.filter((name) => name.includes('Unlisted'))).toEqual([]);
  });
});

describe("the document's version", () => {
  it("is package.json's, and a manifest without one stops the start, naming the file", () => {
    expect(packageVersion()).toBe(OPENAPI_DOCUMENT.info.version);
    expect(packageVersion(() => ({ version: '2.3.4' }))).toBe('2.3.4');
    expect(() => packageVersion(() => ({ name: 'x' }))).toThrow(/package\.json .* has no version/);
    expect(() => packageVersion(() => null)).toThrow(/has no version/);
  });
});
