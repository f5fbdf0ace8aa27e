import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildDataset, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadOpenApiValidator, validationErrors } from '../helpers/openapi-validator.js';

const API = '/api/v3';
const JOBS = '/infrastructure/backupServers/jobs';
const COPY_JOBS = '/infrastructure/backupServers/jobs/backupCopyJobs';
const ALL_JOBS = `${JOBS}?limit=500&offset=1000`;
const SOBR_COUNT = 5;

const openApi = loadOpenApiValidator();
const dataset = buildDataset();
const sobrJobs = dataset.jobs.filter((job) => job.type === 'SobrMaintenance');

interface Job {
  instanceUid: string;
  type: string;
}
interface Page {
  meta: { pagingInfo: { total: number; count: number; offset: number } };
  data: Job[];
}

describe('X-Client-Version: enum values the client’s version does not know are sent as Unknown', () => {
  let sim: Simulator;
  let admin: string;

  async function get(path: string, clientVersion?: string): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
    if (clientVersion !== undefined) headers['x-client-version'] = clientVersion;
    const response = await fetch(`${sim.url}${API}${path}`, { headers });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    sim = await startSimulator();
    admin = sim.issueToken('admin').accessToken;
  });

  afterAll(async () => {
    await sim.close();
  });

  it('sends SobrMaintenance (new in 3.6) without the header, and to 3.6, 3.6.1 and 3.7 clients', async () => {
    const plain = await get(ALL_JOBS);
    expect(plain.status).toBe(200);
    const types = (plain.body as Page).data.filter((job) => job.type === 'SobrMaintenance');
    expect(types.map((job) => job.instanceUid)).toEqual(sobrJobs.map((job) => job.instanceUid));
    for (const version of ['3.6', '3.6.1', '3.7']) expect(await get(ALL_JOBS, version)).toEqual(plain);
  });

  it('sends Unknown for it to 3.5.1 and 3.5 clients, and changes nothing else', async () => {
    const plain = (await get(ALL_JOBS)).body as Page;
    for (const version of ['3.5.1', '3.5']) {
      const reply = await get(ALL_JOBS, version);
      expect(reply.status).toBe(200);
      const body = reply.body as Page;
      const sobrUids = new Set(sobrJobs.map((job) => job.instanceUid));
      expect(body.data.filter((job) => job.type === 'Unknown')).toHaveLength(SOBR_COUNT);
      expect(body.data.filter((job) => job.type === 'SobrMaintenance')).toHaveLength(0);
      expect(body).toEqual({
        ...plain,
        data: plain.data.map((job) => (sobrUids.has(job.instanceUid) ? { ...job, type: 'Unknown' } : job)),
      });
      expect(validationErrors(openApi.response(JOBS, 'get', '200'), body)).toEqual([]);
    }
  });

  it('maps single jobs too; filters still see the stored value', async () => {
    const uid = sobrJobs[0]?.instanceUid ?? '';
    expect(await get(`${JOBS}/${uid}`, '3.5.1')).toMatchObject({
      status: 200,
      body: { data: { type: 'Unknown' } },
    });
    expect(await get(`${JOBS}/${uid}`)).toMatchObject({
      status: 200,
      body: { data: { type: 'SobrMaintenance' } },
    });
    const filter = encodeURIComponent(
      JSON.stringify([{ property: 'type', operation: 'equals', value: 'SobrMaintenance' }]),
    );
    const filtered = (await get(`${JOBS}?filter=${filter}`, '3.5.1')).body as Page;
    expect(filtered.meta.pagingInfo.total).toBe(SOBR_COUNT);
    expect(new Set(filtered.data.map((job) => job.type))).toEqual(new Set(['Unknown']));
  });

  it('answers an unreadable header as 3.6 (VSPC documents only valid versions)', async () => {
    const plain = await get(ALL_JOBS);
    for (const version of ['banana', '3', 'v3.5', '3.5.1.0', ''])
      expect(await get(ALL_JOBS, version)).toEqual(plain);
  });

  it('leaves copy jobs, expanded or not, as they are for a 3.5.1 client: 3.5.1 knows all their values', async () => {
    const path = `${COPY_JOBS}?limit=500&expand=BackupServerJob`;
    expect(await get(path, '3.5.1')).toEqual(await get(path));
    expect(await get(`${COPY_JOBS}?limit=500`, '3.5')).toEqual(await get(`${COPY_JOBS}?limit=500`));
  });
});
