import { createHmac } from 'node:crypto';
import type { Caller } from './caller.js';

/** Hashes bearer tokens with a process secret, so a key can name its owner without holding the token. */
export type TokenHasher = (token: string) => string;

/** The token HMAC (SHA-256, hex) under `secret`. */
export function createTokenHasher(secret: string | Buffer): TokenHasher {
  return (token) => createHmac('sha256', secret).update(token).digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header, or `null`. Pure. */
export function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1] ?? null;
}

/** The caller of a request that sends `Authorization: Bearer <VSPC token>`, or `null` without one. */
export function bearerCaller(authorization: string | undefined, hashToken: TokenHasher): Caller | null {
  const token = bearerToken(authorization);
  if (token === null) return null;
  const identity = hashToken(token);
  return { kind: 'bearer', identity, authorization: `Bearer ${token}`, limitsKey: `t:${identity}` };
}
