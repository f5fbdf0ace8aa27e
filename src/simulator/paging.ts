import { badRequest } from './errors.js';

/** `limit` when the query gives none. */
export const DEFAULT_LIMIT = 100;
export const MIN_LIMIT = 1;
export const MAX_LIMIT = 500;
/** `offset` when the query gives none. */
export const DEFAULT_OFFSET = 0;
/** Largest `offset` VSPC accepts (int32). */
export const MAX_OFFSET = 2_147_483_647;

const DIGITS_ONLY = /^[0-9]{1,10}$/;

/** `PagingInformation` of a collection response. */
export interface PagingInfo {
  readonly total: number;
  readonly count: number;
  readonly offset: number;
}

/** One page of a collection and its paging information. */
export interface Page<T> {
  readonly data: T[];
  readonly pagingInfo: PagingInfo;
}

function parseBoundedInteger(
  name: string,
  raw: string | null,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === null) return fallback;
  const value = DIGITS_ONLY.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`Parameter '${name}' must be an integer between ${min} and ${max}.`);
  }
  return value;
}

/**
 * Parses `limit` (integer 1..500, default 100). Only plain decimal digits are accepted: `1e2`, `+5`, `5.0` and
 * the empty string are rejected with a 400 `VspcError` naming the parameter.
 */
export function parseLimit(raw: string | null): number {
  return parseBoundedInteger('limit', raw, DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT);
}

/** Parses `offset` (integer 0..2147483647, default 0), with the same rules as {@link parseLimit}. */
export function parseOffset(raw: string | null): number {
  return parseBoundedInteger('offset', raw, DEFAULT_OFFSET, DEFAULT_OFFSET, MAX_OFFSET);
}

/** The page of `items` starting at `offset`; past the end it is empty while `total` stays the full count. */
export function pageOf<T>(items: readonly T[], offset: number, limit: number): Page<T> {
  const data = items.slice(offset, offset + limit);
  return { data, pagingInfo: { total: items.length, count: data.length, offset } };
}
