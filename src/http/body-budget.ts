/**
 * The bytes every request body being read or held may take together (`REQUEST_BODIES_MAX_BYTES`). One
 * budget per app, shared by all connections: a body reserves its declared `Content-Length` up front, or
 * its chunks as they arrive, and gives the bytes back when its exchange ends, however it ends.
 */
export interface BodyBudget {
  readonly maxBytes: number;
  /** Takes `bytes` from the budget; false (and nothing taken) when fewer are left. */
  tryReserve(bytes: number): boolean;
  /** Gives back `bytes` reserved earlier. */
  release(bytes: number): void;
  /** What is reserved now, and the totals ever reserved and released (equal when nothing is held). */
  readonly stats: BodyBudgetStats;
}

export interface BodyBudgetStats {
  reservedBytes: number;
  reservedTotalBytes: number;
  releasedTotalBytes: number;
  /** Reservations refused because the budget was spent. */
  refusals: number;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1)
    throw new RangeError(`maxBytes must be a positive integer, not ${maxBytes}`);
  let reserved = 0;
  let reservedTotal = 0;
  let releasedTotal = 0;
  let refusals = 0;
  return {
    maxBytes,
    tryReserve(bytes) {
      if (reserved + bytes > maxBytes) {
        refusals += 1;
        return false;
      }
      reserved += bytes;
      reservedTotal += bytes;
      return true;
    },
    release(bytes) {
      if (bytes > reserved)
        throw new RangeError(`released ${bytes} bytes, but only ${reserved} are reserved`);
      reserved -= bytes;
      releasedTotal += bytes;
    },
    get stats() {
      return {
        reservedBytes: reserved,
        reservedTotalBytes: reservedTotal,
        releasedTotalBytes: releasedTotal,
        refusals,
      };
    },
  };
}
