import { ProblemError } from '../http/problems.js';
import { combinedOutcome } from './outcome.js';
import type { JobsQuery } from './params.js';
import type { Reader } from './reader.js';
import { COPY_JOBS_PATH, vspcWindowQuery } from './vspc-query.js';

/**
 * Reads that may complete a window VSPC answered short (a VSPC that answers 25 jobs per call still fills a
 * window of 500); past them, the answer is a 502 naming the fix, never a silently short page.
 */
export const MAX_WINDOW_FOLLOW_UPS = 19;

type VspcCollection = { meta?: { pagingInfo?: { total?: unknown } }; data?: unknown };

/** One read of copy jobs: VSPC's records and the collection's total. */
export async function readJobs(reader: Reader, query: JobsQuery, window: { limit: number; offset: number }) {
  const read = await reader.read(COPY_JOBS_PATH, vspcWindowQuery(query, window));
  const collection = read.body as VspcCollection;
  const total = Number(collection.meta?.pagingInfo?.total);
  const data = Array.isArray(collection.data) ? (collection.data as Record<string, unknown>[]) : [];
  return { ...read, total: Number.isSafeInteger(total) ? total : data.length, data };
}

/**
 * The aligned window at `offset`. When VSPC answers it with fewer jobs than it asked for and than the
 * total (`knownTotal`, else the window's own) says there are, the rest is asked for right after the
 * jobs received, at most {@link MAX_WINDOW_FOLLOW_UPS} times; if VSPC still answers jobs but not all
 * of them, a 502 problem says so (set `JOBS_WINDOW` lower). A read that brings no jobs means the
 * collection shrank meanwhile: the window is what VSPC has.
 */
export async function readWindow(
  reader: Reader,
  query: JobsQuery,
  size: number,
  offset: number,
  options: {
    /** The collection's total as the page's first window told it. */
    knownTotal?: number;
    /** Aborted at `all=true`'s deadline: no read starts after it. */
    signal?: AbortSignal;
    /** Sees the total as soon as the first read tells it; may throw (`all=true`'s bound). */
    onTotal?: (total: number) => void;
  } = {},
) {
  const first = await readJobs(reader, query, { limit: size, offset });
  options.onTotal?.(first.total);
  const expected = Math.min(size, (options.knownTotal ?? first.total) - offset);
  if (first.data.length >= expected) return first;
  const perCall = first.data.length;
  if (perCall > 0 && perCall * (MAX_WINDOW_FOLLOW_UPS + 1) < expected) {
    // VSPC told in one answer that it has more than it sent: it answers at most that many per call.
    throw new ProblemError(
      'upstream-error',
      `VSPC answers at most ${perCall} jobs per call, too few to fill a window of ${size} in ` +
        `${MAX_WINDOW_FOLLOW_UPS + 1} calls; set JOBS_WINDOW to ${perCall * (MAX_WINDOW_FOLLOW_UPS + 1)} or less.`,
    );
  }
  const data = [...first.data];
  const reads = [first];
  // Jobs counted once (one may move into a later read while the collection grows); offsets move by
  // what VSPC sent.
  const seen = new Set(first.data.map((item, index) => item.instanceUid ?? `#${index}`));
  let received = first.data.length;
  for (let followUp = 0; seen.size < expected && followUp < MAX_WINDOW_FOLLOW_UPS; followUp += 1) {
    options.signal?.throwIfAborted();
    const more = await readJobs(reader, query, {
      limit: expected - seen.size,
      offset: offset + received,
    });
    if (more.data.length === 0) break; // the collection shrank meanwhile
    more.data.forEach((item, index) => seen.add(item.instanceUid ?? `#${received + index}`));
    received += more.data.length;
    data.push(...more.data);
    reads.push(more);
  }
  return { ...combinedOutcome(reads), total: first.total, data };
}
