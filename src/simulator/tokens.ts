import { randomBytes } from 'node:crypto';

/** Random bytes per token; base64url makes 64 characters of them. */
const TOKEN_BYTES = 48;
const MS_PER_SECOND = 1000;
/** Above this many access tokens, issuing one first drops the expired ones. */
const ACCESS_TOKEN_SWEEP_THRESHOLD = 10_000;
/** At most this many access tokens and this many refresh tokens are kept; the oldest go first. */
const MAX_TOKENS_KEPT = 50_000;

/** An access token and the refresh token that can replace it. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** What an access token is worth at a given time. */
export type AccessCheck =
  | { readonly state: 'valid'; readonly username: string }
  | { readonly state: 'expired' }
  | { readonly state: 'unknown' };

interface AccessGrant {
  readonly username: string;
  readonly expiresAtMs: number;
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function dropOldest<K, V>(map: Map<K, V>, maxSize: number): void {
  for (const key of map.keys()) {
    if (map.size <= maxSize) return;
    map.delete(key);
  }
}

/**
 * Issues and checks the simulator's bearer tokens. Access tokens expire `ttlS` seconds after issue by the
 * injected clock. Refresh tokens do not expire but are single-use: refreshing consumes the old one. The
 * previous access token stays valid until it expires, as with OAuth2 servers generally.
 */
export class TokenStore {
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly refreshTokens = new Map<string, string>();

  constructor(
    private readonly ttlS: number,
    private readonly now: () => number,
  ) {}

  /** A new pair for the user. */
  issue(username: string): TokenPair {
    if (this.accessTokens.size >= ACCESS_TOKEN_SWEEP_THRESHOLD) this.dropExpired();
    const pair = { accessToken: newToken(), refreshToken: newToken() };
    this.accessTokens.set(pair.accessToken, {
      username,
      expiresAtMs: this.now() + this.ttlS * MS_PER_SECOND,
    });
    this.refreshTokens.set(pair.refreshToken, username);
    dropOldest(this.accessTokens, MAX_TOKENS_KEPT);
    dropOldest(this.refreshTokens, MAX_TOKENS_KEPT);
    return pair;
  }

  /** Consumes a refresh token and issues a new pair for its user; `undefined` when the token is unknown. */
  refresh(refreshToken: string): (TokenPair & { readonly username: string }) | undefined {
    const username = this.refreshTokens.get(refreshToken);
    if (username === undefined) return undefined;
    this.refreshTokens.delete(refreshToken);
    return { ...this.issue(username), username };
  }

  /** Whether an access token is valid now. */
  check(accessToken: string): AccessCheck {
    const grant = this.accessTokens.get(accessToken);
    if (grant === undefined) return { state: 'unknown' };
    if (this.now() >= grant.expiresAtMs) return { state: 'expired' };
    return { state: 'valid', username: grant.username };
  }

  /** The access token lifetime reported as `expires_in`. */
  get expiresInS(): number {
    return this.ttlS;
  }

  private dropExpired(): void {
    const nowMs = this.now();
    for (const [token, grant] of this.accessTokens) {
      if (nowMs >= grant.expiresAtMs) this.accessTokens.delete(token);
    }
  }
}
