import { describe, expect, it } from '@jest/globals';
import { bearerToken } from '../../src/callers/bearer.js';
import { rewriteLocation, upstreamHeaders } from '../../src/http/forwarding.js';

describe('upstreamHeaders', () => {
  it('keeps only the allowed headers and adds X-Forwarded-*', () => {
    const headers = upstreamHeaders(
      {
        authorization: 'Bearer t',
        accept: 'application/json',
        'content-type': 'application/json',
        'x-client-version': '3.6',
        'x-request-id': 'id-1',
        traceparent: '00-abc-def-01',
        cookie: 'c=1',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        host: 'proxy:8080',
        'accept-encoding': 'gzip',
        'content-length': '10',
      },
      { address: '10.0.0.9', protocol: 'https' },
    );
    expect(headers).toEqual({
      authorization: 'Bearer t',
      accept: 'application/json',
      'content-type': 'application/json',
      'x-client-version': '3.6',
      'x-request-id': 'id-1',
      traceparent: '00-abc-def-01',
      'x-forwarded-for': '10.0.0.9',
      'x-forwarded-proto': 'https',
    });
  });
  it('extends an existing X-Forwarded-For chain', () => {
    expect(
      upstreamHeaders({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2' }, { address: '3.3.3.3', protocol: 'http' })[
        'x-forwarded-for'
      ],
    ).toBe('1.1.1.1, 2.2.2.2, 3.3.3.3');
  });
});

describe('upstreamHeaders drops', () => {
  const client = { address: '10.0.0.9', protocol: 'http' as const };
  it('headers the client named in Connection', () => {
    const headers = upstreamHeaders(
      { connection: 'keep-alive, X-Client-Version', 'x-client-version': '3.6', accept: '*/*' },
      client,
    );
    expect(headers['x-client-version']).toBeUndefined();
    expect(headers.accept).toBe('*/*');
  });
  it('an X-Request-Id the proxy would not accept itself', () => {
    expect(upstreamHeaders({ 'x-request-id': 'has space' }, client)['x-request-id']).toBeUndefined();
    expect(
      upstreamHeaders({ 'x-request-id': 'ba547d14-c556-42bb-b85c-eeeb16e2f5e7' }, client)['x-request-id'],
    ).toBe('ba547d14-c556-42bb-b85c-eeeb16e2f5e7');
  });
});

describe('a bearer token is present', () => {
  it.each([
    ['Bearer abc', true],
    ['bearer abc', true],
    ['BEARER   abc', true],
    ['Bearer\tabc', true],
    ['Bearer', false],
    ['Bearer ', false],
    ['Basic abc', false],
    [undefined, false],
  ])('%s → %s', (value, expected) => expect(bearerToken(value) !== null).toBe(expected));
});

describe('rewriteLocation', () => {
  it("drops VSPC's own origin", () => {
    expect(rewriteLocation('https://vspc:1280/api/v3/asyncActions/1?x=2', 'https://vspc:1280')).toBe(
      '/api/v3/asyncActions/1?x=2',
    );
    expect(rewriteLocation('https://vspc:1280/api/v3/asyncActions/1?x=2#part', 'https://vspc:1280')).toBe(
      '/api/v3/asyncActions/1?x=2#part',
    );
  });
  it('leaves other origins and relative references alone', () => {
    expect(rewriteLocation('https://other/api', 'https://vspc:1280')).toBe('https://other/api');
    expect(rewriteLocation('/api/v3/asyncActions/1', 'https://vspc:1280')).toBe('/api/v3/asyncActions/1');
  });
});
