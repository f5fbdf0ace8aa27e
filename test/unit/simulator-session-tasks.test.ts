import { describe, expect, it } from '@jest/globals';
import { buildDataset, DATASET_SEED } from '../../src/simulator/dataset.js';
import type { BackupServerJob } from '../../src/simulator/resources.js';
import { generateSessionTasks } from '../../src/simulator/session-tasks.js';
import { loadOpenApiValidator, validationErrors } from '../helpers/openapi-validator.js';

const dataset = buildDataset();
const vmJobs = dataset.jobs.filter((job) => job.type === 'BackupVm');
const taskSchema = loadOpenApiValidator().component('BackupServerJobSessionTask');

function vmJobWith(status: BackupServerJob['status']): BackupServerJob {
  const job = vmJobs.find((candidate) => candidate.status === status);
  if (job === undefined) throw new Error(`no VM backup job is ${status}`);
  return job;
}

describe('lastSessionTasks of backup server jobs', () => {
  it('fills every VM backup job with 1 to 6 tasks, and no other job (the schema: VM jobs only)', () => {
    expect(vmJobs).toHaveLength(200);
    for (const job of vmJobs) {
      expect(job.lastSessionTasks.length).toBeGreaterThanOrEqual(1);
      expect(job.lastSessionTasks.length).toBeLessThanOrEqual(6);
    }
    const others = dataset.jobs.filter((job) => job.type !== 'BackupVm');
    expect(others.every((job) => job.lastSessionTasks.length === 0)).toBe(true);
  });

  it('validates every task against BackupServerJobSessionTask of the 3.6 document', () => {
    const tasks = vmJobs.flatMap((job) => job.lastSessionTasks);
    expect(tasks.length).toBeGreaterThan(200);
    expect(tasks.flatMap((task) => validationErrors(taskSchema, task))).toEqual([]);
    expect(new Set(tasks.map((task) => task.instanceUid)).size).toBe(tasks.length);
  });

  it('names the VMs after the company and the workload of the job', () => {
    const job = vmJobs.find((candidate) => candidate.name.startsWith('Alpha Logistics backup SQL'));
    expect(job?.lastSessionTasks.map((task) => task.objectName)).toEqual(
      job?.lastSessionTasks.map((_, i) => `ALPHA-SQL${String(i + 1).padStart(2, '0')}`),
    );
  });

  it('agrees with the job’s status', () => {
    const statuses = (job: BackupServerJob): string[] => job.lastSessionTasks.map((task) => task.status);
    expect(new Set(statuses(vmJobWith('Success')))).toEqual(new Set(['Success']));
    expect(statuses(vmJobWith('Warning')).filter((status) => status === 'Warning')).toHaveLength(1);
    const failed = vmJobWith('Failed').lastSessionTasks.filter((task) => task.status === 'Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.failureMessages?.[0]).toMatch(/^Error: /);
    const running = vmJobWith('Running').lastSessionTasks;
    const runningIndex = running.findIndex((task) => task.status === 'Running');
    expect(runningIndex).toBeGreaterThanOrEqual(0);
    expect(running.slice(0, runningIndex).every((task) => task.status === 'Success')).toBe(true);
    expect(running.slice(runningIndex + 1).every((task) => task.status === 'Pending')).toBe(true);
    expect(running[runningIndex]).toMatchObject({ endTime: null, duration: null });
  });

  it('runs within the job’s latest session and transfers what the job transferred', () => {
    for (const job of vmJobs) {
      const sessionStart = Date.parse(job.lastRun ?? '');
      const sessionEnd = Date.parse(job.lastEndTime ?? '');
      for (const task of job.lastSessionTasks) {
        if (task.startTime !== null) expect(Date.parse(task.startTime)).toBeGreaterThanOrEqual(sessionStart);
        if (task.endTime !== null) {
          expect(Date.parse(task.endTime)).toBeLessThanOrEqual(sessionEnd);
          expect(Date.parse(task.endTime) - Date.parse(task.startTime ?? '')).toBe(
            (task.duration ?? 0) * 1000,
          );
        }
        expect(task.readDataSize ?? 0).toBeGreaterThanOrEqual(task.transferredDataSize ?? 0);
      }
      if (job.lastSessionTasks.every((task) => task.endTime !== null)) {
        const transferred = job.lastSessionTasks.reduce(
          (sum, task) => sum + (task.transferredDataSize ?? 0),
          0,
        );
        expect(transferred).toBe(job.transferredData);
      }
    }
  });

  it('is deterministic per job, whatever else the dataset holds', () => {
    const job = vmJobs[7];
    if (job === undefined) throw new Error('the dataset has VM backup jobs');
    const again = generateSessionTasks({ ...job, lastSessionTasks: [] }, 'GAMMA-WEB', DATASET_SEED);
    expect(again.map((task) => task.instanceUid)).toEqual(
      job.lastSessionTasks.map((task) => task.instanceUid),
    );
    expect(JSON.stringify(buildDataset().jobs)).toBe(JSON.stringify(dataset.jobs));
    expect(generateSessionTasks(job, 'X-', DATASET_SEED + 1)[0]?.instanceUid).not.toBe(
      job.lastSessionTasks[0]?.instanceUid,
    );
  });
});
