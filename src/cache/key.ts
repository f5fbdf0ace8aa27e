/** VSPC's paging defaults, made explicit so `?` ≡ `?limit=100&offset=0`. */
export const DEFAULT_LIMIT = '100';
export const DEFAULT_OFFSET = '0';

/** Query parameters whose value is JSON (VSPC's `filter`, `sort`, `select`): compared as parsed JSON. */
const JSON_PARAMETERS = new Set(['filter', 'sort', 'select']);
/** Query parameters whose repeated values form a set: order does not matter. */
const SET_PARAMETERS = new Set(['expand']);
const INTEGER = /^\d+$/;

/** Everything that decides which cached answer a request may get. */
export interface CacheKeyInput {
  /** The caller's identity (the HMAC of a bearer token); never a raw secret. */
  tokenHash: string;
  /** `GET` (a `HEAD` uses the `GET` entry). */
  method: string;
  /** Normalised path, `/api/v3/...`. */
  path: string;
  /** Raw query string, without `?`. */
  query: string;
  accept: string | undefined;
  /** VSPC may answer in the caller's language. */
  acceptLanguage?: string | undefined;
  clientVersion: string | undefined;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return component;
  }
}

/** Whitespace JSON allows between tokens (RFC 8259 §2). */
const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Valid JSON without the whitespace between its tokens; anything else is kept as sent. Numbers keep
 * their digits (JSON.parse would round those beyond 2^53, making two filters VSPC tells apart one key),
 * and repeated object keys stay (JSON.parse would keep only the last). Invalid JSON is returned whole.
 */
function canonicalJson(value: string): string {
  try {
    JSON.parse(value);
  } catch {
    return value; // VSPC will refuse it; the refusal is not cached either way
  }
  let compact = '';
  let inString = false;
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index] as string;
    if (inString) {
      compact += char;
      if (char === '\\') {
        index += 1;
        compact += value[index] ?? '';
      } else if (char === '"') {
        inString = false;
      }
    } else if (!JSON_WHITESPACE.has(char)) {
      compact += char;
      if (char === '"') inString = true;
    }
  }
  return compact;
}

function canonicalInteger(value: string): string {
  return INTEGER.test(value) ? String(Number(value)) : value;
}

/**
 * The canonical form of a query string; pure. Parameters sorted by name (values of one name keep
 * their order, but `expand` values are sorted); `limit`/`offset` defaults made explicit and integers
 * written plainly; `filter`/`sort`/`select` JSON without the whitespace between its tokens; every name
 * and value decoded, then re-encoded one way.
 */
export function canonicalQuery(rawQuery: string): string {
  const values = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    let value = equals === -1 ? '' : decode(pair.slice(equals + 1));
    if (JSON_PARAMETERS.has(name)) value = canonicalJson(value);
    else if (name === 'limit' || name === 'offset') value = canonicalInteger(value);
    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else list.push(value);
  }
  if (!values.has('limit')) values.set('limit', [DEFAULT_LIMIT]);
  if (!values.has('offset')) values.set('offset', [DEFAULT_OFFSET]);
  const names = [...values.keys()].sort();
  const parts: string[] = [];
  for (const name of names) {
    const list = values.get(name) ?? [];
    if (SET_PARAMETERS.has(name)) list.sort();
    for (const value of list) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return parts.join('&');
}

/**
 * {@link canonicalQuery} with a bounded memo of recent query strings (most clients ask the same few
 * pages). Never give it a query that holds a credential: the memo keeps its strings.
 */
export function memoizedCanonicalQuery(maxEntries: number): (rawQuery: string) => string {
  const memo = new Map<string, string>();
  return (rawQuery) => {
    let canonical = memo.get(rawQuery);
    if (canonical === undefined) {
      canonical = canonicalQuery(rawQuery);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(rawQuery, canonical);
    }
    return canonical;
  };
}

/** The cache key of a request; pure. Fields are joined by a newline, which none of them can hold. */
export function cacheKey(
  input: CacheKeyInput,
  canonical: (rawQuery: string) => string = canonicalQuery,
): string {
  return [
    input.tokenHash,
    input.method === 'HEAD' ? 'GET' : input.method,
    input.path,
    canonical(input.query),
    input.accept ?? '',
    input.acceptLanguage ?? '',
    input.clientVersion ?? '',
  ].join('\n');
}

/** The owner part of a key (the token HMAC). */
export function keyTokenHash(key: string): string {
  return key.slice(0, key.indexOf('\n'));
}
