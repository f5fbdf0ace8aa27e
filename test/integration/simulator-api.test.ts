import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  buildDataset,
  COMPANIES,
  DEMO_USERS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';

const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const JOBS = '/api/v3/infrastructure/backupServers/jobs';
const NAME = '_embedded.backupServerJob.name';
const SEED_EXAMPLE_PATH = path.resolve(process.cwd(), 'test/fixtures/vspc/seed-example.json');

interface CopyJobBody {
  instanceUid: string;
  retentionPolicyType: string;
  rpoOptionsUnit: string;
  _embedded?: { backupServerJob: { instanceUid: string; name: string; organizationUid: string } };
}
interface CollectionBody<T> {
  meta: { pagingInfo: { total: number; count: number; offset: number } };
  data: T[];
  errors: null;
}
interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

const dataset = buildDataset();
const companyUid = (name: string): string => COMPANIES.find((c) => c.name === name)?.organizationUid ?? '';
const ALPHA_UID = companyUid('Alpha Logistics');
const BETA_UID = companyUid('Beta Health');
const firstBetaCopyJob = dataset.copyJobs.find(
  (j) => j._embedded.backupServerJob.organizationUid === BETA_UID,
);

async function postToken(sim: Simulator, form: Record<string, string>): Promise<Reply> {
  const response = await fetch(`${sim.url}/api/v3/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function get(sim: Simulator, pathAndQuery: string, token?: string): Promise<Reply> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(`${sim.url}${pathAndQuery}`, { headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** A query string; object values are sent as URL-encoded JSON, as VSPC expects for filter and sort. */
function query(params: Record<string, string | number | object>): string {
  const entries = Object.entries(params).map(([k, v]): [string, string] => [
    k,
    typeof v === 'object' ? JSON.stringify(v) : String(v),
  ]);
  return `?${new URLSearchParams(entries).toString()}`;
}

function collection<T = CopyJobBody>(reply: Reply): CollectionBody<T> {
  expect(reply.status).toBe(200);
  return reply.body as CollectionBody<T>;
}

function errorOf(status: number, type: string): unknown {
  return { errors: [{ message: expect.any(String), type, code: status }] };
}

describe('VSPC simulator API', () => {
  let sim: Simulator;
  let admin: string;
  let alpha: string;
  let beta: string;

  beforeAll(async () => {
    sim = await startSimulator();
    admin = sim.issueToken('admin').accessToken;
    alpha = sim.issueToken('alpha').accessToken;
    beta = sim.issueToken('beta').accessToken;
  });

  afterAll(async () => {
    await sim.close();
  });

  describe('POST /api/v3/token', () => {
    it('issues a bearer token pair for every demo user with the password grant', async () => {
      for (const user of DEMO_USERS) {
        const reply = await postToken(sim, {
          grant_type: 'password',
          username: user.username,
          password: user.password,
        });
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(reply.body).toEqual({
          access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
          token_type: 'bearer',
          refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
          expires_in: 3600,
          mfa_token: null,
          encrypted_code: null,
        });
        const token = (reply.body as { access_token: string }).access_token;
        expect((await get(sim, `${COPY_JOBS}?limit=1`, token)).status).toBe(200);
      }
    });

    it('refreshes a pair once: the refresh token is consumed', async () => {
      const login = await postToken(sim, {
        grant_type: 'password',
        username: 'beta',
        password: 'beta-demo-password',
      });
      const { refresh_token: refreshToken } = login.body as { refresh_token: string };
      const refreshed = await postToken(sim, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(refreshed.status).toBe(200);
      const pair = refreshed.body as { access_token: string; refresh_token: string };
      expect(pair.refresh_token).not.toBe(refreshToken);
      expect(
        collection(await get(sim, `${COPY_JOBS}?limit=1`, pair.access_token)).meta.pagingInfo.total,
      ).toBe(200);
      const again = await postToken(sim, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(again.status).toBe(400);
      expect(again.body).toEqual({
        error: 'invalid_grant',
        error_description: expect.any(String),
        error_uri: null,
      });
    });

    it.each([
      [{ grant_type: 'password', username: 'admin', password: 'wrong' }, 'invalid_grant'],
      [{ grant_type: 'password', username: 'admin' }, 'invalid_request'],
      [{ username: 'admin', password: 'admin-demo-password' }, 'invalid_request'],
      [{ grant_type: 'refresh_token', refresh_token: 'unknown' }, 'invalid_grant'],
      [{ grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    ])('answers 400 OAuth2Error for %j', async (form, error) => {
      const reply = await postToken(sim, form);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ error, error_description: expect.any(String), error_uri: null });
    });

    it('answers 400 invalid_request to a JSON body', async () => {
      const response = await fetch(`${sim.url}/api/v3/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', username: 'admin', password: 'admin-demo-password' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    });
  });

  describe('authentication', () => {
    it('answers 401 security without a token, with an unknown token and with a Basic header', async () => {
      expect(await get(sim, COPY_JOBS)).toMatchObject({ status: 401, body: errorOf(401, 'security') });
      expect(await get(sim, COPY_JOBS, 'not-a-real-token')).toMatchObject({
        status: 401,
        body: errorOf(401, 'security'),
      });
      const basic = await fetch(`${sim.url}${COPY_JOBS}`, {
        headers: { authorization: 'Basic YWRtaW46eA==' },
      });
      expect(basic.status).toBe(401);
    });

    it('expires tokens after tokenTtlS by the injected clock', async () => {
      let nowMs = Date.UTC(2026, 0, 1);
      const timed = await startSimulator({ tokenTtlS: 60, now: () => nowMs });
      try {
        const login = await postToken(timed, {
          grant_type: 'password',
          username: 'alpha',
          password: 'alpha-demo-password',
        });
        const { access_token: token, expires_in: expiresIn } = login.body as {
          access_token: string;
          expires_in: number;
        };
        expect(expiresIn).toBe(60);
        nowMs += 59_999;
        expect((await get(timed, `${COPY_JOBS}?limit=1`, token)).status).toBe(200);
        nowMs += 1;
        const expired = await get(timed, `${COPY_JOBS}?limit=1`, token);
        expect(expired.status).toBe(401);
        expect(expired.body).toEqual({
          errors: [{ message: 'The access token has expired.', type: 'security', code: 401 }],
        });
      } finally {
        await timed.close();
      }
    });
  });

  describe('paging', () => {
    it('defaults to limit 100, offset 0', async () => {
      const body = collection(await get(sim, COPY_JOBS, admin));
      expect(body.meta.pagingInfo).toEqual({ total: 1200, count: 100, offset: 0 });
      expect(body.errors).toBeNull();
      expect(body.data.map((j) => j.instanceUid)).toEqual(
        dataset.copyJobs.slice(0, 100).map((j) => j.instanceUid),
      );
    });

    it('serves all 1,200 jobs exactly once over pages of 500', async () => {
      const seen: string[] = [];
      for (const offset of [0, 500, 1000]) {
        const body = collection(await get(sim, `${COPY_JOBS}${query({ limit: 500, offset })}`, admin));
        expect(body.meta.pagingInfo).toEqual({ total: 1200, count: offset === 1000 ? 200 : 500, offset });
        seen.push(...body.data.map((j) => j.instanceUid));
      }
      expect(new Set(seen).size).toBe(1200);
    });

    it('returns a short last page and an empty page past the end', async () => {
      expect(collection(await get(sim, `${COPY_JOBS}?limit=100&offset=1190`, admin)).meta.pagingInfo).toEqual(
        {
          total: 1200,
          count: 10,
          offset: 1190,
        },
      );
      const past = collection(await get(sim, `${COPY_JOBS}?limit=100&offset=5000`, admin));
      expect(past).toEqual({
        meta: { pagingInfo: { total: 1200, count: 0, offset: 5000 } },
        data: [],
        errors: null,
      });
    });

    it.each([
      ['limit=501', "Parameter 'limit' must be an integer between 1 and 500."],
      ['limit=0', "Parameter 'limit' must be an integer between 1 and 500."],
      ['limit=abc', "Parameter 'limit' must be an integer between 1 and 500."],
      ['limit=1e2', "Parameter 'limit' must be an integer between 1 and 500."],
      ['limit=', "Parameter 'limit' must be an integer between 1 and 500."],
      ['offset=-1', "Parameter 'offset' must be an integer between 0 and 2147483647."],
      ['offset=1.5', "Parameter 'offset' must be an integer between 0 and 2147483647."],
      ['filter=%7Bnope', "Parameter 'filter' must be a URL-encoded JSON array of filter expressions."],
      [
        'sort=%5B%7B%22direction%22%3A%22up%22%7D%5D',
        "Parameter 'sort' is invalid: every expression needs a 'property'.",
      ],
      ['expand=Everything', "Parameter 'expand' accepts only 'BackupServerJob', not 'Everything'."],
    ])('answers 400 logical to %s, naming the parameter', async (rawQuery, message) => {
      const reply = await get(sim, `${COPY_JOBS}?${rawQuery}`, admin);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ errors: [{ message, type: 'logical', code: 400 }] });
    });

    it('accepts limit=500 and ignores select', async () => {
      const body = collection(
        await get(
          sim,
          `${COPY_JOBS}${query({ limit: 500, select: [{ propertyPath: 'instanceUid' }] })}`,
          admin,
        ),
      );
      expect(body.meta.pagingInfo).toEqual({ total: 1200, count: 500, offset: 0 });
    });
  });

  describe('scoping per user', () => {
    it('shows admin every copy job, alpha only Alpha Logistics and beta only Beta Health', async () => {
      const cases: [string, number, string | undefined][] = [
        [admin, 1200, undefined],
        [alpha, 300, ALPHA_UID],
        [beta, 200, BETA_UID],
      ];
      for (const [token, total, organizationUid] of cases) {
        const body = collection(await get(sim, `${COPY_JOBS}?limit=500&expand=BackupServerJob`, token));
        expect(body.meta.pagingInfo.total).toBe(total);
        if (organizationUid !== undefined) {
          const owners = new Set(body.data.map((j) => j._embedded?.backupServerJob.organizationUid));
          expect([...owners]).toEqual([organizationUid]);
        }
      }
    });

    it('scopes /jobs the same way (copy jobs, VM backup jobs and the SOBR maintenance job)', async () => {
      expect(collection(await get(sim, `${JOBS}?limit=1`, admin)).meta.pagingInfo.total).toBe(1405);
      expect(collection(await get(sim, `${JOBS}?limit=1`, alpha)).meta.pagingInfo.total).toBe(341);
      expect(collection(await get(sim, `${JOBS}?limit=1`, beta)).meta.pagingInfo.total).toBe(241);
    });

    it('hides another company’s job by uid (404), for copy jobs and jobs', async () => {
      const uid = firstBetaCopyJob?.instanceUid ?? '';
      expect(await get(sim, `${COPY_JOBS}/${uid}`, alpha)).toMatchObject({
        status: 404,
        body: errorOf(404, 'logical'),
      });
      expect(await get(sim, `${JOBS}/${uid}`, alpha)).toMatchObject({
        status: 404,
        body: errorOf(404, 'logical'),
      });
      expect((await get(sim, `${COPY_JOBS}/${uid}`, beta)).status).toBe(200);
      expect((await get(sim, `${COPY_JOBS}/${uid}`, admin)).status).toBe(200);
    });
  });

  describe('single resources', () => {
    it('returns one copy job in a data envelope, without _embedded', async () => {
      const job = dataset.copyJobs[5];
      if (job === undefined) throw new Error('the dataset has fewer than 6 copy jobs');
      const reply = await get(sim, `${COPY_JOBS}/${job.instanceUid.toUpperCase()}`, admin);
      expect(reply.status).toBe(200);
      const { _embedded, ...expected } = job;
      expect(_embedded.backupServerJob.instanceUid).toBe(job.instanceUid);
      expect(reply.body).toEqual({ meta: null, data: expected, errors: null });
    });

    it('returns one job', async () => {
      const job = dataset.jobs.find((j) => j.type === 'BackupVm');
      expect(await get(sim, `${JOBS}/${job?.instanceUid}`, admin)).toMatchObject({
        status: 200,
        body: { meta: null, data: job, errors: null },
      });
    });

    it('answers 404 for an unknown uid and 400 for a malformed one', async () => {
      const unknown = '11111111-2222-4333-8444-555555555555';
      expect(await get(sim, `${COPY_JOBS}/${unknown}`, admin)).toMatchObject({
        status: 404,
        body: errorOf(404, 'logical'),
      });
      expect(await get(sim, `${JOBS}/${unknown}`, admin)).toMatchObject({
        status: 404,
        body: errorOf(404, 'logical'),
      });
      expect(await get(sim, `${COPY_JOBS}/not-a-uuid`, admin)).toEqual(
        expect.objectContaining({
          status: 400,
          body: {
            errors: [
              { message: "Parameter 'jobUid' must be a UUID, not 'not-a-uuid'.", type: 'logical', code: 400 },
            ],
          },
        }),
      );
    });

    it('answers 404 for an unknown path and 405 for a wrong method', async () => {
      expect(await get(sim, '/api/v3/infrastructure/backupServers', admin)).toMatchObject({
        status: 404,
        body: errorOf(404, 'logical'),
      });
      const post = await fetch(`${sim.url}${COPY_JOBS}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET');
      expect(await post.json()).toEqual(errorOf(405, 'logical'));
    });
  });

  describe('expand', () => {
    it('leaves _embedded out entirely without expand', async () => {
      const body = collection(await get(sim, `${COPY_JOBS}?limit=3`, admin));
      for (const job of body.data) expect(Object.keys(job)).not.toContain('_embedded');
    });

    it('embeds the matching BackupServerJob with expand=BackupServerJob (also repeated or as a list)', async () => {
      for (const rawQuery of [
        'expand=BackupServerJob',
        'expand=BackupServerJob&expand=backupserverjob',
        'expand=BackupServerJob,BackupServerJob',
      ]) {
        const body = collection(await get(sim, `${COPY_JOBS}?limit=3&${rawQuery}`, admin));
        for (const job of body.data) {
          expect(job._embedded?.backupServerJob).toEqual(dataset.jobsByUid.get(job.instanceUid));
        }
      }
    });
  });

  describe('filter and sort', () => {
    const names = dataset.copyJobs.map((j) => j._embedded.backupServerJob.name);
    const sortedNames = [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));

    async function namesFor(
      token: string,
      params: Record<string, string | number | object>,
    ): Promise<CollectionBody<CopyJobBody>> {
      return collection(
        await get(sim, `${COPY_JOBS}${query({ expand: 'BackupServerJob', ...params })}`, token),
      );
    }
    const nameOf = (job: CopyJobBody): string => job._embedded?.backupServerJob.name ?? '';

    it('filters with equals on the embedded name', async () => {
      const body = await namesFor(admin, {
        filter: [{ property: NAME, operation: 'equals', value: 'Alpha Logistics copy to DR 001' }],
      });
      expect(body.meta.pagingInfo).toEqual({ total: 1, count: 1, offset: 0 });
      expect(body.data[0]?.instanceUid).toBe('ed9b33f2-31a8-4e7b-aa69-495afe20dd09');
    });

    it('filters with contains, case-sensitively by default (VSPC: ordinal) or not (ignorecase), without expand', async () => {
      const totalFor = async (expression: Record<string, unknown>) =>
        collection(
          await get(
            sim,
            `${COPY_JOBS}${query({ limit: 1, filter: [{ property: NAME, operation: 'contains', ...expression }] })}`,
            admin,
          ),
        ).meta.pagingInfo.total;
      expect(await totalFor({ value: 'beta health', collation: 'ignorecase' })).toBe(200);
      expect(await totalFor({ value: 'Beta Health' })).toBe(200);
      expect(await totalFor({ value: 'beta health' })).toBe(0);
    });

    it('filters with and / or groups and treats enum casing alike', async () => {
      const expectedGfsBeta = dataset.copyJobs.filter(
        (j) => j._embedded.backupServerJob.organizationUid === BETA_UID && j.retentionPolicyType === 'GFS',
      ).length;
      expect(expectedGfsBeta).toBeGreaterThan(0);
      for (const value of ['GFS', 'gfs']) {
        const body = await namesFor(admin, {
          limit: 1,
          filter: [
            {
              operation: 'and',
              items: [
                { property: NAME, operation: 'contains', value: 'Beta Health' },
                { property: 'retentionPolicyType', operation: 'equals', value, collation: 'ignorecase' },
              ],
            },
          ],
        });
        expect(body.meta.pagingInfo.total).toBe(expectedGfsBeta);
      }
      const either = await namesFor(admin, {
        filter: [
          {
            operation: 'or',
            items: [
              { property: NAME, operation: 'equals', value: 'Alpha Logistics copy to DR 001' },
              { property: NAME, operation: 'equals', value: 'Alpha Logistics copy to DR 002' },
            ],
          },
        ],
      });
      expect(either.data.map((j) => j.instanceUid)).toEqual([
        'ed9b33f2-31a8-4e7b-aa69-495afe20dd09',
        '89c7705d-339f-4eb8-83eb-7545176cef77',
      ]);
    });

    it('applies the filter within the user’s scope', async () => {
      const body = await namesFor(alpha, {
        limit: 1,
        filter: [{ property: NAME, operation: 'contains', value: 'Beta Health' }],
      });
      expect(body.meta.pagingInfo.total).toBe(0);
    });

    it('sorts by the embedded name in both directions', async () => {
      const ascending = await namesFor(admin, {
        limit: 5,
        sort: [{ property: NAME, direction: 'ascending' }],
      });
      expect(ascending.data.map(nameOf)).toEqual(sortedNames.slice(0, 5));
      const descending = await namesFor(admin, {
        limit: 5,
        sort: [{ property: NAME, direction: 'descending' }],
      });
      expect(descending.data.map(nameOf)).toEqual([...sortedNames].reverse().slice(0, 5));
      const lastPage = await namesFor(admin, {
        limit: 5,
        offset: 1195,
        sort: [{ property: NAME, direction: 'ascending' }],
      });
      expect(lastPage.data.map(nameOf)).toEqual(sortedNames.slice(1195));
    });

    it('rejects unknown property names with 400', async () => {
      const reply = await get(
        sim,
        `${COPY_JOBS}${query({ sort: [{ property: 'name', direction: 'ascending' }] })}`,
        admin,
      );
      expect(reply.body).toEqual({
        errors: [
          { message: "Parameter 'sort' names an unknown property 'name'.", type: 'logical', code: 400 },
        ],
      });
    });

    it('filters and sorts /jobs on its own properties', async () => {
      const body = collection<{ type: string; name: string }>(
        await get(
          sim,
          `${JOBS}${query({ limit: 500, filter: [{ property: 'type', operation: 'equals', value: 'BackupVm' }], sort: [{ property: 'name', direction: 'descending' }] })}`,
          admin,
        ),
      );
      expect(body.meta.pagingInfo).toEqual({ total: 200, count: 200, offset: 0 });
      expect(new Set(body.data.map((j) => j.type))).toEqual(new Set(['BackupVm']));
      const jobNames = body.data.map((j) => j.name);
      expect(jobNames).toEqual([...jobNames].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? 1 : -1)));
    });
  });

  describe('seed-example jobs', () => {
    const seedExample = JSON.parse(readFileSync(SEED_EXAMPLE_PATH, 'utf8')) as {
      data: Record<string, unknown>[];
    };
    const casing = (value: unknown): unknown =>
      value === 'simple' ? 'Simple' : value === 'gfs' ? 'GFS' : value === 'minutes' ? 'Minutes' : value;

    it('are the first two of Alpha Logistics, in VSPC 3.6 casing by default', async () => {
      const body = collection<Record<string, unknown>>(await get(sim, `${COPY_JOBS}?limit=2`, alpha));
      const expected = seedExample.data.map((job) =>
        Object.fromEntries(Object.entries(job).map(([k, v]) => [k, casing(v)])),
      );
      expect(body.data).toHaveLength(2);
      body.data.forEach((job, i) => expect(job).toMatchObject(expected[i] ?? {}));
    });

    it('carry exactly the example’s lowercase values with legacyEnumCasing', async () => {
      sim.knobs.legacyEnumCasing = true;
      try {
        const body = collection<Record<string, unknown>>(await get(sim, `${COPY_JOBS}?limit=2`, alpha));
        body.data.forEach((job, i) => expect(job).toMatchObject(seedExample.data[i] ?? {}));
        const single = await get(sim, `${COPY_JOBS}/89c7705d-339f-4eb8-83eb-7545176cef77`, alpha);
        expect(single.body).toMatchObject({
          data: { retentionPolicyType: 'gfs', rpoOptionsUnit: 'minutes' },
        });
      } finally {
        sim.resetKnobs();
      }
    });
  });
});
