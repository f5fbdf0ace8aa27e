import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadOpenApiValidator, validationErrors } from '../helpers/openapi-validator.js';

const API_COPY_JOBS = '/infrastructure/backupServers/jobs/backupCopyJobs';
const COPY_JOBS = `/api/v3${API_COPY_JOBS}?limit=1`;
/** A whole second of the simulator's clock; each test starts a fresh window `WINDOW_OFFSET_MS` into it. */
const START_MS = 1_700_000_000_000;
const WINDOW_MS = 1000;
/** Requests land inside their window, not on its edge, so `retryAfter` rounds up from part of a second. */
const WINDOW_OFFSET_MS = 250;
const RETRY_HINT = 'retry after the number of seconds given in retryAfter.';

const openApi = loadOpenApiValidator();
const errorSchema = openApi.response(API_COPY_JOBS, 'get', 'default');
const responseErrorSchema = openApi.component('ResponseError');

interface Reply {
  status: number;
  retryAfterHeader: string | null;
  body: unknown;
}

/** The body VSPC sends when a rate limit is exceeded, with the message naming that limit. */
function throttledBody(message: string): unknown {
  return { errors: [{ type: 'transport', code: 429, message, retryAfter: 1 }] };
}

describe('simulator throttleRps', () => {
  let nowMs = START_MS;
  let sim: Simulator;
  let alpha: Record<string, string>;
  let beta: Record<string, string>;

  async function get(headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${sim.url}${COPY_JOBS}`, { headers });
    const text = await response.text();
    return {
      status: response.status,
      retryAfterHeader: response.headers.get('retry-after'),
      body: text === '' ? undefined : JSON.parse(text),
    };
  }

  async function statuses(headers: Record<string, string>, count: number): Promise<number[]> {
    const result: number[] = [];
    for (let i = 0; i < count; i++) result.push((await get(headers)).status);
    return result;
  }

  async function login(username: string): Promise<number> {
    const response = await fetch(`${sim.url}/api/v3/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=password&username=${username}&password=${username}-demo-password`,
    });
    await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    sim = await startSimulator({ now: () => nowMs });
    alpha = { authorization: `Bearer ${sim.issueToken('alpha').accessToken}` };
    beta = { authorization: `Bearer ${sim.issueToken('beta').accessToken}` };
  });

  beforeEach(() => {
    nowMs = Math.ceil((nowMs + WINDOW_MS) / WINDOW_MS) * WINDOW_MS + WINDOW_OFFSET_MS;
    sim.resetKnobs();
    sim.resetStats();
  });

  afterAll(async () => {
    await sim.close();
  });

  it('scope user: answers a user over the rate 429 with retryAfter in the body, and spares other users', async () => {
    sim.knobs.throttleRps = 3;
    sim.knobs.throttleScope = 'user';
    const replies: Reply[] = [];
    for (let i = 0; i < 5; i++) replies.push(await get(alpha));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 429, 429]);
    for (const reply of replies.slice(3)) {
      expect(reply.retryAfterHeader).toBeNull();
      expect(reply.body).toEqual(
        throttledBody(`The request rate limit for this user is exceeded; ${RETRY_HINT}`),
      );
      expect(validationErrors(errorSchema, reply.body)).toEqual([]);
      const [error] = (reply.body as { errors: unknown[] }).errors;
      expect(validationErrors(responseErrorSchema, error)).toEqual([]);
    }
    expect(await statuses(beta, 3)).toEqual([200, 200, 200]);
    expect(sim.throttledCount).toBe(2);
    expect(sim.requestCount).toBe(8);
    expect(sim.recentRequests).toHaveLength(8);
  });

  it('scope global: one budget for all users', async () => {
    sim.knobs.throttleRps = 3;
    sim.knobs.throttleScope = 'global';
    expect(await statuses(alpha, 2)).toEqual([200, 200]);
    expect(await statuses(beta, 1)).toEqual([200]);
    const over = await get(beta);
    expect(over.status).toBe(429);
    expect(over.retryAfterHeader).toBeNull();
    expect(over.body).toEqual(throttledBody(`The global request rate limit is exceeded; ${RETRY_HINT}`));
    expect(validationErrors(errorSchema, over.body)).toEqual([]);
    expect(await statuses(alpha, 1)).toEqual([429]);
    expect(sim.throttledCount).toBe(2);
  });

  it('scope user: requests without a valid token share one budget per client IP address', async () => {
    sim.knobs.throttleRps = 1;
    expect((await get()).status).toBe(401);
    const over = await get({ authorization: 'Bearer not-a-token' });
    expect(over.status).toBe(429);
    expect(over.body).toEqual(
      throttledBody(`The request rate limit for this client IP address is exceeded; ${RETRY_HINT}`),
    );
    expect(await statuses(alpha, 2)).toEqual([200, 429]);
    expect(sim.throttledCount).toBe(2);
  });

  it.each(['user', 'global'] as const)(
    'scope %s: never throttles or counts POST /api/v3/token',
    async (scope) => {
      sim.knobs.throttleRps = 1;
      sim.knobs.throttleScope = scope;
      for (let i = 0; i < 4; i++) expect(await login('alpha')).toBe(200);
      expect(await statuses(alpha, 1)).toEqual([200]);
      expect(await login('alpha')).toBe(200);
      expect(await statuses(alpha, 1)).toEqual([429]);
      expect(await login('alpha')).toBe(200);
      expect(sim.throttledCount).toBe(1);
      expect(sim.requestCount).toBe(8);
    },
  );

  it('admits requests again once the window has passed', async () => {
    sim.knobs.throttleRps = 2;
    expect(await statuses(alpha, 3)).toEqual([200, 200, 429]);
    nowMs += WINDOW_MS - WINDOW_OFFSET_MS - 1;
    expect(await statuses(alpha, 1)).toEqual([429]);
    nowMs += 1;
    expect(await statuses(alpha, 3)).toEqual([200, 200, 429]);
    expect(sim.throttledCount).toBe(3);
  });

  it('answers at once, before latencyMs, resetConnection and forceStatus act', async () => {
    sim.knobs.throttleRps = 1;
    expect(await statuses(alpha, 1)).toEqual([200]);
    sim.knobs.latencyMs = 10_000;
    sim.knobs.resetConnection = true;
    sim.knobs.forceStatus = 520;
    const started = performance.now();
    expect(await statuses(alpha, 1)).toEqual([429]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('throttleRps 0 turns throttling off on the next request', async () => {
    sim.knobs.throttleRps = 1;
    expect(await statuses(alpha, 2)).toEqual([200, 429]);
    sim.knobs.throttleRps = 0;
    expect(await statuses(alpha, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(sim.throttledCount).toBe(1);
  });

  it('does not count forced 429s as throttled, and resetStats zeroes the count', async () => {
    sim.knobs.forceStatus = 429;
    expect(await statuses(alpha, 2)).toEqual([429, 429]);
    expect(sim.throttledCount).toBe(0);
    sim.knobs.forceStatus = null;
    sim.knobs.throttleRps = 1;
    expect(await statuses(alpha, 2)).toEqual([200, 429]);
    expect(sim.throttledCount).toBe(1);
    sim.resetStats();
    expect(sim.throttledCount).toBe(0);
  });
});
