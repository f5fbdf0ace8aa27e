/**
 * VSPC REST API versions as the `X-Client-Version` request header states them (`3.5`, `3.5.1`, `3.6`). Pure
 * functions.
 */

/** A REST API version: major.minor.patch (a missing patch is 0). */
export interface ApiVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The API version the simulator implements: VSPC 3.6. */
export const SERVER_API_VERSION: ApiVersion = Object.freeze({ major: 3, minor: 6, patch: 0 });

/** `major.minor` or `major.minor.patch`, plain decimal numbers, optional spaces around. */
const VERSION_TEXT = /^\s*([0-9]{1,5})\.([0-9]{1,5})(?:\.([0-9]{1,5}))?\s*$/;

/**
 * The version a client declares in `X-Client-Version`. Without the header, and for a value that is not
 * `major.minor[.patch]`, the answer is {@link SERVER_API_VERSION}: VSPC's documentation ("Backward Compatibility")
 * defines only what a valid version does, so anything else is answered as for a client of the current version.
 * A repeated header (Node joins repeats with ", ") is not a version either.
 */
export function parseClientVersion(header: string | readonly string[] | undefined): ApiVersion {
  if (typeof header !== 'string') return SERVER_API_VERSION;
  const match = VERSION_TEXT.exec(header);
  if (match === null) return SERVER_API_VERSION;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareApiVersions(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `3.6.0` style text, for messages and tests. */
export function formatApiVersion(version: ApiVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
