import { describe, expect, it } from '@jest/globals';
import {
  RequestThrottle,
  throttleKeyOf,
  throttleWindowOf,
  type ThrottleKey,
} from '../../src/simulator/throttle.js';

const ALPHA: ThrottleKey = { limit: 'user', id: 'alpha' };
const BETA: ThrottleKey = { limit: 'user', id: 'beta' };

describe('throttleKeyOf', () => {
  it('counts everything against one budget with scope global', () => {
    expect(throttleKeyOf('global', 'alpha', '10.0.0.1')).toEqual({ limit: 'global', id: '' });
    expect(throttleKeyOf('global', undefined, undefined)).toEqual({ limit: 'global', id: '' });
  });

  it('counts per user with scope user, and per client IP address without a valid token', () => {
    expect(throttleKeyOf('user', 'alpha', '10.0.0.1')).toEqual({ limit: 'user', id: 'alpha' });
    expect(throttleKeyOf('user', undefined, '10.0.0.1')).toEqual({ limit: 'ip', id: '10.0.0.1' });
    expect(throttleKeyOf('user', undefined, undefined)).toEqual({ limit: 'ip', id: '' });
  });
});

describe('throttleWindowOf', () => {
  it('starts windows at whole seconds and waits at least one second', () => {
    expect(throttleWindowOf(5_000)).toEqual({ index: 5, retryAfterS: 1 });
    expect(throttleWindowOf(5_001)).toEqual({ index: 5, retryAfterS: 1 });
    expect(throttleWindowOf(5_999)).toEqual({ index: 5, retryAfterS: 1 });
    expect(throttleWindowOf(6_000)).toEqual({ index: 6, retryAfterS: 1 });
  });
});

describe('RequestThrottle', () => {
  it('admits limitRps requests per budget and window, then gives the wait', () => {
    let nowMs = 10_000;
    const throttle = new RequestThrottle(() => nowMs);
    const outcomes = Array.from({ length: 5 }, () => throttle.admit(ALPHA, 3).admitted);
    expect(outcomes).toEqual([true, true, true, false, false]);
    expect(throttle.admit(ALPHA, 3)).toEqual({ admitted: false, retryAfterS: 1 });
    expect(throttle.admit(BETA, 3)).toEqual({ admitted: true });
    nowMs += 999;
    expect(throttle.admit(ALPHA, 3).admitted).toBe(false);
    nowMs += 1;
    expect(throttle.admit(ALPHA, 3).admitted).toBe(true);
  });

  it('forgets every count when a new window starts', () => {
    let nowMs = 10_000;
    const throttle = new RequestThrottle(() => nowMs);
    throttle.admit(ALPHA, 1);
    throttle.admit(BETA, 1);
    expect(throttle.budgetCount).toBe(2);
    nowMs = 11_000;
    throttle.admit(ALPHA, 1);
    expect(throttle.budgetCount).toBe(1);
  });

  it('counts at most maxBudgets budgets, forgetting the one seen first', () => {
    const throttle = new RequestThrottle(() => 0, 2);
    expect(throttle.admit({ limit: 'ip', id: 'a' }, 1).admitted).toBe(true);
    expect(throttle.admit({ limit: 'ip', id: 'b' }, 1).admitted).toBe(true);
    expect(throttle.admit({ limit: 'ip', id: 'c' }, 1).admitted).toBe(true);
    expect(throttle.budgetCount).toBe(2);
    expect(throttle.admit({ limit: 'ip', id: 'b' }, 1).admitted).toBe(false);
    expect(throttle.admit({ limit: 'ip', id: 'a' }, 1).admitted).toBe(true);
  });

  it('keeps budgets of different limits apart even with the same id', () => {
    const throttle = new RequestThrottle(() => 0);
    expect(throttle.admit({ limit: 'user', id: 'x' }, 1).admitted).toBe(true);
    expect(throttle.admit({ limit: 'ip', id: 'x' }, 1).admitted).toBe(true);
  });
});
