/** VSPC-shaped backup copy job records for scripted upstreams. */

/** A well-formed UUID numbered `index`. */
export const jobUid = (index: number): string => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

/** One copy job as VSPC's "Get All Backup Copy Jobs" returns it, numbered `index`, without `_embedded`. */
export function vspcCopyJob(index: number) {
  return {
    instanceUid: jobUid(index),
    targetRepositoryUid: jobUid(5000),
    targetWanAcceleratorUid: null,
    sourceWanAcceleratorUid: null,
    retentionPolicyType: 'Simple',
    weeklyRestorePointsToKeep: 0,
    monthlyRestorePointsToKeep: 0,
    yearlyRestorePointsToKeep: 0,
    isRpoOptionsEnabled: false,
    rpoOptionsValue: 0,
    rpoOptionsUnit: 'Minutes',
  };
}
