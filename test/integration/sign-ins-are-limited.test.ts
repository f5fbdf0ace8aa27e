import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildProxy, type TestProxy } from '../helpers/proxy.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../helpers/servers.js';

let upstream: ScriptedUpstream;
let proxy: TestProxy;

afterEach(async () => {
  proxy.close();
  await upstream.close();
});

/** VSPC's token endpoint: `right-password` signs in, anything else is refused as VSPC refuses it. */
async function start(env: Record<string, string>) {
  upstream = await startScriptedUpstream((call, res) => {
    const form = new URLSearchParams(call.body);
    const ok = form.get('password') === 'right-password';
    res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
    res.end(
      ok
        ? JSON.stringify({ access_token: 'a', token_type: 'bearer', refresh_token: 'r', expires_in: 3600 })
        : '{"error":"invalid_grant","error_description":"Wrong user name or password."}',
    );
  });
  proxy = buildProxy(upstream.url, { TRUST_PROXY: 'loopback', ...env });
}

function signIn(
  username: string,
  password: string,
  from: string,
  authorization = `Bearer r${Math.random()}`,
) {
  return request(proxy.app)
    .post('/api/v3/token')
    .set('X-Forwarded-For', from)
    .set('Authorization', authorization)
    .type('form')
    .send({ grant_type: 'password', username, password });
}

describe('sign-ins are limited by address and by user name', () => {
  it('refuses the fourth failed sign-in of a user name from any address, whatever Authorization it sends', async () => {
    await start({ LOGIN_ATTEMPTS_BURST: '3', LOGIN_ATTEMPTS_PER_MIN: '1' });
    for (const from of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      expect((await signIn('alice', 'guess', from)).status).toBe(400);
    }
    const refused = await signIn('Alice', 'guess', '192.0.2.4');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'login-rate-limited', instance: '/api/v3/token' });
    expect(refused.body.detail).toContain('user name');
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(upstream.calls).toHaveLength(3);
    // Another user is not held by alice's failures.
    expect((await signIn('bob', 'right-password', '192.0.2.4')).status).toBe(200);
  });

  it('refuses the fourth failed sign-in of an address, whichever user names it tries', async () => {
    await start({ LOGIN_ATTEMPTS_BURST: '3', LOGIN_ATTEMPTS_PER_MIN: '1' });
    for (const user of ['u1', 'u2', 'u3'])
      expect((await signIn(user, 'guess', '198.51.100.7')).status).toBe(400);
    const refused = await signIn('u4', 'guess', '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toContain('address');
    expect(upstream.calls).toHaveLength(3);
    // A refresh grant names no user: it is counted by address alone, and refused here too.
    const refresh = await request(proxy.app)
      .post('/api/v3/token')
      .set('X-Forwarded-For', '198.51.100.7')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: 'r' });
    expect(refresh.status).toBe(429);
    expect(upstream.calls).toHaveLength(3);
  });

  it('does not count sign-ins VSPC accepts', async () => {
    await start({ LOGIN_ATTEMPTS_BURST: '3', LOGIN_ATTEMPTS_PER_MIN: '1' });
    for (let round = 0; round < 20; round += 1) {
      expect((await signIn('carol', 'right-password', '203.0.113.9')).status).toBe(200);
    }
    expect(upstream.calls).toHaveLength(20);
  });

  it('is off with LOGIN_ATTEMPTS_BURST=0', async () => {
    await start({ LOGIN_ATTEMPTS_BURST: '0' });
    for (let round = 0; round < 15; round += 1)
      expect((await signIn('dave', 'guess', '192.0.2.9')).status).toBe(400);
    expect(upstream.calls).toHaveLength(15);
  });
});
