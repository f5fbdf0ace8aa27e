import { describe, expect, it } from '@jest/globals';
import { problemForVspcAnswer, retryAfterSeconds } from '../../src/jobs/errors.js';
import type { UpstreamResponse } from '../../src/upstream/client.js';

const NOW = Date.parse('2026-11-28T22:00:00.000Z');

const throttled = (body: unknown, headers: UpstreamResponse['headers'] = {}): UpstreamResponse => ({
  status: 429,
  headers,
  body: Buffer.from(JSON.stringify(body)),
  durationMs: 1,
});
const withRetryAfter = (retryAfter: unknown) => ({
  errors: [{ message: 'Too many requests', type: 'transport', code: 429, retryAfter }],
});

describe('retryAfterSeconds: the Retry-After a /jobs/copy client gets after VSPC’s 429', () => {
  it('prefers the answer’s Retry-After header (the seconds the shield holds) over the body', () => {
    const answer = throttled(withRetryAfter(25), { 'retry-after': '7' });
    expect(retryAfterSeconds(answer, NOW)).toBe(7);
    expect(problemForVspcAnswer(answer).headers).toEqual({ 'Retry-After': '7' });
  });

  it('reads an HTTP-date header as the seconds until then, not as 1 s', () => {
    const at = new Date(NOW + 90_500).toUTCString();
    expect(retryAfterSeconds(throttled(null, { 'retry-after': at }), NOW)).toBe(90);
    const past = new Date(NOW - 60_000).toUTCString();
    expect(retryAfterSeconds(throttled(null, { 'retry-after': past }), NOW)).toBe(1);
  });

  it('falls back to the body’s retryAfter only without a header: rounded up, at least 1, at most an hour', () => {
    const seconds = (retryAfter: unknown) => retryAfterSeconds(throttled(withRetryAfter(retryAfter)), NOW);
    expect(seconds(25)).toBe(25);
    expect(seconds(2.2)).toBe(3);
    expect(seconds(0)).toBe(1);
    expect(seconds('12')).toBe(12);
    expect(seconds(1e21)).toBe(3600);
    expect(seconds(3601)).toBe(3600);
    expect(problemForVspcAnswer(throttled(withRetryAfter(1e21))).headers).toEqual({ 'Retry-After': '3600' });
  });

  it('caps a huge header too, and ignores what is neither a number nor a date', () => {
    expect(retryAfterSeconds(throttled(null, { 'retry-after': '99999999' }), NOW)).toBe(3600);
    expect(retryAfterSeconds(throttled(null, { 'retry-after': '0' }), NOW)).toBe(1);
    const garbled = throttled(withRetryAfter(4), { 'retry-after': 'soon' });
    expect(retryAfterSeconds(garbled, NOW)).toBe(4);
    expect(retryAfterSeconds(throttled(null, { 'retry-after': '-5' }), NOW)).toBe(1);
  });

  it('says 1 s when VSPC says nothing usable', () => {
    expect(retryAfterSeconds(throttled(null), NOW)).toBe(1);
    expect(retryAfterSeconds(throttled(withRetryAfter(-3)), NOW)).toBe(1);
    expect(retryAfterSeconds(throttled(withRetryAfter('later')), NOW)).toBe(1);
  });
});
