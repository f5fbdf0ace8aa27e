import { COMPANIES } from './companies.js';
import { makeAssets, type CompanyAssets } from './company-assets.js';
import { createRng, pick, randomInt, shuffled, weightedPick, type Rng } from './prng.js';
import { collectPaths } from './property-path.js';
import type {
  BackupServerBackupCopyJob,
  BackupServerJob,
  BackupServerJobStatus,
  BackupServerJobType,
  BottleneckType,
  ExpandedCopyJob,
  RetentionPolicyType,
  TargetType,
  TimeMeasureUnit,
} from './resources.js';
import { SEED_COMPANY_NAME, SEED_COPY_JOBS } from './seed-jobs.js';
import { generateSessionTasks } from './session-tasks.js';
import { sobrMaintenanceJob } from './system-jobs.js';
import { uuidFromRng } from './uuid.js';
import { formatVspcDateTime } from './vspc-time.js';

export { formatVspcDateTime } from './vspc-time.js';

/** Seed of the dataset generator: the same seed always yields the same jobs, UIDs and dates. */
export const DATASET_SEED = 20260101;

/** Everything the simulator serves, in default (generation) order, with lookups by `instanceUid`. */
export interface Dataset {
  /** Every backup copy job with its `BackupServerJob` embedded. */
  readonly copyJobs: readonly ExpandedCopyJob[];
  readonly copyJobsByUid: ReadonlyMap<string, ExpandedCopyJob>;
  /** Every job: copy jobs, VM backup jobs and one SOBR maintenance job per backup server (last). */
  readonly jobs: readonly BackupServerJob[];
  readonly jobsByUid: ReadonlyMap<string, BackupServerJob>;
  /** Property paths `filter`/`sort` may name on a copy job (expanded form). */
  readonly copyJobPaths: ReadonlySet<string>;
  /** Property paths `filter`/`sort` may name on a job. */
  readonly jobPaths: ReadonlySet<string>;
}

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;
const BYTES_PER_MIB = 1024 * 1024;
const BYTES_PER_GIB = 1024 * BYTES_PER_MIB;
const CREATION_WINDOW_START_MS = Date.UTC(2025, 0, 1);
const CREATION_WINDOW_DAYS = 364;
const LAST_RUN_WINDOW_START_MS = Date.UTC(2026, 0, 1);
/** Last runs fall between 1 January and mid-November 2026, so that runs end within 2026. */
const LAST_RUN_WINDOW_DAYS = 320;
const MIN_RUN_DURATION_S = 60;
const MAX_RUN_DURATION_S = 4 * 3600;
const AVG_DURATION_SPREAD = 0.2;
/** Share of copy jobs that use no WAN accelerators (both UIDs null). */
const NO_WAN_ACCELERATOR_SHARE = 0.3;
const RPO_ENABLED_SHARE = 0.4;
const DISABLED_JOB_SHARE = 0.1;
const BACKUP_JOB_GFS_SHARE = 0.2;
const JOB_NUMBER_DIGITS = 3;

const COPY_TARGET_LABELS = ['DR', 'Cloud', 'Offsite', 'Secondary Site'] as const;
/** Workloads of VM backup jobs: the label in the job name and the one in its VMs' names. */
const BACKUP_WORKLOADS: readonly (readonly [string, string])[] = [
  ['SQL', 'SQL'],
  ['File Servers', 'FS'],
  ['Exchange', 'EXCH'],
  ['Web Farm', 'WEB'],
  ['Domain Controllers', 'DC'],
];

const RETENTION_WEIGHTS: readonly (readonly [RetentionPolicyType, number])[] = [
  ['Simple', 55],
  ['GFS', 40],
  ['None', 5],
];
const RPO_UNIT_WEIGHTS: readonly (readonly [TimeMeasureUnit, number])[] = [
  ['Hours', 60],
  ['Minutes', 20],
  ['Days', 20],
];
/** Plausible RPO values per unit, both ends included. */
const RPO_VALUE_RANGES: Readonly<Record<TimeMeasureUnit, readonly [number, number]>> = {
  Minutes: [15, 120],
  Hours: [1, 24],
  Days: [1, 7],
  Months: [1, 12],
  Years: [1, 3],
};
const STATUS_WEIGHTS: readonly (readonly [BackupServerJobStatus, number])[] = [
  ['Success', 55],
  ['Warning', 14],
  ['Failed', 9],
  ['Running', 6],
  ['Idle', 6],
  ['None', 4],
  ['Starting', 2],
  ['WaitingRepository', 3],
  ['Stopping', 1],
];
const BOTTLENECKS: readonly BottleneckType[] = ['None', 'Source', 'Target', 'Network', 'Proxy'];
const FAILURE_MESSAGES = [
  'Error: Target repository is unavailable.',
  'Error: Failed to connect to the source WAN accelerator.',
  'Error: The network path was not found.',
];
const WARNING_MESSAGES = [
  'Warning: Restore point was created with warnings.',
  'Warning: Job finished after its RPO interval.',
];

/** Properties of a job that follow from what it is rather than from chance. */
interface JobIdentity {
  readonly instanceUid: string;
  readonly uniqueUid: string;
  readonly name: string;
  readonly type: BackupServerJobType;
  readonly targetType: TargetType;
  readonly destination: string;
  readonly isGfsOptionEnabled: boolean;
}

function jobNumber(index: number): string {
  return String(index).padStart(JOB_NUMBER_DIGITS, '0');
}

function generateCopyJob(rng: Rng, assets: CompanyAssets): BackupServerBackupCopyJob {
  const retentionPolicyType = weightedPick(rng, RETENTION_WEIGHTS);
  const isGfs = retentionPolicyType === 'GFS';
  const keepsPoints = retentionPolicyType !== 'None';
  const usesWan = rng() >= NO_WAN_ACCELERATOR_SHARE;
  const isRpoOptionsEnabled = rng() < RPO_ENABLED_SHARE;
  const rpoOptionsUnit = isRpoOptionsEnabled ? weightedPick(rng, RPO_UNIT_WEIGHTS) : 'Minutes';
  const [minRpo, maxRpo] = RPO_VALUE_RANGES[rpoOptionsUnit];
  return {
    instanceUid: uuidFromRng(rng),
    uniqueUid: uuidFromRng(rng),
    targetRepositoryUid: pick(rng, assets.repositories).uid,
    targetWanAcceleratorUid: usesWan ? pick(rng, assets.wanAcceleratorUids) : null,
    sourceWanAcceleratorUid: usesWan ? pick(rng, assets.wanAcceleratorUids) : null,
    weeklyRestorePointsToKeep: isGfs ? randomInt(rng, 2, 8) : Number(keepsPoints),
    monthlyRestorePointsToKeep: isGfs ? randomInt(rng, 3, 12) : Number(keepsPoints),
    yearlyRestorePointsToKeep: isGfs ? randomInt(rng, 1, 5) : Number(keepsPoints),
    retentionPolicyType,
    isRpoOptionsEnabled,
    rpoOptionsValue: isRpoOptionsEnabled ? randomInt(rng, minRpo, maxRpo) : 0,
    rpoOptionsUnit,
  };
}

function generateServerJob(rng: Rng, assets: CompanyAssets, identity: JobIdentity): BackupServerJob {
  const { company } = assets;
  const createdBy = `${company.tag}-VBR01\\Administrator`;
  const creationTime = formatVspcDateTime(
    CREATION_WINDOW_START_MS + randomInt(rng, 0, CREATION_WINDOW_DAYS * SECONDS_PER_DAY) * MS_PER_SECOND,
  );
  const status = weightedPick(rng, STATUS_WEIGHTS);
  const lastRunMs =
    LAST_RUN_WINDOW_START_MS + randomInt(rng, 0, LAST_RUN_WINDOW_DAYS * SECONDS_PER_DAY) * MS_PER_SECOND;
  const lastDuration = randomInt(rng, MIN_RUN_DURATION_S, MAX_RUN_DURATION_S);
  const avgDuration = Math.round(lastDuration * (1 + (rng() * 2 - 1) * AVG_DURATION_SPREAD));
  const transferredData = randomInt(rng, 1, 500) * BYTES_PER_GIB;
  const isCopy = identity.type === 'BackupCopy';
  const failureMessage =
    status === 'Failed'
      ? pick(rng, FAILURE_MESSAGES)
      : status === 'Warning'
        ? pick(rng, WARNING_MESSAGES)
        : null;
  return {
    instanceUid: identity.instanceUid,
    uniqueUid: identity.uniqueUid,
    name: identity.name,
    description: `Created by ${createdBy} at ${creationTime}.`,
    createdBy,
    creationTime,
    backupServerUid: assets.backupServerUid,
    locationUid: assets.locationUid,
    siteUid: identity.targetType === 'Cloud' ? assets.cloudSiteUid : null,
    organizationUid: company.organizationUid,
    mappedOrganizationUid: null,
    status,
    type: identity.type,
    lastRun: formatVspcDateTime(lastRunMs),
    lastEndTime: formatVspcDateTime(lastRunMs + lastDuration * MS_PER_SECOND),
    lastDuration,
    processingRate: randomInt(rng, 5, 400) * BYTES_PER_MIB,
    avgDuration,
    transferredData,
    backupChainSize: transferredData * randomInt(rng, 3, 20),
    bottleneck: pick(rng, BOTTLENECKS),
    isEnabled: rng() >= DISABLED_JOB_SHARE,
    scheduleType: isCopy ? pick(rng, ['Continuously', 'Periodically'] as const) : 'Daily',
    failureMessage,
    targetType: identity.targetType,
    destination: identity.destination,
    retentionLimit: randomInt(rng, 7, 30),
    retentionLimitType: isCopy ? 'RestorePoints' : 'Days',
    isGfsOptionEnabled: identity.isGfsOptionEnabled,
    lastSessionTasks: [],
  };
}

function generateCompanyCopyJobs(rng: Rng, assets: CompanyAssets): ExpandedCopyJob[] {
  const { company } = assets;
  const seeds = company.name === SEED_COMPANY_NAME ? SEED_COPY_JOBS : [];
  const result: ExpandedCopyJob[] = [];
  for (let index = 1; index <= company.copyJobCount; index++) {
    const seed = seeds[index - 1];
    const copyJob = seed ?? generateCopyJob(rng, assets);
    const label = seed === undefined ? pick(rng, COPY_TARGET_LABELS) : 'DR';
    const targetType: TargetType = label === 'Cloud' ? 'Cloud' : 'Local';
    const repository = assets.repositories.find((candidate) => candidate.uid === copyJob.targetRepositoryUid);
    const backupServerJob = generateServerJob(rng, assets, {
      instanceUid: copyJob.instanceUid,
      uniqueUid: copyJob.uniqueUid,
      name: `${company.name} copy to ${label} ${jobNumber(index)}`,
      type: 'BackupCopy',
      targetType,
      destination: repository?.name ?? `${company.name} repository`,
      isGfsOptionEnabled: copyJob.retentionPolicyType === 'GFS',
    });
    result.push({ ...copyJob, _embedded: { backupServerJob } });
  }
  return result;
}

/** VM backup jobs with their latest session's tasks (drawn apart from `rng`, see `session-tasks.ts`). */
function generateCompanyBackupJobs(rng: Rng, assets: CompanyAssets, seed: number): BackupServerJob[] {
  const { company } = assets;
  const result: BackupServerJob[] = [];
  for (let index = 1; index <= company.backupJobCount; index++) {
    const targetType: TargetType = rng() < 0.5 ? 'Cloud' : 'Local';
    const instanceUid = uuidFromRng(rng);
    const uniqueUid = uuidFromRng(rng);
    const [workload, hostLabel] = pick(rng, BACKUP_WORKLOADS);
    const job = generateServerJob(rng, assets, {
      instanceUid,
      uniqueUid,
      name: `${company.name} backup ${workload} ${jobNumber(index)}`,
      type: 'BackupVm',
      targetType,
      destination: pick(rng, assets.repositories).name,
      isGfsOptionEnabled: rng() < BACKUP_JOB_GFS_SHARE,
    });
    result.push({ ...job, lastSessionTasks: generateSessionTasks(job, `${company.tag}-${hostLabel}`, seed) });
  }
  return result;
}

function byUid<T extends { readonly instanceUid: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.instanceUid, item]));
}

/**
 * Generates the simulator's dataset: 1,200 copy jobs, 200 VM backup jobs and 5 SOBR maintenance jobs over five
 * companies, the seed example's two jobs first, the copy and VM backup jobs shuffled so that every page mixes
 * companies, the SOBR maintenance jobs last. Deterministic for a seed.
 */
export function buildDataset(seed: number = DATASET_SEED): Dataset {
  const rng = createRng(seed);
  const allAssets = COMPANIES.map((company) => makeAssets(rng, company));
  const copyJobs = allAssets.flatMap((assets) => generateCompanyCopyJobs(rng, assets));
  const backupJobs = allAssets.flatMap((assets) => generateCompanyBackupJobs(rng, assets, seed));

  const seedUids = new Set(SEED_COPY_JOBS.map((job) => job.instanceUid));
  const seedCopyJobs = copyJobs.filter((job) => seedUids.has(job.instanceUid));
  const otherCopyJobs = copyJobs.filter((job) => !seedUids.has(job.instanceUid));
  const orderedCopyJobs = [...seedCopyJobs, ...shuffled(rng, otherCopyJobs)];
  const otherJobs = [...otherCopyJobs.map((job) => job._embedded.backupServerJob), ...backupJobs];
  const orderedJobs = [
    ...seedCopyJobs.map((job) => job._embedded.backupServerJob),
    ...shuffled(rng, otherJobs),
    ...allAssets.map((assets) => sobrMaintenanceJob(assets, seed)),
  ];

  const [firstCopyJob] = orderedCopyJobs;
  const [firstJob] = orderedJobs;
  return {
    copyJobs: orderedCopyJobs,
    copyJobsByUid: byUid(orderedCopyJobs),
    jobs: orderedJobs,
    jobsByUid: byUid(orderedJobs),
    copyJobPaths: collectPaths(firstCopyJob),
    jobPaths: collectPaths(firstJob),
  };
}

/** The organization that owns a job; used for per-user scoping. */
export function organizationOfCopyJob(job: ExpandedCopyJob): string {
  return job._embedded.backupServerJob.organizationUid;
}
