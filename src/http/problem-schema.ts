import Type, { type Static } from 'typebox';
import { StringEnum } from '../json-schema.js';
import { PROBLEMS, type ProblemCode } from './problems.js';

/**
 * The bodies of the errors vspc-proxy writes, as TypeBox schemas: {@link ProblemSchema} (RFC 9457) and
 * {@link VspcProblemSchema}, the same problem carrying VSPC's error envelope as well, which is what the
 * proxy writes under `/api/v3/*` so that clients generated from VSPC's own OpenAPI document read it. The
 * OpenAPI document publishes both; tests validate answers against them.
 *
 * The codes are read from the catalog (`PROBLEMS`) when this module loads: a code added there is a valid
 * `code` here, with no second list to keep.
 */

/** Every code of the catalog, in catalog order. */
export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export const ProblemCodeSchema = StringEnum(PROBLEM_CODES, { description: 'Stable error code' });

/** The statuses the proxy answers a problem with: client and server errors. */
const ERROR_STATUS = { minimum: 400, maximum: 599 } as const;

/** One refused parameter of `invalid-parameters`, and what is allowed. */
export const ParameterErrorSchema = Type.Object(
  { parameter: Type.String(), message: Type.String() },
  { additionalProperties: false },
);

/** The types of error VSPC's `ResponseError` names (VSPC's `ErrorType` enum, in its order). */
export const VSPC_ERROR_TYPES = [
  'unspecified',
  'transport',
  'logical',
  'retryableLogical',
  'security',
] as const;

/**
 * VSPC's `ResponseError` as the proxy writes it: VSPC's three required members, plus VSPC's `retryAfter`
 * (seconds, as VSPC's own 429 body carries it) when the answer has a `Retry-After`.
 */
export const ResponseErrorSchema = Type.Object(
  {
    message: Type.String({ description: "The problem's `detail`" }),
    type: StringEnum(VSPC_ERROR_TYPES, { description: "VSPC's error type" }),
    code: Type.Integer({ ...ERROR_STATUS, description: 'The HTTP status of the answer' }),
    retryAfter: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Seconds to wait, as in `Retry-After` (429 and 503 only)' }),
    ),
  },
  { additionalProperties: false },
);

/** The RFC 9457 members and this proxy's extensions every problem has. */
const PROBLEM_MEMBERS = {
  type: Type.String({ format: 'uri-reference', description: '`urn:vspc-proxy:problem:<code>`' }),
  title: Type.String(),
  status: Type.Integer(ERROR_STATUS),
  detail: Type.String(),
  code: ProblemCodeSchema,
  instance: Type.Optional(Type.String({ description: 'The request path, without the query' })),
  requestId: Type.Optional(Type.String()),
  vspc: Type.Optional(
    Type.Unknown({ description: "VSPC's own error body, when the problem comes from a VSPC answer" }),
  ),
};

/**
 * An RFC 9457 problem (`application/problem+json`) as vspc-proxy writes it for `/jobs/copy*` and its
 * operational routes. Further extension members may appear (such as `limit` and `total` of `too-many-items`).
 */
export const ProblemSchema = Type.Object(
  {
    ...PROBLEM_MEMBERS,
    errors: Type.Optional(
      Type.Array(ParameterErrorSchema, {
        description: 'Each refused parameter and what is allowed (`invalid-parameters`)',
      }),
    ),
  },
  { description: 'RFC 9457 problem details.' },
);
export type Problem = Static<typeof ProblemSchema>;

/**
 * A problem vspc-proxy writes under `/api/v3/*`: the RFC 9457 members, and VSPC's `errors` envelope
 * (`ErrorResponse`) holding one `ResponseError` whose `message` is the `detail` and whose `code` is the status.
 */
export const VspcProblemSchema = Type.Object(
  {
    ...PROBLEM_MEMBERS,
    // Optional until the `/api/v3/*` problem writer adds the envelope (a change made beside this one): the
    // document must describe what is answered today. Make it required once every such problem carries it.
    errors: Type.Optional(
      Type.Array(ResponseErrorSchema, {
        minItems: 1,
        maxItems: 1,
        description:
          "VSPC's error envelope, so that clients written for VSPC read this problem as VSPC's error",
      }),
    ),
  },
  { description: 'RFC 9457 problem details that are also a VSPC `ErrorResponse`.' },
);
export type VspcProblem = Static<typeof VspcProblemSchema>;
