import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { JOB_STATUSES, JobSchema, type Job } from '../../src/jobs/job.js';
import { mapCopyJob } from '../../src/jobs/map.js';
import { parseJobsQuery } from '../../src/jobs/params.js';
import {
  JobPageSchema,
  JobResponseSchema,
  JobsQueryParametersSchema,
  SORT_KEYS,
} from '../../src/jobs/schema.js';

/** The job shape as src/jobs/job.ts wrote it by hand before it was derived from the schema. */
interface HandWrittenJob {
  id: string;
  name: string | null;
  status: (typeof JOB_STATUSES)[number] | null;
  enabled: boolean | null;
  lastRun: string | null;
  lastEndTime: string | null;
  lastDurationSec: number | null;
  targetRepositoryId: string | null;
  wanAcceleration: { sourceId: string | null; targetId: string | null } | null;
  retention: {
    policy: 'unknown' | 'none' | 'simple' | 'gfs';
    weekly: number;
    monthly: number;
    yearly: number;
  };
  rpo: {
    enabled: boolean;
    value: number;
    unit: 'minutes' | 'hours' | 'days' | 'months' | 'years' | 'unknown';
  };
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Fails to compile (and so this test file fails) if the derived type drifts from the shape. */
const JOB_TYPE_IS_THE_SHAPE: Equal<Job, HandWrittenJob> = true;

const validJob = Compile(JobSchema);
const validPage = Compile(JobPageSchema);
const validSingle = Compile(JobResponseSchema);

/** The message the parser gives for one parameter of `query`, which must be refused. */
function messageFor(query: string): string[] {
  const result = parseJobsQuery(query);
  return result.ok ? [] : result.errors.map((error) => `${error.parameter}: ${error.message}`);
}

describe('the Job schema', () => {
  it('is the type the code uses', () => {
    expect(JOB_TYPE_IS_THE_SHAPE).toBe(true);
  });

  it('holds every job mapCopyJob makes from whatever VSPC sends, and the answers built from them', () => {
    const odd = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const when = fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
    const copyJob = fc.record({
      instanceUid: fc.uuid(),
      targetRepositoryUid: odd,
      sourceWanAcceleratorUid: odd,
      targetWanAcceleratorUid: odd,
      retentionPolicyType: fc.oneof(odd, fc.constantFrom('Simple', 'GFS', 'none', 'Forever')),
      weeklyRestorePointsToKeep: odd,
      monthlyRestorePointsToKeep: odd,
      yearlyRestorePointsToKeep: odd,
      isRpoOptionsEnabled: odd,
      rpoOptionsValue: odd,
      rpoOptionsUnit: fc.oneof(odd, fc.constantFrom('Hours', 'minutes', 'Weeks')),
    });
    const serverJob = fc.option(
      fc.record({
        name: odd,
        status: fc.oneof(odd, fc.constantFrom('Success', 'WaitingTape', 'Exploded')),
        isEnabled: odd,
        lastRun: fc.oneof(odd, when),
        lastEndTime: fc.oneof(odd, when),
        lastDuration: odd,
      }),
    );
    fc.assert(
      fc.property(copyJob, serverJob, (input, server) => {
        const job = mapCopyJob(input, () => undefined, server);
        expect([...validJob.Errors(job)]).toEqual([]);
        expect(validSingle.Check({ data: job })).toBe(true);
        const page = {
          data: [job],
          page: { total: 1, count: 1, offset: 0, limit: null },
          links: { self: '/jobs/copy?all=true', next: null, prev: null },
        };
        expect(validPage.Check(page)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what the document refuses: VSPC casing, a missing member, an extra one', () => {
    const job = mapCopyJob({ instanceUid: 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09' }, () => undefined);
    expect(validJob.Check(job)).toBe(true);
    expect(validJob.Check({ ...job, status: 'Success' })).toBe(false);
    expect(validJob.Check(Object.fromEntries(Object.entries(job).filter(([key]) => key !== 'rpo')))).toBe(
      false,
    );
    expect(validJob.Check({ ...job, instanceUid: job.id })).toBe(false);
    expect(validJob.Check({ ...job, id: '' })).toBe(false);
  });
});

describe("parseJobsQuery reads /jobs/copy's rules from JobsQueryParametersSchema", () => {
  const { limit, offset, q, status, sort } = JobsQueryParametersSchema.properties;

  it('takes its defaults from the schema', () => {
    expect(parseJobsQuery('')).toEqual({
      ok: true,
      query: { page: { limit: limit.default, offset: offset.default }, q: null, statuses: [], sort: null },
    });
    expect([limit.default, offset.default]).toEqual([100, 0]);
  });

  it('accepts each bound and refuses one past it, naming the bounds', () => {
    expect(parseJobsQuery(`limit=${limit.minimum}&offset=${offset.maximum}`).ok).toBe(true);
    expect(parseJobsQuery(`limit=${limit.maximum}&q=${'a'.repeat(q.maxLength)}`).ok).toBe(true);
    expect(messageFor(`limit=${limit.maximum + 1}`)).toEqual([
      'limit: limit must be a whole number from 1 to 500.',
    ]);
    expect(messageFor(`offset=${offset.maximum + 1}`)).toEqual([
      'offset: offset must be a whole number from 0 to 2147483647.',
    ]);
    expect(messageFor(`q=${'a'.repeat(q.maxLength + 1)}`)).toEqual(['q: q must be 1 to 200 characters.']);
    // Measured in UTF-16 code units, as before the schema: 101 emoji are 202 of them.
    expect(messageFor(`q=${'😀'.repeat(101)}`)).toEqual(['q: q must be 1 to 200 characters.']);
  });

  it("allows the schema's states and sort keys, and lists them when refusing", () => {
    expect(status.items.enum).toEqual(JOB_STATUSES);
    expect(sort.enum).toEqual(SORT_KEYS);
    for (const state of JOB_STATUSES) expect(parseJobsQuery(`status=${state.toUpperCase()}`).ok).toBe(true);
    for (const key of SORT_KEYS) expect(parseJobsQuery(`sort=${encodeURIComponent(key)}`).ok).toBe(true);
    expect(messageFor('status=idle,%20Exploded')).toEqual([
      "status: Unknown job state ' Exploded'; allowed: unknown, none, idle, success, warning, failed, running, " +
        'starting, stopping, enabling, disabling, waitingtape, waitingrepository.',
    ]);
    expect(messageFor('sort=size')).toEqual([
      'sort: sort must be one of name, -name, lastRun, -lastRun, status.',
    ]);
  });

  it('names the known parameters in the order the schema lists them, and keeps every other message', () => {
    expect(messageFor('foo=1&all=maybe&all=true&limit=5&q=')).toEqual([
      "foo: Unknown parameter 'foo'; allowed: limit, offset, q, status, sort, all.",
      'all: all may be given once.',
      'all: all must be true or false.',
      'q: q must be 1 to 200 characters.',
    ]);
    expect(messageFor('all=true&limit=5&offset=0')).toEqual([
      'limit: limit cannot be combined with all=true.',
      'offset: offset cannot be combined with all=true.',
    ]);
    expect(messageFor('limit=%zz&limit=5')).toEqual(['limit: limit is not valid percent-encoded UTF-8.']);
  });
});
