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
}

const TOO_MANY_REQUESTS = 429;
/** Distinct content types whose strings entries share; others get their own. */
const MAX_INTERNED_CONTENT_TYPES = 64;

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
  /**
   * The keys of each token's entries, and of each path's: a purge costs what it drops,
   * never a walk over the whole cache (a VSPC 401 to a made-up token purges nothing, in O(1)).
   * Every key holds its token hash and path, so deleting a key listed here is always right; the LRU's
   * `onInsert`/`dispose` keep the lists in step with it.
   */
  readonly #byToken = new KeyIndex();
  readonly #contentTypes = new Map<string, string>();
  readonly #byPath = new KeyIndex();
  constructor(options: ResponseCacheOptions) {
    this.#options = options;
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
      onInsert: (entry, key) => {
        this.#byToken.add(entry.tokenHash, key);
        this.#byPath.add(entry.path, key);
      },
      dispose: (entry, key) => this.#unindex(key, entry),
    });
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
        contentType: this.#internContentType(answer.headers['content-type']),
        headers: PASSED_RESPONSE_HEADERS.flatMap((name) => {
          const value = answer.headers[name];
          return name === 'content-type' || value === undefined ? [] : [name, value];
        }),
        body: answer.body,
        path: this.#byPath.intern(context.path),
        tokenHash: this.#byToken.intern(context.tokenHash),
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

  /** Drops every entry of one token; returns how many. Costs what the token holds. */
  purgeToken(tokenHash: string): number {
    return this.#drop([...this.#byToken.keysOf(tokenHash)], (load) => load.tokenHash === tokenHash);
  }

  /**
   * Drops every entry whose path starts with `prefix`, for all tokens, ignoring case as VSPC's routes
   * do (a write to `.../Jobs/{id}` changes `.../jobs`); returns how many. Walks the distinct paths
   * cached, not the entries.
   */
  purgePrefix(prefix: string): number {
    const lower = prefix.toLowerCase();
    const matches = (path: string): boolean => path.toLowerCase().startsWith(lower);
    return this.#drop(this.#byPath.keysWhere(matches), (load) => matches(load.path));
  }

  /** Drops everything; returns how many entries. */
  purgeAll(): number {
    return this.#drop(
      this.#byToken.keysWhere(() => true),
      () => true,
    );
  }

  /** True when the token has entries (VSPC accepted it for them). */
  holdsToken(tokenHash: string): boolean {
    return this.#byToken.has(tokenHash);
  }

  /**
   * Drops the entries under `keys`, and detaches the matching loads in flight (the LRU does not list
   * them): their callers still get VSPC's answer, but it is not stored, a stale copy being refreshed
   * is served no more, and the next request for the key asks VSPC again. Returns how many servable
   * entries (stale copies included) were dropped.
   */
  #drop(keys: readonly string[], loadMatches: (load: InflightLoad) => boolean): number {
    const now = this.#now();
    const doomed = new Set<string>();
    let count = 0;
    const doom = (key: string): void => {
      if (doomed.has(key)) return;
      doomed.add(key);
      const entry = this.#lru.peek(key, { allowStale: true });
      if (entry !== undefined && now < entry.staleUntil) count += 1;
    };
    for (const key of keys) doom(key);
    for (const [key, load] of this.#inflight) {
      if (!loadMatches(load)) continue;
      load.detached = true;
      doom(key);
    }
    for (const key of doomed) {
      const entry = this.#lru.peek(key, { allowStale: true });
      this.#lru.delete(key);
      // A key whose value is a refresh in flight is deleted without `dispose` of its stale entry.
      if (entry !== undefined) this.#unindex(key, entry);
    }
    return count;
  }

  /** One string per distinct content type (VSPC sends a handful), shared by the entries. */
  #internContentType(value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const known = this.#contentTypes.get(value);
    if (known !== undefined) return known;
    if (this.#contentTypes.size < MAX_INTERNED_CONTENT_TYPES) this.#contentTypes.set(value, value);
    return value;
  }

  #unindex(key: string, entry: CachedAnswer): void {
    this.#byToken.delete(entry.tokenHash, key);
    this.#byPath.delete(entry.path, key);
  }

  /** Entry count and the bytes the LRU accounts for. */
  get stats(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize, maxBytes: this.#options.maxBytes };
  }
}

/**
 * Sets of cache keys by a part of them (a token hash, a path); an empty set goes at once. It also
 * interns the parts, so entries of one token (or path) share one string.
 */
class KeyIndex {
  readonly #lists = new Map<string, { readonly part: string; readonly keys: Set<string> }>();

  add(part: string, key: string): void {
    const list = this.#lists.get(part);
    if (list === undefined) this.#lists.set(part, { part, keys: new Set([key]) });
    else list.keys.add(key);
  }

  delete(part: string, key: string): void {
    const list = this.#lists.get(part);
    if (list === undefined) return;
    list.keys.delete(key);
    if (list.keys.size === 0) this.#lists.delete(part);
  }

  has(part: string): boolean {
    return this.#lists.has(part);
  }

  /** The string already held for `part`, else `part` itself. */
  intern(part: string): string {
    return this.#lists.get(part)?.part ?? part;
  }

  keysOf(part: string): ReadonlySet<string> {
    return this.#lists.get(part)?.keys ?? EMPTY_KEYS;
  }

  /** Every key whose part satisfies `matches`. */
  keysWhere(matches: (part: string) => boolean): string[] {
    const keys: string[] = [];
    for (const [part, list] of this.#lists) if (matches(part)) keys.push(...list.keys);
    return keys;
  }
}

const EMPTY_KEYS: ReadonlySet<string> = new Set();
