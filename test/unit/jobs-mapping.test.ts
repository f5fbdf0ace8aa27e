import { describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { problemForVspcAnswer, retryAfterSeconds } from '../../src/jobs/errors.js';
import { mapCopyJob, reportOnce } from '../../src/jobs/map.js';
import { pageLinks, windowsFor } from '../../src/jobs/paging.js';
import { linkParameters, parseJobsQuery } from '../../src/jobs/params.js';
import { vspcWindowQuery } from '../../src/jobs/vspc-query.js';
import type { UpstreamResponse } from '../../src/upstream/client.js';

const seed = JSON.parse(
  readFileSync(resolve(process.cwd(), 'test/fixtures/vspc/seed-example.json'), 'utf8'),
) as {
  data: Array<Record<string, unknown>>;
};
const serverJob = {
  name: 'Copy to DR site',
  status: 'Success',
  isEnabled: true,
  lastRun: '2026-11-28T22:00:00.0000000+00:00',
  lastEndTime: '2026-11-28T22:13:32.0000000+00:00',
  lastDuration: 812,
};

describe('mapCopyJob', () => {
  it('maps the example copy job (lower-case enums) with its embedded job record', () => {
    const report = jest.fn();
    const job = mapCopyJob({ ...seed.data[0], _embedded: { backupServerJob: serverJob } }, report);
    expect(job).toEqual({
      id: 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09',
      name: 'Copy to DR site',
      status: 'success',
      enabled: true,
      lastRun: '2026-11-28T22:00:00.000Z',
      lastEndTime: '2026-11-28T22:13:32.000Z',
      lastDurationSec: 812,
      targetRepositoryId: '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec',
      wanAcceleration: {
        sourceId: 'af43d000-52f1-4874-8df3-62dbb8676f25',
        targetId: 'a2b489bb-4aa5-4527-b9e4-f6a0f493a1bb',
      },
      retention: { policy: 'simple', weekly: 0, monthly: 0, yearly: 0 },
      rpo: { enabled: false, value: 0, unit: 'minutes' },
    });
    expect(report).not.toHaveBeenCalled();
  });

  it('lower-cases VSPC 3.6 casing the same way', () => {
    const job = mapCopyJob(
      {
        ...seed.data[1],
        retentionPolicyType: 'GFS',
        rpoOptionsUnit: 'Hours',
        isRpoOptionsEnabled: true,
        rpoOptionsValue: 4,
      },
      jest.fn(),
    );
    expect(job.retention.policy).toBe('gfs');
    expect(job.rpo).toEqual({ enabled: true, value: 4, unit: 'hours' });
  });

  it('maps unknown enum values to "unknown" and reports each once', () => {
    const log = jest.fn();
    const report = reportOnce(log);
    const odd = {
      ...seed.data[0],
      retentionPolicyType: 'Forever',
      rpoOptionsUnit: 'Fortnights',
      _embedded: { backupServerJob: { ...serverJob, status: 'Exploded' } },
    };
    const first = mapCopyJob(odd, report);
    mapCopyJob(odd, report);
    expect([first.retention.policy, first.rpo.unit, first.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(log.mock.calls).toEqual([
      ['status', 'Exploded'],
      ['retentionPolicyType', 'Forever'],
      ['rpoOptionsUnit', 'Fortnights'],
    ]);
  });

  it('gives null WAN acceleration when both ids are null, and nulls without _embedded', () => {
    const job = mapCopyJob(
      { ...seed.data[0], sourceWanAcceleratorUid: null, targetWanAcceleratorUid: null },
      jest.fn(),
    );
    expect(job.wanAcceleration).toBeNull();
    expect([job.name, job.status, job.enabled, job.lastRun, job.lastEndTime, job.lastDurationSec]).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    const half = mapCopyJob({ ...seed.data[0], sourceWanAcceleratorUid: null }, jest.fn());
    expect(half.wanAcceleration).toEqual({
      sourceId: null,
      targetId: 'a2b489bb-4aa5-4527-b9e4-f6a0f493a1bb',
    });
  });

  it('never throws on odd input', () => {
    expect(mapCopyJob({}, jest.fn())).toMatchObject({
      id: '',
      retention: { policy: 'unknown', weekly: 0 },
      rpo: { enabled: false, unit: 'unknown' },
    });
  });
});

describe('parseJobsQuery', () => {
  it('takes defaults and valid values', () => {
    expect(parseJobsQuery('')).toEqual({
      ok: true,
      query: { page: { limit: 100, offset: 0 }, q: null, statuses: [], sort: null },
    });
    expect(
      parseJobsQuery('limit=500&offset=1000&q=DR&status=failed,Warning&status=failed&sort=-lastRun'),
    ).toEqual({
      ok: true,
      query: {
        page: { limit: 500, offset: 1000 },
        q: 'DR',
        statuses: ['failed', 'warning'],
        sort: '-lastRun',
      },
    });
    expect(parseJobsQuery('all=true&q=x')).toEqual({
      ok: true,
      query: { page: null, q: 'x', statuses: [], sort: null },
    });
  });
  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=1e2', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=', 'limit'],
    ['limit=10&limit=20', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['foo=1', 'foo'],
    ['status=exploded', 'status'],
    ['sort=size', 'sort'],
    ['q=', 'q'],
    ['all=yes', 'all'],
    ['all=true&limit=10', 'limit'],
  ])('refuses %s naming %s', (query, parameter) => {
    const result = parseJobsQuery(query);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((error) => error.parameter)).toContain(parameter);
  });
  it('names broken percent-encoding once, by the name as sent', () => {
    for (const [query, expected] of [
      ['%zz=1', ['%zz']],
      ['q=%E0%A4%A', ['q']],
      ['limit=10&q%zz=a', ['q%zz']],
      ['status=%zz', ['status']],
      ['q=%zz&q=%zz', ['q']],
    ] as const) {
      const result = parseJobsQuery(query);
      expect(result.ok ? [] : result.errors.map((error) => error.parameter)).toEqual(expected);
    }
  });
  it('lists every bad parameter at once', () => {
    const result = parseJobsQuery('limit=0&offset=-1&bogus=1&sort=x');
    expect(result.ok ? [] : result.errors.map((error) => error.parameter)).toEqual([
      'bogus',
      'limit',
      'offset',
      'sort',
    ]);
  });
});

describe('paging arithmetic', () => {
  it.each([
    [0, 100, 500, [0]],
    [450, 100, 500, [0, 500]],
    [499, 1, 500, [0]],
    [500, 500, 500, [500]],
    [999, 2, 500, [500, 1000]],
  ])('offset %i limit %i window %i → %p', (offset, limit, size, windows) => {
    expect(windowsFor(offset, limit, size)).toEqual(windows);
  });
  it('links keep the filters and stop at the ends', () => {
    expect(pageLinks('/jobs/copy', '&q=a', { offset: 0, limit: 50, total: 120 })).toEqual({
      self: '/jobs/copy?limit=50&offset=0&q=a',
      next: '/jobs/copy?limit=50&offset=50&q=a',
      prev: null,
    });
    expect(pageLinks('/jobs/copy', '', { offset: 100, limit: 50, total: 120 })).toEqual({
      self: '/jobs/copy?limit=50&offset=100',
      next: null,
      prev: '/jobs/copy?limit=50&offset=50',
    });
  });
  it('link parameters are encoded', () => {
    expect(linkParameters({ page: null, q: 'a&b c', statuses: ['failed', 'idle'], sort: '-name' })).toBe(
      '&q=a%26b%20c&status=failed,idle&sort=-name',
    );
  });
});

describe('vspcWindowQuery', () => {
  it('asks for the window, the embedded job, and filter/sort JSON', () => {
    const raw = vspcWindowQuery(
      { page: null, q: 'DR', statuses: ['failed', 'waitingtape'], sort: '-name' },
      { limit: 500, offset: 1000 },
    );
    const params = new URLSearchParams(raw);
    expect(params.get('expand')).toBe('BackupServerJob');
    expect([params.get('limit'), params.get('offset')]).toEqual(['500', '1000']);
    expect(JSON.parse(params.get('filter') ?? '')).toEqual([
      {
        property: '_embedded.backupServerJob.name',
        operation: 'contains',
        collation: 'ignorecase',
        value: 'DR',
      },
      {
        property: '_embedded.backupServerJob.status',
        operation: 'in',
        collation: 'ignorecase',
        value: ['Failed', 'WaitingTape'],
      },
    ]);
    expect(JSON.parse(params.get('sort') ?? '')).toEqual([
      { property: '_embedded.backupServerJob.name', direction: 'descending', collation: 'ignorecase' },
    ]);
    expect(
      vspcWindowQuery({ page: null, q: null, statuses: [], sort: null }, { limit: 500, offset: 0 }),
    ).toBe('expand=BackupServerJob&limit=500&offset=0');
  });
});

describe('VSPC errors → problems', () => {
  const answer = (
    status: number,
    body: unknown,
    headers: UpstreamResponse['headers'] = {},
  ): UpstreamResponse => ({
    status,
    headers,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    durationMs: 1,
  });
  it.each([
    [401, 'token-refused'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [429, 'upstream-throttled'],
    [202, 'upstream-busy'],
    [520, 'upstream-error'],
    [500, 'upstream-error'],
    [400, 'upstream-rejected'],
  ])('%i → %s, keeping VSPC’s body', (status, code) => {
    const vspc = { errors: [{ message: 'nope', type: 'logical', code: status }] };
    const problem = problemForVspcAnswer(answer(status, vspc));
    expect(problem.code).toBe(code);
    expect(problem.vspc).toEqual(vspc);
  });
  it('reads retryAfter from the body, then the header, else 1 s', () => {
    expect(retryAfterSeconds(answer(429, { errors: [{ retryAfter: 25 }] }))).toBe(25);
    expect(retryAfterSeconds(answer(429, '', { 'retry-after': '7' }))).toBe(7);
    expect(retryAfterSeconds(answer(429, 'busy'))).toBe(1);
    expect(
      problemForVspcAnswer(answer(429, { errors: [{ type: 'transport', code: 429, retryAfter: 25 }] }))
        .headers,
    ).toEqual({ 'Retry-After': '25' });
    expect(problemForVspcAnswer(answer(202, '')).headers).toEqual({ 'Retry-After': '1' });
  });
});
