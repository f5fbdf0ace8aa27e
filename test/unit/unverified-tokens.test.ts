import { describe, expect, it } from '@jest/globals';
import { addressLimitKey } from '../../src/http/client-address.js';
import {
  acceptsToken,
  createUnverifiedTokenBudget,
  type TokenTrial,
  type UnverifiedTokenBudget,
} from '../../src/http/unverified-tokens.js';

function budget(clock: { now: number }, vouched: ReadonlySet<string> = new Set()): UnverifiedTokenBudget {
  const built = createUnverifiedTokenBudget({
    burst: 3,
    perMinute: 6,
    isVouchedFor: (tokenHash) => vouched.has(tokenHash),
    now: () => clock.now,
  });
  if (built === null) throw new Error('expected a budget');
  return built;
}

function allowed(trial: TokenTrial | null): Extract<TokenTrial, { allowed: true }> {
  if (trial === null || !trial.allowed)
    throw new Error(`expected an allowed trial, got ${JSON.stringify(trial)}`);
  return trial;
}

describe('the budget of unverified tokens per address', () => {
  it('is off with a burst of 0', () => {
    expect(createUnverifiedTokenBudget({ burst: 0, perMinute: 1, isVouchedFor: () => false })).toBeNull();
  });

  it('refuses the fourth refused token of an address, says when to retry, and refills at perMinute', () => {
    const clock = { now: 1_000 };
    const tokens = budget(clock);
    for (const token of ['a', 'b', 'c']) allowed(tokens.begin('10.0.0.1', token)).settle(401);
    expect(tokens.begin('10.0.0.1', 'd')).toEqual({ allowed: false, retryAfterS: 10 });
    // Another address has its own bucket.
    allowed(tokens.begin('10.0.0.2', 'd')).settle(401);
    clock.now += 10_000; // six a minute: one every ten seconds
    allowed(tokens.begin('10.0.0.1', 'd')).settle(401);
    expect(tokens.begin('10.0.0.1', 'e')).toMatchObject({ allowed: false });
  });

  it('gives the unit back when VSPC accepts the token, which then costs nothing', () => {
    const clock = { now: 1_000 };
    const tokens = budget(clock);
    for (let round = 0; round < 10; round += 1)
      allowed(tokens.begin('10.0.0.1', `good-${round}`)).settle(200);
    for (let round = 0; round < 10; round += 1) expect(tokens.begin('10.0.0.1', `good-${round}`)).toBeNull();
    for (const token of ['a', 'b', 'c']) allowed(tokens.begin('10.0.0.1', token)).settle(401);
    // The address is out of budget for new tokens; accepted ones go on.
    expect(tokens.begin('10.0.0.1', 'new')).toMatchObject({ allowed: false });
    expect(tokens.begin('10.0.0.1', 'good-3')).toBeNull();
  });

  it('gives the unit back when VSPC was not asked or did not answer, without trusting the token', () => {
    const tokens = budget({ now: 1_000 });
    for (let round = 0; round < 5; round += 1) allowed(tokens.begin('10.0.0.1', 'maybe')).settle(undefined);
    for (let round = 0; round < 5; round += 1) allowed(tokens.begin('10.0.0.1', 'maybe')).settle(503);
    expect(tokens.begin('10.0.0.1', 'maybe')).not.toBeNull();
  });

  it('charges a token once while its first request is out, and every request once VSPC refused it', () => {
    const tokens = budget({ now: 1_000 });
    const first = allowed(tokens.begin('10.0.0.1', 'x'));
    const riders = Array.from({ length: 50 }, () => allowed(tokens.begin('10.0.0.1', 'x')));
    first.settle(401);
    riders.forEach((rider) => rider.settle(401));
    allowed(tokens.begin('10.0.0.1', 'x')).settle(401);
    allowed(tokens.begin('10.0.0.1', 'x')).settle(401);
    expect(tokens.begin('10.0.0.1', 'x')).toMatchObject({ allowed: false });
  });

  it('trusts a token the cache vouches for, and forgets a trusted token VSPC refuses', () => {
    const clock = { now: 1_000 };
    const vouched = new Set(['cached']);
    const tokens = budget(clock, vouched);
    expect(tokens.begin('10.0.0.1', 'cached')).toBeNull();
    allowed(tokens.begin('10.0.0.1', 'known')).settle(200);
    tokens.forget('known');
    expect(tokens.begin('10.0.0.1', 'known')).not.toBeNull();
  });

  it('takes only answers past the token check as acceptance', () => {
    expect([200, 204, 304, 400, 403, 404].every(acceptsToken)).toBe(true);
    expect([401, 429, 500, 520].some(acceptsToken)).toBe(false);
  });
});

describe('the key per-address limits count under', () => {
  it('is the IPv4 address, an IPv4-mapped address as IPv4, an IPv6 address as its /64', () => {
    expect(addressLimitKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressLimitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressLimitKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('2001:DB8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressLimitKey('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(addressLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressLimitKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});
