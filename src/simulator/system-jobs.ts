import type { Company } from './companies.js';
import { createRng, randomInt, seedFromText } from './prng.js';
import type { BackupServerJob } from './resources.js';
import { uuidFromRng } from './uuid.js';
import { formatVspcDateTime } from './vspc-time.js';

/**
 * The system job every simulated backup server runs: scale-out backup repository maintenance, a job of type
 * `SobrMaintenance` (new in VSPC 3.6: a client declaring an older `X-Client-Version` receives `Unknown`). It
 * appears in `/jobs` only, after the other jobs, and draws from a generator of its own, so the other jobs are
 * the same with or without it.
 */

/** The backup server a system job runs on. */
export interface BackupServerOf {
  readonly company: Company;
  readonly backupServerUid: string;
  readonly locationUid: string;
}

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;
const CREATION_TIME_MS = Date.UTC(2025, 0, 1);
const LAST_RUN_WINDOW_START_MS = Date.UTC(2026, 0, 1);
const LAST_RUN_WINDOW_DAYS = 320;
const MIN_DURATION_S = 60;
const MAX_DURATION_S = 900;

/** The SOBR maintenance job of one company's backup server; `seed` is the dataset's seed. */
export function sobrMaintenanceJob(server: BackupServerOf, seed: number): BackupServerJob {
  const rng = createRng(seedFromText(seed, `sobr-maintenance:${server.backupServerUid}`));
  const { company } = server;
  const host = `${company.tag}-VBR01`;
  const lastRunMs =
    LAST_RUN_WINDOW_START_MS + randomInt(rng, 0, LAST_RUN_WINDOW_DAYS * SECONDS_PER_DAY) * MS_PER_SECOND;
  const lastDuration = randomInt(rng, MIN_DURATION_S, MAX_DURATION_S);
  return {
    instanceUid: uuidFromRng(rng),
    uniqueUid: uuidFromRng(rng),
    name: `Scale-out backup repository maintenance (${host})`,
    description: 'Created by Veeam Backup & Replication.',
    createdBy: `${host}\\Administrator`,
    creationTime: formatVspcDateTime(CREATION_TIME_MS),
    backupServerUid: server.backupServerUid,
    locationUid: server.locationUid,
    siteUid: null,
    organizationUid: company.organizationUid,
    mappedOrganizationUid: null,
    status: 'Success',
    type: 'SobrMaintenance',
    lastRun: formatVspcDateTime(lastRunMs),
    lastEndTime: formatVspcDateTime(lastRunMs + lastDuration * MS_PER_SECOND),
    lastDuration,
    processingRate: null,
    avgDuration: lastDuration,
    transferredData: null,
    backupChainSize: null,
    bottleneck: 'None',
    isEnabled: true,
    scheduleType: 'Daily',
    failureMessage: null,
    targetType: 'None',
    destination: null,
    retentionLimit: null,
    retentionLimitType: 'None',
    isGfsOptionEnabled: false,
    lastSessionTasks: [],
  };
}
