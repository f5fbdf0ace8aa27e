import type { IncomingHttpHeaders } from 'node:http';
import { unauthorized } from './errors.js';
import type { TokenStore } from './tokens.js';
import { findDemoUser, type DemoUser } from './users.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The access token of an `Authorization: Bearer …` header, if there is one. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return BEARER.exec(headers.authorization ?? '')?.[1];
}

/** The demo user a request's bearer token belongs to, or `undefined` when it carries no valid token. */
export function userOfRequest(headers: IncomingHttpHeaders, tokens: TokenStore): DemoUser | undefined {
  const token = bearerToken(headers);
  const check = token === undefined ? undefined : tokens.check(token);
  return check?.state === 'valid' ? findDemoUser(check.username) : undefined;
}

/** The demo user of an authenticated request; throws a 401 `security` `VspcError` otherwise. */
export function authenticate(headers: IncomingHttpHeaders, tokens: TokenStore): DemoUser {
  const token = bearerToken(headers);
  if (token === undefined) throw unauthorized('Authorization header with a Bearer access token is required.');
  const check = tokens.check(token);
  if (check.state === 'expired') throw unauthorized('The access token has expired.');
  const user = check.state === 'valid' ? findDemoUser(check.username) : undefined;
  if (user === undefined) throw unauthorized('The access token is invalid.');
  return user;
}
