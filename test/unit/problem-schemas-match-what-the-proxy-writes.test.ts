import { describe, expect, it } from '@jest/globals';
import { Compile } from 'typebox/compile';
import {
  PROBLEM_CODES,
  ProblemSchema,
  VSPC_ERROR_TYPES,
  VspcProblemSchema,
} from '../../src/http/problem-schema.js';
import { PROBLEMS, problemBody, type ProblemCode } from '../../src/http/problems.js';

const validProblem = Compile(ProblemSchema);
const validVspcProblem = Compile(VspcProblemSchema);

/** A problem as written under `/api/v3/*`: with VSPC's envelope. */
function enveloped(code: ProblemCode, extra: Record<string, unknown> = {}) {
  const body = problemBody(code, 'Detail.', { instance: '/api/v3/x', requestId: 'r-1' });
  return { ...body, errors: [{ message: body.detail, type: 'logical', code: body.status, ...extra }] };
}

describe('ProblemSchema and VspcProblemSchema', () => {
  it('take their codes from the catalog, in its order', () => {
    expect(PROBLEM_CODES).toEqual(Object.keys(PROBLEMS));
    expect(ProblemSchema.properties.code.enum).toEqual(Object.keys(PROBLEMS));
    expect(validProblem.Check({ ...problemBody('internal', 'x'), code: 'no-such-code' })).toBe(false);
  });

  it('accept what problemBody writes for every code, with and without the envelope', () => {
    for (const code of PROBLEM_CODES) {
      const plain = problemBody(code, 'Detail.', {
        instance: '/jobs/copy',
        requestId: 'r-1',
        extensions: { errors: [{ parameter: 'limit', message: 'm' }], vspc: { errors: [] }, limit: 1 },
      });
      expect([code, [...validProblem.Errors(plain)]]).toEqual([code, []]);
      expect([code, [...validVspcProblem.Errors(enveloped(code))]]).toEqual([code, []]);
      expect([code, validVspcProblem.Check(enveloped(code, { retryAfter: 3 }))]).toEqual([code, true]);
    }
  });

  it("holds VSPC's envelope to VSPC's ResponseError: its five types, the status as an integer, one error", () => {
    for (const type of VSPC_ERROR_TYPES)
      expect(validVspcProblem.Check(enveloped('rate-limited', { type }))).toBe(true);
    expect(validVspcProblem.Check(enveloped('rate-limited', { type: 'Transport' }))).toBe(false);
    expect(validVspcProblem.Check(enveloped('rate-limited', { code: '429' }))).toBe(false);
    expect(validVspcProblem.Check(enveloped('rate-limited', { code: 1001 }))).toBe(false);
    expect(validVspcProblem.Check(enveloped('rate-limited', { retryAfter: -1 }))).toBe(false);
    expect(validVspcProblem.Check(enveloped('rate-limited', { failedJsonPatch: {} }))).toBe(false);
    const body = enveloped('rate-limited');
    expect(validVspcProblem.Check({ ...body, errors: [] })).toBe(false);
    expect(validVspcProblem.Check({ ...body, errors: [...body.errors, ...body.errors] })).toBe(false);
    const withoutMessage = Object.fromEntries(
      Object.entries(body.errors[0] ?? {}).filter(([key]) => key !== 'message'),
    );
    expect(validVspcProblem.Check({ ...body, errors: [withoutMessage] })).toBe(false);
  });

  it("keep a plain problem's errors to the refused parameters", () => {
    expect(validProblem.Check(enveloped('bad-path'))).toBe(false);
    expect(validProblem.Check({ ...problemBody('bad-request', 'x'), errors: [{ parameter: 'limit' }] })).toBe(
      false,
    );
    expect(validProblem.Check({ ...problemBody('bad-request', 'x'), status: 200 })).toBe(false);
  });
});
