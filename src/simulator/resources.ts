/**
 * The VSPC 3.6 resource shapes the simulator serves (`components.schemas` of the OpenAPI document), limited to the
 * enum values the simulator generates, `Unknown` included (sent to clients whose `X-Client-Version` lacks a value).
 * Properties are listed in the schema's order, which is also the JSON order.
 */

/** `BackupServerBackupCopyJob.retentionPolicyType` (3.6 casing). */
export type RetentionPolicyType = 'Unknown' | 'None' | 'Simple' | 'GFS';

/** `TimeMeasureUnit`, used by `rpoOptionsUnit` (3.6 casing). */
export type TimeMeasureUnit = 'Minutes' | 'Hours' | 'Days' | 'Months' | 'Years';

/** `BackupServerJobStatus`. */
export type BackupServerJobStatus =
  | 'Unknown'
  | 'None'
  | 'Idle'
  | 'Success'
  | 'Warning'
  | 'Failed'
  | 'Running'
  | 'Starting'
  | 'Stopping'
  | 'Enabling'
  | 'Disabling'
  | 'WaitingTape'
  | 'WaitingRepository';

/** The `BackupServerJobType` values the dataset uses. */
export type BackupServerJobType = 'Unknown' | 'BackupVm' | 'BackupCopy' | 'SobrMaintenance';

/** `BackupServerJobBottleneckType`. */
export type BottleneckType =
  | 'Unknown'
  | 'Network'
  | 'None'
  | 'Proxy'
  | 'Source'
  | 'SourceWanAccelerator'
  | 'Target'
  | 'TargetWanAccelerator';

/** `BackupServerJobScheduleType` values the dataset uses. */
export type ScheduleType = 'Unknown' | 'NotScheduled' | 'Daily' | 'Periodically' | 'Continuously';

/** `BackupServerJobTargetType` values the dataset uses. */
export type TargetType = 'Unknown' | 'Local' | 'Cloud' | 'None';

/** `RetentionLimitType` values the dataset uses. */
export type RetentionLimitType = 'Unknown' | 'Days' | 'RestorePoints' | 'None';

/** `BackupServerJobSessionTask.status` (`BBackupServerJobSessionTaskStatus`, sic). */
export type SessionTaskStatus = 'Unknown' | 'Success' | 'Warning' | 'Failed' | 'Running' | 'Pending';

/** `BackupServerJobSessionTask`: one object (VM) processed by the latest session of a VM backup job. */
export interface BackupServerJobSessionTask {
  readonly instanceUid: string;
  readonly objectUid: string | null;
  readonly objectName: string | null;
  readonly totalObjects: number | null;
  readonly processedObjects: number | null;
  readonly readDataSize: number | null;
  readonly transferredDataSize: number | null;
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly duration: number | null;
  readonly failureMessages: readonly string[] | null;
  readonly status: SessionTaskStatus;
}

/** `BackupServerJob`: one job of whatever type on a Veeam Backup & Replication server. */
export interface BackupServerJob {
  readonly instanceUid: string;
  readonly uniqueUid: string;
  readonly name: string;
  readonly description: string;
  readonly createdBy: string;
  readonly creationTime: string | null;
  readonly backupServerUid: string;
  readonly locationUid: string;
  readonly siteUid: string | null;
  readonly organizationUid: string;
  readonly mappedOrganizationUid: string | null;
  readonly status: BackupServerJobStatus;
  readonly type: BackupServerJobType;
  readonly lastRun: string | null;
  readonly lastEndTime: string | null;
  readonly lastDuration: number | null;
  readonly processingRate: number | null;
  readonly avgDuration: number | null;
  readonly transferredData: number | null;
  readonly backupChainSize: number | null;
  readonly bottleneck: BottleneckType;
  readonly isEnabled: boolean;
  readonly scheduleType: ScheduleType;
  readonly failureMessage: string | null;
  readonly targetType: TargetType;
  readonly destination: string | null;
  readonly retentionLimit: number | null;
  readonly retentionLimitType: RetentionLimitType;
  readonly isGfsOptionEnabled: boolean;
  /** Filled for VM backup jobs only: the schema says the tasks are "available only for VM backup and replication jobs". */
  readonly lastSessionTasks: readonly BackupServerJobSessionTask[];
}

/** `BackupServerBackupCopyJob` without `_embedded` (the copy job itself has no name or status). */
export interface BackupServerBackupCopyJob {
  readonly instanceUid: string;
  readonly uniqueUid: string;
  readonly targetRepositoryUid: string;
  readonly targetWanAcceleratorUid: string | null;
  readonly sourceWanAcceleratorUid: string | null;
  readonly weeklyRestorePointsToKeep: number;
  readonly monthlyRestorePointsToKeep: number;
  readonly yearlyRestorePointsToKeep: number;
  readonly retentionPolicyType: RetentionPolicyType;
  readonly isRpoOptionsEnabled: boolean;
  readonly rpoOptionsValue: number;
  readonly rpoOptionsUnit: TimeMeasureUnit;
}

/** A copy job with `_embedded.backupServerJob` filled, as `expand=BackupServerJob` returns it. */
export interface ExpandedCopyJob extends BackupServerBackupCopyJob {
  readonly _embedded: { readonly backupServerJob: BackupServerJob };
}
