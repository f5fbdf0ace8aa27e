/**
 * A failed logical call as the breaker counts it: a transport failure (VSPC unreachable, for
 * everyone), or a failed answer (5xx: VSPC answers 520 for any server error, including one a single
 * request causes) with its source.
 */
export type CountedFailure =
  | { kind: 'transport' }
  | {
      kind: 'answer';
      /** The caller's token HMAC, or one name for every anonymous caller. */
      caller: string;
      /** {@link pathShape} of the target. */
      path: string;
    };

/** How the run adds up, for the breaker's log line. */
export interface RunSummary {
  failures: number;
  transportFailures: number;
  callers: number;
  paths: number;
}

/** Path segments that name one resource: numbers and UUIDs. */
const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The shape of a target's path: no query, lower-cased (VSPC's routes ignore case), id segments
 * replaced by `{id}`, so one bad resource polled over and over is one path. Pure.
 */
export function pathShape(target: string): string {
  const queryStart = target.indexOf('?');
  const path = (queryStart === -1 ? target : target.slice(0, queryStart)).toLowerCase();
  return path
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
}

/**
 * The run of consecutive failed calls the breaker opens on, within a sliding window. It counts each
 * transport failure, plus `max(distinct callers, distinct paths)` of the failed answers: one tenant
 * whose requests VSPC cannot serve counts once, however often it asks; failures across tenants or
 * across paths count as VSPC failing. Failures older than `windowMs` leave the run. Memory is
 * bounded by `keep` (the breaker's threshold: more of any one kind cannot matter).
 */
export class FailureRun {
  readonly #windowMs: number;
  readonly #keep: number;
  /** When each kept transport failure happened (ms), oldest first. */
  readonly #transports: number[] = [];
  /** Last failed answer per caller and per path (ms); insertion order is age. */
  readonly #callers = new Map<string, number>();
  readonly #paths = new Map<string, number>();

  constructor(options: { windowMs: number; keep: number }) {
    this.#windowMs = options.windowMs;
    this.#keep = Math.max(1, options.keep);
  }

  /** Adds one failed call at `now`; returns the run's count after it. */
  add(failure: CountedFailure, now: number): number {
    if (failure.kind === 'transport') {
      this.#transports.push(now);
      if (this.#transports.length > this.#keep) this.#transports.shift();
    } else {
      touch(this.#callers, failure.caller, now, this.#keep);
      touch(this.#paths, failure.path, now, this.#keep);
    }
    return this.count(now);
  }

  /** The run's count at `now`: transport failures plus the failed answers' sources. */
  count(now: number): number {
    const cutoff = now - this.#windowMs;
    while (this.#transports.length > 0 && (this.#transports[0] as number) < cutoff) this.#transports.shift();
    forgetBefore(this.#callers, cutoff);
    forgetBefore(this.#paths, cutoff);
    return this.#transports.length + Math.max(this.#callers.size, this.#paths.size);
  }

  summary(now: number): RunSummary {
    const failures = this.count(now);
    return {
      failures,
      transportFailures: this.#transports.length,
      callers: this.#callers.size,
      paths: this.#paths.size,
    };
  }

  /** A successful call ends the run. */
  clear(): void {
    this.#transports.length = 0;
    this.#callers.clear();
    this.#paths.clear();
  }
}

/** Moves `key` to the young end with time `now`, dropping the oldest beyond `keep`. */
function touch(seen: Map<string, number>, key: string, now: number, keep: number): void {
  seen.delete(key);
  seen.set(key, now);
  if (seen.size > keep) seen.delete(seen.keys().next().value as string);
}

/** Drops the entries last seen before `cutoff` (they are the oldest, at the front). */
function forgetBefore(seen: Map<string, number>, cutoff: number): void {
  for (const [key, at] of seen) {
    if (at >= cutoff) return;
    seen.delete(key);
  }
}
