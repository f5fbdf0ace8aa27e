import type { CachedAnswer } from '../cache/entry.js';
import { cacheStatus, freshnessLeftS, type CacheOutcome } from '../cache/policy.js';

/**
 * How one VSPC read of an answer met the cache: `entry` is `null` when nothing was stored (a `no-store`
 * bypass, or a server job VSPC does not have: `fwdStatus` 404).
 */
export interface ReadOutcome {
  outcome: CacheOutcome;
  entry: CachedAnswer | null;
  fwdStatus?: number;
}

/** Outcomes from the least favourable (VSPC was asked, nothing cached was used) to the most. */
const OUTCOME_ORDER: readonly CacheOutcome[] = ['bypass', 'refresh', 'miss', 'collapsed', 'stale', 'hit'];

/**
 * The least favourable outcome of the reads an answer was built from, and that read: what the
 * access log, the metric and `Cache-Status` all report. Pure.
 */
export function combinedOutcome(windows: ReadonlyArray<ReadOutcome>): ReadOutcome {
  const worst = OUTCOME_ORDER.find((outcome) => windows.some((window) => window.outcome === outcome));
  return windows.find((window) => window.outcome === worst) ?? { outcome: 'hit', entry: null };
}

/** `Cache-Status` of an answer built from `combined` ({@link combinedOutcome}). */
export function combinedStatus(combined: ReadOutcome, now: number): string {
  const { outcome: worst, entry } = combined;
  if (worst === 'bypass') return cacheStatus('bypass', { detail: 'no-store' });
  if ((worst === 'hit' || worst === 'stale') && entry !== null) {
    const failure = entry.refreshFailure;
    return cacheStatus(worst, {
      ttlS: freshnessLeftS(entry.freshUntil, now),
      ...(failure === undefined
        ? {}
        : 'status' in failure
          ? { fwdStatus: failure.status }
          : { detail: failure.failure }),
    });
  }
  return cacheStatus(worst, {
    stored: (worst === 'miss' || worst === 'refresh') && entry !== null,
    ...(combined.fwdStatus === undefined ? {} : { fwdStatus: combined.fwdStatus }),
  });
}
