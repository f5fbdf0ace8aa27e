import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import {
  PASSED_RESPONSE_HEADERS,
  type UpstreamClient,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../upstream/client.js';
import { UpstreamError } from '../upstream/errors.js';
import { createEntry, STALE_REFRESH_RETRY_MS, type CachedAnswer } from './entry.js';
import { revokesToken, staleIfErrorAllowsFailure, staleIfErrorAllowsStatus } from './policy.js';

/** A VSPC answer that must reach the client but not the cache (not a 200, or too large). */
export class UncacheableAnswer extends Error {
  override readonly name = 'UncacheableAnswer';
  constructor(readonly answer: UpstreamResponse) {
    super(`VSPC answered ${answer.status}; not cached`);
  }
}

/** What a fetch needs to ask VSPC, from the request that started it. */
export interface FetchContext {
  request: UpstreamRequest;
  path: string;
  tokenHash: string;
}

export interface ResponseCacheOptions {
  upstream: UpstreamClient;
  maxBytes: number;
  maxEntryBytes: number;
  ttlMs: number;
  staleMs: number;
  /** Clock in ms; tests inject one. */
  now?: () => number;
  /** Told about failed refreshes of stale entries (nobody waits for those). */
  logger?: Pick<Logger, 'warn'>;
  /**
   * Frees the memory of dropped entries now: `global.gc` under `node --expose-gc`. Without it a dropped
   * body's memory waits for V8's own collection, which lets up to 64 MB of them pile up.
   */
  reclaim?: () => void;
  /** Bytes of dropped entries (evicted, replaced, expired, purged) between two `reclaim` calls. */
  reclaimEveryBytes?: number;
  /**
   * Most of the time `reclaim` may take (default {@link RECLAIM_MAX_TIME_SHARE}): each is a full,
   * stop-the-world collection, so after one that took `d` ms the next waits `d × (1 / share − 1)` ms.
   */
  reclaimMaxTimeShare?: number;
}

/** Reclaims take at most a tenth of the time: after a 15 ms collection, the next waits 135 ms. */
export const RECLAIM_MAX_TIME_SHARE = 0.1;

/** By default, `reclaim` runs once an eighth of the bound (at least 1 MiB) has been dropped. */
export function defaultReclaimEveryBytes(maxBytes: number): number {
  return Math.max(Math.floor(maxBytes / 8), 2 ** 20);
}

const TOO_MANY_REQUESTS = 429;

/** Servable-stale entries are the LRU's fresh ones; lookups take them and leave the rest alone. */
const LOOKUP_OPTIONS = { allowStale: true, noDeleteOnStaleGet: true } as const;

export type FetchResult = { entry: CachedAnswer; outcome: 'miss' | 'collapsed' | 'refresh' };

interface InflightLoad {
  readonly request: UpstreamRequest;
  readonly path: string;
  readonly tokenHash: string;
  /** Set by a purge that matched it: what it reads is not stored. */
  detached: boolean;
}

/**
 * Filled by {@link ResponseCache.fetch} before it returns its promise, so a caller knows how it met
 * the cache even when the fetch rejects.
 */
export interface FetchReport {
  /** True when this call joined a VSPC call already in flight for the key (its waiters share one outcome). */
  collapsed: boolean;
}

/** What {@link ResponseCache.read} served, and how. */
export type ReadResult = { entry: CachedAnswer; outcome: 'hit' | 'stale' | FetchResult['outcome'] };

/**
 * The token-isolated response cache: an LRU bounded by bytes (body + headers + key + overhead),
 * with lru-cache's `fetch()` coalescing concurrent misses into one VSPC call. Entries live
 * `ttlMs` fresh and `staleMs` more as servable-stale; the LRU drops them after both.
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, CachedAnswer, FetchContext>;
  readonly #options: ResponseCacheOptions;
  readonly #now: () => number;
  /**
   * Each load in flight, by key: the request object it handed to the upstream (a caller that waits on
   * a bulk load raises that very object's `priority`, which the shield reads when it picks a waiter),
   * and whose data it reads (a purge must find loads, which the LRU does not list).
   */
  readonly #inflight = new Map<string, InflightLoad>();
  /** Bytes dropped since the last reclaim, whether one is scheduled, and when the next may run. */
  #droppedBytes = 0;
  #reclaimDue = false;
  #nextReclaimAt = -Infinity;
  readonly #reclaimEveryBytes: number;

  constructor(options: ResponseCacheOptions) {
    this.#options = options;
    this.#reclaimEveryBytes = options.reclaimEveryBytes ?? defaultReclaimEveryBytes(options.maxBytes);
    const { reclaim } = options;
    this.#now = options.now ?? Date.now;
    this.#lru = new LRUCache<string, CachedAnswer, FetchContext>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => entry.sizeBytes,
      ttl: options.ttlMs + options.staleMs,
      perf: { now: this.#now },
      ttlResolution: 0,
      allowStale: false,
      allowStaleOnFetchRejection: false,
      noDeleteOnFetchRejection: false,
      // A load whose key is purged (or evicted) goes on for the callers waiting on it; it stores nothing.
      ignoreFetchAbort: true,
      fetchMethod: (key, stale, { context }) => this.#load(key, stale, context),
      ...(reclaim === undefined
        ? {}
        : { disposeAfter: (entry: CachedAnswer) => this.#dropped(entry, reclaim) }),
    });
  }

  /**
   * Counts a dropped entry's bytes; past `reclaimEveryBytes`, one reclaim runs after the current
   * turn (never inside the LRU's own bookkeeping), or as soon as `reclaimMaxTimeShare` allows,
   * freeing everything dropped until then.
   */
  #dropped(entry: CachedAnswer, reclaim: () => void): void {
    this.#droppedBytes += entry.sizeBytes;
    if (this.#reclaimDue || this.#droppedBytes < this.#reclaimEveryBytes) return;
    this.#reclaimDue = true;
    const run = (): void => {
      // Node's timers count from the event loop's cached clock: one may fire a little early.
      const earlyMs = this.#nextReclaimAt - performance.now();
      if (earlyMs > 0) {
        setTimeout(run, earlyMs).unref();
        return;
      }
      this.#reclaimDue = false;
      this.#droppedBytes = 0;
      const started = performance.now();
      reclaim();
      const ended = performance.now();
      const share = this.#options.reclaimMaxTimeShare ?? RECLAIM_MAX_TIME_SHARE;
      this.#nextReclaimAt = ended + (ended - started) * (1 / share - 1);
    };
    const waitMs = this.#nextReclaimAt - performance.now();
    if (waitMs <= 0) setImmediate(run);
    else setTimeout(run, waitMs).unref();
  }

  /** The entry for `key` if it may still be served (fresh or within the stale window); never waits. */
  lookup(key: string): CachedAnswer | undefined {
    const entry = this.#lru.get(key, LOOKUP_OPTIONS);
    return entry !== undefined && this.#now() < entry.staleUntil ? entry : undefined;
  }

  /**
   * Answers a miss: one VSPC call however many callers ask for `key` at once. Resolves with the
   * stored entry; rejects with {@link UncacheableAnswer} or {@link UpstreamError}, the same for every waiter.
   * A caller that is not `bulk` and joins a `bulk` call in flight (an `all=true` window, a background
   * refresh) promotes that call to `interactive`: a client now waits for it. `options.report` is
   * filled synchronously, before the returned promise settles.
   */
  async fetch(
    key: string,
    context: FetchContext,
    options: { forceRefresh: boolean; report?: FetchReport },
  ): Promise<FetchResult> {
    if (context.request.priority !== 'bulk') {
      const inflight = this.#inflight.get(key)?.request;
      if (inflight?.priority === 'bulk') inflight.priority = 'interactive';
    }
    const status: LRUCache.Status<string, CachedAnswer, FetchContext> = {};
    const pending = this.#lru.fetch(key, {
      context,
      forceRefresh: options.forceRefresh,
      allowStale: false,
      // A forced refresh that fails leaves the entry it wanted to replace (still servable to others).
      noDeleteOnFetchRejection: options.forceRefresh,
      status,
    });
    // lru-cache sets `status.fetch` synchronously; the report must not wait for the outcome.
    const collapsed = status.fetch === 'inflight';
    if (options.report !== undefined) options.report.collapsed = collapsed;
    const entry = await pending;
    if (entry === undefined)
      throw new UpstreamError('aborted', 'The cache entry was purged while it was being fetched.');
    const outcome = collapsed ? 'collapsed' : options.forceRefresh ? 'refresh' : 'miss';
    return { entry, outcome };
  }

  /**
   * Answers from the cache without waiting, when it can: a fresh entry is a hit; a servable stale
   * one is served while one background refresh runs (`context` is called only then; none within
   * {@link STALE_REFRESH_RETRY_MS} of a failed one). `undefined`: VSPC must be asked ({@link fetch}).
   */
  serve(
    key: string,
    context: () => FetchContext,
  ): { entry: CachedAnswer; outcome: 'hit' | 'stale' } | undefined {
    const entry = this.lookup(key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now < entry.freshUntil) return { entry, outcome: 'hit' };
    const failedAt = entry.refreshFailedAt;
    if (failedAt === undefined || now - failedAt >= STALE_REFRESH_RETRY_MS) this.revalidate(key, context());
    return { entry, outcome: 'stale' };
  }

  /** The whole read policy for one key: {@link serve}, else (or with `noCache`) one coalesced VSPC call. */
  async read(key: string, context: () => FetchContext, options: { noCache: boolean }): Promise<ReadResult> {
    const served = options.noCache ? undefined : this.serve(key, context);
    return served ?? this.fetch(key, context(), { forceRefresh: options.noCache });
  }

  /**
   * Starts one background refresh of a stale entry (stale-while-revalidate); never rejects. Nobody
   * waits for it, so it asks VSPC at bulk priority.
   */
  revalidate(key: string, context: FetchContext): void {
    const background = { ...context, request: { ...context.request, priority: 'bulk' as const } };
    this.#lru
      .fetch(key, {
        context: background,
        forceRefresh: true,
        allowStale: true,
        noDeleteOnFetchRejection: true,
      })
      .catch(() => undefined);
  }

  async #load(key: string, stale: CachedAnswer | undefined, context: FetchContext): Promise<CachedAnswer> {
    // Kept by reference: {@link fetch} may raise its priority while the shield holds it.
    const request: UpstreamRequest = { ...context.request };
    const load: InflightLoad = { request, path: context.path, tokenHash: context.tokenHash, detached: false };
    this.#inflight.set(key, load);
    let answer: UpstreamResponse;
    try {
      answer = await this.#options.upstream.request(request);
    } catch (error) {
      if (stale !== undefined && error instanceof UpstreamError && staleIfErrorAllowsFailure(error.failure)) {
        // A held call reports the 429 that started the hold.
        stale.refreshFailure =
          error.failure === 'throttled' ? { status: TOO_MANY_REQUESTS } : { failure: error.failure };
        stale.refreshFailedAt = this.#now();
        // Shield refusals (they carry `retryAfterS`) have their own metric; one line per stale hit
        // during a hold or an open breaker would flood the log.
        if (error.retryAfterS === undefined) {
          this.#options.logger?.warn(
            { path: context.path, failure: error.failure },
            'cache refresh failed; serving stale',
          );
        }
      }
      throw error;
    } finally {
      // A purge may have let a newer load for this key start meanwhile: only this load's own request goes.
      if (this.#inflight.get(key) === load) this.#inflight.delete(key);
    }
    if (answer.status === 200 && answer.body.length <= this.#options.maxEntryBytes && !load.detached) {
      const entry = createEntry({
        key,
        contentType: answer.headers['content-type'],
        headers: PASSED_RESPONSE_HEADERS.flatMap((name) =>
          name === 'content-type' || answer.headers[name] === undefined ? [] : [name, answer.headers[name]],
        ),
        body: answer.body,
        path: context.path,
        tokenHash: context.tokenHash,
        now: this.#now(),
        ttlMs: this.#options.ttlMs,
        staleMs: this.#options.staleMs,
        upstreamMs: answer.durationMs,
      });
      if (entry.sizeBytes <= this.#options.maxBytes) return entry;
    }
    if (revokesToken(answer.status)) {
      // After the LRU has settled this fetch, so the purge does not abort it.
      setImmediate(() => this.purgeToken(context.tokenHash));
    } else if (stale !== undefined && staleIfErrorAllowsStatus(answer.status)) {
      stale.refreshFailure = { status: answer.status };
      stale.refreshFailedAt = this.#now();
      this.#options.logger?.warn(
        { path: context.path, upstreamStatus: answer.status },
        'cache refresh failed; serving stale',
      );
    } else if (stale !== undefined && !load.detached) {
      // Gone, refused or now uncacheable: the stale copy must go, but only it (a purge that detached
      // this refresh dropped it already, and the key may hold a newer entry or load by now).
      setImmediate(() => {
        if (this.#lru.peek(key, { allowStale: true }) === stale) this.#lru.delete(key);
      });
    }
    throw new UncacheableAnswer(answer);
  }

  /** Drops every entry of one token; returns how many. */
  purgeToken(tokenHash: string): number {
    return this.#purge((entry) => entry.tokenHash === tokenHash);
  }

  /**
   * Drops every entry whose path starts with `prefix`, for all tokens, ignoring case as VSPC's routes
   * do (a write to `.../Jobs/{id}` changes `.../jobs`); returns how many.
   */
  purgePrefix(prefix: string): number {
    const lower = prefix.toLowerCase();
    return this.#purge((entry) => entry.path.toLowerCase().startsWith(lower));
  }

  /** Drops everything; returns how many entries. */
  purgeAll(): number {
    return this.#purge(() => true);
  }

  /**
   * Drops the matching entries, and detaches the matching loads in flight (the LRU does not list
   * them): their callers still get VSPC's answer, but it is not stored, a stale copy being refreshed
   * is served no more, and the next request for the key asks VSPC again. Returns how many entries
   * (stale copies included) were dropped.
   */
  #purge(matches: (data: { path: string; tokenHash: string }) => boolean): number {
    // Entries past their stale window are not listed either: they go first, whatever they match.
    this.#lru.purgeStale();
    const doomed = new Set<string>();
    for (const [key, entry] of this.#lru.entries()) if (matches(entry)) doomed.add(key);
    let count = doomed.size;
    for (const [key, load] of this.#inflight) {
      if (!matches(load)) continue;
      load.detached = true;
      if (doomed.has(key)) continue;
      if (this.#lru.peek(key, { allowStale: true }) !== undefined) count += 1;
      doomed.add(key);
    }
    for (const key of doomed) this.#lru.delete(key);
    return count;
  }

  /** Entry count and the bytes the LRU accounts for. */
  get stats(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize, maxBytes: this.#options.maxBytes };
  }
}
