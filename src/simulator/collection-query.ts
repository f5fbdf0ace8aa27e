import { badRequest } from './errors.js';
import { filterProperties, matchesFilter, parseFilter, type FilterNode } from './filter.js';
import { pageOf, parseLimit, parseOffset, type Page } from './paging.js';
import { parseSort, sortRecords, type SortExpression } from './sort.js';

/** The validated `filter`, `sort`, `limit` and `offset` of a collection request. `select` is ignored. */
export interface CollectionQuery {
  readonly filter: readonly FilterNode[];
  readonly sort: readonly SortExpression[];
  readonly limit: number;
  readonly offset: number;
}

/** The single value of a query parameter, `null` when absent; a repeated parameter is a 400. */
export function singleParam(params: URLSearchParams, name: string): string | null {
  const values = params.getAll(name);
  if (values.length > 1) throw badRequest(`Parameter '${name}' must be given at most once.`);
  return values[0] ?? null;
}

function checkKnownProperties(parameter: string, properties: readonly string[], known: ReadonlySet<string>) {
  for (const property of properties) {
    if (!known.has(property)) {
      throw badRequest(`Parameter '${parameter}' names an unknown property '${property}'.`);
    }
  }
}

/**
 * Parses and validates a collection query. Properties named by `filter` and `sort` must be among `knownPaths`
 * (exact case), so a typo is a 400 rather than a silently empty page. Throws a 400 `VspcError` naming the bad
 * parameter.
 */
export function parseCollectionQuery(
  params: URLSearchParams,
  knownPaths: ReadonlySet<string>,
): CollectionQuery {
  const query: CollectionQuery = {
    limit: parseLimit(singleParam(params, 'limit')),
    offset: parseOffset(singleParam(params, 'offset')),
    filter: parseFilter(singleParam(params, 'filter')),
    sort: parseSort(singleParam(params, 'sort')),
  };
  checkKnownProperties('filter', filterProperties(query.filter), knownPaths);
  checkKnownProperties(
    'sort',
    query.sort.map((expression) => expression.property),
    knownPaths,
  );
  return query;
}

/** Filters, sorts and pages records (already limited to what the user may see). */
export function runCollectionQuery<T extends { readonly instanceUid: string }>(
  records: readonly T[],
  query: CollectionQuery,
): Page<T> {
  const matching = records.filter((record) => matchesFilter(record, query.filter));
  return pageOf(sortRecords(matching, query.sort), query.offset, query.limit);
}
