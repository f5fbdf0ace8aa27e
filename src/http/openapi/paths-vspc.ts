import { EXAMPLE_LOGIN_REFUSED, EXAMPLE_TOKEN } from './examples.js';
import { CACHED_ANSWER_HEADERS, headerRefs, RATE_LIMIT_HEADERS } from './headers.js';
import { ref } from './json.js';
import { RATE_LIMIT_NOTE } from './paths-jobs.js';
import { problemRefs } from './responses.js';
import type { SchemaPublisher } from './schema-components.js';
import { TokenRequestSchema } from './vspc-schemas.js';

/** The operations of `/api/v3/*`: VSPC's API passed through, and VSPC's login. */

/** Methods `/api/v3/{path}` forwards (any other is answered 405). */
const PASS_THROUGH_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;
type PassThroughMethod = (typeof PASS_THROUGH_METHODS)[number];

const LIMITED_ANSWER = headerRefs('X-Request-Id', ...RATE_LIMIT_HEADERS);

/** VSPC's own answer, passed through unchanged whatever its media type. */
function vspcAnswer(
  description: string,
  headers: Record<string, { readonly $ref: string }> = LIMITED_ANSWER,
) {
  return { description, headers, content: { '*/*': { schema: {} } } };
}

const isRead = (method: PassThroughMethod): boolean => method === 'get' || method === 'head';
/**
 * The methods whose VSPC operations take a body. A DELETE's body is forwarded too, but VSPC's take none, and
 * documenting one would have "Try it out" send one.
 */
const hasBody = (method: PassThroughMethod): boolean =>
  method === 'post' || method === 'put' || method === 'patch';

function whatElse(method: PassThroughMethod): string {
  if (isRead(method))
    return ' Answered from the token-isolated cache when it can be: `Cache-Status`, `ETag`, `Age`; `If-None-Match` gives 304.';
  if (method === 'options') return '';
  return ' A 2xx answer to this write purges the cached entries of the collection it changed.';
}

function passThroughOperation(method: PassThroughMethod) {
  return {
    operationId: `vspc${method[0]?.toUpperCase() ?? ''}${method.slice(1)}`,
    tags: ['vspc'],
    summary: `${method.toUpperCase()} forwarded to VSPC`,
    description:
      "Forwarded to VSPC `/api/v3/{path}` with the same method, path, query and body; VSPC's status, " +
      '`Content-Type`, `Location`, `Retry-After`, `Content-Disposition` and body come back unchanged (VSPC errors ' +
      "keep VSPC's own body). Needs a bearer token, except `POST /api/v3/token`. The problems vspc-proxy writes " +
      "itself here carry VSPC's `errors` envelope as well (`VspcProblem`). " +
      RATE_LIMIT_NOTE +
      whatElse(method),
    security: [{ bearer: [] }],
    parameters: [ref('parameters', 'VspcPath')],
    ...(hasBody(method)
      ? {
          requestBody: {
            required: false,
            description: 'Forwarded unchanged, at most `REQUEST_MAX_BODY_BYTES`.',
            content: {
              // Without an example swagger-ui would fill "Try it out" with the JSON string "string".
              'application/json': {
                schema: {},
                examples: { empty: { summary: 'An empty object', value: {} } },
              },
              '*/*': { schema: {} },
            },
          },
        }
      : {}),
    responses: {
      '200': vspcAnswer(
        "VSPC's answer (any 2xx passes the same way)",
        isRead(method) ? headerRefs(...CACHED_ANSWER_HEADERS, ...RATE_LIMIT_HEADERS) : LIMITED_ANSWER,
      ),
      ...(isRead(method) ? { '304': ref('responses', 'NotModified') } : {}),
      ...problemRefs('passThrough'),
      default: vspcAnswer("VSPC's own status and body, unchanged (403, 404, 520, 202 and so on)."),
    },
  };
}

/** `/api/v3/token` and `/api/v3/{path}`. */
export function vspcPaths(publish: SchemaPublisher) {
  return {
    '/api/v3/token': {
      post: {
        operationId: 'vspcToken',
        tags: ['vspc'],
        summary: 'VSPC login, forwarded as is (no bearer token needed)',
        description: `${RATE_LIMIT_NOTE} Without a token, the caller is its address.`,
        security: [],
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: publish.inline(TokenRequestSchema) } },
        },
        responses: {
          '200': {
            description: "VSPC's tokens (`OAuth2Result`), unchanged",
            headers: LIMITED_ANSWER,
            content: {
              'application/json': {
                schema: ref('schemas', 'OAuth2Result'),
                examples: { password: { summary: 'A password login', value: EXAMPLE_TOKEN } },
              },
            },
          },
          '400': {
            description: 'VSPC refused the login (`OAuth2Error`), unchanged',
            headers: LIMITED_ANSWER,
            content: {
              'application/json': {
                schema: ref('schemas', 'OAuth2Error'),
                examples: { 'invalid-grant': { summary: 'Wrong password', value: EXAMPLE_LOGIN_REFUSED } },
              },
            },
          },
          ...problemRefs('token'),
          default: vspcAnswer("VSPC's own status and body, unchanged"),
        },
      },
    },
    '/api/v3/{path}': Object.fromEntries(
      PASS_THROUGH_METHODS.map((method) => [method, passThroughOperation(method)]),
    ),
  };
}
