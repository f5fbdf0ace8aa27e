import { compareForSort, DEFAULT_COLLATION, type Collation } from './compare.js';
import { badRequest } from './errors.js';
import { valueAtPath } from './property-path.js';

/**
 * VSPC's `sort` query parameter: a URL-encoded JSON array of `SortExpression`
 * (`{property, direction, collation}`); earlier expressions take precedence. Pure functions.
 */

/** `SortExpression.direction`. */
export type SortDirection = 'ascending' | 'descending';

/** A validated sort expression. */
export interface SortExpression {
  readonly property: string;
  readonly direction: SortDirection;
  readonly collation: Collation;
}

const DIRECTIONS: ReadonlySet<string> = new Set<SortDirection>(['ascending', 'descending']);
const COLLATIONS: ReadonlySet<string> = new Set<Collation>(['ordinal', 'ignorecase', 'lexicographic']);
const SHAPE_MESSAGE = "Parameter 'sort' must be a URL-encoded JSON array of sort expressions.";

function sortError(detail: string): Error {
  return badRequest(`Parameter 'sort' is invalid: ${detail}`);
}

function parseSortExpression(raw: unknown): SortExpression {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw sortError('every expression must be a JSON object.');
  }
  const { property, direction, collation } = raw as Record<string, unknown>;
  if (typeof property !== 'string' || property === '') throw sortError("every expression needs a 'property'.");
  if (direction !== undefined && (typeof direction !== 'string' || !DIRECTIONS.has(direction))) {
    throw sortError(`direction must be 'ascending' or 'descending', not ${JSON.stringify(direction)}.`);
  }
  if (collation != null && (typeof collation !== 'string' || !COLLATIONS.has(collation))) {
    throw sortError(`unknown collation ${JSON.stringify(collation)}.`);
  }
  return {
    property,
    direction: (direction ?? 'ascending') as SortDirection,
    collation: (collation ?? DEFAULT_COLLATION) as Collation,
  };
}

/**
 * Parses the raw (already URL-decoded) `sort` parameter; `direction` defaults to `ascending` as in the schema.
 * `null` (absent) and JSON `null` mean no sort. Throws a 400 `VspcError` naming the parameter otherwise.
 */
export function parseSort(raw: string | null): SortExpression[] {
  if (raw === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(SHAPE_MESSAGE);
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw badRequest(SHAPE_MESSAGE);
  return parsed.map(parseSortExpression);
}

/**
 * Returns the records sorted by the expressions, then by `instanceUid` ascending so that equal keys keep a
 * stable, documented order. With no expressions the input order (the dataset's default order) is kept.
 */
export function sortRecords<T extends { readonly instanceUid: string }>(
  records: readonly T[],
  expressions: readonly SortExpression[],
): T[] {
  if (expressions.length === 0) return [...records];
  return [...records].sort((a, b) => {
    for (const { property, direction, collation } of expressions) {
      const order = compareForSort(valueAtPath(a, property), valueAtPath(b, property), collation);
      if (order !== 0) return direction === 'ascending' ? order : -order;
    }
    return a.instanceUid < b.instanceUid ? -1 : a.instanceUid > b.instanceUid ? 1 : 0;
  });
}
