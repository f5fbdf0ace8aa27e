import { describe, expect, it } from '@jest/globals';
import { handleTokenRequest } from '../../src/simulator/token-endpoint.js';
import { TokenStore } from '../../src/simulator/tokens.js';

const FORM = 'application/x-www-form-urlencoded';

function clock(startMs: number): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
}

describe('TokenStore', () => {
  it('issues 64-character base64url tokens that differ every time', () => {
    const store = new TokenStore(60, Date.now);
    const first = store.issue('admin');
    const second = store.issue('admin');
    expect(first.accessToken).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(
      new Set([first.accessToken, first.refreshToken, second.accessToken, second.refreshToken]).size,
    ).toBe(4);
  });

  it('expires access tokens exactly ttl seconds after issue by the injected clock', () => {
    const time = clock(1_000_000);
    const store = new TokenStore(60, time.now);
    const { accessToken } = store.issue('alpha');
    time.advance(59_999);
    expect(store.check(accessToken)).toEqual({ state: 'valid', username: 'alpha' });
    time.advance(1);
    expect(store.check(accessToken)).toEqual({ state: 'expired' });
    expect(store.check('not-a-token')).toEqual({ state: 'unknown' });
  });

  it('consumes a refresh token when refreshing', () => {
    const store = new TokenStore(60, Date.now);
    const { accessToken, refreshToken } = store.issue('beta');
    const refreshed = store.refresh(refreshToken);
    expect(refreshed?.username).toBe('beta');
    expect(store.check(refreshed?.accessToken ?? '')).toEqual({ state: 'valid', username: 'beta' });
    expect(store.check(accessToken)).toEqual({ state: 'valid', username: 'beta' });
    expect(store.refresh(refreshToken)).toBeUndefined();
  });
});

describe('handleTokenRequest', () => {
  const store = new TokenStore(3600, Date.now);

  it('issues an OAuth2Result for the password grant', () => {
    const response = handleTokenRequest(
      FORM,
      'grant_type=password&username=admin&password=admin-demo-password',
      store,
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      token_type: 'bearer',
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      expires_in: 3600,
      mfa_token: null,
      encrypted_code: null,
    });
  });

  it('accepts a charset parameter on the form content type', () => {
    const response = handleTokenRequest(
      `${FORM}; charset=UTF-8`,
      'grant_type=password&username=beta&password=beta-demo-password',
      store,
    );
    expect(response.status).toBe(200);
  });

  it.each([
    ['a wrong password', FORM, 'grant_type=password&username=admin&password=nope', 'invalid_grant'],
    ['an unknown user', FORM, 'grant_type=password&username=zed&password=zed-demo-password', 'invalid_grant'],
    ['no grant_type', FORM, 'username=admin&password=admin-demo-password', 'invalid_request'],
    ['no password', FORM, 'grant_type=password&username=admin', 'invalid_request'],
    ['no refresh token', FORM, 'grant_type=refresh_token', 'invalid_request'],
    ['an unknown refresh token', FORM, 'grant_type=refresh_token&refresh_token=abc', 'invalid_grant'],
    ['the mfa grant', FORM, 'grant_type=mfa&mfa_token=x&mfa_code=1', 'unsupported_grant_type'],
    ['an unknown grant', FORM, 'grant_type=client_credentials', 'unsupported_grant_type'],
    ['a JSON body', 'application/json', '{"grant_type":"password"}', 'invalid_request'],
    [
      'no content type',
      undefined,
      'grant_type=password&username=admin&password=admin-demo-password',
      'invalid_request',
    ],
  ])('answers 400 OAuth2Error for %s', (_label, contentType, body, error) => {
    const response = handleTokenRequest(contentType, body, store);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error, error_description: expect.any(String), error_uri: null });
  });
});
