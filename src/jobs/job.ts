import Type, { type Static } from 'typebox';
import { Nullable, StringEnum } from '../json-schema.js';

/**
 * The simplified backup copy job `/jobs/copy` answers with, as a TypeBox schema: the one statement of its
 * shape. The types below are derived from it, the OpenAPI document (src/http/openapi/) publishes it, and the
 * tests validate answers against it.
 */

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

export const RETENTION_POLICIES = ['unknown', 'none', 'simple', 'gfs'] as const;

export const RPO_UNITS = ['minutes', 'hours', 'days', 'months', 'years', 'unknown'] as const;

/** A job state, lower-cased; a state this version does not know is `unknown`. */
export const JobStatusSchema = StringEnum(JOB_STATUSES);
export type JobStatus = Static<typeof JobStatusSchema>;

export const RetentionPolicySchema = StringEnum(RETENTION_POLICIES, {
  description: 'Lower-cased (`Simple`, `GFS` → `simple`, `gfs`)',
});
export type RetentionPolicy = Static<typeof RetentionPolicySchema>;

export const RpoUnitSchema = StringEnum(RPO_UNITS);
export type RpoUnit = Static<typeof RpoUnitSchema>;

const NullableString = Nullable(Type.String());

export const WanAccelerationSchema = Type.Object(
  { sourceId: NullableString, targetId: NullableString },
  { additionalProperties: false },
);

export const RetentionSchema = Type.Object(
  {
    policy: RetentionPolicySchema,
    weekly: Type.Integer({ description: 'Weekly restore points to keep' }),
    monthly: Type.Integer({ description: 'Monthly restore points to keep' }),
    yearly: Type.Integer({ description: 'Yearly restore points to keep' }),
  },
  { additionalProperties: false },
);

export const RpoSchema = Type.Object(
  { enabled: Type.Boolean(), value: Type.Integer(), unit: RpoUnitSchema },
  { additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: "VSPC's `instanceUid`" }),
    name: Nullable(Type.String(), { description: 'null when VSPC sent no job record' }),
    status: Nullable(JobStatusSchema, {
      description: 'Lower-cased; a state this version does not know is `unknown`; null without a job record.',
    }),
    enabled: Nullable(Type.Boolean()),
    lastRun: Nullable(Type.String({ format: 'date-time' })),
    lastEndTime: Nullable(Type.String({ format: 'date-time' })),
    lastDurationSec: Nullable(Type.Integer()),
    targetRepositoryId: NullableString,
    wanAcceleration: Nullable(WanAccelerationSchema, {
      description: 'null when VSPC names neither WAN accelerator',
    }),
    retention: RetentionSchema,
    rpo: RpoSchema,
  },
  {
    additionalProperties: false,
    description: "A backup copy job: VSPC's copy-job record with the name and state of its job.",
  },
);
export type Job = Static<typeof JobSchema>;

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
