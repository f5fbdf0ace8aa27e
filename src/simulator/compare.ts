/**
 * How the simulator compares property values for `filter` and `sort`. Pure functions.
 *
 * - Strings that are both ISO 8601 date-times compare as instants (so `2026-03-01T00:00:00Z` equals
 *   `2026-03-01T00:00:00.0000000+00:00`).
 * - Other strings compare symbol by symbol under the `ordinal` collation, VSPC's default, and ignoring case
 *   under `ignorecase` (`Simple` = `simple`; VSPC versions differ in enum casing); `lexicographic` is treated
 *   like `ignorecase`.
 * - Numbers compare numerically, booleans as false < true; values of different kinds are not comparable.
 */

/** `Collation` of a filter or sort expression. */
export type Collation = 'ordinal' | 'ignorecase' | 'lexicographic';

/** The collation used when an expression names none: VSPC's documented default. */
export const DEFAULT_COLLATION: Collation = 'ordinal';

const COLLATIONS: ReadonlySet<unknown> = new Set<Collation>(['ordinal', 'ignorecase', 'lexicographic']);

/** Whether a parsed JSON value is a `Collation`. */
export function isCollation(value: unknown): value is Collation {
  return COLLATIONS.has(value);
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function instantOf(text: string): number | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const epochMs = Date.parse(text);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

function sign(difference: number): number {
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}

/** A value prepared once for repeated comparisons (sorting compares each record many times). */
export interface ComparisonKey {
  /** Kind order: null/undefined 0, boolean 1, number 2, string 3, anything else 4. */
  readonly rank: number;
  /** Booleans as 0/1, numbers, and strings that are ISO date-times as epoch milliseconds. */
  readonly number: number | undefined;
  /** Strings, lower-cased unless the collation is `ordinal`. */
  readonly text: string;
}

const RANK_NULL = 0;
const RANK_BOOLEAN = 1;
const RANK_NUMBER = 2;
const RANK_STRING = 3;
const RANK_OTHER = 4;

/** The comparison key of a value under a collation. */
export function comparisonKeyOf(value: unknown, collation: Collation): ComparisonKey {
  if (value == null) return { rank: RANK_NULL, number: undefined, text: '' };
  if (typeof value === 'boolean') return { rank: RANK_BOOLEAN, number: Number(value), text: '' };
  if (typeof value === 'number') return { rank: RANK_NUMBER, number: value, text: '' };
  if (typeof value === 'string') {
    const text = collation === 'ordinal' ? value : value.toLowerCase();
    return { rank: RANK_STRING, number: instantOf(value), text };
  }
  return { rank: RANK_OTHER, number: undefined, text: '' };
}

/** A total order for sorting: values of different kinds order by kind (nulls first). */
export function compareKeys(a: ComparisonKey, b: ComparisonKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.number !== undefined && b.number !== undefined) return sign(a.number - b.number);
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/**
 * Compares two values of the same kind (both null/undefined, booleans, numbers or strings): negative, zero or
 * positive. `undefined` when they are of different kinds or not scalars.
 */
export function compareScalars(a: unknown, b: unknown, collation: Collation): number | undefined {
  const keyA = comparisonKeyOf(a, collation);
  const keyB = comparisonKeyOf(b, collation);
  if (keyA.rank !== keyB.rank || keyA.rank === RANK_OTHER) return undefined;
  return compareKeys(keyA, keyB);
}
