import { describe, expect, it } from '@jest/globals';
import {
  BODY_SLACK_SHARE,
  bodyText,
  createEntry,
  etagOf,
  ifNoneMatchHits,
  ENTRY_OVERHEAD_BYTES,
} from '../../src/cache/entry.js';
import {
  cacheStatus,
  invalidationPrefix,
  isPolledResource,
  requestDirectives,
  revokesToken,
  staleIfErrorAllowsFailure,
  staleIfErrorAllowsStatus,
} from '../../src/cache/policy.js';

describe('requestDirectives', () => {
  it.each([
    [undefined, undefined, { noCache: false, noStore: false }],
    ['no-cache', undefined, { noCache: true, noStore: false }],
    ['No-Store', undefined, { noCache: false, noStore: true }],
    ['max-age=0, private', undefined, { noCache: true, noStore: false }],
    ['max-stale=5, foo, bar=1', undefined, { noCache: false, noStore: false }],
    [undefined, 'no-cache', { noCache: true, noStore: false }],
    ['max-age=10', 'no-cache', { noCache: false, noStore: false }],
  ])('Cache-Control %p, Pragma %p', (cacheControl, pragma, expected) => {
    expect(requestDirectives(cacheControl, pragma)).toEqual(expected);
  });
});

describe('stale-if-error and revocation', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [520, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
  ])('status %i → stale allowed %s', (status, allowed) =>
    expect(staleIfErrorAllowsStatus(status)).toBe(allowed),
  );
  it('covers every transport failure but an abort', () => {
    for (const failure of ['refused', 'reset', 'dns', 'timeout', 'tls', 'body-too-large', 'other'] as const) {
      expect(staleIfErrorAllowsFailure(failure)).toBe(true);
    }
    expect(staleIfErrorAllowsFailure('aborted')).toBe(false);
  });
  it('401 and 403 revoke a token', () => {
    expect([401, 403, 404, 429, 520].map((status) => revokesToken(status))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    // A write refused with 403 says only that this token may not write.
    expect(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'].map((method) => revokesToken(403, method))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(revokesToken(401, 'POST')).toBe(true);
  });
});

describe('isPolledResource', () => {
  it.each([
    ['/api/v3/asyncActions/0f8fad5b-d9cb-469f-a165-70867728950e', true],
    ['/api/v3/asyncActions', true],
    ['/api/v3/asyncActionsX', false],
    ['/api/v3/asyncactions/a2', true],
    ['/api/v3/AsyncActions/a3/result', true],
    ['/api/v3/infrastructure/backupServers/jobs', false],
  ])('%s → %s', (path, polled) => expect(isPolledResource(path)).toBe(polled));
});

describe('invalidationPrefix', () => {
  it.each([
    [
      '/api/v3/infrastructure/backupServers/jobs/ed9b33f2-31a8-4e7b-aa69-495afe20dd09',
      '/api/v3/infrastructure/backupServers/jobs',
    ],
    [
      '/api/v3/infrastructure/backupServers/jobs/ed9b33f2-31a8-4e7b-aa69-495afe20dd09/start',
      '/api/v3/infrastructure/backupServers/jobs',
    ],
    ['/api/v3/organizations/companies/42', '/api/v3/organizations/companies'],
    ['/api/v3/infrastructure/backupServers/jobs', '/api/v3/infrastructure/backupServers'],
  ])('%s → %s', (path, prefix) => expect(invalidationPrefix(path)).toBe(prefix));
});

describe('cacheStatus', () => {
  it.each([
    [cacheStatus('hit', { ttlS: 17 }), 'vspc-proxy; hit; ttl=17'],
    [cacheStatus('stale', { ttlS: -3 }), 'vspc-proxy; hit; ttl=-3'],
    [cacheStatus('stale', { ttlS: -3, fwdStatus: 520 }), 'vspc-proxy; fwd=stale; fwd-status=520; ttl=-3'],
    [cacheStatus('stale', { detail: 'timeout' }), 'vspc-proxy; fwd=stale; detail=timeout'],
    [cacheStatus('miss', { stored: true }), 'vspc-proxy; fwd=miss; stored'],
    [cacheStatus('miss', { fwdStatus: 404 }), 'vspc-proxy; fwd=miss; fwd-status=404'],
    [cacheStatus('collapsed'), 'vspc-proxy; fwd=miss; collapsed'],
    [cacheStatus('refresh', { stored: true }), 'vspc-proxy; fwd=request; stored'],
    [cacheStatus('bypass', { detail: 'no-store' }), 'vspc-proxy; fwd=request; detail=no-store'],
  ])('%s', (actual, expected) => expect(actual).toBe(expected));
});

describe('entries and validators', () => {
  const body = Buffer.from('{"data":[]}');
  it('a strong ETag is a hash of the body', () => {
    expect(etagOf(body)).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(etagOf(body)).toBe(etagOf(Buffer.from('{"data":[]}')));
    expect(etagOf(body)).not.toBe(etagOf(Buffer.from('{"data":[1]}')));
  });
  it.each([
    [undefined, false],
    ['*', true],
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", W/"abc"', true],
    ['"abcd"', false],
  ])('If-None-Match %p against "abc" → %s', (header, hits) =>
    expect(ifNoneMatchHits(header, '"abc"')).toBe(hits),
  );
  it('holds the body as a latin1 string of its exact bytes and counts body, slack, strings and overhead', () => {
    const socketBuffer = Buffer.alloc(65536);
    const slice = socketBuffer.subarray(100, 100 + body.length);
    body.copy(slice);
    const entry = createEntry({
      key: 'k'.repeat(100),
      contentType: 'application/json',
      headers: ['content-disposition', 'attachment; filename="jobs.csv"'],
      body: slice,
      path: '/api/v3/x',
      tokenHash: 'h',
      now: 1000,
      ttlMs: 30_000,
      staleMs: 300_000,
      upstreamMs: 5,
    });
    expect(Buffer.from(entry.body, 'latin1').equals(body)).toBe(true);
    expect(entry.body).toHaveLength(body.length);
    expect(bodyText(entry)).toBe(body.toString('utf8'));
    expect(entry.sizeBytes).toBe(
      Math.ceil(body.length * (1 + BODY_SLACK_SHARE)) +
        100 +
        entry.etag.length +
        'application/json'.length +
        'content-disposition'.length +
        'attachment; filename="jobs.csv"'.length +
        ENTRY_OVERHEAD_BYTES,
    );
    expect([entry.freshUntil, entry.staleUntil]).toEqual([31_000, 331_000]);
  });
});
