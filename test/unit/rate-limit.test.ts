import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import proxyaddr from 'proxy-addr';
import {
  callerKey,
  clientAddress,
  compileTrustProxy,
  createRateLimiter,
  parseTrustProxy,
  rateLimitField,
  rateLimitPolicyField,
  setRateLimitHeaders,
  type RateDecision,
  type RateLimiter,
  type TrustProxySetting,
} from '../../src/http/rate-limit.js';

/** A test clock; starts well above 0 because lru-cache ignores an entry stamped at 0. */
function fakeClock(startMs = 1_000_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

function limiterFor(rps: number, burst: number, clock = fakeClock(), maxCallers?: number): RateLimiter {
  const limiter = createRateLimiter({ rps, burst, now: clock.now, maxCallers });
  if (limiter === null) throw new Error('expected an enabled limiter');
  return limiter;
}

/** Takes `count` tokens and returns how many were allowed. */
function takeMany(limiter: RateLimiter, key: string, count: number): number {
  let allowed = 0;
  for (let i = 0; i < count; i++) if (limiter.take(key).allowed) allowed++;
  return allowed;
}

describe('createRateLimiter', () => {
  it('is disabled (null) when rps is 0', () => {
    expect(createRateLimiter({ rps: 0, burst: 100 })).toBeNull();
  });

  it('allows exactly burst requests at once, then refuses with Retry-After ceil(1/rps)', () => {
    const limiter = limiterFor(50, 100);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 99, resetS: 1 });
    expect(takeMany(limiter, 'a', 98)).toBe(98);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0, resetS: 2 });
    expect(limiter.take('a')).toEqual({ allowed: false, remaining: 0, resetS: 2, retryAfterS: 1 });
    expect(limiter.take('a')).toEqual({ allowed: false, remaining: 0, resetS: 2, retryAfterS: 1 });
  });

  it('refills rps tokens per second: 50 more after 1 s at rps 50, one more after 20 ms', () => {
    const clock = fakeClock();
    const limiter = limiterFor(50, 100, clock);
    expect(takeMany(limiter, 'a', 101)).toBe(100);
    clock.advance(1000);
    expect(takeMany(limiter, 'a', 51)).toBe(50);
    clock.advance(19);
    expect(limiter.take('a').allowed).toBe(false);
    clock.advance(1);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0, resetS: 2 });
  });

  it('reports whole tokens left (floor) and whole seconds to a full bucket (ceil)', () => {
    const clock = fakeClock();
    const limiter = limiterFor(10, 100, clock);
    expect(takeMany(limiter, 'a', 100)).toBe(100);
    clock.advance(250); // 2.5 tokens back
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 1, resetS: 10 }); // 1.5 left, 98.5 missing
    clock.advance(50); // 2 tokens
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 1, resetS: 10 }); // 1 left, 99 missing
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0, resetS: 10 });
    clock.advance(30); // 0.3 tokens: 0.7 s to the next one
    expect(limiter.take('a')).toEqual({ allowed: false, remaining: 0, resetS: 10, retryAfterS: 1 });
  });

  it('caps the refill at burst', () => {
    const clock = fakeClock();
    const limiter = limiterFor(50, 100, clock);
    limiter.take('a');
    clock.advance(3_600_000);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 99, resetS: 1 });
    expect(takeMany(limiter, 'a', 100)).toBe(99);
  });

  it('keeps a busy caller past the idle timeout, which counts from its last request', () => {
    const clock = fakeClock();
    const limiter = limiterFor(50, 100, clock); // a full refill takes 2 s
    expect(takeMany(limiter, 'a', 100)).toBe(100);
    clock.advance(1000);
    expect(takeMany(limiter, 'a', 50)).toBe(50);
    clock.advance(1100); // 2.1 s after the first request, 1.1 s after the last
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 54, resetS: 1 });
  });

  it('forgets a caller idle for a full refill time, by the injected clock', () => {
    const clock = fakeClock();
    const limiter = limiterFor(50, 100, clock); // a full refill takes 2000 ms
    limiter.take('a');
    limiter.take('b');
    clock.advance(1000);
    limiter.take('b');
    clock.advance(1000);
    expect(limiter.callerCount()).toBe(2);
    clock.advance(1);
    expect(limiter.callerCount()).toBe(1);
    clock.advance(1000);
    expect(limiter.callerCount()).toBe(0);
  });

  it('keeps separate buckets per caller', () => {
    const limiter = limiterFor(50, 100);
    expect(takeMany(limiter, 'a', 150)).toBe(100);
    expect(limiter.take('b')).toEqual({ allowed: true, remaining: 99, resetS: 1 });
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.callerCount()).toBe(2);
  });

  it('remembers at most maxCallers callers, forgetting the least recently seen', () => {
    const limiter = limiterFor(50, 100, fakeClock(), 3);
    for (const key of ['a', 'b', 'c', 'd']) limiter.take(key);
    expect(limiter.callerCount()).toBe(3);
    expect(limiter.take('b')).toEqual({ allowed: true, remaining: 98, resetS: 1 }); // still remembered
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 99, resetS: 1 }); // forgotten: full again
    expect(limiter.callerCount()).toBe(3);
  });
});

describe('rate limit header fields (draft-ietf-httpapi-ratelimit-headers-10)', () => {
  it('advertises the policy: q = burst, w = seconds to refill the bucket (ceil, at least 1)', () => {
    expect(limiterFor(50, 100).policyField).toBe('"default";q=100;w=2');
    expect(rateLimitPolicyField(3, 10)).toBe('"default";q=10;w=4');
    expect(rateLimitPolicyField(1000, 100)).toBe('"default";q=100;w=1');
  });

  it('states r = remaining and t = seconds to a full bucket when allowed', () => {
    expect(rateLimitField({ allowed: true, remaining: 99, resetS: 1 })).toBe('"default";r=99;t=1');
  });

  it('states r = 0 and t = Retry-After when refused, so Retry-After is not earlier than t', () => {
    const refused: RateDecision = { allowed: false, remaining: 0, resetS: 10, retryAfterS: 1 };
    expect(rateLimitField(refused)).toBe('"default";r=0;t=1');
  });

  it('sets the two fields on an allowed response and Retry-After too on a refusal', () => {
    const limiter = limiterFor(10, 2);
    const set = (decision: RateDecision): Array<[string, string]> => {
      const headers: Array<[string, string]> = [];
      setRateLimitHeaders({ setHeader: (name, value) => headers.push([name, value]) }, limiter, decision);
      return headers;
    };
    expect(set(limiter.take('a'))).toEqual([
      ['RateLimit-Policy', '"default";q=2;w=1'],
      ['RateLimit', '"default";r=1;t=1'],
    ]);
    limiter.take('a');
    expect(set(limiter.take('a'))).toEqual([
      ['RateLimit-Policy', '"default";q=2;w=1'],
      ['RateLimit', '"default";r=0;t=1'],
      ['Retry-After', '1'],
    ]);
  });
});

describe('callerKey', () => {
  it('keys token callers and address callers apart', () => {
    expect(callerKey('abc123', '192.0.2.1')).toBe('t:abc123');
    expect(callerKey(null, '192.0.2.1')).toBe('ip:192.0.2.1');
    expect(callerKey('192.0.2.1', '192.0.2.1')).not.toBe(callerKey(null, '192.0.2.1'));
  });
});

function fakeRequest(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  const proxied = fakeRequest('10.0.0.1', '203.0.113.7, 10.0.0.2');

  it.each<[TrustProxySetting, string]>([
    [false, '10.0.0.1'],
    ['', '10.0.0.1'],
    [0, '10.0.0.1'],
    [true, '203.0.113.7'],
    [1, '10.0.0.2'],
    [2, '203.0.113.7'],
    ['10.0.0.0/8', '203.0.113.7'],
    ['10.0.0.1', '10.0.0.2'],
    [' 10.0.0.1 , 10.0.0.2 ', '203.0.113.7'],
    [['uniquelocal'], '203.0.113.7'],
    ['loopback', '10.0.0.1'],
  ])('trust proxy %j → %s', (setting, expected) => {
    expect(clientAddress(proxied, compileTrustProxy(setting))).toBe(expected);
  });

  it('agrees with Express for the same setting', () => {
    // Express's own compileTrust, which `app.set('trust proxy', …)` uses for `req.ip`.
    const expressUtils = createRequire(import.meta.url)('express/lib/utils.js') as {
      compileTrust(value: unknown): (addr: string, i: number) => boolean;
    };
    const settings: TrustProxySetting[] = [false, true, 0, 1, 2, 3, '10.0.0.0/8', ['10.0.0.1'], 'loopback'];
    for (const setting of settings) {
      const express = proxyaddr(proxied, expressUtils.compileTrust(setting));
      expect([setting, clientAddress(proxied, compileTrustProxy(setting))]).toEqual([setting, express]);
    }
  });

  it('is the socket address when there is no X-Forwarded-For, even trusting every proxy', () => {
    expect(clientAddress(fakeRequest('192.0.2.5'), compileTrustProxy(true))).toBe('192.0.2.5');
  });

  it('is empty when the socket has already closed', () => {
    expect(clientAddress(fakeRequest(undefined, '203.0.113.7'), compileTrustProxy(true))).toBe('');
  });
});

describe('parseTrustProxy', () => {
  it.each<[string, boolean | number | string[]]>([
    ['', false],
    ['false', false],
    [' FALSE ', false],
    ['true', true],
    ['True', true],
    ['0', 0],
    ['2', 2],
    ['loopback', ['loopback']],
    ['loopback, linklocal,uniquelocal', ['loopback', 'linklocal', 'uniquelocal']],
    ['10.0.0.0/8, 192.168.1.1,fd00::/8, ::1', ['10.0.0.0/8', '192.168.1.1', 'fd00::/8', '::1']],
    ['10.0.0.0/255.0.0.0', ['10.0.0.0/255.0.0.0']],
  ])('accepts %j as %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each([
    ['yes', '"yes"'],
    ['-1', '"-1"'],
    ['1.5', '"1.5"'],
    ['localhost', '"localhost"'],
    ['10.0.0.0/33', '"10.0.0.0/33"'],
    ['10.0.0.0/0', '"10.0.0.0/0"'],
    ['10.0.0.1,,10.0.0.2', 'an empty entry'],
    ['loopback, Uniquelocal', '"Uniquelocal"'],
  ])('refuses %j, naming %s', (raw, entry) => {
    expect(() => parseTrustProxy(raw)).toThrow(
      `TRUST_PROXY=${JSON.stringify(raw)} is not allowed: ${entry} is`,
    );
  });

  it('says in one line what is allowed', () => {
    expect(() => parseTrustProxy('yes')).toThrow(
      new Error(
        'TRUST_PROXY="yes" is not allowed: "yes" is no IP address, subnet or range name; expected true, false, ' +
          'a hop count (0, 1, 2, …) or a comma-separated list of IP addresses, CIDR subnets (10.0.0.0/8, fd00::/8) ' +
          'and the names loopback, linklocal, uniquelocal.',
      ),
    );
  });

  it('gives Express and clientAddress the same setting', () => {
    const setting = parseTrustProxy('10.0.0.0/8');
    expect(clientAddress(fakeRequest('10.0.0.1', '203.0.113.7'), compileTrustProxy(setting))).toBe(
      '203.0.113.7',
    );
  });
});
