import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildDataset, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { TYPED_JOB_COLLECTIONS } from '../../src/simulator/typed-jobs.js';
import { loadOpenApiValidator, validationErrors } from '../helpers/openapi-validator.js';

const JOBS = '/api/v3/infrastructure/backupServers/jobs';
const UNKNOWN_UID = '11111111-2222-4333-8444-555555555555';
const SEED_COPY_JOB_UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';
const EMPTY_PAGE = { meta: { pagingInfo: { total: 0, count: 0, offset: 0 } }, data: [], errors: null };

const openApi = loadOpenApiValidator();
// Every paged collection of VSPC has this envelope; an empty page validates against any of them.
const pagedEnvelope = openApi.response('/infrastructure/backupServers/jobs/backupCopyJobs', 'get', '200');
const errorSchema = openApi.response('/infrastructure/backupServers/jobs', 'get', 'default');
const unsimulated = TYPED_JOB_COLLECTIONS.filter((typed) => typed.segment !== 'backupCopyJobs');
const objectLists = TYPED_JOB_COLLECTIONS.flatMap((typed) =>
  typed.objectLists.map((list) => ({ typed, list })),
);

interface Reply {
  status: number;
  body: unknown;
}

describe('typed job collections (backupVmJobs, agentJobs, …) answer as VSPC 3.6 does', () => {
  let sim: Simulator;
  let admin: string;
  let beta: string;

  /** GET as `token` (admin by default; `null`: no Authorization header). */
  async function get(path: string, token: string | null = admin): Promise<Reply> {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    const response = await fetch(`${sim.url}${path}`, { headers });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    sim = await startSimulator();
    admin = sim.issueToken('admin').accessToken;
    beta = sim.issueToken('beta').accessToken;
  });

  afterAll(async () => {
    await sim.close();
  });

  it('knows the 14 typed collections of the 3.6 document and their 13 object lists', () => {
    expect(TYPED_JOB_COLLECTIONS.map((typed) => typed.segment)).toEqual([
      'agentJobs',
      'backupCopyJobs',
      'backupTapeJobs',
      'backupVmJobs',
      'cdpReplicationJobs',
      'fileCopyJobs',
      'fileShareCopyJobs',
      'fileShareJobs',
      'fileTapeJobs',
      'objectStorageBackupCopyJobs',
      'objectStorageBackupJobs',
      'replicationVmJobs',
      'simpleBackupCopyJobs',
      'vmCopyJobs',
    ]);
    expect(objectLists.map(({ typed, list }) => `${typed.segment}/${list.segment}`)).toEqual([
      'agentJobs/objects',
      'backupCopyJobs/jobObjects',
      'backupTapeJobs/jobObjects',
      'backupTapeJobs/repositoryObjects',
      'backupVmJobs/objects',
      'cdpReplicationJobs/objects',
      'fileShareCopyJobs/objects',
      'fileShareJobs/objects',
      'fileTapeJobs/objects',
      'objectStorageBackupCopyJobs/objects',
      'objectStorageBackupJobs/objects',
      'replicationVmJobs/objects',
      'simpleBackupCopyJobs/objects',
    ]);
  });

  it.each(unsimulated.map((typed) => [typed.segment]))(
    '%s: an empty page in VSPC’s envelope, paging parameters honoured',
    async (segment) => {
      const first = await get(`${JOBS}/${segment}`);
      expect(first).toEqual({ status: 200, body: EMPTY_PAGE });
      expect(validationErrors(pagedEnvelope, first.body)).toEqual([]);
      const later = await get(`${JOBS}/${segment}?limit=10&offset=20`);
      expect(later).toEqual({
        status: 200,
        body: { ...EMPTY_PAGE, meta: { pagingInfo: { total: 0, count: 0, offset: 20 } } },
      });
    },
  );

  it.each(unsimulated.map((typed) => [typed.segment, typed.label]))(
    '%s/{jobUid}: 404 in VSPC’s error envelope, never the 400 of /jobs/{jobUid}',
    async (segment, label) => {
      const reply = await get(`${JOBS}/${segment}/${UNKNOWN_UID}`);
      expect(reply).toEqual({
        status: 404,
        body: {
          errors: [{ message: `${label} '${UNKNOWN_UID}' was not found.`, type: 'logical', code: 404 }],
        },
      });
      expect(validationErrors(errorSchema, reply.body)).toEqual([]);
    },
  );

  it('answers 404 for a VM backup job of /jobs under backupVmJobs: the typed resource is not simulated', async () => {
    const vmJob = buildDataset().jobs.find((job) => job.type === 'BackupVm');
    expect(vmJob).toBeDefined();
    const uid = vmJob?.instanceUid ?? '';
    expect((await get(`${JOBS}/${uid}`)).status).toBe(200);
    expect((await get(`${JOBS}/backupVmJobs/${uid}`)).status).toBe(404);
  });

  it('ignores case and a trailing slash in typed paths, as VSPC routing does', async () => {
    expect(await get(`${JOBS}/BACKUPVMJOBS/`)).toEqual({ status: 200, body: EMPTY_PAGE });
  });

  it.each(objectLists.map(({ typed, list }) => [`${typed.segment}/${list.segment}`]))(
    '%s: an empty page',
    async (path) => {
      expect(await get(`${JOBS}/${path}`)).toEqual({ status: 200, body: EMPTY_PAGE });
    },
  );

  it('lists the (no) objects of a visible backup copy job, and 404s another company’s or another type’s', async () => {
    expect(await get(`${JOBS}/backupCopyJobs/${SEED_COPY_JOB_UID}/jobObjects`)).toEqual({
      status: 200,
      body: EMPTY_PAGE,
    });
    const hidden = await get(`${JOBS}/backupCopyJobs/${SEED_COPY_JOB_UID}/jobObjects`, beta);
    expect(hidden).toEqual({
      status: 404,
      body: {
        errors: [
          { message: `Backup copy job '${SEED_COPY_JOB_UID}' was not found.`, type: 'logical', code: 404 },
        ],
      },
    });
    expect(await get(`${JOBS}/backupVmJobs/${UNKNOWN_UID}/objects`)).toEqual({
      status: 404,
      body: {
        errors: [{ message: `VM backup job '${UNKNOWN_UID}' was not found.`, type: 'logical', code: 404 }],
      },
    });
  });

  it('answers 400 naming the parameter for a malformed jobUid, limit, filter or select', async () => {
    const bad = (message: string): Reply => ({
      status: 400,
      body: { errors: [{ message, type: 'logical', code: 400 }] },
    });
    expect(await get(`${JOBS}/backupVmJobs/not-a-uuid/objects`)).toEqual(
      bad("Parameter 'jobUid' must be a UUID, not 'not-a-uuid'."),
    );
    expect(await get(`${JOBS}/agentJobs?limit=0`)).toEqual(
      bad("Parameter 'limit' must be an integer between 1 and 500."),
    );
    expect(await get(`${JOBS}/agentJobs?filter=${encodeURIComponent('{"property":"name"}')}`)).toEqual(
      bad("Parameter 'filter' must be a URL-encoded JSON array of filter expressions."),
    );
    expect(await get(`${JOBS}/fileShareJobs?select=${encodeURIComponent('[{"path":"name"}]')}`)).toEqual(
      bad("Parameter 'select' is invalid: every expression needs a 'propertyPath'."),
    );
  });

  it('needs a token (401) and answers 405 to another method', async () => {
    expect((await get(`${JOBS}/backupVmJobs`, null)).status).toBe(401);
    const post = await fetch(`${sim.url}${JOBS}/backupVmJobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});
