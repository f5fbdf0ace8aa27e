import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, readDefaults } from '../../src/config.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

describe('loadConfig', () => {
  it('takes every default from config/default.json', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      vspcUrl: null,
      vspcCaFile: null,
      vspcTlsInsecure: false,
      upstreamTimeoutMs: 15000,
      upstreamMaxBodyBytes: 32 * 1024 * 1024,
      logLevel: 'info',
      corsOrigins: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
  });

  it('lets the environment override and keeps only the VSPC origin', () => {
    const config = load({
      PORT: '9090',
      VSPC_URL: 'https://vspc.example.com:1280/',
      VSPC_TLS_INSECURE: 'true',
      UPSTREAM_TIMEOUT_MS: '2500',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:3000',
    });
    expect(config).toMatchObject({
      port: 9090,
      vspcUrl: 'https://vspc.example.com:1280',
      vspcTlsInsecure: true,
      upstreamTimeoutMs: 2500,
      upstreamConnectTimeoutMs: 2500,
      logLevel: 'debug',
      corsOrigins: ['https://a.example.com', 'http://localhost:3000'],
    });
  });

  it('ignores environment variables it does not know', () => {
    expect(() => load({ SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it.each([
    ['PORT', 'abc', 'PORT="abc" is not allowed; expected an integer from 0 to 65535.'],
    ['PORT', '70000', 'PORT="70000" is not allowed; expected an integer from 0 to 65535.'],
    ['VSPC_URL', 'ftp://x', 'VSPC_URL="ftp://x" is not allowed; expected an http(s) origin'],
    ['VSPC_URL', 'https://vspc:1280/api/v3', 'VSPC_URL="https://vspc:1280/api/v3" is not allowed'],
    ['VSPC_URL', 'not a url', 'VSPC_URL="not a url" is not allowed'],
    [
      'UPSTREAM_TIMEOUT_MS',
      '-1',
      'UPSTREAM_TIMEOUT_MS="-1" is not allowed; expected an integer from 1 to 600000.',
    ],
    ['UPSTREAM_TIMEOUT_MS', '1.5', 'UPSTREAM_TIMEOUT_MS="1.5" is not allowed'],
    ['UPSTREAM_MAX_BODY_BYTES', '0', 'UPSTREAM_MAX_BODY_BYTES="0" is not allowed'],
    [
      'VSPC_CA_FILE',
      '/nonexistent/ca.pem',
      'VSPC_CA_FILE="/nonexistent/ca.pem" is not allowed; expected the path of a readable PEM file.',
    ],
    [
      'VSPC_CA_FILE',
      'package.json',
      'VSPC_CA_FILE="package.json" is not allowed; expected a PEM file holding at least one certificate.',
    ],
    ['VSPC_TLS_INSECURE', 'maybe', 'VSPC_TLS_INSECURE="maybe" is not allowed; expected true or false.'],
    [
      'LOG_LEVEL',
      'loud',
      'LOG_LEVEL="loud" is not allowed; expected one of fatal, error, warn, info, debug, trace, silent.',
    ],
    [
      'NODE_ENV',
      'staging',
      'NODE_ENV="staging" is not allowed; expected one of development, production, test.',
    ],
    [
      'CORS_ORIGINS',
      'https://a.example.com/path',
      'CORS_ORIGINS="https://a.example.com/path" is not allowed',
    ],
    ['HOST', 'not a host!', 'HOST="not a host!" is not allowed; expected an IP address or a host name'],
    [
      'SIMULATOR_LATENCY_MS',
      'abc',
      'SIMULATOR_LATENCY_MS="abc" is not allowed; expected a whole number from 0 to 3600000.',
    ],
    ['SIMULATOR_FORCE_STATUS', '418', 'SIMULATOR_FORCE_STATUS="418" is not allowed'],
    ['CACHE_TTL_MS', '-5', 'CACHE_TTL_MS="-5" is not allowed'],
    [
      'CACHE_MAX_ENTRY_BYTES',
      '999999999',
      'CACHE_MAX_ENTRY_BYTES="999999999" is not allowed; expected at most CACHE_MAX_BYTES',
    ],
    ['ADMIN_TOKEN', 'short', 'ADMIN_TOKEN="<5 characters>" is not allowed; expected at least 16 characters.'],
    [
      'BREAKER_WINDOW_MS',
      '0',
      'BREAKER_WINDOW_MS="0" is not allowed; expected an integer from 1 to 86400000.',
    ],
    [
      'SHUTDOWN_TIMEOUT_MS',
      '14999',
      'SHUTDOWN_TIMEOUT_MS="14999" is not allowed; expected at least UPSTREAM_TIMEOUT_MS (15000), so the longest VSPC call can finish while shutting down.',
    ],
  ])('refuses %s=%s with one line naming it', (variable, value, message) => {
    let thrown: unknown;
    try {
      load({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('\n');
  });

  it('lets the longest VSPC call finish inside the shutdown grace, which ends before Kubernetes kills the pod', () => {
    expect(load({})).toMatchObject({
      upstreamTimeoutMs: 15000,
      jobsAllDeadlineMs: 20000,
      shutdownTimeoutMs: 25000,
      breakerWindowMs: 30000,
    });
    // Both given: the shutdown grace is compared with the upstream timeout it is given with.
    expect(load({ UPSTREAM_TIMEOUT_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' }).shutdownTimeoutMs).toBe(5000);
    expect(() => load({ UPSTREAM_TIMEOUT_MS: '30000' })).toThrow(
      'SHUTDOWN_TIMEOUT_MS="25000" is not allowed; expected at least UPSTREAM_TIMEOUT_MS (30000)',
    );
  });

  it.each(['METRICS_TOKEN', 'ADMIN_TOKEN', 'CACHE_KEY_SECRET'])(
    'refuses %s set to blanks (it would leave the route open), naming neither the value nor its spaces',
    (name) => {
      expect(() => load({ [name]: '   ' })).toThrow(
        new ConfigError(name, '<3 blank characters>', 'a secret of at least 16 characters, or nothing'),
      );
      expect(load({ [name]: '' })).toBeDefined();
    },
  );

  it('refuses to serve the demo simulator in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      'VSPC_URL="" is not allowed; expected the VSPC origin when NODE_ENV=production',
    );
    expect(loadConfig({ NODE_ENV: 'production', VSPC_URL: 'https://vspc:1280' }).vspcUrl).toBe(
      'https://vspc:1280',
    );
  });

  it('reads a CA bundle once', () => {
    const config = load({ VSPC_CA_FILE: 'test/fixtures/tls/ca.pem' });
    expect(config.vspcCa).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('reads every setting of config/default.json, and the README documents each one', () => {
    const sources = ['src/config.ts', 'src/simulator/knobs.ts']
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    const readme = readFileSync('README.md', 'utf8');
    for (const key of Object.keys(readDefaults())) {
      expect(`${key}: ${sources.includes(`'${key}'`)}`).toBe(`${key}: true`);
      expect(`${key}: ${readme.includes(`| \`${key}\``)}`).toBe(`${key}: true`);
    }
  });

  it('passes the simulator knobs through, validated', () => {
    const config = load({
      SIMULATOR_LATENCY_MS: '20',
      SIMULATOR_FORCE_STATUS: '429',
      SIMULATOR_DOWN: 'false',
    });
    expect(config.simulator.knobs).toMatchObject({ latencyMs: 20, forceStatus: 429, down: false });
    expect(load({}).simulator).toMatchObject({ host: '127.0.0.1', port: 1280, tokenTtlS: 3600 });
    expect(load({}).simulator.knobs).toMatchObject({
      latencyMs: 0,
      retryAfterS: 5,
      failureRate: 0,
      down: false,
    });
  });
});
