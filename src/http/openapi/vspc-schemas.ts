import Type, { type Static, type TStringOptions } from 'typebox';
import { Nullable, StringEnum } from '../../json-schema.js';

/**
 * VSPC's own bodies of `POST /api/v3/token`, which the proxy passes through unchanged: VSPC 3.6's
 * `OAuth2Result`, `OAuth2Error` and the login form, as its OpenAPI document states them (see
 * test/fixtures/vspc/openapi-3.6-subset.json). VSPC names no required member of its answers and may add
 * members, so neither is closed.
 */

const readOnlyText = (description: string) => Nullable(Type.String(), { description, readOnly: true });

export const OAuth2ResultSchema = Type.Object(
  {
    access_token: Type.Optional(readOnlyText('Access token.')),
    token_type: Type.Optional(readOnlyText('Token type.')),
    refresh_token: Type.Optional(readOnlyText('Refresh token.')),
    mfa_token: Type.Optional(readOnlyText('MFA token.')),
    encrypted_code: Type.Optional(readOnlyText('Encrypted authorization code.')),
    expires_in: Type.Optional(
      Type.Integer({
        format: 'int32',
        readOnly: true,
        description: 'Seconds until the access token expires.',
      }),
    ),
  },
  { description: "VSPC's `OAuth2Result`: the tokens of a successful login." },
);
export type OAuth2Result = Static<typeof OAuth2ResultSchema>;

/** RFC 6749's error codes, which VSPC answers a refused login with. */
export const OAUTH2_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
] as const;

export const OAuth2ErrorSchema = Type.Object(
  {
    error: Type.Optional(StringEnum(OAUTH2_ERROR_CODES, { description: 'Error type.', readOnly: true })),
    error_description: Type.Optional(Type.String({ description: 'Error description.', readOnly: true })),
    error_uri: Type.Optional(readOnlyText('Error URI.')),
  },
  { description: "VSPC's `OAuth2Error`: why a login was refused (RFC 6749 §5.2)." },
);
export type OAuth2Error = Static<typeof OAuth2ErrorSchema>;

/** The grant types VSPC 3.6 accepts. */
export const GRANT_TYPES = [
  'password',
  'refresh_token',
  'authorization_code',
  'public_key',
  'mfa',
  'as',
] as const;

/**
 * A form field VSPC may go without. swagger-ui fills each field of "Try it out" from its schema's example,
 * else with a sample such as `string`, which it would send as the value; the example `''` leaves the field
 * empty for the user to fill or leave.
 */
const formField = (options: TStringOptions) => Type.Optional(Type.String({ ...options, examples: [''] }));

/** VSPC's login form (`application/x-www-form-urlencoded`), the fields a "Try it out" needs. */
export const TokenRequestSchema = Type.Object({
  grant_type: StringEnum(GRANT_TYPES, { description: 'Grant type according to RFC 6749.' }),
  username: formField({
    maxLength: 2048,
    description: 'User name, with the `password` grant.',
  }),
  password: formField({
    maxLength: 128,
    format: 'password',
    description: 'Password, with the `password` grant.',
  }),
  refresh_token: formField({
    maxLength: 2048,
    description: 'Refresh token, with the `refresh_token` grant.',
  }),
  mfa_token: formField({ description: 'Multi-factor authentication token, with `mfa`.' }),
  mfa_code: formField({ maxLength: 100, description: 'Multi-factor code, with `mfa`.' }),
});
