import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { levelForStatus } from '../../src/http/access-log.js';
import { requestIdFrom } from '../../src/http/request-id.js';
import {
  bufferedDestination,
  createAccessLineWriter,
  queryHoldsSecret,
  redactUrl,
} from '../../src/logger.js';
import { captureLogs } from '../helpers/logs.js';

describe('redactUrl', () => {
  it('hides credential values in the query', () => {
    expect(redactUrl('/api/v3/x?limit=1&access_token=abc&Password=p&refresh%5Ftoken=r&code=c')).toBe(
      '/api/v3/x?limit=1&access_token=[Redacted]&Password=[Redacted]&refresh%5Ftoken=[Redacted]&code=[Redacted]',
    );
  });
  it('sees through control characters and spaces around a name', () => {
    expect(redactUrl('/x?access_token%00=s3cret&%20password=p')).toBe(
      '/x?access_token%00=[Redacted]&%20password=[Redacted]',
    );
  });
  it('hides the names credentials commonly travel under, such as token and api-key', () => {
    expect(redactUrl('/metrics?token=m3trics&limit=1&api-key=k&Authorization=Bearer%20x&auth=a')).toBe(
      '/metrics?token=[Redacted]&limit=1&api-key=[Redacted]&Authorization=[Redacted]&auth=[Redacted]',
    );
  });
  it('hides any name ending like a credential: sessionToken, private_key, token[], token.value', () => {
    expect(
      redactUrl(
        '/x?sessionToken=a&private_key=b&token%5B%5D=c&client-secret=d&tokenCount=3&token.value=e&secret_key=f',
      ),
    ).toBe(
      '/x?sessionToken=[Redacted]&private_key=[Redacted]&token%5B%5D=[Redacted]&client-secret=[Redacted]&tokenCount=3&token.value=[Redacted]&secret_key=[Redacted]',
    );
  });
  it('hides key, sig, jwt, bearer, pwd and password, and the value of every ;name= path parameter', () => {
    expect(redactUrl('/x?key=k&sig=s&jwt=j&bearer=b&pwd=p&password=q&limit=5&keyboard=1')).toBe(
      '/x?key=[Redacted]&sig=[Redacted]&jwt=[Redacted]&bearer=[Redacted]&pwd=[Redacted]&password=[Redacted]&limit=5&keyboard=1',
    );
    expect(redactUrl('/api/v3/jobs;jsessionid=abc123/x;token=t?limit=1')).toBe(
      '/api/v3/jobs;jsessionid=[Redacted]/x;token=[Redacted]?limit=1',
    );
    expect(redactUrl('/api/v3/a;b/c')).toBe('/api/v3/a;b/c');
  });
  it('leaves URLs without secrets as they are', () => {
    expect(redactUrl('/api/v3/x?limit=1&filter=%5B%5D')).toBe('/api/v3/x?limit=1&filter=%5B%5D');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});

describe('queryHoldsSecret', () => {
  it.each([
    ['limit=1&access_token=x', true],
    ['REFRESH_TOKEN=x', true],
    ['pass%77ord=x', true],
    ['code=x', true],
    ['token=x', true],
    ['x-api-key=x', true],
    ['limit=1&filter=%5B%5D', false],
    ['sort=tokenCount', false],
    ['', false],
  ])('%s → %s', (query, holds) => expect(queryHoldsSecret(query)).toBe(holds));
});

describe('logger redaction', () => {
  it('censors credentials wherever a caller puts them', () => {
    const logs = captureLogs();
    logs.logger.info(
      {
        req: { headers: { authorization: 'Bearer s3cret', cookie: 'c=s3cret' } },
        body: { password: 's3cret', refresh_token: 's3cret' },
        access_token: 's3cret',
      },
      'x',
    );
    expect(logs.text()).not.toContain('s3cret');
    expect(logs.text()).toContain('[Redacted]');
  });
});

describe('levelForStatus', () => {
  it.each([
    [200, false, 'info'],
    [304, false, 'info'],
    [404, false, 'warn'],
    [429, false, 'warn'],
    [502, false, 'error'],
    [200, true, 'warn'],
    [502, true, 'error'],
  ] as const)('%i (aborted=%s) → %s', (status, failed, level) =>
    expect(levelForStatus(status, failed)).toBe(level),
  );
});

describe('requestIdFrom', () => {
  it('keeps a well-formed id', () => {
    expect(requestIdFrom('ba547d14-c556-42bb-b85c-eeeb16e2f5e7')).toBe(
      'ba547d14-c556-42bb-b85c-eeeb16e2f5e7',
    );
    expect(requestIdFrom('job:42.retry_1')).toBe('job:42.retry_1');
  });
  it.each([['has space'], ['x'.repeat(129)], [''], ['<script>'], [['a', 'b']], [undefined]])(
    'replaces %p with a UUID',
    (value) => {
      expect(requestIdFrom(value as string | string[] | undefined)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    },
  );
});

describe('createAccessLineWriter', () => {
  it("writes the same JSON shape as the logger, on the logger's destination and level, batched per turn", async () => {
    const logs = captureLogs();
    const write = createAccessLineWriter(logs.logger);
    logs.logger.info({ path: '/a "quoted"\\path', status: 200 }, 'from pino');
    write('info', { path: '/a "quoted"\\path', status: 200, skipped: undefined }, 'from writer');
    expect(logs.lines()).toHaveLength(1); // the access line waits for the end of this turn
    await new Promise((resolve) => setImmediate(resolve));
    const [fromPino, fromWriter] = logs.lines();
    const strip = (line: Record<string, unknown> | undefined) => ({ ...line, time: 0, msg: '' });
    expect(strip(fromWriter)).toEqual(strip(fromPino));
    expect(Object.keys(fromWriter ?? {})).toEqual(Object.keys(fromPino ?? {}));
    logs.logger.level = 'error';
    write('warn', { status: 404 }, 'filtered');
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.lines()).toHaveLength(2);
  });
});

describe('bufferedDestination', () => {
  it('counts the lines it drops beyond its backlog bound and reports them in one warn line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vspc-log-'));
    const file = join(dir, 'out.log');
    const destination = bufferedDestination(file, { minLength: 0, maxLength: 300, flushMs: 20 });
    const sent = 40;
    // Written in one go: while the first write is in flight, the backlog fills to 300 bytes and the rest drop.
    for (let index = 0; index < sent; index += 1)
      destination.write(`{"level":"info","msg":"line ${String(index).padStart(3, '0')}"}\n`);
    // The report follows every line that was written: once it is in the file, so is the rest.
    const deadline = Date.now() + 5000;
    const reported = () => existsSync(file) && readFileSync(file, 'utf8').includes('droppedLines');
    while (!reported() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    (destination as unknown as { destroy(): void }).destroy();
    rmSync(dir, { recursive: true, force: true });
    const written = lines.filter((line) => line.level === 'info');
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(sent);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ service: 'vspc-proxy', droppedLines: sent - written.length });
  });

  it('keeps the count when the report itself is dropped, and reports it on the next flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vspc-log-'));
    const file = join(dir, 'out.log');
    const destination = bufferedDestination(file, { minLength: 0, maxLength: 300, flushMs: 20 });
    const stream = destination as unknown as {
      write(data: string): boolean;
      emit(event: 'drop', data: string): boolean;
      destroy(): void;
    };
    // The first report meets a full backlog (as sonic-boom would drop it); the later ones go through.
    const write = stream.write.bind(stream);
    let reportsSeen = 0;
    stream.write = (data: string) => {
      if (data.includes('"droppedLines"') && (reportsSeen += 1) === 1)
        return stream.emit('drop', data) && false;
      return write(data);
    };
    stream.emit('drop', 'a\n');
    stream.emit('drop', 'b\nc\n');
    const deadline = Date.now() + 5000;
    const written = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    while (!written().includes('droppedLines') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    stream.destroy();
    rmSync(dir, { recursive: true, force: true });
    expect(reportsSeen).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', droppedLines: 3 });
  });
});
