import { describe, expect, it } from '@jest/globals';
import { CircuitBreaker } from '../../src/upstream/breaker.js';
import type { VspcClient, VspcRequest, VspcResponse } from '../../src/upstream/client.js';
import { TransportError, type TransportFailure } from '../../src/upstream/errors.js';
import { FailureRun, pathShape } from '../../src/upstream/failure-run.js';

type Step = number | TransportFailure | 'pending';

/** A client that answers each call with the next step: a status, a transport failure, or (pending) later. */
function scriptedClient(steps: Step[], fallback: Step = 200) {
  const seen: VspcRequest[] = [];
  const pending: Array<(status: number) => void> = [];
  const client: VspcClient = {
    origin: 'http://vspc.invalid',
    request: (request) => {
      seen.push(request);
      const step = steps.shift() ?? fallback;
      if (typeof step === 'string' && step !== 'pending')
        return Promise.reject(new TransportError(step, `scripted ${step}`));
      return new Promise<VspcResponse>((resolve) => {
        const answer = (status: number) =>
          resolve({ status, headers: {}, body: Buffer.alloc(0), durationMs: 1 });
        if (step === 'pending') pending.push(answer);
        else answer(step);
      });
    },
    close: () => undefined,
  };
  return { client, seen, pending };
}

const FAILURES = 3;
const COOLDOWN_MS = 10_000;
const WINDOW_MS = 30_000;

function breakerOver(client: VspcClient) {
  let clock = 1_000_000;
  let opened = 0;
  const warnings: Array<Record<string, unknown>> = [];
  const breaker = new CircuitBreaker(client, {
    breakerFailures: FAILURES,
    breakerCooldownMs: COOLDOWN_MS,
    breakerWindowMs: WINDOW_MS,
    defaultTimeoutMs: 10_000,
    logger: {
      warn: (fields: unknown) => warnings.push(fields as Record<string, unknown>),
      info: () => undefined,
    },
    now: () => clock,
    onOpen: () => (opened += 1),
  });
  return {
    breaker,
    warnings,
    openedCount: () => opened,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const call = (target: string, tokenHash?: string, extra: Partial<VspcRequest> = {}): VspcRequest => ({
  method: 'GET',
  target,
  headers: {},
  ...(tokenHash === undefined ? {} : { tokenHash }),
  ...extra,
});
/** Sends the call and tells how it ended: VSPC's status or the failure. */
const outcome = (pending: Promise<VspcResponse>) =>
  pending.then(
    (answer) => answer.status,
    (error: TransportError) => error.failure,
  );

describe('CircuitBreaker counts 5xx answers by source', () => {
  it('one caller on one path never opens it, however many 520s', async () => {
    const { client } = scriptedClient([], 520);
    const { breaker, openedCount } = breakerOver(client);
    for (let index = 0; index < 10; index += 1)
      expect(await outcome(breaker.request(call(`/api/v3/jobs?offset=${index}`, 'tenant-a')))).toBe(520);
    expect(breaker.state).toBe('closed');
    expect(openedCount()).toBe(0);
  });

  it('ids in the path are one path: one tenant polling many broken jobs counts once', async () => {
    const { client } = scriptedClient([], 520);
    const { breaker } = breakerOver(client);
    for (const id of [
      '1',
      '22',
      '6a3f2b1c-0000-4000-8000-000000000001',
      '6A3F2B1C-0000-4000-8000-000000000002',
    ])
      await outcome(breaker.request(call(`/api/v3/Jobs/${id}/start`, 'tenant-a')));
    expect(breaker.state).toBe('closed');
  });

  it('520s from BREAKER_FAILURES callers open it, and it says why', async () => {
    const { client } = scriptedClient([], 520);
    const { breaker, warnings, openedCount } = breakerOver(client);
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    await outcome(breaker.request(call('/api/v3/jobs', 'b')));
    expect(breaker.state).toBe('closed');
    await outcome(breaker.request(call('/api/v3/jobs'))); // anonymous callers are one more caller
    expect(breaker.state).toBe('open');
    expect(openedCount()).toBe(1);
    expect(warnings).toEqual([
      { breaker: 'open', failures: 3, transportFailures: 0, callers: 3, paths: 1, cooldownMs: COOLDOWN_MS },
    ]);
    await expect(breaker.request(call('/api/v3/jobs', 'd'))).rejects.toMatchObject({
      failure: 'breaker-open',
      retryAfterS: 10,
    });
  });

  it('520s from one caller on BREAKER_FAILURES different paths open it', async () => {
    const { client } = scriptedClient([], 520);
    const { breaker } = breakerOver(client);
    for (const path of ['/api/v3/jobs', '/api/v3/companies', '/api/v3/users/me'])
      await outcome(breaker.request(call(path, 'a')));
    expect(breaker.state).toBe('open');
  });

  it('an undecodable answer counts by source like a 5xx', async () => {
    const { client } = scriptedClient([], 'bad-answer');
    const { breaker } = breakerOver(client);
    for (let index = 0; index < 5; index += 1)
      expect(await outcome(breaker.request(call('/api/v3/jobs', 'a')))).toBe('bad-answer');
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker counts transport failures for everyone', () => {
  it.each<TransportFailure>(['refused', 'reset', 'timeout', 'dns', 'tls', 'other'])(
    'BREAKER_FAILURES %s failures of one caller open it',
    async (failure) => {
      const { client } = scriptedClient([], failure);
      const { breaker } = breakerOver(client);
      for (let index = 0; index < FAILURES; index += 1)
        expect(await outcome(breaker.request(call('/api/v3/jobs', 'a')))).toBe(failure);
      expect(breaker.state).toBe('open');
    },
  );

  it('transport failures and answers’ sources add up', async () => {
    const { client } = scriptedClient(['refused', 520, 520]);
    const { breaker } = breakerOver(client);
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    expect(breaker.state).toBe('closed'); // 1 transport + 1 source
    await outcome(breaker.request(call('/api/v3/jobs', 'b')));
    expect(breaker.state).toBe('open'); // 1 transport + 2 callers
  });

  it.each<TransportFailure>(['aborted', 'body-too-large'])(
    '%s says nothing about VSPC: never counted',
    async (failure) => {
      const { client } = scriptedClient([], failure);
      const { breaker } = breakerOver(client);
      for (let index = 0; index < 5; index += 1)
        await outcome(breaker.request(call('/api/v3/jobs', `t-${index}`)));
      expect(breaker.state).toBe('closed');
    },
  );
});

describe('CircuitBreaker run', () => {
  it('any answer below 500 ends the run', async () => {
    const { client } = scriptedClient(['refused', 'refused', 429, 'refused', 'refused']);
    const { breaker } = breakerOver(client);
    for (let index = 0; index < 5; index += 1) await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    expect(breaker.state).toBe('closed');
  });

  it('failures older than BREAKER_WINDOW_MS leave the run', async () => {
    const { client } = scriptedClient([], 'refused');
    const { breaker, advance } = breakerOver(client);
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    advance(WINDOW_MS - 1);
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    advance(2);
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    expect(breaker.state).toBe('closed'); // the first one left the run
    await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    expect(breaker.state).toBe('open');
  });

  it('after the cool-down one probe decides; others meanwhile are refused with Retry-After: 1', async () => {
    const { client, pending } = scriptedClient(['refused', 'refused', 'refused', 'pending']);
    const { breaker, advance } = breakerOver(client);
    for (let index = 0; index < FAILURES; index += 1)
      await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    advance(COOLDOWN_MS);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.request(call('/api/v3/jobs', 'a'));
    expect(breaker.probing).toBe(true);
    await expect(breaker.request(call('/api/v3/jobs', 'b'))).rejects.toMatchObject({
      failure: 'breaker-open',
      retryAfterS: 1,
    });
    pending[0]?.(200);
    expect((await probe).status).toBe(200);
    expect(breaker.state).toBe('closed');
    expect(breaker.probing).toBe(false);
  });

  it('a probe that fails with a single 520 opens it again: in half-open, any failure does', async () => {
    const { client } = scriptedClient(['refused', 'refused', 'refused', 520]);
    const { breaker, advance, openedCount } = breakerOver(client);
    for (let index = 0; index < FAILURES; index += 1)
      await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    advance(COOLDOWN_MS);
    expect(await outcome(breaker.request(call('/api/v3/jobs', 'a')))).toBe(520);
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterS).toBe(10);
    expect(openedCount()).toBe(2);
  });

  it('a probe whose client left decides nothing: the next call probes', async () => {
    const { client } = scriptedClient(['refused', 'refused', 'refused', 'aborted', 200]);
    const { breaker, advance } = breakerOver(client);
    for (let index = 0; index < FAILURES; index += 1)
      await outcome(breaker.request(call('/api/v3/jobs', 'a')));
    advance(COOLDOWN_MS);
    expect(await outcome(breaker.request(call('/api/v3/jobs', 'a')))).toBe('aborted');
    expect(breaker.state).toBe('half-open');
    expect(await outcome(breaker.request(call('/api/v3/jobs', 'a')))).toBe(200);
    expect(breaker.state).toBe('closed');
  });
});

describe('pathShape', () => {
  it.each([
    [
      '/api/v3/infrastructure/backupServers/jobs?limit=1&offset=7',
      '/api/v3/infrastructure/backupservers/jobs',
    ],
    ['/api/v3/Jobs/6A3F2B1C-0000-4000-8000-000000000001/start', '/api/v3/jobs/{id}/start'],
    ['/api/v3/asyncActions/42/result?x=%3F', '/api/v3/asyncactions/{id}/result'],
    ['/api/v3/jobs/job42', '/api/v3/jobs/job42'],
  ])('%s → %s', (target, shape) => expect(pathShape(target)).toBe(shape));
});

describe('FailureRun', () => {
  it('counts transport failures plus the larger of distinct callers and distinct paths', () => {
    const run = new FailureRun({ windowMs: 1_000, keep: 100 });
    expect(run.add({ kind: 'answer', caller: 'a', path: '/p' }, 0)).toBe(1);
    expect(run.add({ kind: 'answer', caller: 'a', path: '/p' }, 1)).toBe(1);
    expect(run.add({ kind: 'answer', caller: 'b', path: '/p' }, 2)).toBe(2);
    expect(run.add({ kind: 'answer', caller: 'b', path: '/q' }, 3)).toBe(2);
    expect(run.add({ kind: 'answer', caller: 'b', path: '/r' }, 4)).toBe(3);
    expect(run.add({ kind: 'transport' }, 5)).toBe(4);
    expect(run.summary(5)).toEqual({ failures: 4, transportFailures: 1, callers: 2, paths: 3 });
    run.clear();
    expect(run.count(5)).toBe(0);
  });

  it('forgets what is older than the window, by when each caller and path last failed', () => {
    const run = new FailureRun({ windowMs: 1_000, keep: 100 });
    run.add({ kind: 'answer', caller: 'a', path: '/p' }, 0);
    run.add({ kind: 'transport' }, 50);
    run.add({ kind: 'answer', caller: 'b', path: '/q' }, 500);
    run.add({ kind: 'answer', caller: 'a', path: '/q' }, 900);
    expect(run.count(1_100)).toBe(2); // the transport failure and /p are gone; a and b remain
    expect(run.count(1_600)).toBe(1); // b's last failure left too
    expect(run.count(2_000)).toBe(0);
  });

  it('keeps at most `keep` of each kind: memory stays bounded, and more could not matter', () => {
    const run = new FailureRun({ windowMs: 1_000_000, keep: 5 });
    for (let index = 0; index < 1_000; index += 1) {
      run.add({ kind: 'transport' }, index);
      run.add({ kind: 'answer', caller: `c-${index}`, path: `/p/${index}` }, index);
    }
    expect(run.summary(1_000)).toEqual({ failures: 10, transportFailures: 5, callers: 5, paths: 5 });
  });
});
