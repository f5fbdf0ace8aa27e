import { describe, expect, it } from '@jest/globals';
import { COMPANIES } from '../../src/simulator/companies.js';
import { buildDataset, formatVspcDateTime } from '../../src/simulator/dataset.js';
import { createRng } from '../../src/simulator/prng.js';
import { SEED_COPY_JOBS } from '../../src/simulator/seed-jobs.js';
import { DEMO_USERS } from '../../src/simulator/users.js';
import { isUuid, uuidFromRng } from '../../src/simulator/uuid.js';

const V4_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const dataset = buildDataset();

describe('uuidFromRng', () => {
  it('makes valid lowercase v4 UUIDs, the same for the same seed', () => {
    const first = createRng(7);
    const second = createRng(7);
    const uids = Array.from({ length: 200 }, () => uuidFromRng(first));
    for (const uid of uids) expect(uid).toMatch(V4_UUID);
    expect(uids).toEqual(Array.from({ length: 200 }, () => uuidFromRng(second)));
    expect(new Set(uids).size).toBe(200);
  });

  it('recognises UUIDs of any case and rejects others', () => {
    expect(isUuid('ED9B33F2-31A8-4E7B-AA69-495AFE20DD09')).toBe(true);
    expect(isUuid('ed9b33f2-31a8-4e7b-aa69-495afe20dd0')).toBe(false);
    expect(isUuid('backupCopyJobs')).toBe(false);
  });
});

describe('buildDataset', () => {
  it('has 1,200 copy jobs and 1,405 jobs with unique UIDs', () => {
    expect(dataset.copyJobs).toHaveLength(1200);
    expect(dataset.jobs).toHaveLength(1405);
    expect(dataset.copyJobsByUid.size).toBe(1200);
    expect(dataset.jobsByUid.size).toBe(1405);
  });

  it('ends with one SOBR maintenance job per company’s backup server, a type new in 3.6', () => {
    const sobr = dataset.jobs.slice(-5);
    expect(sobr.map((job) => job.type)).toEqual(Array.from({ length: 5 }, () => 'SobrMaintenance'));
    expect(sobr.map((job) => job.organizationUid)).toEqual(
      COMPANIES.map((company) => company.organizationUid),
    );
    expect(sobr[0]).toMatchObject({
      name: 'Scale-out backup repository maintenance (ALPHA-VBR01)',
      status: 'Success',
      targetType: 'None',
      retentionLimitType: 'None',
      lastSessionTasks: [],
    });
    expect(dataset.jobs.filter((job) => job.type === 'SobrMaintenance')).toHaveLength(5);
    const alphaJobs = dataset.jobs.filter((job) => job.organizationUid === sobr[0]?.organizationUid);
    expect(new Set(alphaJobs.map((job) => job.backupServerUid)).size).toBe(1);
  });

  it('spreads copy jobs over the companies as configured (Alpha 300, Beta 200)', () => {
    const counts = new Map<string, number>();
    for (const job of dataset.copyJobs) {
      const org = job._embedded.backupServerJob.organizationUid;
      counts.set(org, (counts.get(org) ?? 0) + 1);
    }
    expect(Object.fromEntries(COMPANIES.map((c) => [c.name, counts.get(c.organizationUid)]))).toEqual({
      'Alpha Logistics': 300,
      'Beta Health': 200,
      'Gamma Retail': 250,
      'Delta Manufacturing': 250,
      'Epsilon Media': 200,
    });
  });

  it('starts with the two seed-example jobs, unchanged, owned by Alpha Logistics', () => {
    const alpha = DEMO_USERS.find((user) => user.username === 'alpha');
    expect(dataset.copyJobs.slice(0, 2).map(({ _embedded, ...copyJob }) => copyJob)).toEqual(SEED_COPY_JOBS);
    for (const job of dataset.copyJobs.slice(0, 2)) {
      expect(job._embedded.backupServerJob.organizationUid).toBe(alpha?.organizationUid);
    }
    expect(dataset.copyJobs[0]?._embedded.backupServerJob.name).toBe('Alpha Logistics copy to DR 001');
  });

  it('embeds a BackupCopy job with the same UIDs in every copy job', () => {
    for (const job of dataset.copyJobs) {
      const embedded = job._embedded.backupServerJob;
      expect([embedded.instanceUid, embedded.uniqueUid, embedded.type]).toEqual([
        job.instanceUid,
        job.uniqueUid,
        'BackupCopy',
      ]);
      expect(dataset.jobsByUid.get(job.instanceUid)).toBe(embedded);
    }
    expect(dataset.jobs.filter((job) => job.type === 'BackupVm')).toHaveLength(200);
  });

  it('uses v4 UIDs, 2026 run times and a realistic mix of values', () => {
    const noWan = dataset.copyJobs.filter((job) => job.targetWanAcceleratorUid === null);
    expect(noWan.every((job) => job.sourceWanAcceleratorUid === null)).toBe(true);
    expect(noWan.length / 1200).toBeGreaterThan(0.25);
    expect(noWan.length / 1200).toBeLessThan(0.35);
    const retention = new Set(dataset.copyJobs.map((job) => job.retentionPolicyType));
    expect([...retention].sort()).toEqual(['GFS', 'None', 'Simple']);
    expect(new Set(dataset.jobs.map((job) => job.status)).size).toBeGreaterThanOrEqual(6);
    for (const job of dataset.jobs) {
      expect(job.instanceUid).toMatch(V4_UUID);
      expect(job.lastRun?.startsWith('2026-')).toBe(true);
      expect(job.lastEndTime?.startsWith('2026-')).toBe(true);
      expect(Date.parse(job.lastEndTime ?? '') - Date.parse(job.lastRun ?? '')).toBe(
        (job.lastDuration ?? 0) * 1000,
      );
    }
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildDataset().copyJobs)).toBe(JSON.stringify(dataset.copyJobs));
    expect(JSON.stringify(buildDataset().jobs)).toBe(JSON.stringify(dataset.jobs));
    expect(buildDataset(1).copyJobs[2]?.instanceUid).not.toBe(dataset.copyJobs[2]?.instanceUid);
  });

  it('knows the filterable paths of both resources', () => {
    expect(dataset.copyJobPaths.has('_embedded.backupServerJob.name')).toBe(true);
    expect(dataset.copyJobPaths.has('retentionPolicyType')).toBe(true);
    expect(dataset.jobPaths.has('status')).toBe(true);
    expect(dataset.jobPaths.has('_embedded')).toBe(false);
  });
});

describe('formatVspcDateTime', () => {
  it('writes seven fractional digits and an explicit offset, as VSPC does', () => {
    expect(formatVspcDateTime(Date.UTC(2026, 2, 4, 5, 6, 7, 89))).toBe('2026-03-04T05:06:07.0890000+00:00');
  });
});
