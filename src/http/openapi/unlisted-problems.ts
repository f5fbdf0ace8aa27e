import { RATE_LIMIT_HEADERS, type HeaderName } from './headers.js';
import { mergeResponses, type ProblemResponse } from './problem-responses.js';

/**
 * The catalog's codes that no response of the document gives as an example: a code added to `PROBLEMS`
 * before anyone wrote its prose. Each still gets an example (its title as the detail) and is documented on
 * the jobs and VSPC operations at its status, so the document never lags the catalog.
 */

/** Statuses whose answers carry `Retry-After`. */
const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * One response per status for the codes of `catalog` not in `listed`; pure. The description names each code
 * and its title; the headers are those of the operations' own answers.
 */
export function unlistedProblems(
  catalog: Readonly<Record<string, { readonly status: number; readonly title: string }>>,
  listed: ReadonlySet<string>,
): Map<number, ProblemResponse> {
  const byStatus = new Map<number, ProblemResponse>();
  for (const [code, { status, title }] of Object.entries(catalog)) {
    if (listed.has(code)) continue;
    const headers: readonly HeaderName[] = [
      ...(RETRY_STATUSES.has(status) ? (['Retry-After'] as const) : []),
      ...RATE_LIMIT_HEADERS,
    ];
    const part: ProblemResponse = {
      description: `${title} (\`${code}\`).`,
      headers,
      examples: { [code]: { code, summary: title, detail: `${title}.` } },
      beforeRouting: false,
      status,
    };
    const earlier = byStatus.get(status);
    byStatus.set(
      status,
      earlier === undefined
        ? part
        : mergeResponses(`${earlier.description} ${part.description}`, [earlier, part]),
    );
  }
  return byStatus;
}

/** `response` with the unlisted codes of its status, if any. */
export function withUnlisted(
  response: ProblemResponse,
  unlisted: ProblemResponse | undefined,
): ProblemResponse {
  if (unlisted === undefined) return response;
  return mergeResponses(`${response.description}\n\nAlso: ${unlisted.description}`, [response, unlisted]);
}
