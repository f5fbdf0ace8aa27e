import { describe, expect, it } from '@jest/globals';
import type { VspcClient, VspcRequest, VspcResponse } from '../../src/upstream/client.js';
import type { ShieldRefusal } from '../../src/upstream/errors.js';
import { ThrottleHold } from '../../src/upstream/throttle.js';

/** VSPC answering 429 with `retryAfter` (and `message`) for the targets under /throttled, else 200. */
function throttlingClient(retryAfter: number, message = 'Too many requests for this user.') {
  const seen: string[] = [];
  const client: VspcClient = {
    origin: 'http://vspc.invalid',
    request: (request): Promise<VspcResponse> => {
      seen.push(request.target);
      const throttled = request.target.startsWith('/throttled');
      return Promise.resolve({
        status: throttled ? 429 : 200,
        headers: {},
        body: Buffer.from(
          throttled
            ? JSON.stringify({ errors: [{ type: 'transport', code: 429, retryAfter, message }] })
            : '{}',
        ),
        durationMs: 1,
      });
    },
    close: () => undefined,
  };
  return { client, seen };
}

function holdOver(client: VspcClient) {
  let clock = 5_000_000;
  const rejected: ShieldRefusal[] = [];
  let throttled = 0;
  const warnings: unknown[] = [];
  const hold = new ThrottleHold(client, {
    throttleDefaultS: 5,
    logger: { warn: (fields: unknown) => warnings.push(fields) },
    observer: { rejected: (reason) => rejected.push(reason), throttled: () => (throttled += 1) },
    now: () => clock,
  });
  return {
    hold,
    rejected,
    warnings,
    throttledCount: () => throttled,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const call = (target: string, tokenHash?: string): VspcRequest => ({
  method: 'GET',
  target,
  headers: {},
  ...(tokenHash === undefined ? {} : { tokenHash }),
});

describe('ThrottleHold', () => {
  it('holds the token that met a 429 for retryAfter seconds; other tokens still reach VSPC', async () => {
    const { client, seen } = throttlingClient(25);
    const { hold, rejected, advance, throttledCount } = holdOver(client);
    const first = await hold.request(call('/throttled', 'a'));
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('25');
    expect(throttledCount()).toBe(1);
    advance(5_000);
    await expect(hold.request(call('/x', 'a'))).rejects.toMatchObject({
      failure: 'throttled',
      retryAfterS: 20,
    });
    expect((await hold.request(call('/x', 'b'))).status).toBe(200);
    advance(20_000);
    expect((await hold.request(call('/x', 'a'))).status).toBe(200);
    expect(seen).toEqual(['/throttled', '/x', '/x']);
    expect(rejected).toEqual(['throttled']);
  });

  it('calls without a token share one hold, apart from the tokens', async () => {
    const { client } = throttlingClient(3);
    const { hold } = holdOver(client);
    await hold.request(call('/throttled'));
    await expect(hold.request(call('/x'))).rejects.toMatchObject({ failure: 'throttled', retryAfterS: 3 });
    expect((await hold.request(call('/x', 'a'))).status).toBe(200);
  });

  it("holds every call when VSPC's message names its global limit", async () => {
    const { client } = throttlingClient(4, 'Global request limit exceeded.');
    const { hold, warnings } = holdOver(client);
    await hold.request(call('/throttled', 'a'));
    await expect(hold.request(call('/x', 'b'))).rejects.toMatchObject({
      failure: 'throttled',
      retryAfterS: 4,
    });
    await expect(hold.request(call('/x'))).rejects.toMatchObject({ failure: 'throttled' });
    expect(warnings).toEqual([{ scope: 'global', retryAfterS: 4 }]);
  });

  it('refusalFor() says what a call would meet, without counting it', async () => {
    const { client } = throttlingClient(2);
    const { hold, rejected } = holdOver(client);
    expect(hold.refusalFor(call('/x', 'a'))).toBeNull();
    await hold.request(call('/throttled', 'a'));
    expect(hold.refusalFor(call('/x', 'a'))).toMatchObject({ name: 'RefusalError', retryAfterS: 2 });
    expect(rejected).toEqual([]);
  });

  it('keeps at most 10,000 token holds: the oldest is forgotten first', async () => {
    const { client } = throttlingClient(60);
    const { hold } = holdOver(client);
    for (let index = 0; index <= 10_000; index += 1) await hold.request(call('/throttled', `t-${index}`));
    expect(hold.refusalFor(call('/x', 't-0'))).toBeNull();
    expect(hold.refusalFor(call('/x', 't-1'))).not.toBeNull();
    expect(hold.refusalFor(call('/x', 't-10000'))).not.toBeNull();
  });
});
