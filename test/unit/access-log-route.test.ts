import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { routeOf } from '../../src/http/access-log.js';

/** A request Express never routed (the client rate limit answered it first). */
const unrouted = (method = 'GET') => ({ method }) as IncomingMessage;

describe('routeOf for requests that never reached Express', () => {
  it.each([
    ['/jobs/copy', '/jobs/copy'],
    ['/jobs/copy?limit=5', '/jobs/copy'],
    ['/jobs/copy/', '/jobs/copy'],
    ['/jobs/copy/?all=true', '/jobs/copy'],
    ['/Jobs/Copy', '/jobs/copy'],
    ['/Jobs/Copy/', '/jobs/copy'],
    ['/JOBS/COPY?limit=1', '/jobs/copy'],
    ['/jobs/copy/ed9b33f2-31a8-4e7b-aa69-495afe20dd09', '/jobs/copy/:id'],
    ['/jobs/copy/ed9b33f2-31a8-4e7b-aa69-495afe20dd09/', '/jobs/copy/:id'],
    ['/Jobs/Copy/ED9B33F2-31A8-4E7B-AA69-495AFE20DD09/', '/jobs/copy/:id'],
    ['/jobs/copy/not-a-uuid?x=1', '/jobs/copy/:id'],
  ])('GET %s is labelled %s, as Express would route it', (url, route) => {
    expect(routeOf(unrouted(), url)).toBe(route);
    expect(routeOf(unrouted('HEAD'), url)).toBe(route);
  });

  it.each(['/jobs/copy//', '/jobs/copy/a/b', '/jobs/copy/a//', '/jobs//copy', '/jobs/copyx', '/jobs', '/'])(
    'GET %s matches no route: unmatched',
    (url) => {
      expect(routeOf(unrouted(), url)).toBe('unmatched');
    },
  );

  it('other methods on jobs paths (answered 405) get the template too; Express’s own match and /api/v3 win', () => {
    expect(routeOf(unrouted('POST'), '/jobs/copy/')).toBe('/jobs/copy');
    expect(routeOf(unrouted('DELETE'), '/jobs/copy/abc')).toBe('/jobs/copy/:id');
    expect(routeOf(unrouted('POST'), '/jobs/copyx')).toBe('unmatched');
    expect(routeOf(unrouted(), '/api/v3/infrastructure/backupServers/jobs')).toBe('/api/v3/*');
    const routed = {
      method: 'GET',
      route: { path: '/jobs/copy/:id' },
      baseUrl: '',
    } as unknown as IncomingMessage;
    expect(routeOf(routed, '/Jobs/Copy/abc/')).toBe('/jobs/copy/:id');
  });
});
