import { describe, expect, it } from '@jest/globals';
import { isApiPath, normaliseTarget } from '../../src/http/target.js';

describe('normaliseTarget', () => {
  it('keeps a clean path and its raw query', () => {
    expect(normaliseTarget('/api/v3/a/b?filter=%5B%5D&x=1')).toEqual({
      ok: true,
      path: '/api/v3/a/b',
      search: '?filter=%5B%5D&x=1',
    });
  });
  it('drops empty and dot segments, encoded dots too', () => {
    expect(normaliseTarget('//api//v3/./a/%2e/b/')).toEqual({ ok: true, path: '/api/v3/a/b', search: '' });
  });
  it('keeps percent-encoding of ordinary characters as sent', () => {
    expect(normaliseTarget('/api/v3/a%20b')).toEqual({ ok: true, path: '/api/v3/a%20b', search: '' });
  });
  it.each([
    ['http://x/api/v3/a', 'path-absolute'],
    ['*', 'path-absolute'],
    ['/api/v3/../a', "'..'"],
    ['/api/v3/%2e%2E/a', "'..'"],
    ['/api/v3/a%2Fb', 'Encoded slashes'],
    ['/api/v3/a%5Cb', 'Encoded slashes'],
    ['/api/v3\\a', 'Backslashes'],
    ['/api/v3/a%0d%0aX: y', 'Control characters'],
    ['/api/v3/%E0%A4%A', 'malformed percent-encoding'],
  ])('refuses %s', (raw, why) => {
    const result = normaliseTarget(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.detail).toContain(why);
  });
  it('does not look for traversal in the query', () => {
    expect(normaliseTarget('/api/v3/a?x=../..')).toEqual({ ok: true, path: '/api/v3/a', search: '?x=../..' });
  });
});

describe('isApiPath', () => {
  it.each([
    ['/api/v3/token', true],
    ['/api/v3/a/b', true],
    ['/api/v3', false],
    ['/api/v3/', false],
    ['/api/v30/x', false],
    ['/healthz', false],
  ])('%s → %s', (path, expected) => expect(isApiPath(path)).toBe(expected));
});
