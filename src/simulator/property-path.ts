/**
 * Dotted property paths (`_embedded.backupServerJob.name`) as VSPC's `filter` and `sort` parameters use them.
 * Pure functions.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path, or `undefined` when a segment is missing or crosses a non-object. */
export function valueAtPath(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const segment of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Every dotted path of a record, objects included (`_embedded`, `_embedded.backupServerJob`, …). */
export function collectPaths(record: unknown, prefix = ''): Set<string> {
  const paths = new Set<string>();
  if (!isPlainObject(record)) return paths;
  for (const [key, value] of Object.entries(record)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    paths.add(path);
    for (const nested of collectPaths(value, path)) paths.add(nested);
  }
  return paths;
}
