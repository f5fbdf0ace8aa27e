import http, { type IncomingHttpHeaders } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_USERS, startSimulator, type Simulator } from '../../src/simulator/index.js';

const COPY_JOBS = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ADMIN = DEMO_USERS.find((user) => user.username === 'admin');

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET over a fresh connection with node:http, so socket errors surface with their codes. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function login(sim: Simulator, username: string): Promise<Response> {
  return fetch(`${sim.url}/api/v3/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=password&username=${username}&password=${username}-demo-password`,
  });
}

describe('VSPC simulator knobs', () => {
  let sim: Simulator;
  let token: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    sim = await startSimulator();
    token = sim.issueToken('admin').accessToken;
    auth = { authorization: `Bearer ${token}` };
  });

  afterEach(() => {
    sim.resetKnobs();
    sim.resetStats();
  });

  afterAll(async () => {
    await sim.close();
  });

  describe('forceStatus', () => {
    it('520: answers every request with an unspecified ErrorResponse, before authentication', async () => {
      sim.knobs.forceStatus = 520;
      for (const headers of [auth, {}]) {
        const reply = await rawGet(`${sim.url}${COPY_JOBS}`, headers);
        expect(reply.status).toBe(520);
        expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(JSON.parse(reply.body)).toEqual({
          errors: [
            { message: 'An unexpected error occurred on the server.', type: 'unspecified', code: 520 },
          ],
        });
      }
    });

    it('429: puts retryAfter in the body and sends no Retry-After header', async () => {
      sim.knobs.forceStatus = 429;
      sim.knobs.retryAfterS = 25;
      const reply = await rawGet(`${sim.url}${COPY_JOBS}`, auth);
      expect(reply.status).toBe(429);
      expect(reply.headers['retry-after']).toBeUndefined();
      expect(JSON.parse(reply.body)).toEqual({
        errors: [
          {
            message: expect.stringMatching(/^Too many requests/),
            type: 'transport',
            code: 429,
            retryAfter: 25,
          },
        ],
      });
    });

    it('202: answers with an empty body and a Location whose async action is running', async () => {
      sim.knobs.forceStatus = 202;
      const reply = await rawGet(`${sim.url}${COPY_JOBS}?limit=5&expand=BackupServerJob`, auth);
      expect(reply.status).toBe(202);
      expect(reply.body).toBe('');
      const location = reply.headers.location ?? '';
      expect(location).toMatch(new RegExp(`^${sim.url}/api/v3/asyncActions/${UUID}$`));

      const action = await rawGet(location, auth);
      expect(action.status).toBe(200);
      expect(JSON.parse(action.body)).toEqual({
        meta: null,
        data: {
          id: location.slice(location.lastIndexOf('/') + 1),
          initiatorUid: ADMIN?.userUid,
          actionName: 'GetBackupServerBackupCopyJobs',
          status: 'running',
          requestBody: null,
          queryParameters: { limit: ['5'], expand: ['BackupServerJob'] },
        },
        errors: null,
      });
      expect(
        (await rawGet(`${sim.url}/api/v3/asyncActions/11111111-2222-4333-8444-555555555555`, auth)).status,
      ).toBe(404);
      expect((await rawGet(location)).status).toBe(401);
    });

    it('never applies to POST /api/v3/token', async () => {
      for (const status of [520, 429, 202] as const) {
        sim.knobs.forceStatus = status;
        expect((await login(sim, 'alpha')).status).toBe(200);
      }
    });
  });

  describe('failureRate', () => {
    it('1: answers every request but the token request with 520', async () => {
      sim.knobs.failureRate = 1;
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${sim.url}${COPY_JOBS}?limit=1`, { headers: auth }).then((r) => r.status),
        ),
      );
      expect(statuses).toEqual(Array(10).fill(520));
      expect((await login(sim, 'beta')).status).toBe(200);
    });

    it('0.5: fails a deterministic share of requests, the same sequence on every simulator', async () => {
      const patterns: string[] = [];
      for (let run = 0; run < 2; run++) {
        const fresh = await startSimulator({ knobs: { failureRate: 0.5 } });
        const headers = { authorization: `Bearer ${fresh.issueToken('admin').accessToken}` };
        let pattern = '';
        for (let i = 0; i < 40; i++) {
          pattern +=
            (await fetch(`${fresh.url}${COPY_JOBS}?limit=1`, { headers })).status === 520 ? 'x' : '.';
        }
        await fresh.close();
        patterns.push(pattern);
      }
      expect(patterns[0]).toBe(patterns[1]);
      const failures = (patterns[0] ?? '').split('').filter((c) => c === 'x').length;
      expect(failures).toBeGreaterThan(8);
      expect(failures).toBeLessThan(32);
    });
  });

  describe('connection faults', () => {
    it('resetConnection: resets the socket after reading the request, without a response', async () => {
      sim.knobs.resetConnection = true;
      await expect(rawGet(`${sim.url}${COPY_JOBS}`, auth)).rejects.toMatchObject({ code: 'ECONNRESET' });
      await expect(fetch(`${sim.url}${COPY_JOBS}`, { headers: auth })).rejects.toThrow('fetch failed');
      expect(sim.requestCount).toBe(2);
      expect(sim.recentRequests.map((r) => r.path)).toEqual([COPY_JOBS, COPY_JOBS]);
    });

    it('down: destroys new connections without reading or counting them', async () => {
      sim.knobs.down = true;
      await expect(rawGet(`${sim.url}${COPY_JOBS}`, auth)).rejects.toMatchObject({ code: 'ECONNRESET' });
      await expect(login(sim, 'admin')).rejects.toThrow('fetch failed');
      expect(sim.requestCount).toBe(0);
      sim.knobs.down = false;
      expect((await rawGet(`${sim.url}${COPY_JOBS}?limit=1`, auth)).status).toBe(200);
    });
  });

  describe('timing', () => {
    it('latencyMs delays every request, the token request included', async () => {
      sim.knobs.latencyMs = 200;
      let started = performance.now();
      expect((await rawGet(`${sim.url}${COPY_JOBS}?limit=1`, auth)).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(195);
      started = performance.now();
      expect((await login(sim, 'admin')).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    });

    it('slowBodyMs sends the headers at once and the body in chunks', async () => {
      sim.knobs.slowBodyMs = 80;
      const started = performance.now();
      const response = await fetch(`${sim.url}${COPY_JOBS}?limit=50`, { headers: auth });
      const headersAfterMs = performance.now() - started;
      const body = (await response.json()) as { meta: { pagingInfo: { count: number } } };
      const totalMs = performance.now() - started;
      expect(body.meta.pagingInfo.count).toBe(50);
      expect(headersAfterMs).toBeLessThan(80);
      expect(totalMs).toBeGreaterThanOrEqual(3 * 80 - 5);
    });

    it('tracks inFlight and peakInFlight', async () => {
      sim.knobs.latencyMs = 150;
      const pending = Array.from({ length: 5 }, () => rawGet(`${sim.url}${COPY_JOBS}?limit=1`, auth));
      await new Promise((resolve) => setTimeout(resolve, 75));
      expect(sim.inFlight).toBe(5);
      await Promise.all(pending);
      expect(sim.peakInFlight).toBe(5);
      expect(sim.inFlight).toBe(0);
      sim.resetStats();
      expect(sim.peakInFlight).toBe(0);
    });
  });

  describe('request records', () => {
    it('counts every request at arrival and records what reached the server, even when it answers 520', async () => {
      sim.knobs.forceStatus = 520;
      const reply = await rawGet(`${sim.url}${COPY_JOBS}?limit=5&offset=10`, {
        ...auth,
        'x-client-version': '3.6',
        'x-request-id': '0f0e0d0c-0b0a-4908-8706-050403020100',
      });
      expect(reply.status).toBe(520);
      await login(sim, 'alpha');
      expect(sim.requestCount).toBe(2);
      const [get, post] = sim.recentRequests;
      expect(get).toMatchObject({ method: 'GET', path: COPY_JOBS, query: 'limit=5&offset=10', body: '' });
      expect(get?.headers).toMatchObject({
        authorization: `Bearer ${token}`,
        'x-client-version': '3.6',
        'x-request-id': '0f0e0d0c-0b0a-4908-8706-050403020100',
      });
      expect(post).toMatchObject({
        method: 'POST',
        path: '/api/v3/token',
        query: '',
        body: 'grant_type=password&username=alpha&password=alpha-demo-password',
      });
    });

    it('keeps at most recentRequestsMax requests, newest last', async () => {
      const small = await startSimulator({ recentRequestsMax: 3 });
      try {
        for (let i = 0; i < 5; i++) await rawGet(`${small.url}/nowhere?i=${i}`);
        expect(small.requestCount).toBe(5);
        expect(small.recentRequests.map((r) => r.query)).toEqual(['i=2', 'i=3', 'i=4']);
      } finally {
        await small.close();
      }
    });
  });

  describe('limits and lifecycle', () => {
    it('answers 413 to a body over 1 MiB', async () => {
      const response = await fetch(`${sim.url}/api/v3/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=password&username=${'a'.repeat(1024 * 1024)}`,
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({
        errors: [
          { message: 'The request body exceeds the limit of 1048576 bytes.', type: 'logical', code: 413 },
        ],
      });
    });

    it('resetKnobs returns to the knobs given at start', async () => {
      const configured = await startSimulator({ knobs: { latencyMs: 7, legacyEnumCasing: true } });
      configured.knobs.latencyMs = 500;
      configured.knobs.forceStatus = 429;
      configured.resetKnobs();
      expect(configured.knobs).toEqual({
        latencyMs: 7,
        forceStatus: null,
        retryAfterS: 5,
        failureRate: 0,
        resetConnection: false,
        slowBodyMs: 0,
        down: false,
        legacyEnumCasing: true,
        throttleRps: 0,
        throttleScope: 'user',
      });
      await configured.close();
    });

    it('close() does not wait for kept-alive or slow connections, and frees the port', async () => {
      const closing = await startSimulator({ knobs: { latencyMs: 10_000 } });
      const headers = { authorization: `Bearer ${closing.issueToken('admin').accessToken}` };
      closing.knobs.latencyMs = 0;
      expect((await fetch(`${closing.url}${COPY_JOBS}?limit=1`, { headers })).status).toBe(200);
      closing.knobs.latencyMs = 10_000;
      const hanging = rawGet(`${closing.url}${COPY_JOBS}?limit=1`, headers);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      await closing.close();
      expect(performance.now() - started).toBeLessThan(1000);
      await expect(hanging).rejects.toMatchObject({ code: 'ECONNRESET' });
      await expect(rawGet(`${closing.url}${COPY_JOBS}`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await closing.close();
    });
  });
});
