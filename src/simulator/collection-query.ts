import { badRequest } from './errors.js';
import { filterProperties, matchesFilter, parseFilter, type FilterNode } from './filter.js';
import { pageOf, parseLimit, parseOffset, type Page } from './paging.js';
import { parseSelect } from './select.js';
import { parseSort, sortRecords, type SortExpression } from './sort.js';

/** The validated `filter`, `sort`, `limit`, `offset` and `select` of a collection request. */
export interface CollectionQuery {
  readonly filter: readonly FilterNode[];
  readonly sort: readonly SortExpression[];
  readonly limit: number;
  readonly offset: number;
  /** Property paths of `select`; empty: every property. */
  readonly select: readonly string[];
}

/** The single value of a query parameter, `null` when absent; a repeated parameter is a 400. */
export function singleParam(params: URLSearchParams, name: string): string | null {
  const values = params.getAll(name);
  if (values.length > 1) throw badRequest(`Parameter '${name}' must be given at most once.`);
  return values[0] ?? null;
}

function checkKnownProperties(
  parameter: string,
  properties: readonly string[],
  known: ReadonlySet<string> | null,
): void {
  if (known === null) return;
  for (const property of properties) {
    if (!known.has(property)) {
      throw badRequest(`Parameter '${parameter}' names an unknown property '${property}'.`);
    }
  }
}

/**
 * Parses and validates a collection query. Properties named by `filter`, `sort` and `select` must be among
 * `knownPaths` (exact case), so a typo is a 400 rather than a silently empty page; `null` checks only the syntax
 * (a collection the simulator does not hold resources for). Throws a 400 `VspcError` naming the bad parameter.
 */
export function parseCollectionQuery(
  params: URLSearchParams,
  knownPaths: ReadonlySet<string> | null,
): CollectionQuery {
  const query: CollectionQuery = {
    limit: parseLimit(singleParam(params, 'limit')),
    offset: parseOffset(singleParam(params, 'offset')),
    filter: parseFilter(singleParam(params, 'filter')),
    sort: parseSort(singleParam(params, 'sort')),
    select: parseItemSelect(params, knownPaths),
  };
  checkKnownProperties('filter', filterProperties(query.filter), knownPaths);
  checkKnownProperties(
    'sort',
    query.sort.map((expression) => expression.property),
    knownPaths,
  );
  return query;
}

/**
 * The `select` of a request for one resource (which has no `filter`, `sort` or paging), its paths checked as in
 * {@link parseCollectionQuery}.
 */
export function parseItemSelect(params: URLSearchParams, knownPaths: ReadonlySet<string> | null): string[] {
  const select = parseSelect(singleParam(params, 'select'));
  checkKnownProperties('select', select, knownPaths);
  return select;
}

/** Filters, sorts and pages records (already limited to what the user may see). */
export function runCollectionQuery<T extends { readonly instanceUid: string }>(
  records: readonly T[],
  query: CollectionQuery,
): Page<T> {
  const matching = records.filter((record) => matchesFilter(record, query.filter));
  return pageOf(sortRecords(matching, query.sort), query.offset, query.limit);
}
