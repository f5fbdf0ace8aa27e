import { PROBLEMS, problemBody, type ProblemCode } from '../problems.js';
import { EXAMPLE_REQUEST_ID, EXAMPLE_VSPC_PATH } from './examples.js';
import { headerRefs, type HeaderName } from './headers.js';
import { ref } from './json.js';

/**
 * How the document describes a problem answer: a description, its headers and named examples, each example
 * built by `problemBody` itself. Kept in this form until the document is assembled, so that responses can be
 * combined (one per status) and rendered either as plain problems or, for `/api/v3/*`, with VSPC's envelope.
 */

/** One example problem: its code and an example detail. */
export interface ProblemExample {
  code: string;
  detail: string;
  /** A short name for the example, when a response holds several. */
  summary?: string;
  instance?: string;
  extensions?: Readonly<Record<string, unknown>>;
  /** The `Retry-After` of the answer, in seconds, which VSPC's envelope repeats as `retryAfter`. */
  retryAfterS?: number;
}

/** What one response documents: its first example, any further ones, and its extra headers. */
export interface ProblemResponseSpec extends ProblemExample {
  description: string;
  /** Further examples, by their key (the first example's key is its code). */
  more?: Readonly<Record<string, ProblemExample>>;
  /** Component header names besides `X-Request-Id`. */
  headers?: readonly HeaderName[];
  /**
   * Answered by Node's parser hook before any route (`src/http/client-error.ts`): no `X-Request-Id`
   * header, and no `instance` or `requestId` in the body.
   */
  beforeRouting?: true;
}

/** A problem response before rendering. */
export interface ProblemResponse {
  description: string;
  headers: readonly HeaderName[];
  examples: Readonly<Record<string, ProblemExample>>;
  beforeRouting: boolean;
  /** The status every example shares. */
  status: number;
}

function statusOf(code: string): number {
  if (!Object.hasOwn(PROBLEMS, code))
    throw new Error(`openapi: problem code '${code}' is not in PROBLEMS (src/http/problems.ts)`);
  return PROBLEMS[code as ProblemCode].status;
}

/** A response from its spec. Throws (when the document is built) if a code has left the catalog. */
export function problemResponse(spec: ProblemResponseSpec): ProblemResponse {
  const { description, more, headers, beforeRouting, ...first } = spec;
  const status = statusOf(spec.code);
  for (const example of Object.values(more ?? {})) {
    if (statusOf(example.code) !== status)
      throw new Error(`openapi: '${example.code}' is not a ${status} like '${spec.code}'`);
  }
  return {
    description,
    headers: headers ?? [],
    examples: { [spec.code]: first, ...more },
    beforeRouting: beforeRouting === true,
    status,
  };
}

/**
 * One response for problems that share a status (an operation has one response per status): `intro`, then
 * each part's description as a list item; the headers and examples of every part. Throws if the parts'
 * statuses differ or two examples share a key.
 */
export function sameStatus(intro: string, ...parts: readonly ProblemResponse[]): ProblemResponse {
  return mergeResponses([intro, '', ...parts.map((part) => `- ${part.description}`)].join('\n'), parts);
}

/** One response of `parts`, all of one status, described by `description`; throws on a clash. */
export function mergeResponses(description: string, parts: readonly ProblemResponse[]): ProblemResponse {
  const examples: Record<string, ProblemExample> = {};
  for (const part of parts) {
    for (const [key, example] of Object.entries(part.examples)) {
      if (Object.hasOwn(examples, key)) throw new Error(`openapi: two examples named '${key}'`);
      examples[key] = example;
    }
  }
  const statuses = new Set(parts.map((part) => part.status));
  const [status, ...others] = statuses;
  if (status === undefined || others.length > 0)
    throw new Error(`openapi: one response for statuses ${[...statuses].join(', ')}`);
  return {
    description,
    headers: [...new Set(parts.flatMap((part) => part.headers))],
    examples,
    beforeRouting: parts.every((part) => part.beforeRouting),
    status,
  };
}

/** `response` with only the examples under `keys`, for an operation that can answer only those. */
export function onlyExamples(response: ProblemResponse, ...keys: readonly string[]): ProblemResponse {
  for (const key of keys)
    if (!Object.hasOwn(response.examples, key)) throw new Error(`openapi: no example '${key}' to keep`);
  const examples = Object.fromEntries(
    Object.entries(response.examples).filter(([key]) => keys.includes(key)),
  );
  return { ...response, examples };
}

/** VSPC's error type the examples give each status (the schema allows any of VSPC's five). */
function vspcErrorType(status: number): string {
  if (status === 401 || status === 403) return 'security';
  if (status === 429 || status === 503) return 'retryableLogical';
  if (status === 500) return 'unspecified';
  return status >= 500 ? 'transport' : 'logical';
}

/** The body of `example`; with VSPC's envelope when `vspcEnvelope`. */
export function exampleBody(example: ProblemExample, options: { requestId: boolean; vspcEnvelope: boolean }) {
  const code = example.code as ProblemCode;
  // An example shared with the jobs endpoints names a VSPC path when it illustrates `/api/v3/*`.
  const instance =
    options.vspcEnvelope && example.instance?.startsWith('/jobs') === true
      ? EXAMPLE_VSPC_PATH
      : example.instance;
  const body = problemBody(code, example.detail, {
    ...(instance === undefined ? {} : { instance }),
    ...(options.requestId ? { requestId: EXAMPLE_REQUEST_ID } : {}),
    ...(example.extensions === undefined ? {} : { extensions: { ...example.extensions } }),
  });
  if (!options.vspcEnvelope) return body;
  const error = {
    message: body.detail,
    type: vspcErrorType(body.status),
    code: body.status,
    ...(example.retryAfterS === undefined ? {} : { retryAfter: example.retryAfterS }),
  };
  return { ...body, errors: [error] };
}

/** The problem schemas a response can name. */
export type ProblemSchemaName = 'Problem' | 'VspcProblem';

/**
 * The OpenAPI response object. `VspcProblem` responses (`/api/v3/*`) carry VSPC's envelope in every example
 * and, beside it, `*\/*` for VSPC's own answer with the same status, which passes unchanged.
 */
export function renderProblemResponse(response: ProblemResponse, schema: ProblemSchemaName) {
  const requestId = !response.beforeRouting;
  const vspcEnvelope = schema === 'VspcProblem';
  const examples = Object.fromEntries(
    Object.entries(response.examples).map(([key, example]) => [
      key,
      {
        ...(example.summary === undefined ? {} : { summary: example.summary }),
        value: exampleBody(example, { requestId, vspcEnvelope }),
      },
    ]),
  );
  const problemContent = { 'application/problem+json': { schema: ref('schemas', schema), examples } };
  return {
    description: vspcEnvelope
      ? `${response.description}\n\nOr VSPC's own answer with this status, unchanged.`
      : response.description,
    headers: headerRefs(...(requestId ? (['X-Request-Id'] as const) : []), ...response.headers),
    content: vspcEnvelope ? { ...problemContent, '*/*': { schema: {} } } : problemContent,
  };
}
