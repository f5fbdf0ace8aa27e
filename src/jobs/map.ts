import { JOB_STATUSES, RETENTION_POLICIES, RPO_UNITS, type Job } from './job.js';

/** Told once per (field, value) about an enum value this version does not know. */
export type UnknownEnumReporter = (field: string, value: string) => void;

type Loose = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** An ISO 8601 UTC time (`2026-11-28T22:00:00.000Z`) from VSPC's date-time text, or `null`. */
function time(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function integer(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

/** Lower-cases an enum value whatever VSPC's casing; a value not in `known` becomes `unknown` and is reported. */
function enumValue<T extends string>(
  value: unknown,
  known: readonly T[],
  field: string,
  report: UnknownEnumReporter,
): T | 'unknown' | null {
  if (typeof value !== 'string') return null;
  const lower = value.toLowerCase();
  const found = known.find((candidate) => candidate === lower);
  if (found !== undefined) return found;
  report(field, value);
  return 'unknown';
}

/**
 * Maps one VSPC backup copy job (with `_embedded.backupServerJob` when VSPC sent it) onto the
 * simplified {@link Job}; pure but for reporting unknown enum values. Never throws on odd input.
 */
export function mapCopyJob(copyJob: Loose, report: UnknownEnumReporter, serverJob?: Loose | null): Job {
  const embedded = (copyJob._embedded as Loose | undefined)?.backupServerJob as Loose | undefined;
  const job = serverJob ?? embedded ?? null;
  const sourceId = text(copyJob.sourceWanAcceleratorUid);
  const targetId = text(copyJob.targetWanAcceleratorUid);
  return {
    id: text(copyJob.instanceUid) ?? '',
    name: job === null ? null : text(job.name),
    status: job === null ? null : enumValue(job.status, JOB_STATUSES, 'status', report),
    enabled: job === null || typeof job.isEnabled !== 'boolean' ? null : job.isEnabled,
    lastRun: job === null ? null : time(job.lastRun),
    lastEndTime: job === null ? null : time(job.lastEndTime),
    lastDurationSec: job === null ? null : integer(job.lastDuration),
    targetRepositoryId: text(copyJob.targetRepositoryUid),
    wanAcceleration: sourceId === null && targetId === null ? null : { sourceId, targetId },
    retention: {
      policy:
        enumValue(copyJob.retentionPolicyType, RETENTION_POLICIES, 'retentionPolicyType', report) ??
        'unknown',
      weekly: integer(copyJob.weeklyRestorePointsToKeep) ?? 0,
      monthly: integer(copyJob.monthlyRestorePointsToKeep) ?? 0,
      yearly: integer(copyJob.yearlyRestorePointsToKeep) ?? 0,
    },
    rpo: {
      enabled: copyJob.isRpoOptionsEnabled === true,
      value: integer(copyJob.rpoOptionsValue) ?? 0,
      unit: enumValue(copyJob.rpoOptionsUnit, RPO_UNITS, 'rpoOptionsUnit', report) ?? 'unknown',
    },
  };
}

/** A reporter that tells `log` about each (field, value) once, remembering at most `max` of them. */
export function reportOnce(log: (field: string, value: string) => void, max = 1000): UnknownEnumReporter {
  const seen = new Set<string>();
  return (field, value) => {
    const key = `${field}\n${value}`;
    if (seen.has(key) || seen.size >= max) return;
    seen.add(key);
    log(field, value);
  };
}
