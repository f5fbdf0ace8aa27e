import { describe, expect, it } from '@jest/globals';
import type { VspcClient, VspcRequest, VspcResponse } from '../../src/upstream/client.js';
import { TransportError, type TransportFailure, type UpstreamFailure } from '../../src/upstream/errors.js';
import { RetryLayer, type RetryOptions } from '../../src/upstream/retry.js';

/** A client answering each attempt with the next step (a status or a transport failure), recording what it was sent. */
function scriptedClient(steps: Array<number | TransportFailure>) {
  const seen: VspcRequest[] = [];
  const client: VspcClient = {
    origin: 'http://vspc.invalid',
    request: (request): Promise<VspcResponse> => {
      seen.push(request);
      const step = steps.shift() ?? 200;
      if (typeof step === 'string') return Promise.reject(new TransportError(step, `scripted ${step}`));
      return Promise.resolve({ status: step, headers: {}, body: Buffer.from(`${step}`), durationMs: 1 });
    },
    close: () => undefined,
  };
  return { client, seen };
}

function retryOver(client: VspcClient, options: Partial<RetryOptions> = {}) {
  let clock = 2_000_000;
  const attempts: Array<number | UpstreamFailure> = [];
  const retry = new RetryLayer(client, {
    retries: 2,
    retryBaseMs: 1,
    defaultTimeoutMs: 10_000,
    logger: { info: () => undefined },
    observer: { attempt: (outcome) => attempts.push(outcome) },
    now: () => clock,
    random: () => 0,
    ...options,
  });
  return {
    retry,
    attempts,
    now: () => clock,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const get = (extra: Partial<VspcRequest> = {}): VspcRequest => ({
  method: 'GET',
  target: '/api/v3/jobs',
  headers: {},
  ...extra,
});

describe('RetryLayer', () => {
  it('tries a GET again after 520 and a reset; the call’s outcome is its last attempt’s; every attempt is reported', async () => {
    const { client, seen } = scriptedClient([520, 'reset', 200]);
    const { retry, attempts } = retryOver(client);
    const answer = await retry.request(get());
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(attempts).toEqual([520, 'reset', 200]);
  });

  it('after 1 + retries attempts, the last failure is the call’s', async () => {
    const { client } = scriptedClient(['refused', 'refused', 'refused', 200]);
    const { retry, attempts } = retryOver(client);
    await expect(retry.request(get())).rejects.toMatchObject({ failure: 'refused' });
    expect(attempts).toEqual(['refused', 'refused', 'refused']);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('never tries a %s twice', async (method) => {
    const { client, seen } = scriptedClient([520, 200]);
    const { retry } = retryOver(client);
    expect((await retry.request(get({ method }))).status).toBe(520);
    expect(seen).toHaveLength(1);
  });

  it('gives each attempt what is left of the call’s deadline as its timeout', async () => {
    const { client, seen } = scriptedClient([520, 200]);
    const { retry, now } = retryOver(client);
    await retry.request(get({ deadlineAt: now() + 3_000 }));
    expect(seen.map((request) => request.timeoutMs)).toEqual([3_000, 3_000]); // the clock stood still
  });

  it('no attempt ends after latestEndAt(), and no retry starts that could not fit before it', async () => {
    let latestEndAt = Infinity;
    const { client, seen } = scriptedClient([520, 520, 200]);
    const { retry, now } = retryOver(client, { latestEndAt: () => latestEndAt });
    latestEndAt = now() + 1_000;
    await retry.request(get({ deadlineAt: now() + 5_000 }));
    expect(seen.map((request) => request.timeoutMs)).toEqual([1_000, 1_000, 1_000]);

    latestEndAt = now() + 200; // less than the 250 ms an attempt needs after a backoff
    const { client: second, seen: seenSecond } = scriptedClient([520, 200]);
    const { retry: retrySecond } = retryOver(second, { latestEndAt: () => latestEndAt, now });
    expect((await retrySecond.request(get({ deadlineAt: now() + 5_000 }))).status).toBe(520);
    expect(seenSecond.map((request) => request.timeoutMs)).toEqual([200]);
  });

  it('a client that leaves during the backoff ends the call with the last outcome, without another attempt', async () => {
    const { client, seen } = scriptedClient([520, 200]);
    const abort = new AbortController();
    const { retry } = retryOver(client, { retryBaseMs: 1_000, random: () => 0.5, now: Date.now });
    const pending = retry.request(get({ signal: abort.signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    expect((await pending).status).toBe(520);
    expect(seen).toHaveLength(1);
  });
});
