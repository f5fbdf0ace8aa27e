/** Date-times as VSPC writes them: seven fractional digits and an explicit offset (`...T05:06:07.0890000+00:00`). */

/** Formats epoch milliseconds the way VSPC writes date-times (always UTC here). */
export function formatVspcDateTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}0000+00:00`;
}

/** Epoch milliseconds of a date-time written by {@link formatVspcDateTime}. */
export function parseVspcDateTime(text: string): number {
  return Date.parse(`${text.slice(0, 23)}Z`);
}
