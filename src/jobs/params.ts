import { Compile } from 'typebox/compile';
import type { JobStatus } from './job.js';
import { JobsQueryParametersSchema, type SortKey } from './schema.js';

export { SORT_KEYS, type SortKey } from './schema.js';

/*
 * Every bound, default, state and sort key checked here is read from JobsQueryParametersSchema, and each
 * value is checked by that schema's own validator: the OpenAPI document publishes the same schema, so what
 * is documented and what is enforced cannot drift apart. The messages stay this module's own.
 */
const PARAMETERS = JobsQueryParametersSchema.properties;
const KNOWN_PARAMETERS = Object.keys(PARAMETERS);
const JOB_STATES = PARAMETERS.status.items.enum;
const SORT_KEYS = PARAMETERS.sort.enum;

const DIGITS = /^\d+$/;

const validLimit = Compile(PARAMETERS.limit);
const validOffset = Compile(PARAMETERS.offset);
const validState = Compile(PARAMETERS.status.items);
const validSort = Compile(PARAMETERS.sort);

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
        message: `Unknown parameter '${name}'; allowed: ${KNOWN_PARAMETERS.join(', ')}.`,
      });
    }
  }
  /** A decimal whole number the schema of `name` allows; the schema's `default` when absent. */
  const number = (name: 'limit' | 'offset', valid: (value: unknown) => boolean): number => {
    const { minimum, maximum, default: fallback } = PARAMETERS[name];
    const raw = single(name);
    if (raw === undefined) return fallback;
    const value = DIGITS.test(raw) ? Number(raw) : Number.NaN;
    if (!valid(value)) {
      errors.push({
        parameter: name,
        message: `${name} must be a whole number from ${minimum} to ${maximum}.`,
      });
    }
    return value;
  };
  const limit = number('limit', (value) => validLimit.Check(value));
  const offset = number('offset', (value) => validOffset.Check(value));

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

  // `q` is measured in UTF-16 code units, as it always was; the schema supplies the bounds. (JSON Schema
  // counts code points, so the document's maxLength is never the stricter of the two.)
  const q = single('q');
  const { minLength, maxLength } = PARAMETERS.q;
  if (q !== undefined && (q.length < minLength || q.length > maxLength)) {
    errors.push({ parameter: 'q', message: `q must be ${minLength} to ${maxLength} characters.` });
  }

  const statuses: JobStatus[] = [];
  for (const value of params.getAll('status').flatMap((entry) => entry.split(','))) {
    const status = value.trim().toLowerCase();
    if (!validState.Check(status)) {
      errors.push({
        parameter: 'status',
        message: `Unknown job state '${value}'; allowed: ${JOB_STATES.join(', ')}.`,
      });
    } else if (!statuses.includes(status)) {
      statuses.push(status);
    }
  }

  const sortValue = single('sort');
  const sort = sortValue !== undefined && validSort.Check(sortValue) ? sortValue : null;
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
