import { compareScalars, DEFAULT_COLLATION, isCollation, type Collation } from './compare.js';
import { badRequest } from './errors.js';
import { parseJsonArrayParameter } from './json-param.js';
import { valueAtPath } from './property-path.js';

/**
 * VSPC's `filter` query parameter: a URL-encoded JSON array of `FilterExpression`
 * (`{property, operation, value, items, collation}`); the array is the AND of its items. Pure functions.
 *
 * Supported operations: `equals`, `notEquals`, `contains` (case-insensitive substring, or membership when the
 * property is an array), `in`, `lessThan`, `lessThanOrEqual`, `greaterThan`, `greaterThanOrEqual`, and the groups
 * `and`, `or`, `not` (exactly one item), `exclusiveOr` (an odd number of items hold). `subset` and `superset`
 * are rejected with 400. Value comparison follows `compare.ts`.
 */

/** A JSON value as found in a parsed query parameter. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Operations that combine inner expressions. */
export type GroupOperation = 'and' | 'or' | 'not' | 'exclusiveOr';

/** Operations that test one property. */
export type ComparisonOperation =
  | 'equals'
  | 'notEquals'
  | 'contains'
  | 'in'
  | 'lessThan'
  | 'lessThanOrEqual'
  | 'greaterThan'
  | 'greaterThanOrEqual';

/** A validated filter expression. */
export type FilterNode =
  | { readonly kind: 'group'; readonly operation: GroupOperation; readonly items: readonly FilterNode[] }
  | {
      readonly kind: 'comparison';
      readonly operation: ComparisonOperation;
      readonly property: string;
      readonly value: JsonValue;
      readonly collation: Collation;
    };

const GROUP_OPERATIONS: ReadonlySet<string> = new Set<GroupOperation>(['and', 'or', 'not', 'exclusiveOr']);
const COMPARISON_OPERATIONS: ReadonlySet<string> = new Set<ComparisonOperation>([
  'equals',
  'notEquals',
  'contains',
  'in',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
]);
const ORDERING_OPERATIONS: ReadonlySet<string> = new Set([
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
]);
/** Deeper nesting than this is rejected, so a hostile filter cannot exhaust the stack. */
export const MAX_FILTER_DEPTH = 32;

const SHAPE_MESSAGE = "Parameter 'filter' must be a URL-encoded JSON array of filter expressions.";

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function filterError(detail: string): Error {
  return badRequest(`Parameter 'filter' is invalid: ${detail}`);
}

function parseCollation(raw: unknown): Collation {
  if (raw == null) return DEFAULT_COLLATION;
  if (!isCollation(raw)) throw filterError(`unknown collation ${JSON.stringify(raw)}.`);
  return raw;
}

function checkComparisonValue(operation: ComparisonOperation, value: JsonValue): void {
  if (operation === 'in' && !Array.isArray(value)) {
    throw filterError("operation 'in' needs an array value.");
  }
  if (operation === 'contains' && typeof value !== 'string') {
    throw filterError("operation 'contains' needs a string value.");
  }
  if (ORDERING_OPERATIONS.has(operation) && typeof value !== 'number' && typeof value !== 'string') {
    throw filterError(`operation '${operation}' needs a number or string value.`);
  }
  if ((operation === 'equals' || operation === 'notEquals') && typeof value === 'object' && value !== null) {
    throw filterError(`operation '${operation}' needs a string, number, boolean or null value.`);
  }
}

function parseExpression(raw: unknown, depth: number): FilterNode {
  if (depth > MAX_FILTER_DEPTH) throw filterError(`expressions nest deeper than ${MAX_FILTER_DEPTH} levels.`);
  if (!isJsonObject(raw)) throw filterError('every expression must be a JSON object.');
  const { operation } = raw;
  if (typeof operation !== 'string') throw filterError("every expression needs an 'operation'.");

  if (GROUP_OPERATIONS.has(operation)) {
    const { items } = raw;
    if (!Array.isArray(items) || items.length === 0) {
      throw filterError(`operation '${operation}' needs a non-empty 'items' array.`);
    }
    if (operation === 'not' && items.length !== 1) {
      throw filterError("operation 'not' needs exactly one item.");
    }
    return {
      kind: 'group',
      operation: operation as GroupOperation,
      items: items.map((item: unknown) => parseExpression(item, depth + 1)),
    };
  }

  if (!COMPARISON_OPERATIONS.has(operation)) throw filterError(`operation '${operation}' is not supported.`);
  const { property } = raw;
  if (typeof property !== 'string' || property === '') {
    throw filterError(`operation '${operation}' needs a 'property'.`);
  }
  const value = (raw.value ?? null) as JsonValue;
  checkComparisonValue(operation as ComparisonOperation, value);
  return {
    kind: 'comparison',
    operation: operation as ComparisonOperation,
    property,
    value,
    collation: parseCollation(raw.collation),
  };
}

/**
 * Parses the raw (already URL-decoded) `filter` parameter. `null` (absent) and JSON `null` mean no filter.
 * Throws a 400 `VspcError` naming the parameter when the text is not a valid filter.
 */
export function parseFilter(raw: string | null): FilterNode[] {
  const items = parseJsonArrayParameter(raw, SHAPE_MESSAGE) ?? [];
  return items.map((item) => parseExpression(item, 1));
}

/** Every property path a filter names, for checking against the resource's known paths. */
export function filterProperties(nodes: readonly FilterNode[]): string[] {
  return nodes.flatMap((node) => (node.kind === 'group' ? filterProperties(node.items) : [node.property]));
}

function equalsValue(actual: unknown, expected: unknown, collation: Collation): boolean {
  return compareScalars(actual ?? null, expected, collation) === 0;
}

function containsValue(actual: unknown, expected: string, collation: Collation): boolean {
  if (typeof actual === 'string') {
    return collation === 'ordinal'
      ? actual.includes(expected)
      : actual.toLowerCase().includes(expected.toLowerCase());
  }
  if (Array.isArray(actual)) {
    return actual.some((item: unknown) => equalsValue(item, expected, collation));
  }
  return false;
}

function orderingHolds(
  operation: ComparisonOperation,
  actual: unknown,
  expected: JsonValue,
  collation: Collation,
): boolean {
  if (actual == null) return false;
  const order = compareScalars(actual, expected, collation);
  if (order === undefined) return false;
  switch (operation) {
    case 'lessThan':
      return order < 0;
    case 'lessThanOrEqual':
      return order <= 0;
    case 'greaterThan':
      return order > 0;
    default:
      return order >= 0;
  }
}

function evaluate(node: FilterNode, record: unknown): boolean {
  if (node.kind === 'group') {
    const results = node.items.map((item) => evaluate(item, record));
    switch (node.operation) {
      case 'and':
        return results.every(Boolean);
      case 'or':
        return results.some(Boolean);
      case 'not':
        return !results[0];
      case 'exclusiveOr':
        return results.filter(Boolean).length % 2 === 1;
    }
  }
  const actual = valueAtPath(record, node.property);
  switch (node.operation) {
    case 'equals':
      return equalsValue(actual, node.value, node.collation);
    case 'notEquals':
      return !equalsValue(actual, node.value, node.collation);
    case 'contains':
      return containsValue(actual, String(node.value), node.collation);
    case 'in':
      return (
        Array.isArray(node.value) && node.value.some((item) => equalsValue(actual, item, node.collation))
      );
    default:
      return orderingHolds(node.operation, actual, node.value, node.collation);
  }
}

/** Whether `record` satisfies every top-level expression (an empty filter matches everything). */
export function matchesFilter(record: unknown, nodes: readonly FilterNode[]): boolean {
  return nodes.every((node) => evaluate(node, record));
}
