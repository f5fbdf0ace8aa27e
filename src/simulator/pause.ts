import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms` milliseconds. Resolves `false` at once when `signal` aborts (the simulator is closing), so that
 * no timer keeps the process alive after `close()`.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
