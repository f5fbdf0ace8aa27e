/**
 * How the simulator compares property values for `filter` and `sort`. Pure functions.
 *
 * - Strings that are both ISO 8601 date-times compare as instants (so `2026-03-01T00:00:00Z` equals
 *   `2026-03-01T00:00:00.0000000+00:00`).
 * - Other strings compare ignoring case unless the collation is `ordinal`; `lexicographic` is treated like
 *   `ignorecase`. This makes enum equality case-insensitive (`Simple` = `simple`), as VSPC versions differ in casing.
 * - Numbers compare numerically, booleans as false < true; values of different kinds are not comparable.
 */

/** `Collation` of a filter or sort expression. */
export type Collation = 'ordinal' | 'ignorecase' | 'lexicographic';

/** The collation used when an expression names none. */
export const DEFAULT_COLLATION: Collation = 'ignorecase';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function instantOf(text: string): number | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const epochMs = Date.parse(text);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

function sign(difference: number): number {
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}

function compareStrings(a: string, b: string, collation: Collation): number {
  const instantA = instantOf(a);
  const instantB = instantOf(b);
  if (instantA !== undefined && instantB !== undefined) return sign(instantA - instantB);
  const left = collation === 'ordinal' ? a : a.toLowerCase();
  const right = collation === 'ordinal' ? b : b.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Compares two values of the same kind (both null/undefined, booleans, numbers or strings): negative, zero or
 * positive. `undefined` when they are of different kinds or not scalars.
 */
export function compareScalars(a: unknown, b: unknown, collation: Collation): number | undefined {
  if (a == null && b == null) return 0;
  if (typeof a === 'number' && typeof b === 'number') return sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b, collation);
  return undefined;
}

/** Rank of a value's kind in a sort: nulls first, then booleans, numbers, strings, anything else. */
function kindRank(value: unknown): number {
  if (value == null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  return 4;
}

/** A total order for sorting: values of different kinds order by kind (nulls first). */
export function compareForSort(a: unknown, b: unknown, collation: Collation): number {
  const rankDifference = kindRank(a) - kindRank(b);
  if (rankDifference !== 0) return rankDifference;
  return compareScalars(a, b, collation) ?? 0;
}
