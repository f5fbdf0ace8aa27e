import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildDataset, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadOpenApiValidator, validationErrors } from '../helpers/openapi-validator.js';

const API = '/api/v3';
const COPY_JOBS = '/infrastructure/backupServers/jobs/backupCopyJobs';
const COPY_JOB = '/infrastructure/backupServers/jobs/backupCopyJobs/{jobUid}';
const JOBS = '/infrastructure/backupServers/jobs';
const JOB = '/infrastructure/backupServers/jobs/{jobUid}';
const SEED_COPY_JOB_UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';

const openApi = loadOpenApiValidator();
const dataset = buildDataset();

interface Page {
  meta: { pagingInfo: { total: number; count: number; offset: number } };
  data: Record<string, unknown>[];
}

function select(...paths: string[]): string {
  return encodeURIComponent(JSON.stringify(paths.map((propertyPath) => ({ propertyPath }))));
}

describe('select: answers carry only the selected properties, as VSPC’s do', () => {
  let sim: Simulator;
  let admin: string;

  async function get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${sim.url}${API}${path}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    sim = await startSimulator();
    admin = sim.issueToken('admin').accessToken;
  });

  afterAll(async () => {
    await sim.close();
  });

  it('jobs: the selected properties in schema order, plus the required status and isEnabled', async () => {
    const reply = await get(`${JOBS}?limit=3&select=${select('type', 'name')}`);
    expect(reply.status).toBe(200);
    const body = reply.body as Page;
    expect(body.meta.pagingInfo).toEqual({ total: dataset.jobs.length, count: 3, offset: 0 });
    body.data.forEach((job, index) => {
      const source = dataset.jobs[index];
      expect(Object.keys(job)).toEqual(['name', 'status', 'type', 'isEnabled']);
      expect(job).toEqual({
        name: source?.name,
        status: source?.status,
        type: source?.type,
        isEnabled: source?.isEnabled,
      });
    });
    expect(validationErrors(openApi.response(JOBS, 'get', '200'), body)).toEqual([]);
  });

  it('copy jobs with expand: dotted paths into _embedded.backupServerJob', async () => {
    const reply = await get(
      `${COPY_JOBS}?limit=2&expand=BackupServerJob&select=${select('instanceUid', '_embedded.backupServerJob.name')}`,
    );
    const body = reply.body as Page;
    expect(body.data).toEqual(
      dataset.copyJobs.slice(0, 2).map((job) => ({
        instanceUid: job.instanceUid,
        _embedded: {
          backupServerJob: {
            name: job._embedded.backupServerJob.name,
            status: job._embedded.backupServerJob.status,
            isEnabled: job._embedded.backupServerJob.isEnabled,
          },
        },
      })),
    );
    expect(validationErrors(openApi.response(COPY_JOBS, 'get', '200'), body)).toEqual([]);
  });

  it('copy jobs without expand: an embedded path selects nothing, the filter still sees it', async () => {
    const filter = encodeURIComponent(
      JSON.stringify([
        { property: '_embedded.backupServerJob.status', operation: 'equals', value: 'Failed' },
      ]),
    );
    const reply = await get(
      `${COPY_JOBS}?limit=500&filter=${filter}&select=${select('retentionPolicyType', '_embedded.backupServerJob.name')}`,
    );
    const body = reply.body as Page;
    const failed = dataset.copyJobs.filter((job) => job._embedded.backupServerJob.status === 'Failed');
    expect(body.meta.pagingInfo.total).toBe(failed.length);
    expect(body.data).toEqual(failed.map((job) => ({ retentionPolicyType: job.retentionPolicyType })));
  });

  it('a single copy job and a single job', async () => {
    const copyJob = await get(`${COPY_JOBS}/${SEED_COPY_JOB_UID}?select=${select('rpoOptionsUnit')}`);
    expect(copyJob).toEqual({
      status: 200,
      body: { meta: null, data: { rpoOptionsUnit: 'Minutes' }, errors: null },
    });
    expect(validationErrors(openApi.response(COPY_JOB, 'get', '200'), copyJob.body)).toEqual([]);
    const job = await get(`${JOBS}/${SEED_COPY_JOB_UID}?select=${select('lastSessionTasks')}`);
    const source = dataset.jobsByUid.get(SEED_COPY_JOB_UID);
    expect(job).toEqual({
      status: 200,
      body: {
        meta: null,
        data: { status: source?.status, isEnabled: source?.isEnabled, lastSessionTasks: [] },
        errors: null,
      },
    });
    expect(validationErrors(openApi.response(JOB, 'get', '200'), job.body)).toEqual([]);
  });

  it('an empty selection returns every property', async () => {
    const all = (await get(`${JOBS}/${SEED_COPY_JOB_UID}`)).body;
    expect((await get(`${JOBS}/${SEED_COPY_JOB_UID}?select=%5B%5D`)).body).toEqual(all);
  });

  it('answers 400 naming the parameter for an unknown property or a malformed value', async () => {
    expect(await get(`${JOBS}?select=${select('nmae')}`)).toEqual({
      status: 400,
      body: {
        errors: [
          { message: "Parameter 'select' names an unknown property 'nmae'.", type: 'logical', code: 400 },
        ],
      },
    });
    expect(await get(`${COPY_JOBS}/${SEED_COPY_JOB_UID}?select=name`)).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: "Parameter 'select' must be a URL-encoded JSON array of select expressions.",
            type: 'logical',
            code: 400,
          },
        ],
      },
    });
  });
});
