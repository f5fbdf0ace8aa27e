/** The VSPC API prefix; the proxy only ever forwards paths below it. */
export const API_PREFIX = '/api/v3';

export type TargetCheck = { ok: true; path: string; search: string } | { ok: false; detail: string };

/**
 * A request target split at its first `?`: the raw path, and the raw query with its `?` (`''` when
 * there is none). A later `?` belongs to the query. Pure.
 */
export function splitTarget(rawUrl: string): { path: string; search: string } {
  const queryStart = rawUrl.indexOf('?');
  return queryStart === -1
    ? { path: rawUrl, search: '' }
    : { path: rawUrl.slice(0, queryStart), search: rawUrl.slice(queryStart) };
}

// Control characters, NUL included, have no place in a path segment.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A path that needs no work: non-empty segments of unreserved and sub-delim characters (no `%`,
 * no `\`), none of them starting with a dot. Most requests take this shortcut.
 */
const ALREADY_NORMAL = /^(?:\/[A-Za-z0-9_~:@!$&'()*+,;=-][A-Za-z0-9._~:@!$&'()*+,;=-]*)+$/;

/**
 * Normalises a raw request target (`req.url`) into a path and its raw query, or says why it is refused.
 * Refused: absolute-form targets, backslashes, `..` segments in any encoding, encoded `/` or `\`,
 * control characters and malformed percent-encoding. `.` and empty segments are dropped. Pure.
 */
export function normaliseTarget(rawUrl: string): TargetCheck {
  if (!rawUrl.startsWith('/'))
    return { ok: false, detail: 'Only path-absolute request targets are accepted.' };
  const { path: rawPath, search } = splitTarget(rawUrl);
  if (ALREADY_NORMAL.test(rawPath)) return { ok: true, path: rawPath, search };
  if (rawPath.includes('\\')) return { ok: false, detail: 'Backslashes are not allowed in the path.' };
  const kept: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, detail: 'The path has malformed percent-encoding.' };
    }
    if (decoded.includes('/') || decoded.includes('\\')) {
      return { ok: false, detail: 'Encoded slashes or backslashes are not allowed in the path.' };
    }
    if (decoded === '..') return { ok: false, detail: "Path segments '..' are not allowed." };
    if (CONTROL_CHARACTERS.test(decoded))
      return { ok: false, detail: 'Control characters are not allowed in the path.' };
    if (decoded === '.') continue;
    kept.push(segment);
  }
  return { ok: true, path: `/${kept.join('/')}`, search };
}

/** True when `path` (normalised) lies strictly below {@link API_PREFIX}. */
export function isApiPath(path: string): boolean {
  return path.startsWith(`${API_PREFIX}/`) && path.length > API_PREFIX.length + 1;
}
