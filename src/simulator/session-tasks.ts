import { createRng, pick, randomInt, seedFromText, type Rng } from './prng.js';
import type {
  BackupServerJob,
  BackupServerJobSessionTask,
  BackupServerJobStatus,
  SessionTaskStatus,
} from './resources.js';
import { uuidFromRng } from './uuid.js';
import { formatVspcDateTime, parseVspcDateTime } from './vspc-time.js';

/**
 * `lastSessionTasks` of a VM backup job: one task per VM its latest session processed. Each job's tasks come
 * from a generator seeded by the dataset seed and the job's UID, so they are the same on every run and adding
 * them changed nothing else in the dataset. They agree with the job: its status (a failed job has a failed
 * task, a running one running and pending tasks), its run times (tasks run within the session) and its
 * `transferredData` (the finished tasks' transferred sizes add up to it when every task finished).
 */

const MS_PER_SECOND = 1000;
const MIN_VMS = 1;
const MAX_VMS = 6;
const MAX_DISKS_PER_VM = 4;
/** Tasks start within this many seconds of the session start. */
const MAX_TASK_START_DELAY_S = 30;
/** A task takes at least this share of what is left of the session. */
const MIN_TASK_SHARE = 0.3;
/** Data read per byte transferred (compression and deduplication), both ends included, in tenths. */
const READ_PER_TRANSFERRED_TENTHS: readonly [number, number] = [12, 40];
const TENTHS = 10;

const TASK_WARNINGS = [
  'Changed block tracking cannot be enabled: one or more snapshots present on the VM.',
  'Unable to truncate transaction logs: guest processing skipped.',
];
const TASK_ERRORS = [
  'Error: Failed to create VM snapshot. Insufficient space on the datastore.',
  'Error: Unable to connect to the guest OS: the RPC server is unavailable.',
];

/** Job statuses whose latest session is still going on. */
const IN_PROGRESS: ReadonlySet<BackupServerJobStatus> = new Set(['Running', 'Starting', 'Stopping']);

/** The status of each task, in order, for a session of a job in `status`. */
function taskStatuses(rng: Rng, status: BackupServerJobStatus, count: number): SessionTaskStatus[] {
  const statuses: SessionTaskStatus[] = Array.from({ length: count }, () => 'Success');
  const index = randomInt(rng, 0, count - 1);
  if (status === 'Warning') statuses[index] = 'Warning';
  if (status === 'Failed') statuses[index] = 'Failed';
  if (IN_PROGRESS.has(status)) {
    statuses[index] = 'Running';
    for (let later = index + 1; later < count; later++) statuses[later] = 'Pending';
  }
  return statuses;
}

/**
 * Splits `total` into integer parts proportional to `weights`; the last part with a weight takes the rounding.
 * All parts are 0 when no part has a weight (no task finished).
 */
function split(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const parts = weights.map((weight) => Math.floor((total * weight) / sum));
  const last = weights.findLastIndex((weight) => weight > 0);
  parts[last] = (parts[last] ?? 0) + total - parts.reduce((a, b) => a + b, 0);
  return parts;
}

function failureMessagesOf(rng: Rng, status: SessionTaskStatus): string[] {
  if (status === 'Warning') return [pick(rng, TASK_WARNINGS)];
  if (status === 'Failed') return [pick(rng, TASK_ERRORS)];
  return [];
}

/**
 * The session tasks of a VM backup job whose VMs are named `${hostPrefix}01`, `${hostPrefix}02`, …; `seed` is
 * the dataset's seed.
 */
export function generateSessionTasks(
  job: BackupServerJob,
  hostPrefix: string,
  seed: number,
): BackupServerJobSessionTask[] {
  if (job.lastRun === null || job.lastDuration === null) return [];
  const rng = createRng(seedFromText(seed, job.instanceUid));
  const count = randomInt(rng, MIN_VMS, MAX_VMS);
  const statuses = taskStatuses(rng, job.status, count);
  const sessionStartMs = parseVspcDateTime(job.lastRun);
  const finished = statuses.map((status) => status !== 'Running' && status !== 'Pending');
  const transferred = split(
    job.transferredData ?? 0,
    statuses.map((_, i) => (finished[i] === true ? randomInt(rng, 1, 10) : 0)),
  );
  return statuses.map((status, i): BackupServerJobSessionTask => {
    const instanceUid = uuidFromRng(rng);
    const objectUid = uuidFromRng(rng);
    const totalObjects = randomInt(rng, 1, MAX_DISKS_PER_VM);
    const startDelayS = randomInt(rng, 0, Math.min(MAX_TASK_START_DELAY_S, job.lastDuration ?? 0));
    const leftS = (job.lastDuration ?? 0) - startDelayS;
    const duration = Math.round(leftS * (MIN_TASK_SHARE + rng() * (1 - MIN_TASK_SHARE)));
    const transferredDataSize = transferred[i] ?? 0;
    const readDataSize = Math.round(
      (transferredDataSize * randomInt(rng, ...READ_PER_TRANSFERRED_TENTHS)) / TENTHS,
    );
    const startMs = sessionStartMs + startDelayS * MS_PER_SECOND;
    const done = finished[i] === true;
    return {
      instanceUid,
      objectUid,
      objectName: `${hostPrefix}${String(i + 1).padStart(2, '0')}`,
      totalObjects,
      processedObjects:
        status === 'Pending' ? 0 : done && status !== 'Failed' ? totalObjects : totalObjects - 1,
      readDataSize,
      transferredDataSize,
      startTime: status === 'Pending' ? null : formatVspcDateTime(startMs),
      endTime: done ? formatVspcDateTime(startMs + duration * MS_PER_SECOND) : null,
      duration: done ? duration : null,
      failureMessages: failureMessagesOf(rng, status),
      status,
    };
  });
}
