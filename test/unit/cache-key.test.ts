import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { cacheKey, canonicalQuery, memoizedCanonicalQuery, type CacheKeyInput } from '../../src/cache/key.js';
import { bearerToken, createTokenHasher } from '../../src/callers/bearer.js';

const base: CacheKeyInput = {
  tokenHash: 'h1',
  method: 'GET',
  path: '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs',
  query: '',
  accept: 'application/json',
  clientVersion: '3.6',
};
const keyFor = (query: string, overrides: Partial<CacheKeyInput> = {}) =>
  cacheKey({ ...base, query, ...overrides });

describe('canonicalQuery', () => {
  it('makes paging defaults explicit and sorts parameters', () => {
    expect(canonicalQuery('')).toBe('limit=100&offset=0');
    expect(canonicalQuery('offset=0&limit=100')).toBe('limit=100&offset=0');
    expect(canonicalQuery('offset=200')).toBe('limit=100&offset=200');
    expect(canonicalQuery('limit=010')).toBe('limit=10&offset=0');
  });
  it('re-serialises JSON parameters and sorts expand values', () => {
    const filter = '[ { "property" : "name", "operation": "contains", "value" : "DR" } ]';
    expect(canonicalQuery(`filter=${encodeURIComponent(filter)}&expand=B&expand=A`)).toBe(
      `expand=A&expand=B&filter=${encodeURIComponent('[{"property":"name","operation":"contains","value":"DR"}]')}&limit=100&offset=0`,
    );
  });
  it('keeps what JSON.parse would lose: numbers beyond 2^53, repeated keys, whitespace inside strings', () => {
    const filterOf = (json: string) => canonicalQuery(`filter=${encodeURIComponent(json)}`);
    expect(filterOf('[{"v": 12345678901234567890}]')).not.toBe(filterOf('[{"v":12345678901234567891}]'));
    expect(filterOf('[{"a":1, "a":2}]')).not.toBe(filterOf('[{"a":2}]'));
    expect(filterOf('[{"value": "copy  to DR \\" x"}]')).toBe(
      `filter=${encodeURIComponent('[{"value":"copy  to DR \\" x"}]')}&limit=100&offset=0`,
    );
    expect(filterOf('[ 1.50 ,\t\n2 ]')).toBe(`filter=${encodeURIComponent('[1.50,2]')}&limit=100&offset=0`);
  });

  it('keeps invalid JSON and odd paging values as sent (VSPC refuses them; refusals are not cached)', () => {
    expect(canonicalQuery('filter=%5B&limit=abc')).toBe('filter=%5B&limit=abc&offset=0');
  });
});

describe('cacheKey', () => {
  it('is the same for equivalent queries', () => {
    const expected = keyFor('limit=100&offset=0');
    for (const query of ['', 'offset=0&limit=100', 'limit=100', 'offset=0', 'limit=%31%30%30&offset=0']) {
      expect(keyFor(query)).toBe(expected);
    }
    expect(keyFor('sort=[{"property":"name","direction":"ascending"}]')).toBe(
      keyFor('sort=%5B%20%7B%22property%22%3A%20%22name%22%2C%20%22direction%22%3A%22ascending%22%7D%5D'),
    );
    expect(keyFor('x', { method: 'HEAD' })).toBe(keyFor('x'));
  });

  it('differs for another token, page, path, Accept, Accept-Language or X-Client-Version', () => {
    const key = keyFor('limit=50&offset=50');
    expect(keyFor('limit=50&offset=50', { tokenHash: 'h2' })).not.toBe(key);
    expect(keyFor('limit=50&offset=100')).not.toBe(key);
    expect(keyFor('limit=51&offset=50')).not.toBe(key);
    expect(keyFor('limit=50&offset=50', { path: '/api/v3/infrastructure/backupServers/jobs' })).not.toBe(key);
    expect(keyFor('limit=50&offset=50', { accept: 'text/csv' })).not.toBe(key);
    expect(keyFor('limit=50&offset=50', { clientVersion: '3.5' })).not.toBe(key);
    expect(keyFor('limit=50&offset=50', { acceptLanguage: 'de' })).not.toBe(
      keyFor('limit=50&offset=50', { acceptLanguage: 'fr' }),
    );
  });

  it('property: parameter order, explicit defaults and JSON whitespace never split a key', () => {
    const jsonParameter = fc.record({
      name: fc.constantFrom('filter', 'sort', 'select'),
      value: fc.array(
        fc.record({ property: fc.string({ maxLength: 6 }), value: fc.string({ maxLength: 6 }) }),
        { maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(jsonParameter, { maxLength: 3, selector: (parameter) => parameter.name }),
        fc.nat({ max: 500 }),
        fc.boolean(),
        (parameters, offset, explicitLimit) => {
          const compact = parameters.map(
            ({ name, value }) => `${name}=${encodeURIComponent(JSON.stringify(value))}`,
          );
          const spaced = parameters.map(
            ({ name, value }) => `${name}=${encodeURIComponent(JSON.stringify(value, null, 2))}`,
          );
          const forward = [
            ...compact,
            'expand=B',
            'expand=A',
            `offset=${offset}`,
            ...(explicitLimit ? ['limit=100'] : []),
          ];
          const backward = [`offset=${offset}`, 'expand=A', ...spaced.reverse(), 'expand=B'];
          expect(keyFor(forward.join('&'))).toBe(keyFor(backward.join('&')));
        },
      ),
    );
  });

  it('property: different tokens or different pages give different keys', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 500 }),
        fc.nat({ max: 10_000 }),
        fc.nat({ max: 10_000 }),
        (tokenA, tokenB, limit, offsetA, offsetB) => {
          const hash = createTokenHasher('test-secret');
          const a = keyFor(`limit=${limit}&offset=${offsetA}`, { tokenHash: hash(tokenA) });
          const b = keyFor(`limit=${limit}&offset=${offsetB}`, { tokenHash: hash(tokenB) });
          expect(a === b).toBe(tokenA === tokenB && offsetA === offsetB);
        },
      ),
    );
  });

  it('never holds the raw token', () => {
    const token = 'eyJraWQiOiJzZWNyZXQtdG9rZW4tdmFsdWUifQ';
    const key = keyFor('', { tokenHash: createTokenHasher('s')(token) });
    expect(key).not.toContain(token);
    expect(key.split('\n')[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('memoizedCanonicalQuery', () => {
  it('property: gives what canonicalQuery gives, within its bound', () => {
    const memoized = memoizedCanonicalQuery(4);
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (query) => {
        expect(memoized(query)).toBe(canonicalQuery(query));
        expect(memoized(query)).toBe(canonicalQuery(query));
      }),
    );
  });
});

describe('createTokenHasher', () => {
  it('is the HMAC-SHA256 of the token under the secret, in hex', () => {
    expect(createTokenHasher('cache-key-secret')('eyJhbGciOi.token')).toBe(
      createHmac('sha256', 'cache-key-secret').update('eyJhbGciOi.token').digest('hex'),
    );
  });

  it('depends on the secret', () => {
    expect(createTokenHasher('a')('t')).not.toBe(createTokenHasher('b')('t'));
    expect(createTokenHasher('a')('t')).toBe(createTokenHasher('a')('t'));
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc ', 'abc'],
    ['Bearer a b', null],
    ['Basic abc', null],
    [undefined, null],
  ])('%s → %s', (header, token) => expect(bearerToken(header)).toBe(token));
});
