import { JOB_STATUSES, type JobStatus } from './job.js';

/** VSPC's page size bounds, which `/jobs/copy` shares. */
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;
export const MAX_OFFSET = 2_147_483_647;
export const MAX_Q_LENGTH = 200;
const DIGITS = /^\d+$/;

export const SORT_KEYS = ['name', '-name', 'lastRun', '-lastRun', 'status'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const KNOWN_PARAMETERS = ['limit', 'offset', 'q', 'status', 'sort', 'all'];

/** What the caller asked for, with nothing left unchecked. */
export interface JobsQuery {
  /** `null` for `all=true`. */
  page: { limit: number; offset: number } | null;
  q: string | null;
  statuses: JobStatus[];
  sort: SortKey | null;
}

/** One refused parameter and what is allowed. */
export interface ParameterError {
  parameter: string;
  message: string;
}

export type ParsedJobsQuery = { ok: true; query: JobsQuery } | { ok: false; errors: ParameterError[] };

/**
 * Validates `/jobs/copy`'s query string (raw, without `?`); pure. Every bad parameter is reported,
 * not just the first: unknown names, repeats, non-decimal or out-of-range numbers, unknown states or
 * sort keys, and `limit`/`offset` next to `all=true`.
 */
export function parseJobsQuery(rawQuery: string): ParsedJobsQuery {
  const errors: ParameterError[] = [];
  // URLSearchParams reads broken percent-encoding as something else (`%E0%A4%A` → U+FFFD): such a
  // parameter is refused for that alone, and checked no further.
  const wellEncoded: string[] = [];
  for (const pair of rawQuery.split('&')) {
    if (isWellEncoded(pair)) {
      wellEncoded.push(pair);
      continue;
    }
    const rawName = pair.split('=', 1)[0] ?? '';
    const parameter = isWellEncoded(rawName) ? decodeURIComponent(rawName.replace(/\+/g, ' ')) : rawName;
    if (errors.some((error) => error.parameter === parameter)) continue;
    errors.push({ parameter, message: `${parameter} is not valid percent-encoded UTF-8.` });
  }
  const params = new URLSearchParams(wellEncoded.join('&'));
  const single = (name: string): string | undefined => {
    const values = params.getAll(name);
    if (values.length > 1) errors.push({ parameter: name, message: `${name} may be given once.` });
    return values[0];
  };
  for (const name of new Set(params.keys())) {
    if (!KNOWN_PARAMETERS.includes(name)) {
      errors.push({
        parameter: name,
        message: `Unknown parameter; allowed: ${KNOWN_PARAMETERS.join(', ')}.`,
      });
    }
  }
  const number = (name: string, min: number, max: number, fallback: number): number => {
    const raw = single(name);
    if (raw === undefined) return fallback;
    const value = DIGITS.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= min && value <= max)) {
      errors.push({ parameter: name, message: `${name} must be a whole number from ${min} to ${max}.` });
    }
    return value;
  };
  const limit = number('limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
  const offset = number('offset', 0, MAX_OFFSET, 0);

  const all = single('all');
  if (all !== undefined && all !== 'true' && all !== 'false') {
    errors.push({ parameter: 'all', message: 'all must be true or false.' });
  }
  const wantsAll = all === 'true';
  if (wantsAll) {
    for (const name of ['limit', 'offset']) {
      if (params.has(name))
        errors.push({ parameter: name, message: `${name} cannot be combined with all=true.` });
    }
  }

  const q = single('q');
  if (q !== undefined && (q.length === 0 || q.length > MAX_Q_LENGTH)) {
    errors.push({ parameter: 'q', message: `q must be 1 to ${MAX_Q_LENGTH} characters.` });
  }

  const statuses: JobStatus[] = [];
  for (const value of params.getAll('status').flatMap((entry) => entry.split(','))) {
    const status = JOB_STATUSES.find((candidate) => candidate === value.trim().toLowerCase());
    if (status === undefined) {
      errors.push({
        parameter: 'status',
        message: `Unknown job state '${value}'; allowed: ${JOB_STATUSES.join(', ')}.`,
      });
    } else if (!statuses.includes(status)) {
      statuses.push(status);
    }
  }

  const sortValue = single('sort');
  const sort = sortValue === undefined ? null : (SORT_KEYS.find((key) => key === sortValue) ?? null);
  if (sortValue !== undefined && sort === null) {
    errors.push({ parameter: 'sort', message: `sort must be one of ${SORT_KEYS.join(', ')}.` });
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    query: { page: wantsAll ? null : { limit, offset }, q: q ?? null, statuses, sort },
  };
}

function isWellEncoded(text: string): boolean {
  try {
    decodeURIComponent(text.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

/** The query's non-paging parameters, as they go into links (`&q=…&status=…&sort=…`); pure. */
export function linkParameters(query: JobsQuery): string {
  let extra = '';
  if (query.q !== null) extra += `&q=${encodeURIComponent(query.q)}`;
  if (query.statuses.length > 0) extra += `&status=${query.statuses.join(',')}`;
  if (query.sort !== null) extra += `&sort=${encodeURIComponent(query.sort)}`;
  return extra;
}
