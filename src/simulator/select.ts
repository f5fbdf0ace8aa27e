import { badRequest } from './errors.js';
import { parseJsonArrayParameter } from './json-param.js';

/**
 * VSPC's `select` query parameter: a URL-encoded JSON array of `SelectExpression` (`{propertyPath}`); an answer
 * then carries only the selected properties of each resource. A dotted path (`_embedded.backupServerJob.name`)
 * selects a property of a subschema; a path to an object selects all of it. Pure functions.
 */

const SHAPE_MESSAGE = "Parameter 'select' must be a URL-encoded JSON array of select expressions.";

/** A JSON object as the simulator's resources are. */
type JsonObject = Readonly<Record<string, unknown>>;

/** What to keep of an object: `true` keeps a property whole, a nested selection keeps part of it. */
interface SelectionTree {
  [segment: string]: SelectionTree | true;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function selectError(detail: string): Error {
  return badRequest(`Parameter 'select' is invalid: ${detail}`);
}

function parseSelectExpression(raw: unknown): string {
  if (!isJsonObject(raw)) throw selectError('every expression must be a JSON object.');
  const { propertyPath } = raw;
  if (typeof propertyPath !== 'string' || propertyPath === '') {
    throw selectError("every expression needs a 'propertyPath'.");
  }
  if (propertyPath.split('.').some((segment) => segment === '')) {
    throw selectError(`'${propertyPath}' is not a property path.`);
  }
  return propertyPath;
}

/**
 * Parses the raw (already URL-decoded) `select` parameter into property paths. `null` (absent), JSON `null` and
 * `[]` mean no selection (every property). Throws a 400 `VspcError` naming the parameter otherwise.
 */
export function parseSelect(raw: string | null): string[] {
  return (parseJsonArrayParameter(raw, SHAPE_MESSAGE) ?? []).map(parseSelectExpression);
}

function addPath(tree: SelectionTree, segments: readonly string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const node = tree[head];
  if (node === true) return;
  if (rest.length === 0) {
    tree[head] = true;
    return;
  }
  const child: SelectionTree = node ?? {};
  tree[head] = child;
  addPath(child, rest);
}

/** Adds a required path when its parent is kept: the record itself, or an object the selection already enters. */
function addRequiredPath(tree: SelectionTree, segments: readonly string[]): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (rest.length === 0) {
    tree[head] ??= true;
    return;
  }
  const node = tree[head];
  if (node !== undefined && node !== true) addRequiredPath(node, rest);
}

function pick(record: JsonObject, tree: SelectionTree): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  // The record's own key order (the schema's) is kept, whatever the order of the expressions.
  for (const [key, value] of Object.entries(record)) {
    const node = tree[key];
    if (node === undefined) continue;
    result[key] = node === true || !isJsonObject(value) ? value : pick(value, node);
  }
  return result;
}

/**
 * Builds the function that cuts a resource down to the selected paths. `requiredPaths` are kept whenever their
 * parent object is: the schema requires them (`BackupServerJob.status`, `isEnabled`), and clients generated from
 * the document fail to read a resource without them. With no paths the resource is returned as is.
 */
export function selector(
  paths: readonly string[],
  requiredPaths: readonly string[],
): <T extends object>(record: T) => T | Record<string, unknown> {
  if (paths.length === 0) return (record) => record;
  const tree: SelectionTree = {};
  for (const path of paths) addPath(tree, path.split('.'));
  for (const path of requiredPaths) addRequiredPath(tree, path.split('.'));
  return (record) => pick(record as JsonObject, tree);
}
