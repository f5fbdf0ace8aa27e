import { ProblemError } from '../http/problems.js';
import type { Job } from './job.js';
import { mapCopyJob, type UnknownEnumReporter } from './map.js';
import { pageLinks, windowsFor } from './paging.js';
import { linkParameters, type JobsQuery } from './params.js';
import type { Reader } from './reader.js';
import { readWindow } from './windows.js';

/** The path the answers' links point at. */
export const JOBS_BASE_PATH = '/jobs/copy';
/** Windows fetched at once by `all=true` after the first (which tells the total). */
const ALL_CONCURRENCY = 2;

/** What building one list answer needs. */
export interface Listing {
  reader: Reader;
  query: JobsQuery;
  /** `JOBS_WINDOW`. */
  windowSize: number;
  reportUnknown: UnknownEnumReporter;
}

/** One page: sliced from the aligned windows it reaches into. */
export async function listPage(
  { reader, query, windowSize: size, reportUnknown }: Listing,
  page: { limit: number; offset: number },
) {
  const starts = windowsFor(page.offset, page.limit, size);
  const first = await readWindow(reader, query, size, starts[0] ?? 0);
  const windows = [first];
  // Later windows only when the page reaches into them and VSPC has that many jobs.
  for (const start of starts.slice(1))
    if (start < first.total)
      windows.push(await readWindow(reader, query, size, start, { knownTotal: first.total }));
  // A job that moved across the edge of two reads (two windows, or a window and its follow-up) is kept once.
  const items = uniqueJobs(windows.flatMap((window) => window.data));
  const skip = page.offset - (starts[0] ?? 0);
  const data = items.slice(skip, skip + page.limit).map((item) => mapCopyJob(item, reportUnknown));
  return {
    body: {
      data,
      page: { total: first.total, count: data.length, offset: page.offset, limit: page.limit },
      links: pageLinks(JOBS_BASE_PATH, linkParameters(query), { ...page, total: first.total }),
    },
    windows,
  };
}

/** `signal` aborts at the deadline: no read is started after it (those in flight finish and are cached). */
export async function listAll(
  { reader, query, windowSize: size, reportUnknown }: Listing,
  max: number,
  signal: AbortSignal,
) {
  // Over the bound, the answer is a 413 as soon as the first read tells the total.
  const onTotal = (total: number): void => {
    if (total <= max) return;
    throw new ProblemError(
      'too-many-items',
      `This caller has ${total} jobs; all=true answers at most JOBS_ALL_MAX_ITEMS (${max}). Page with limit/offset instead.`,
      { limit: max, total },
    );
  };
  const first = await readWindow(reader, query, size, 0, { signal, onTotal });
  const starts: number[] = [];
  for (let start = size; start < first.total; start += size) starts.push(start);
  const windows = [first];
  for (let index = 0; index < starts.length; index += ALL_CONCURRENCY) {
    signal.throwIfAborted();
    windows.push(
      ...(await Promise.all(
        starts
          .slice(index, index + ALL_CONCURRENCY)
          .map((start) => readWindow(reader, query, size, start, { knownTotal: first.total, signal })),
      )),
    );
  }
  // Items can move between windows while the collection changes: keep each job once.
  const seen = new Set<string>();
  const data: Job[] = [];
  for (const item of windows.flatMap((window) => window.data)) {
    const job = mapCopyJob(item, reportUnknown);
    if (seen.has(job.id) || data.length >= max) continue;
    seen.add(job.id);
    data.push(job);
  }
  const extra = linkParameters(query);
  return {
    body: {
      data,
      page: { total: first.total, count: data.length, offset: 0, limit: null },
      links: { self: `${JOBS_BASE_PATH}?all=true${extra}`, next: null, prev: null },
    },
    windows,
  };
}

/** VSPC's copy-job records, each `instanceUid` once (the first time it appears); pure. */
export function uniqueJobs(items: Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    const id = item.instanceUid;
    if (typeof id !== 'string') return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
