import { VSPC_JOB_STATUS } from './job.js';
import type { JobsQuery, SortKey } from './params.js';

/** VSPC's collection of backup copy jobs. */
export const COPY_JOBS_PATH = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
/** VSPC's backup server jobs: the name and state of a copy job live there. */
export const SERVER_JOBS_PATH = '/api/v3/infrastructure/backupServers/jobs';

const EMBEDDED_JOB = '_embedded.backupServerJob';

/**
 * VSPC compares strings `ordinal` (case-sensitive) unless told otherwise: names and states are
 * matched and sorted `ignorecase` (VSPC versions differ in the casing of states, too).
 */
const IGNORE_CASE = 'ignorecase';

const SORT_PROPERTY: Readonly<
  Record<SortKey, { property: string; direction: 'ascending' | 'descending'; collation?: string }>
> = {
  name: { property: `${EMBEDDED_JOB}.name`, direction: 'ascending', collation: IGNORE_CASE },
  '-name': { property: `${EMBEDDED_JOB}.name`, direction: 'descending', collation: IGNORE_CASE },
  lastRun: { property: `${EMBEDDED_JOB}.lastRun`, direction: 'ascending' },
  '-lastRun': { property: `${EMBEDDED_JOB}.lastRun`, direction: 'descending' },
  status: { property: `${EMBEDDED_JOB}.status`, direction: 'ascending', collation: IGNORE_CASE },
};

/** VSPC's `filter` expressions for `q` and `status` (a top-level array is an AND); pure. */
export function vspcFilter(query: JobsQuery): object[] {
  const filter: object[] = [];
  if (query.q !== null)
    filter.push({
      property: `${EMBEDDED_JOB}.name`,
      operation: 'contains',
      collation: IGNORE_CASE,
      value: query.q,
    });
  if (query.statuses.length > 0) {
    filter.push({
      property: `${EMBEDDED_JOB}.status`,
      operation: 'in',
      collation: IGNORE_CASE,
      value: query.statuses.map((status) => VSPC_JOB_STATUS[status]),
    });
  }
  return filter;
}

/**
 * The raw query of one upstream window: `expand=BackupServerJob` (name and state in the same call),
 * the window's `limit`/`offset`, and `filter`/`sort` JSON when asked for; pure.
 */
export function vspcWindowQuery(query: JobsQuery, window: { limit: number; offset: number }): string {
  let raw = `expand=BackupServerJob&limit=${window.limit}&offset=${window.offset}`;
  const filter = vspcFilter(query);
  if (filter.length > 0) raw += `&filter=${encodeURIComponent(JSON.stringify(filter))}`;
  if (query.sort !== null) raw += `&sort=${encodeURIComponent(JSON.stringify([SORT_PROPERTY[query.sort]]))}`;
  return raw;
}
