import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildProxy } from '../helpers/proxy.js';

describe('VSPC over TLS with a private CA', () => {
  let server: https.Server;
  let origin: string;

  beforeAll(async () => {
    server = https.createServer(
      {
        key: readFileSync('test/fixtures/tls/server.key'),
        cert: readFileSync('test/fixtures/tls/server.pem'),
      },
      (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end('{"data":[],"meta":{"pagingInfo":{"total":0,"count":0,"offset":0}}}');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const list = (app: Parameters<typeof request>[0]) =>
    request(app).get('/api/v3/infrastructure/backupServers/jobs').set('Authorization', 'Bearer t');

  it('refuses an untrusted certificate with 502 and a hint', async () => {
    const proxy = buildProxy(origin);
    const res = await list(proxy.app);
    proxy.close();
    expect(res.status).toBe(502);
    expect(res.body.detail).toContain('VSPC_CA_FILE');
  });

  it('trusts the certificate with VSPC_CA_FILE', async () => {
    const proxy = buildProxy(origin, { VSPC_CA_FILE: 'test/fixtures/tls/ca.pem' });
    const res = await list(proxy.app);
    proxy.close();
    expect(res.status).toBe(200);
    expect(res.body.meta.pagingInfo.total).toBe(0);
  });

  it('skips verification with VSPC_TLS_INSECURE=true', async () => {
    const proxy = buildProxy(origin, { VSPC_TLS_INSECURE: 'true' });
    const res = await list(proxy.app);
    proxy.close();
    expect(res.status).toBe(200);
  });
});
