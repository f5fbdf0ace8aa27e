import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import {
  FAILURE_CODES,
  RefusalError,
  TransportError,
  UpstreamError,
  classifyErrorCode,
  problemForFailure,
  retryHeadersFor,
  type UpstreamFailure,
} from '../../src/upstream/errors.js';
import { PROBLEMS } from '../../src/http/problems.js';
import { rootCertificates } from 'node:tls';
import { trustedCertificates } from '../../src/upstream/transport.js';

describe('classifyErrorCode', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ETIMEDOUT', 'timeout'],
    ['ERR_BODY_TOO_LARGE', 'body-too-large'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_ABORTED', 'aborted'],
    ['SOMETHING_NEW', 'other'],
    [undefined, 'other'],
  ])('%s → %s', (code, failure) => expect(classifyErrorCode(code)).toBe(failure));
});

describe('problemForFailure', () => {
  it.each([
    ['refused', 502],
    ['reset', 502],
    ['dns', 502],
    ['tls', 502],
    ['body-too-large', 502],
    ['other', 502],
    ['timeout', 504],
    ['bad-answer', 502],
    ['aborted', 502],
    ['queue-full', 503],
    ['queue-timeout', 503],
    ['breaker-open', 503],
    ['throttled', 429],
    ['shutting-down', 503],
  ] as Array<[UpstreamFailure, number]>)('%s → %i', (failure, status) => {
    expect(PROBLEMS[problemForFailure(failure).code].status).toBe(status);
  });

  it('maps an unreadable answer to upstream-bad-answer, and a drain’s refusal to shutting-down with Retry-After', () => {
    expect(problemForFailure('bad-answer').code).toBe('upstream-bad-answer');
    expect(PROBLEMS['upstream-bad-answer'].title).toBe("VSPC's answer could not be read");
    expect(problemForFailure('shutting-down').code).toBe('shutting-down');
    expect(retryHeadersFor(new RefusalError('shutting-down', 1))).toEqual({ 'Retry-After': '1' });
    expect(retryHeadersFor(new TransportError('refused', 'refused'))).toEqual({});
  });
});

describe('the upstream error hierarchy', () => {
  it('has a fixed name per class and a fixed code per failure', () => {
    const refused = new TransportError('refused', 'connect ECONNREFUSED 127.0.0.1:1', {
      code: 'EHOSTUNREACH',
    });
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(refused).toMatchObject({ name: 'TransportError', failure: 'refused', code: 'ECONNREFUSED' });
    expect(refused.cause).toMatchObject({ code: 'EHOSTUNREACH' });
    const refusal = new RefusalError('queue-full', 1);
    expect(refusal).toBeInstanceOf(UpstreamError);
    expect(refusal).toMatchObject({ name: 'RefusalError', code: 'SHIELD_QUEUE_FULL', retryAfterS: 1 });
    expect(new Set(Object.values(FAILURE_CODES)).size).toBe(Object.keys(FAILURE_CODES).length);
  });

  it('keeps of its cause only the name, code and message: never the request an HTTP client error holds', () => {
    const token = 'Bearer secret-token-never-logged';
    const clientError = Object.assign(new Error('Request failed'), {
      name: 'RequestError',
      code: 'ECONNRESET',
      options: { headers: { authorization: token } },
      request: { headers: { authorization: token } },
    });
    const error = new TransportError('reset', 'VSPC closed the connection', clientError);
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object).sort()).toEqual(['code', 'name']);
    expect(error.cause).toMatchObject({
      name: 'RequestError',
      code: 'ECONNRESET',
      message: 'Request failed',
    });
    expect(inspect(error, { depth: 10 })).not.toContain('secret-token');
    expect(JSON.stringify(error)).not.toContain('secret-token');
  });
});

describe('trustedCertificates', () => {
  it("adds a CA bundle to Node's roots instead of replacing them", () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const trusted = trustedCertificates(pem);
    expect(trusted).toHaveLength(rootCertificates.length + 1);
    expect(trusted.at(-1)).toBe(pem);
    expect(trusted.slice(0, -1)).toEqual([...rootCertificates]);
  });
});
