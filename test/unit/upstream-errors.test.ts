import { describe, expect, it } from '@jest/globals';
import { classifyErrorCode, problemForFailure, type UpstreamFailure } from '../../src/upstream/errors.js';
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
  ] as Array<[UpstreamFailure, number]>)('%s → %i', (failure, status) => {
    expect(PROBLEMS[problemForFailure(failure).code].status).toBe(status);
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
