import { describe, expect, it } from '@jest/globals';
import {
  decideForcedStatus,
  DEFAULT_KNOBS,
  knobsFromEnv,
  type SimulatorKnobs,
} from '../../src/simulator/knobs.js';

function knobs(overrides: Partial<SimulatorKnobs>): SimulatorKnobs {
  return { ...DEFAULT_KNOBS, ...overrides };
}

describe('knobsFromEnv', () => {
  it('returns nothing when no variable is set, and ignores empty ones', () => {
    expect(knobsFromEnv({})).toEqual({});
    expect(knobsFromEnv({ SIMULATOR_LATENCY_MS: '', SIMULATOR_DOWN: '  ' })).toEqual({});
  });

  it('reads every knob', () => {
    expect(
      knobsFromEnv({
        SIMULATOR_LATENCY_MS: '250',
        SIMULATOR_FORCE_STATUS: '429',
        SIMULATOR_RETRY_AFTER_S: '25',
        SIMULATOR_FAILURE_RATE: '0.25',
        SIMULATOR_RESET_CONNECTION: 'false',
        SIMULATOR_SLOW_BODY_MS: '40',
        SIMULATOR_DOWN: '0',
        SIMULATOR_LEGACY_ENUM_CASING: 'TRUE',
        SIMULATOR_THROTTLE_RPS: '3',
        SIMULATOR_THROTTLE_SCOPE: 'global',
      }),
    ).toEqual({
      latencyMs: 250,
      forceStatus: 429,
      retryAfterS: 25,
      failureRate: 0.25,
      resetConnection: false,
      slowBodyMs: 40,
      down: false,
      legacyEnumCasing: true,
      throttleRps: 3,
      throttleScope: 'global',
    });
  });

  it('reads the throttle knobs: 0 turns throttling off, the scope in any case', () => {
    expect(knobsFromEnv({ SIMULATOR_THROTTLE_RPS: '0', SIMULATOR_THROTTLE_SCOPE: 'user' })).toEqual({
      throttleRps: 0,
      throttleScope: 'user',
    });
    expect(knobsFromEnv({ SIMULATOR_THROTTLE_RPS: '100000', SIMULATOR_THROTTLE_SCOPE: ' Global ' })).toEqual({
      throttleRps: 100_000,
      throttleScope: 'global',
    });
  });

  it('defaults to no throttling, per user', () => {
    expect(DEFAULT_KNOBS).toMatchObject({ throttleRps: 0, throttleScope: 'user' });
  });

  it('accepts none as no forced status, and each forced status', () => {
    expect(knobsFromEnv({ SIMULATOR_FORCE_STATUS: 'none' })).toEqual({ forceStatus: null });
    expect(knobsFromEnv({ SIMULATOR_FORCE_STATUS: '520' })).toEqual({ forceStatus: 520 });
    expect(knobsFromEnv({ SIMULATOR_FORCE_STATUS: '202' })).toEqual({ forceStatus: 202 });
  });

  it.each([
    [
      'SIMULATOR_LATENCY_MS',
      '-5',
      'SIMULATOR_LATENCY_MS="-5" is invalid: expected a whole number from 0 to 3600000.',
    ],
    ['SIMULATOR_LATENCY_MS', '1.5', 'SIMULATOR_LATENCY_MS="1.5" is invalid'],
    [
      'SIMULATOR_FORCE_STATUS',
      '500',
      'SIMULATOR_FORCE_STATUS="500" is invalid: expected 520, 429, 202 or none.',
    ],
    ['SIMULATOR_RETRY_AFTER_S', 'soon', 'SIMULATOR_RETRY_AFTER_S="soon" is invalid'],
    [
      'SIMULATOR_FAILURE_RATE',
      '1.5',
      'SIMULATOR_FAILURE_RATE="1.5" is invalid: expected a number from 0 to 1',
    ],
    ['SIMULATOR_FAILURE_RATE', '-0.1', 'SIMULATOR_FAILURE_RATE="-0.1" is invalid'],
    [
      'SIMULATOR_RESET_CONNECTION',
      'maybe',
      'SIMULATOR_RESET_CONNECTION="maybe" is invalid: expected true or false',
    ],
    ['SIMULATOR_SLOW_BODY_MS', 'x', 'SIMULATOR_SLOW_BODY_MS="x" is invalid'],
    ['SIMULATOR_DOWN', '2', 'SIMULATOR_DOWN="2" is invalid'],
    ['SIMULATOR_LEGACY_ENUM_CASING', 'lower', 'SIMULATOR_LEGACY_ENUM_CASING="lower" is invalid'],
    [
      'SIMULATOR_THROTTLE_RPS',
      '100001',
      'SIMULATOR_THROTTLE_RPS="100001" is invalid: expected a whole number from 0 to 100000.',
    ],
    ['SIMULATOR_THROTTLE_RPS', '-1', 'SIMULATOR_THROTTLE_RPS="-1" is invalid'],
    ['SIMULATOR_THROTTLE_RPS', '2.5', 'SIMULATOR_THROTTLE_RPS="2.5" is invalid'],
    ['SIMULATOR_THROTTLE_SCOPE', 'ip', 'SIMULATOR_THROTTLE_SCOPE="ip" is invalid: expected user or global.'],
  ])('rejects %s=%s naming the variable, the value and what is allowed', (name, value, message) => {
    expect(() => knobsFromEnv({ [name]: value })).toThrow(message);
  });
});

describe('decideForcedStatus', () => {
  const never = (): number => {
    throw new Error('no draw expected');
  };

  it('forces nothing with default knobs and draws nothing', () => {
    expect(decideForcedStatus(knobs({}), never, true)).toBeNull();
  });

  it('returns the forced status without drawing', () => {
    expect(decideForcedStatus(knobs({ forceStatus: 520, failureRate: 1 }), never, true)).toBe(520);
    expect(decideForcedStatus(knobs({ forceStatus: 429 }), never, false)).toBe(429);
    expect(decideForcedStatus(knobs({ forceStatus: 202 }), never, true)).toBe(202);
  });

  it('does not force 202 where VSPC never queues (reading an async action)', () => {
    expect(decideForcedStatus(knobs({ forceStatus: 202 }), never, false)).toBeNull();
  });

  it('fails with 520 when the draw falls under failureRate', () => {
    expect(decideForcedStatus(knobs({ failureRate: 0.5 }), () => 0.49, true)).toBe(520);
    expect(decideForcedStatus(knobs({ failureRate: 0.5 }), () => 0.5, true)).toBeNull();
    expect(decideForcedStatus(knobs({ failureRate: 1 }), () => 0.999999, true)).toBe(520);
  });
});
