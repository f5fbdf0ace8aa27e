import { compareKeys, comparisonKeyOf, DEFAULT_COLLATION, isCollation, type Collation } from './compare.js';
import { badRequest } from './errors.js';
import { parseJsonArrayParameter } from './json-param.js';
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
const SHAPE_MESSAGE = "Parameter 'sort' must be a URL-encoded JSON array of sort expressions.";

function sortError(detail: string): Error {
  return badRequest(`Parameter 'sort' is invalid: ${detail}`);
}

function parseSortExpression(raw: unknown): SortExpression {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw sortError('every expression must be a JSON object.');
  }
  const { property, direction, collation } = raw as Record<string, unknown>;
  if (typeof property !== 'string' || property === '') {
    throw sortError("every expression needs a 'property'.");
  }
  if (direction !== undefined && (typeof direction !== 'string' || !DIRECTIONS.has(direction))) {
    throw sortError(`direction must be 'ascending' or 'descending', not ${JSON.stringify(direction)}.`);
  }
  if (collation != null && !isCollation(collation)) {
    throw sortError(`unknown collation ${JSON.stringify(collation)}.`);
  }
  return {
    property,
    direction: (direction ?? 'ascending') as SortDirection,
    collation: collation ?? DEFAULT_COLLATION,
  };
}

/**
 * Parses the raw (already URL-decoded) `sort` parameter; `direction` defaults to `ascending` as in the schema.
 * `null` (absent) and JSON `null` mean no sort. Throws a 400 `VspcError` naming the parameter otherwise.
 */
export function parseSort(raw: string | null): SortExpression[] {
  return (parseJsonArrayParameter(raw, SHAPE_MESSAGE) ?? []).map(parseSortExpression);
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
  const decorated = records.map((record) => ({
    record,
    keys: expressions.map(({ property, collation }) =>
      comparisonKeyOf(valueAtPath(record, property), collation),
    ),
  }));
  decorated.sort((a, b) => {
    for (let index = 0; index < expressions.length; index++) {
      const keyA = a.keys[index];
      const keyB = b.keys[index];
      const order = keyA === undefined || keyB === undefined ? 0 : compareKeys(keyA, keyB);
      if (order !== 0) return expressions[index]?.direction === 'descending' ? -order : order;
    }
    const uidA = a.record.instanceUid;
    const uidB = b.record.instanceUid;
    return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
  });
  return decorated.map(({ record }) => record);
}
