import { oauth2Error, STATUS_BAD_REQUEST } from './errors.js';
import { STATUS_OK, type EndpointResponse } from './respond.js';
import type { TokenPair, TokenStore } from './tokens.js';
import { authenticateDemoUser } from './users.js';

/** `OAuth2Result`, the body of a successful `POST /api/v3/token`. */
export interface OAuth2Result {
  readonly access_token: string;
  readonly token_type: 'bearer';
  readonly refresh_token: string;
  readonly expires_in: number;
  readonly mfa_token: null;
  readonly encrypted_code: null;
}

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
/** Grant types VSPC knows but the simulator does not implement. */
const OTHER_VSPC_GRANT_TYPES: ReadonlySet<string> = new Set([
  'authorization_code',
  'public_key',
  'mfa',
  'as',
]);
const BAD_LOGIN_DESCRIPTION =
  'Cannot complete login due to incorrect username or password, or no sufficient rights.';

function tokenResult(pair: TokenPair, expiresInS: number): EndpointResponse {
  const body: OAuth2Result = {
    access_token: pair.accessToken,
    token_type: 'bearer',
    refresh_token: pair.refreshToken,
    expires_in: expiresInS,
    mfa_token: null,
    encrypted_code: null,
  };
  return { status: STATUS_OK, body };
}

function invalidRequest(description: string): EndpointResponse {
  return { status: STATUS_BAD_REQUEST, body: oauth2Error('invalid_request', description) };
}

/**
 * `POST /api/v3/token`: the `password` and `refresh_token` grants of RFC 6749 over a form-encoded body.
 * Errors are `OAuth2Error` bodies with status 400: `invalid_request` (not a form, a field missing),
 * `invalid_grant` (bad credentials, unknown or used refresh token), `unsupported_grant_type`.
 */
export function handleTokenRequest(
  contentType: string | undefined,
  body: string,
  tokens: TokenStore,
): EndpointResponse {
  if (!FORM_CONTENT_TYPE.test(contentType ?? '')) {
    return invalidRequest('The request body must be application/x-www-form-urlencoded.');
  }
  const form = new URLSearchParams(body);
  const grantType = form.get('grant_type');
  if (grantType === null || grantType === '') return invalidRequest("The 'grant_type' field is required.");

  if (grantType === 'password') {
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    if (username === '' || password === '') {
      return invalidRequest("The 'username' and 'password' fields are required for the password grant.");
    }
    const user = authenticateDemoUser(username, password);
    if (user === undefined) {
      return { status: STATUS_BAD_REQUEST, body: oauth2Error('invalid_grant', BAD_LOGIN_DESCRIPTION) };
    }
    return tokenResult(tokens.issue(user.username), tokens.expiresInS);
  }

  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token') ?? '';
    if (refreshToken === '') {
      return invalidRequest("The 'refresh_token' field is required for the refresh_token grant.");
    }
    const refreshed = tokens.refresh(refreshToken);
    if (refreshed === undefined) {
      return {
        status: STATUS_BAD_REQUEST,
        body: oauth2Error('invalid_grant', 'The refresh token is invalid, expired or already used.'),
      };
    }
    return tokenResult(refreshed, tokens.expiresInS);
  }

  const known = OTHER_VSPC_GRANT_TYPES.has(grantType) ? ' by this simulator' : '';
  return {
    status: STATUS_BAD_REQUEST,
    body: oauth2Error('unsupported_grant_type', `Grant type '${grantType}' is not supported${known}.`),
  };
}
