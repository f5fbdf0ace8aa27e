import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadOpenApiValidator, validationErrors } from '../helpers/openapi-validator.js';

const COPY_JOBS = '/infrastructure/backupServers/jobs/backupCopyJobs';
const COPY_JOB = '/infrastructure/backupServers/jobs/backupCopyJobs/{jobUid}';
const JOBS = '/infrastructure/backupServers/jobs';
const JOB = '/infrastructure/backupServers/jobs/{jobUid}';
const API = '/api/v3';

const openApi = loadOpenApiValidator();
const copyJobsSchema = openApi.response(COPY_JOBS, 'get', '200');
const errorSchema = openApi.response(COPY_JOBS, 'get', 'default');
const responseErrorSchema = openApi.component('ResponseError');

interface Reply {
  status: number;
  body: unknown;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

describe('simulator responses match the VSPC 3.6 OpenAPI document', () => {
  let sim: Simulator;
  let auth: Record<string, string>;

  async function get(path: string, headers: Record<string, string> = auth): Promise<Reply> {
    const response = await fetch(`${sim.url}${API}${path}`, { headers });
    return { status: response.status, body: await response.json() };
  }

  async function postToken(form: string): Promise<Reply> {
    const response = await fetch(`${sim.url}${API}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    return { status: response.status, body: await response.json() };
  }

  /** An ErrorResponse whose every error is a complete ResponseError with code = status. */
  function expectErrorResponse(reply: Reply, status: number): void {
    expect(reply.status).toBe(status);
    expect(validationErrors(errorSchema, reply.body)).toEqual([]);
    const { errors } = reply.body as { errors: unknown[] };
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(validationErrors(responseErrorSchema, error)).toEqual([]);
      expect(error).toMatchObject({ code: status });
    }
  }

  beforeAll(async () => {
    sim = await startSimulator();
    auth = { authorization: `Bearer ${sim.issueToken('admin').accessToken}` };
  });

  afterAll(async () => {
    await sim.close();
  });

  it('token: OAuth2Result and OAuth2Error', async () => {
    const ok = await postToken('grant_type=password&username=alpha&password=alpha-demo-password');
    expect(ok.status).toBe(200);
    expect(validationErrors(openApi.response('/token', 'post', '200'), ok.body)).toEqual([]);
    const bad = await postToken('grant_type=password&username=alpha&password=wrong');
    expect(bad.status).toBe(400);
    expect(validationErrors(openApi.response('/token', 'post', '400'), bad.body)).toEqual([]);
  });

  it('copy-job collection without expand', async () => {
    const reply = await get(`${COPY_JOBS}?limit=500`);
    expect(reply.status).toBe(200);
    expect(validationErrors(copyJobsSchema, reply.body)).toEqual([]);
  });

  it('copy-job collection with expand, every one of the 1,200 jobs', async () => {
    for (const offset of [0, 500, 1000]) {
      const reply = await get(`${COPY_JOBS}?limit=500&offset=${offset}&expand=BackupServerJob`);
      expect(reply.status).toBe(200);
      expect(validationErrors(copyJobsSchema, reply.body)).toEqual([]);
    }
  });

  it('single copy job, job collection (all 1,405) and single job', async () => {
    const uid = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';
    expect(
      validationErrors(openApi.response(COPY_JOB, 'get', '200'), (await get(`${COPY_JOBS}/${uid}`)).body),
    ).toEqual([]);
    for (const offset of [0, 500, 1000]) {
      const reply = await get(`${JOBS}?limit=500&offset=${offset}`);
      expect(validationErrors(openApi.response(JOBS, 'get', '200'), reply.body)).toEqual([]);
    }
    expect(validationErrors(openApi.response(JOB, 'get', '200'), (await get(`${JOBS}/${uid}`)).body)).toEqual(
      [],
    );
  });

  it('async action info', async () => {
    sim.knobs.forceStatus = 202;
    try {
      const queued = await fetch(`${sim.url}${API}${COPY_JOBS}`, { headers: auth });
      expect(queued.status).toBe(202);
      const action = await fetch(queued.headers.get('location') ?? '', { headers: auth });
      expect(action.status).toBe(200);
      expect(
        validationErrors(openApi.response('/asyncActions/{actionId}', 'get', '200'), await action.json()),
      ).toEqual([]);
    } finally {
      sim.resetKnobs();
    }
  });

  it('ErrorResponse for 401, 400, 404, 405, 520 and 429', async () => {
    expectErrorResponse(await get(COPY_JOBS, {}), 401);
    expectErrorResponse(await get(`${COPY_JOBS}?limit=0`), 400);
    expectErrorResponse(await get(`${COPY_JOBS}/11111111-2222-4333-8444-555555555555`), 404);
    const wrongMethod = await fetch(`${sim.url}${API}${COPY_JOBS}`, { method: 'DELETE', headers: auth });
    expectErrorResponse({ status: wrongMethod.status, body: await wrongMethod.json() }, 405);
    try {
      sim.knobs.forceStatus = 520;
      expectErrorResponse(await get(COPY_JOBS), 520);
      sim.knobs.forceStatus = 429;
      expectErrorResponse(await get(COPY_JOBS), 429);
    } finally {
      sim.resetKnobs();
    }
  });

  describe('the validation is strict enough to fail', () => {
    let valid: { data: Record<string, unknown>[] };

    beforeAll(async () => {
      valid = (await get(`${COPY_JOBS}?limit=2&expand=BackupServerJob`)).body as typeof valid;
      expect(validationErrors(copyJobsSchema, valid)).toEqual([]);
    });

    it('on a wrong type', () => {
      const body = clone(valid);
      body.data[0] = { ...body.data[0], rpoOptionsValue: 'zero' };
      expect(validationErrors(copyJobsSchema, body)).toEqual(['/data/0/rpoOptionsValue must be integer']);
    });

    it('on a value outside an enum, including the legacy lowercase casing', () => {
      const body = clone(valid);
      body.data[1] = { ...body.data[1], retentionPolicyType: 'gfs' };
      expect(validationErrors(copyJobsSchema, body)).toEqual([
        '/data/1/retentionPolicyType must be equal to one of the allowed values',
      ]);
    });

    it('on a missing required field, at the top and in the embedded job', () => {
      const { data } = clone(valid);
      expect(validationErrors(copyJobsSchema, { meta: null, errors: null })).toEqual([
        "/ must have required property 'data'",
      ]);
      const job = data[0] as { _embedded: { backupServerJob: Record<string, unknown> } };
      delete job._embedded.backupServerJob.isEnabled;
      expect(validationErrors(copyJobsSchema, { data })).toContain(
        "/data/0/_embedded/backupServerJob must have required property 'isEnabled'",
      );
    });

    it('on a bad format and on an incomplete ResponseError', () => {
      const body = clone(valid);
      body.data[0] = { ...body.data[0], targetRepositoryUid: 'not-a-uuid' };
      expect(validationErrors(copyJobsSchema, body)).toEqual([
        '/data/0/targetRepositoryUid must match format "uuid"',
      ]);
      expect(validationErrors(responseErrorSchema, { message: 'x', code: 400 })).toEqual([
        "/ must have required property 'type'",
      ]);
    });
  });
});
