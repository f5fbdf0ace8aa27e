import type { ApiVersion } from './api-version.js';
import { enumValueForClient, knowsEveryValue } from './enum-versions.js';
import type { BackupServerJob, BackupServerJobSessionTask } from './resources.js';

/** Properties `BackupServerJob` requires; a `select` keeps them (see `select.ts`). */
export const SERVER_JOB_REQUIRED_PATHS: readonly string[] = ['status', 'isEnabled'];

function presentTask(task: BackupServerJobSessionTask, client: ApiVersion): BackupServerJobSessionTask {
  const status = enumValueForClient('BBackupServerJobSessionTaskStatus', task.status, client);
  return status === task.status ? task : { ...task, status };
}

/**
 * A job as a client of version `client` (its `X-Client-Version`) receives it: every extensible enum value that
 * version does not know is `Unknown`. A client of the server's version or newer gets the job unchanged.
 */
export function presentServerJob(job: BackupServerJob, client: ApiVersion): BackupServerJob {
  if (knowsEveryValue(client)) return job;
  return {
    ...job,
    status: enumValueForClient('BackupServerJobStatus', job.status, client),
    type: enumValueForClient('BackupServerJobType', job.type, client),
    bottleneck: enumValueForClient('BackupServerJobBottleneckType', job.bottleneck, client),
    scheduleType: enumValueForClient('BackupServerJobScheduleType', job.scheduleType, client),
    targetType: enumValueForClient('BackupServerJobTargetType', job.targetType, client),
    retentionLimitType: enumValueForClient('RetentionLimitType', job.retentionLimitType, client),
    lastSessionTasks: job.lastSessionTasks.map((task) => presentTask(task, client)),
  };
}
