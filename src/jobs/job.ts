/** The simplified backup copy job `/jobs/copy` answers with; documented in src/http/openapi-document.ts. */
export interface Job {
  id: string;
  name: string | null;
  status: JobStatus | null;
  enabled: boolean | null;
  lastRun: string | null;
  lastEndTime: string | null;
  lastDurationSec: number | null;
  targetRepositoryId: string | null;
  wanAcceleration: { sourceId: string | null; targetId: string | null } | null;
  retention: { policy: RetentionPolicy; weekly: number; monthly: number; yearly: number };
  rpo: { enabled: boolean; value: number; unit: RpoUnit };
}

export const JOB_STATUSES = [
  'unknown',
  'none',
  'idle',
  'success',
  'warning',
  'failed',
  'running',
  'starting',
  'stopping',
  'enabling',
  'disabling',
  'waitingtape',
  'waitingrepository',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const RETENTION_POLICIES = ['unknown', 'none', 'simple', 'gfs'] as const;
export type RetentionPolicy = (typeof RETENTION_POLICIES)[number];

export const RPO_UNITS = ['minutes', 'hours', 'days', 'months', 'years', 'unknown'] as const;
export type RpoUnit = (typeof RPO_UNITS)[number];

/** VSPC's casing of each job state, for the `status` filter sent upstream. */
export const VSPC_JOB_STATUS: Readonly<Record<JobStatus, string>> = {
  unknown: 'Unknown',
  none: 'None',
  idle: 'Idle',
  success: 'Success',
  warning: 'Warning',
  failed: 'Failed',
  running: 'Running',
  starting: 'Starting',
  stopping: 'Stopping',
  enabling: 'Enabling',
  disabling: 'Disabling',
  waitingtape: 'WaitingTape',
  waitingrepository: 'WaitingRepository',
};
