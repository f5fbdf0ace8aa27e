import type { BackupServerBackupCopyJob } from './resources.js';

/**
 * The two copy jobs of the original request's example response (`seed-example.json`), in VSPC 3.6 casing.
 * Every value the example shows is kept exactly; `uniqueUid` and the restore-point counts, which the example
 * leaves out, are fixed here. Both belong to Alpha Logistics and come first in the dataset's default order.
 */
export const SEED_COPY_JOBS: readonly BackupServerBackupCopyJob[] = Object.freeze([
  {
    instanceUid: 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09',
    uniqueUid: '4c3e0f7a-9d21-4b6e-8a5f-1e2d3c4b5a69',
    targetRepositoryUid: '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec',
    targetWanAcceleratorUid: 'a2b489bb-4aa5-4527-b9e4-f6a0f493a1bb',
    sourceWanAcceleratorUid: 'af43d000-52f1-4874-8df3-62dbb8676f25',
    weeklyRestorePointsToKeep: 1,
    monthlyRestorePointsToKeep: 1,
    yearlyRestorePointsToKeep: 1,
    retentionPolicyType: 'Simple',
    isRpoOptionsEnabled: false,
    rpoOptionsValue: 0,
    rpoOptionsUnit: 'Minutes',
  },
  {
    instanceUid: '89c7705d-339f-4eb8-83eb-7545176cef77',
    uniqueUid: 'f58a2d1c-6e3b-4a90-b7c4-2d8e9f0a1b37',
    targetRepositoryUid: '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec',
    targetWanAcceleratorUid: '929d9d75-a2c1-403f-be0b-88226e31c1c4',
    sourceWanAcceleratorUid: '0fc1f23b-0bf7-40fd-877c-b75b986fd1d7',
    weeklyRestorePointsToKeep: 4,
    monthlyRestorePointsToKeep: 12,
    yearlyRestorePointsToKeep: 3,
    retentionPolicyType: 'GFS',
    isRpoOptionsEnabled: false,
    rpoOptionsValue: 0,
    rpoOptionsUnit: 'Minutes',
  },
]);

/** Name of the company the seed jobs belong to. */
export const SEED_COMPANY_NAME = 'Alpha Logistics';
/** Repository the seed jobs copy to; it becomes one of Alpha Logistics' repositories. */
export const SEED_REPOSITORY_UID = '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec';
