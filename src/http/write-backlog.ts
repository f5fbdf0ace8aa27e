import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WriteDropReason } from '../metrics.js';
import { requestIdOf } from './api-request.js';

export interface WriteBacklogOptions {
  /** Bound of the bytes ended answers may hold unflushed, all connections together (`CLIENT_WRITE_BUFFER_MAX_BYTES`). */
  maxBytes: number;
  /** How long an ended answer may take to be flushed to its client (`CLIENT_WRITE_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Told of every answer dropped, after its connection is destroyed. */
  onDrop?: (drop: WriteDrop) => void;
  /** Clock in ms; tests inject one. */
  now?: () => number;
}

/** One answer dropped before its client read it: what the log line says, never a header. */
export interface WriteDrop {
  reason: WriteDropReason;
  requestId: string;
  remoteAddress: string | undefined;
  /** Bytes still unflushed when it was dropped. */
  pendingBytes: number;
  /** Time since the answer was ended. */
  ageMs: number;
}

export interface WriteBacklogStats {
  /** Answers ended but not yet flushed, now. */
  pendingAnswers: number;
  /** Bytes those answers hold unflushed, now. */
  pendingBytes: number;
  /** The most `pendingBytes` was right after an answer joined (and the oldest were dropped). */
  peakBytes: number;
  dropped: Record<WriteDropReason, number>;
}

/**
 * Bounds the memory answers hold while clients are slow to read them. Each answer is watched from when it
 * is ended: if its socket still holds bytes Node has not handed to the kernel, it joins the backlog until
 * it is flushed (`finish`) or its connection closes. Two bounds, each counted and logged once per drop:
 * - memory: when the backlog's unflushed bytes pass `maxBytes`, the oldest answers (their clients are
 *   the slowest readers) are dropped, connection destroyed, until the backlog is within the bound;
 * - deadline: an answer still not flushed `timeoutMs` after it was ended is dropped.
 *
 * Answers flushed at once (all but large answers to slow clients) never join, and cost one listener.
 */
export interface WriteBacklog {
  /** Watches one answer; call before it is ended (the server's `request` event). */
  watch(res: ServerResponse): void;
  readonly stats: WriteBacklogStats;
}

interface Pending {
  res: ServerResponse;
  socket: Socket;
  endedAt: number;
  timer: NodeJS.Timeout;
}

export function createWriteBacklog(options: WriteBacklogOptions): WriteBacklog {
  const { maxBytes, timeoutMs } = options;
  const now = options.now ?? Date.now;
  // Oldest first: a Map iterates in insertion order.
  const pending = new Map<ServerResponse, Pending>();
  const dropped: Record<WriteDropReason, number> = { memory: 0, deadline: 0 };
  let peakBytes = 0;

  const pendingBytes = (): number => {
    let total = 0;
    for (const entry of pending.values()) total += entry.socket.writableLength;
    return total;
  };
  const forget = (entry: Pending): void => {
    if (pending.get(entry.res) !== entry) return;
    pending.delete(entry.res);
    clearTimeout(entry.timer);
  };
  const drop = (entry: Pending, reason: WriteDropReason): void => {
    const bytes = entry.socket.writableLength;
    forget(entry);
    entry.socket.destroy();
    dropped[reason] += 1;
    options.onDrop?.({
      reason,
      requestId: requestIdOf(entry.res.req),
      remoteAddress: entry.socket.remoteAddress,
      pendingBytes: bytes,
      ageMs: now() - entry.endedAt,
    });
  };
  const admit = (res: ServerResponse): void => {
    const socket = res.socket;
    if (socket === null || socket.destroyed || socket.writableLength === 0) return;
    const entry: Pending = {
      res,
      socket,
      endedAt: now(),
      timer: setTimeout(() => drop(entry, 'deadline'), timeoutMs),
    };
    entry.timer.unref();
    pending.set(res, entry);
    const settle = (): void => forget(entry);
    res.once('finish', settle);
    res.once('close', settle);
    let total = pendingBytes();
    for (const oldest of pending.values()) {
      if (total <= maxBytes) break;
      total -= oldest.socket.writableLength;
      drop(oldest, 'memory');
    }
    peakBytes = Math.max(peakBytes, total);
  };
  // One function for every answer, with the answer as `this`: no closure per request on the hot path.
  // `prefinish` is the answer's own event for "ended, and all of it written to the socket".
  function onEnded(this: ServerResponse): void {
    admit(this);
  }

  return {
    watch(res) {
      res.on('prefinish', onEnded);
    },
    get stats() {
      return {
        pendingAnswers: pending.size,
        pendingBytes: pendingBytes(),
        peakBytes,
        dropped: { ...dropped },
      };
    },
  };
}
