import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { OPENAPI_DOCUMENT } from '../../src/http/openapi/index.js';
import { JOB_STATUSES } from '../../src/jobs/job.js';
import { parseJobsQuery } from '../../src/jobs/params.js';
import { JobsQueryParametersSchema, SORT_KEYS } from '../../src/jobs/schema.js';
import { ProblemSchema, VspcProblemSchema } from '../../src/http/problem-schema.js';
import { PROBLEMS, problemBody, type ProblemCode } from '../../src/http/problems.js';
import { createRateLimiter, rateLimitField, rateLimitPolicyField } from '../../src/http/rate-limit.js';
import { createMetrics } from '../../src/metrics.js';
import { problemForFailure, type ShieldRefusal } from '../../src/upstream/errors.js';
import {
  describeErrors,
  pointerOf,
  proxyDocumentSchemas,
  resolveDocumentPointer,
  validateProxyResponse,
} from '../helpers/openapi-proxy.js';

type JsonObject = { [key: string]: unknown };

/** The package's manifest; tests run from the repository root. */
const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; license: string };

/** `body` with VSPC's error envelope, as vspc-proxy writes its problems under `/api/v3/*`. */
function withEnvelope(body: ReturnType<typeof problemBody>, type: string, retryAfter?: number): JsonObject {
  const error = {
    message: body.detail,
    type,
    code: body.status,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
  return { ...body, errors: [error] };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const JOB_ID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';

/** The job of issue 4's shape, ids filled in. */
const job = (): JsonObject => ({
  id: JOB_ID,
  name: 'Copy to DR site',
  status: 'success',
  enabled: true,
  lastRun: '2026-11-28T22:00:00Z',
  lastEndTime: '2026-11-28T22:13:32Z',
  lastDurationSec: 812,
  targetRepositoryId: '88788f9e-d8f5-4eb4-bc4f-9b3f5403bcec',
  wanAcceleration: {
    sourceId: 'af43d000-52f1-4874-8df3-62dbb8676f25',
    targetId: 'a2b489bb-4aa5-4527-b9e4-f6a0f493a1bb',
  },
  retention: { policy: 'simple', weekly: 0, monthly: 0, yearly: 0 },
  rpo: { enabled: false, value: 0, unit: 'minutes' },
});

const page = (jobs: JsonObject[] = [job()]): JsonObject => ({
  data: jobs,
  page: { total: 1000, count: jobs.length, offset: 0, limit: 100 },
  links: { self: '/jobs/copy?limit=100&offset=0', next: '/jobs/copy?limit=100&offset=100', prev: null },
});

/** Every node of the document with its JSON pointer. */
function* walk(node: unknown, tokens: string[] = []): Generator<{ node: unknown; tokens: string[] }> {
  yield { node, tokens };
  if (Array.isArray(node)) {
    for (const [index, child] of node.entries()) yield* walk(child, [...tokens, String(index)]);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, child] of Object.entries(node)) yield* walk(child, [...tokens, key]);
  }
}

function operations(): Array<{ path: string; method: string; operation: JsonObject }> {
  return Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
    Object.entries(item as JsonObject)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as JsonObject })),
  );
}

/** The pointers of every schema the document holds (components, parameters, headers, bodies). */
function schemaPointers(): string[] {
  const pointers: string[] = [];
  for (const { tokens } of walk(OPENAPI_DOCUMENT)) {
    const last = tokens.at(-1);
    const parent = tokens.at(-2);
    if (last === 'schema' || (parent === 'schemas' && tokens.length === 3)) pointers.push(pointerOf(tokens));
  }
  return pointers;
}

/** A copy of `object` without `key`. */
function without(object: JsonObject, key: string): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

/** A response or header object, its `$ref` (if any) followed. */
function dereference(entry: unknown): JsonObject {
  const reference = (entry as JsonObject).$ref;
  return (typeof reference === 'string' ? resolveDocumentPointer(reference) : entry) as JsonObject;
}

/** Operations every answer of which counts against the client rate limit (src/app.ts). */
const isRateLimited = (path: string): boolean => path.startsWith('/jobs/copy') || path.startsWith('/api/v3/');

/** The `code` of each problem example of a response, by example key. */
function exampleCodes(response: JsonObject): Record<string, string> {
  const content = response.content as Record<string, { examples?: Record<string, { value: JsonObject }> }>;
  return Object.fromEntries(
    Object.entries(content['application/problem+json']?.examples ?? {}).map(([key, { value }]) => [
      key,
      String(value.code),
    ]),
  );
}

function expectInvalidPage(body: unknown, message: RegExp): void {
  expect(() => validateProxyResponse('GET', '/jobs/copy', 200, body)).toThrow(message);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 for vspc-proxy, and deeply frozen', () => {
    expect(OPENAPI_DOCUMENT.openapi).toBe('3.1.0');
    expect(OPENAPI_DOCUMENT.info.title).toBe('vspc-proxy');
    expect(OPENAPI_DOCUMENT.info.version).toBe(PACKAGE.version);
    expect(OPENAPI_DOCUMENT.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(PACKAGE.license).toBe('MIT');
    for (const { node, tokens } of walk(OPENAPI_DOCUMENT)) {
      if (typeof node === 'object' && node !== null)
        expect([tokens.join('/'), Object.isFrozen(node)]).toEqual([tokens.join('/'), true]);
    }
  });

  it('resolves every $ref', () => {
    const references = [...walk(OPENAPI_DOCUMENT)]
      .map(({ node }) => (node as JsonObject | null)?.$ref)
      .filter((reference): reference is string => typeof reference === 'string');
    expect(references.length).toBeGreaterThan(30);
    for (const reference of references) expect(resolveDocumentPointer(reference)).toBeDefined();
    expect(() => resolveDocumentPointer('#/components/schemas/Nope')).toThrow(/Nope/);
  });

  it('compiles every schema in strict mode (components, parameters, headers, bodies)', () => {
    const schemas = proxyDocumentSchemas();
    expect(schemas.names).toEqual(
      expect.arrayContaining(['Job', 'JobPage', 'JobResponse', 'Problem', 'CacheStats']),
    );
    for (const name of schemas.names) expect(typeof schemas.component(name)).toBe('function');
    const pointers = schemaPointers();
    expect(pointers.length).toBeGreaterThan(40);
    for (const pointer of pointers) expect(typeof schemas.at(pointer)).toBe('function');
  });

  it('gives every operation a unique operationId and a 2xx response', () => {
    const all = operations();
    expect(all.length).toBe(17);
    const ids = all.map(({ operation }) => operation.operationId);
    for (const id of ids) expect(typeof id).toBe('string');
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, operation } of all) {
      const statuses = Object.keys(operation.responses as JsonObject);
      expect([path, method, statuses.some((status) => /^2\d\d$/.test(status))]).toEqual([path, method, true]);
    }
  });

  it('asks for the bearer token everywhere but health, docs and login; for /metrics only when configured', () => {
    const open = operations()
      .filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0)
      .map(({ path, method }) => `${method} ${path}`);
    expect(open.sort()).toEqual(
      ['get /docs', 'get /healthz', 'get /openapi.json', 'get /readyz', 'post /api/v3/token'].sort(),
    );
    // An empty requirement makes the bearer optional: METRICS_TOKEN guards /metrics only when set.
    const optional = operations()
      .filter(
        ({ operation }) =>
          Array.isArray(operation.security) &&
          operation.security.some((requirement: JsonObject) => Object.keys(requirement).length === 0),
      )
      .map(({ path, method }) => `${method} ${path}`);
    expect(optional).toEqual(['get /metrics']);
    expect(OPENAPI_DOCUMENT.paths['/metrics'].get.security).toEqual([{}, { bearer: [] }]);
    expect(OPENAPI_DOCUMENT.security).toEqual([{ bearer: [] }]);
    expect(OPENAPI_DOCUMENT.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it("gives every response a description, and every header it names a schema (OpenAPI's required fields)", () => {
    let headers = 0;
    for (const { path, method, operation } of operations()) {
      for (const [status, entry] of Object.entries(operation.responses as JsonObject)) {
        const response = dereference(entry);
        const where = `${method} ${path} ${status}`;
        expect([where, typeof response.description]).toEqual([where, 'string']);
        for (const [name, header] of Object.entries((response.headers as JsonObject | undefined) ?? {})) {
          // OpenAPI ignores a Content-Type header object; the media type says it.
          expect(name.toLowerCase()).not.toBe('content-type');
          expect([where, name, typeof dereference(header).schema]).toEqual([where, name, 'object']);
          headers += 1;
        }
      }
    }
    expect(headers).toBeGreaterThan(100);
  });

  it('names no external URL (the docs page works offline)', () => {
    expect(JSON.stringify(OPENAPI_DOCUMENT)).not.toMatch(/https?:\/\//);
  });

  it('holds examples that are valid against their own schemas', () => {
    const schemas = proxyDocumentSchemas();
    let checked = 0;
    for (const { node, tokens } of walk(OPENAPI_DOCUMENT)) {
      const value = node as JsonObject | null;
      if (tokens.at(-1) === 'schema' || tokens.at(-2) === 'schemas') {
        for (const example of (value?.examples as unknown[] | undefined) ?? []) {
          const validate = schemas.at(pointerOf(tokens));
          expect([pointerOf(tokens), validate(example), describeErrors(validate.errors)]).toEqual([
            pointerOf(tokens),
            true,
            [],
          ]);
          checked += 1;
        }
      }
      const mediaExamples = value?.examples;
      if (tokens.at(-2) === 'content' && typeof mediaExamples === 'object' && mediaExamples !== null) {
        const validate = schemas.at(pointerOf([...tokens, 'schema']));
        for (const example of Object.values(mediaExamples as Record<string, { value: unknown }>)) {
          expect([pointerOf(tokens), validate(example.value), describeErrors(validate.errors)]).toEqual([
            pointerOf(tokens),
            true,
            [],
          ]);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });
});

describe('GET /jobs/copy 200 against the document', () => {
  it('accepts the page of issue 4', () => {
    expect(() => validateProxyResponse('GET', '/jobs/copy?limit=100&offset=0', 200, page())).not.toThrow();
  });

  it('accepts the nulls the shape allows: no job record, no WAN ids, all=true', () => {
    const bare = {
      ...job(),
      name: null,
      status: null,
      enabled: null,
      lastRun: null,
      lastEndTime: null,
      lastDurationSec: null,
      targetRepositoryId: null,
      wanAcceleration: null,
    };
    const all = {
      data: [bare, job()],
      page: { total: 2, count: 2, offset: 0, limit: null },
      links: { self: '/jobs/copy?all=true', next: null, prev: null },
    };
    expect(() => validateProxyResponse('GET', '/jobs/copy?all=true', 200, all)).not.toThrow();
    expect(() => validateProxyResponse('GET', '/jobs/copy', 200, page([]))).not.toThrow();
  });

  it('refuses a job without rpo', () => {
    expectInvalidPage(page([without(job(), 'rpo')]), /\/data\/0 must have required property 'rpo'/);
  });

  it('refuses an extra property, on the job and in nested objects', () => {
    expectInvalidPage(
      page([{ ...job(), instanceUid: JOB_ID }]),
      /\/data\/0 must NOT have additional properties \('instanceUid'\)/,
    );
    expectInvalidPage(
      page([{ ...job(), rpo: { enabled: false, value: 0, unit: 'minutes', extra: 1 } }]),
      /\/data\/0\/rpo must NOT have additional properties \('extra'\)/,
    );
  });

  it("refuses VSPC's casing of an enum", () => {
    expectInvalidPage(
      page([{ ...job(), status: 'Success' }]),
      /\/data\/0\/status must be equal to one of the allowed values/,
    );
    expectInvalidPage(
      page([{ ...job(), retention: { policy: 'GFS', weekly: 1, monthly: 1, yearly: 1 } }]),
      /\/data\/0\/retention\/policy must be equal to one of the allowed values/,
    );
  });

  it('refuses a number sent as a string, and a malformed id or time', () => {
    expectInvalidPage(
      { ...page(), page: { total: 1000, count: 1, offset: 0, limit: '100' } },
      /\/page\/limit must be integer,null/,
    );
    expectInvalidPage(page([{ ...job(), id: 'ed9b33f2' }]), /\/data\/0\/id must match format "uuid"/);
    expectInvalidPage(
      page([{ ...job(), lastRun: 'yesterday' }]),
      /\/data\/0\/lastRun must match format "date-time"/,
    );
  });

  it('lists every error at once, with the operation and the schema it failed', () => {
    const withoutRpo = without(job(), 'rpo');
    let message = '';
    try {
      validateProxyResponse('GET', '/jobs/copy', 200, page([{ ...withoutRpo, status: 'Success' }]));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'GET /jobs/copy → 200 does not match #/components/schemas/JobPage:',
      "  /data/0 must have required property 'rpo'",
      '  /data/0/status must be equal to one of the allowed values ("unknown", "none", "idle", "success", "warning", "failed", "running", "starting", "stopping", "enabling", "disabling", "waitingtape", "waitingrepository", null)',
    ]);
  });
});

describe('validateProxyResponse finds the operation and the response', () => {
  it('matches concrete paths to templates, concrete ones first', () => {
    const schemas = proxyDocumentSchemas();
    expect(schemas.operation('GET', `/jobs/copy/${JOB_ID}`).template).toBe('/jobs/copy/{id}');
    expect(schemas.operation('GET', '/jobs/copy?q=dr').template).toBe('/jobs/copy');
    expect(schemas.operation('post', '/api/v3/token').template).toBe('/api/v3/token');
    expect(schemas.operation('GET', '/api/v3/token').template).toBe('/api/v3/{path}');
    expect(schemas.operation('PATCH', '/api/v3/infrastructure/backupServers/jobs/x').template).toBe(
      '/api/v3/{path}',
    );
    expect(() => schemas.operation('GET', '/jobs/copy/a/b')).toThrow(
      /no GET operation for \/jobs\/copy\/a\/b/,
    );
    expect(() => schemas.operation('POST', '/jobs/copy')).toThrow(/templates matched: \/jobs\/copy/);
  });

  it('validates a single job, a 304 without a body, and problems', () => {
    expect(() => validateProxyResponse('GET', `/jobs/copy/${JOB_ID}`, 200, { data: job() })).not.toThrow();
    expect(() => validateProxyResponse('GET', `/jobs/copy/${JOB_ID}`, 200, page())).toThrow(
      /must NOT have additional properties/,
    );
    expect(() => validateProxyResponse('GET', '/jobs/copy', 304, {})).not.toThrow();
    expect(() => validateProxyResponse('GET', '/jobs/copy', 304, { data: [] })).toThrow(/no body/);
    const problem = problemBody('invalid-parameters', 'id must be a job UUID (VSPC instanceUid).', {
      instance: '/jobs/copy/nope',
      requestId: 'r-1',
      extensions: { errors: [{ parameter: 'id', message: 'id must be a UUID.' }] },
    });
    expect(() =>
      validateProxyResponse('GET', '/jobs/copy/nope', 400, problem, {
        contentType: 'application/problem+json; charset=utf-8',
      }),
    ).not.toThrow();
    expect(() =>
      validateProxyResponse('GET', '/jobs/copy/nope', 400, problem, { contentType: 'application/json' }),
    ).toThrow(/Content-Type application\/json is not documented/);
    expect(() => validateProxyResponse('GET', '/jobs/copy', 418, problem)).toThrow(
      /status 418 is not documented/,
    );
  });

  it("lets VSPC's own answers through /api/v3/, and checks the proxy's own refusals", () => {
    const vspc401 = { errors: [{ message: 'Unauthorized', type: 'security', code: 401 }] };
    const listing = '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs';
    const json = { contentType: 'application/json; charset=utf-8' };
    const problemJson = { contentType: 'application/problem+json; charset=utf-8' };
    expect(() => validateProxyResponse('GET', listing, 200, { data: [], meta: {} }, json)).not.toThrow();
    expect(() => validateProxyResponse('GET', listing, 401, vspc401, json)).not.toThrow();
    expect(() => validateProxyResponse('GET', listing, 520, vspc401, json)).not.toThrow();
    expect(() =>
      validateProxyResponse('POST', '/api/v3/token', 400, { error: 'invalid_grant' }, json),
    ).not.toThrow();
    const refusal = problemBody('unauthorized', 'Send Authorization: Bearer <token>.', { instance: listing });
    expect(() => validateProxyResponse('DELETE', listing, 401, refusal, problemJson)).not.toThrow();
    expect(() =>
      validateProxyResponse('DELETE', listing, 401, withEnvelope(refusal, 'security'), problemJson),
    ).not.toThrow();
    expect(() => validateProxyResponse('DELETE', listing, 401, vspc401, problemJson)).toThrow(
      /must have required property 'type'/,
    );
    // The envelope is VSPC's ResponseError: one of VSPC's error types, the status as an integer.
    expect(() =>
      validateProxyResponse('DELETE', listing, 401, withEnvelope(refusal, 'Security'), problemJson),
    ).toThrow(/\/errors\/0\/type must be equal to one of the allowed values/);
    expect(() =>
      validateProxyResponse(
        'DELETE',
        listing,
        401,
        { ...refusal, errors: [{ ...vspc401.errors[0], code: '401' }] },
        problemJson,
      ),
    ).toThrow(/\/errors\/0\/code must be integer/);
    expect(() =>
      validateProxyResponse('DELETE', listing, 401, { ...refusal, errors: [] }, problemJson),
    ).toThrow(/\/errors must NOT have fewer than 1 items/);
  });

  it("documents the token endpoint's answers as VSPC's OAuth2Result and OAuth2Error", () => {
    const json = { contentType: 'application/json; charset=utf-8' };
    const tokens = {
      access_token: 'a',
      token_type: 'bearer',
      refresh_token: 'r',
      mfa_token: null,
      encrypted_code: null,
      expires_in: 3600,
    };
    expect(() => validateProxyResponse('POST', '/api/v3/token', 200, tokens, json)).not.toThrow();
    expect(() =>
      validateProxyResponse('POST', '/api/v3/token', 200, { ...tokens, expires_in: '3600' }, json),
    ).toThrow(/\/expires_in must be integer/);
    expect(() =>
      validateProxyResponse('POST', '/api/v3/token', 400, { error: 'invalid_password' }, json),
    ).toThrow(/\/error must be equal to one of the allowed values/);
    // Member for member what VSPC's own document says (test/fixtures/vspc).
    const vspc = JSON.parse(readFileSync('test/fixtures/vspc/openapi-3.6-subset.json', 'utf8')) as {
      components: { schemas: Record<string, { properties: Record<string, JsonObject> }> };
    };
    const ours = OPENAPI_DOCUMENT.components.schemas as unknown as Record<string, { properties: JsonObject }>;
    for (const name of ['OAuth2Result', 'OAuth2Error']) {
      expect([name, Object.keys(ours[name]?.properties ?? {})]).toEqual([
        name,
        Object.keys(vspc.components.schemas[name]?.properties ?? {}),
      ]);
    }
    expect((ours.OAuth2Error?.properties.error as JsonObject).enum).toEqual(
      vspc.components.schemas.OAuth2Error?.properties.error?.enum,
    );
    const token = OPENAPI_DOCUMENT.paths['/api/v3/token'].post.responses as JsonObject;
    expect(Object.keys(token).sort()).toEqual([
      '200',
      '400',
      '408',
      '413',
      '429',
      '502',
      '503',
      '504',
      'default',
    ]);
  });

  it('validates health, readiness and admin answers', () => {
    expect(() => validateProxyResponse('GET', '/healthz', 200, { status: 'ok' })).not.toThrow();
    expect(() =>
      validateProxyResponse('GET', '/readyz', 200, {
        status: 'ready',
        vspc: { probe: 'GET /x without a token', status: 401, meaning: 'VSPC is serving.' },
      }),
    ).not.toThrow();
    const stats = {
      entries: 0,
      bytes: 0,
      maxBytes: 67108864,
      process: { rssBytes: 1, heapUsedBytes: 1, externalBytes: 1, arrayBuffersBytes: 1 },
    };
    expect(() => validateProxyResponse('GET', '/admin/cache', 200, stats)).not.toThrow();
    expect(() =>
      validateProxyResponse('DELETE', '/admin/cache?prefix=/x', 200, { purged: 3, prefix: '/api/v3/x' }),
    ).not.toThrow();
    expect(() =>
      validateProxyResponse('DELETE', '/admin/cache', 200, { purged: 3, prefix: null }),
    ).not.toThrow();
    expect(() => validateProxyResponse('GET', '/healthz', 200, { status: 'up' })).toThrow(
      /\/status must be equal to constant/,
    );
  });
});

describe('the Problem schema', () => {
  it('matches problemBody output for every code of the catalog', () => {
    const validate = proxyDocumentSchemas().component('Problem');
    for (const code of Object.keys(PROBLEMS) as ProblemCode[]) {
      for (const body of [
        problemBody(code, 'Detail.'),
        problemBody(code, 'Detail.', { instance: '/jobs/copy', requestId: 'req-1' }),
        problemBody(code, 'Detail.', {
          extensions: { errors: [{ parameter: 'limit', message: 'm' }], vspc: { errors: [] }, limit: 1 },
        }),
      ]) {
        expect([code, validate(body), describeErrors(validate.errors)]).toEqual([code, true, []]);
      }
    }
  });

  it('refuses a problem without its required members or with malformed errors', () => {
    const validate = proxyDocumentSchemas().component('Problem');
    expect(validate({ ...problemBody('bad-request', 'x'), code: 'no-such-code' })).toBe(false);
    expect(validate(without(problemBody('not-found', 'x'), 'code'))).toBe(false);
    expect(validate({ ...problemBody('bad-request', 'x'), errors: [{ parameter: 'limit' }] })).toBe(false);
    expect(validate({ ...problemBody('bad-request', 'x'), status: 200 })).toBe(false);
  });

  it('documents each shared problem response under its own status, with a catalog code', () => {
    const responses = OPENAPI_DOCUMENT.components.responses as unknown as Record<string, JsonObject>;
    const statusOf = new Map<string, number>();
    for (const [name, response] of Object.entries(responses)) {
      const content = response.content as
        Record<string, { examples: Record<string, { value: JsonObject }> }> | undefined;
      const examples = Object.values(content?.['application/problem+json']?.examples ?? {});
      for (const { value } of examples) {
        expect(PROBLEMS[value.code as ProblemCode]?.status).toBe(value.status);
        statusOf.set(name, value.status as number);
      }
    }
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, JsonObject>)) {
        const name = typeof response.$ref === 'string' ? response.$ref.split('/').at(-1) : undefined;
        const expected = name === undefined ? undefined : statusOf.get(name);
        if (expected !== undefined)
          expect(`${method} ${path} ${status}`).toBe(`${method} ${path} ${expected}`);
      }
    }
    expect(statusOf.size).toBeGreaterThan(10);
  });
});

describe('GET /metrics in the document', () => {
  it('describes what the metrics handler sends: Prometheus text, and a 401 problem', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const exposition = await metrics.registry.metrics();
    expect(metrics.registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(() =>
      validateProxyResponse('GET', '/metrics', 200, exposition, {
        contentType: metrics.registry.contentType,
      }),
    ).not.toThrow();
    expect(() =>
      validateProxyResponse('GET', '/metrics', 200, { not: 'text' }, { contentType: 'text/plain' }),
    ).toThrow(/must be string/);
    const refusal = problemBody('unauthorized', 'Send Authorization: Bearer <METRICS_TOKEN>.', {
      instance: '/metrics',
      requestId: 'r-1',
    });
    expect(() =>
      validateProxyResponse('GET', '/metrics', 401, refusal, {
        contentType: 'application/problem+json; charset=utf-8',
      }),
    ).not.toThrow();
    const operation = OPENAPI_DOCUMENT.paths['/metrics'].get;
    const responses = operation.responses as JsonObject;
    expect(operation.tags).toEqual(['operations']);
    expect(Object.keys(responses).sort()).toEqual(['200', '401', '500']);
    expect(dereference(responses['401']).description).toMatch(/^Only while `METRICS_TOKEN` is set/);
  });
});

describe('the client rate limit in the document', () => {
  const LIMIT_HEADERS = ['RateLimit-Policy', 'RateLimit'];

  it('references RateLimit-Policy and RateLimit from every response of the rate-limited operations, and only there', () => {
    const limited: string[] = [];
    for (const { path, method, operation } of operations()) {
      for (const [status, entry] of Object.entries(operation.responses as JsonObject)) {
        const headers = (dereference(entry).headers as Record<string, JsonObject> | undefined) ?? {};
        const references = LIMIT_HEADERS.map((name) => headers[name]?.$ref);
        const expected = isRateLimited(path)
          ? LIMIT_HEADERS.map((name) => `#/components/headers/${name}`)
          : [undefined, undefined];
        expect([`${method} ${path} ${status}`, references]).toEqual([
          `${method} ${path} ${status}`,
          expected,
        ]);
        if (isRateLimited(path)) limited.push(`${method} ${path}`);
      }
    }
    expect(new Set(limited)).toEqual(
      new Set([
        'get /jobs/copy',
        'get /jobs/copy/{id}',
        'post /api/v3/token',
        ...['get', 'head', 'post', 'put', 'patch', 'delete', 'options'].map((m) => `${m} /api/v3/{path}`),
      ]),
    );
  });

  it('header schemas accept the fields the limiter writes, and refuse others', () => {
    const schemas = proxyDocumentSchemas();
    const policy = schemas.at('/components/headers/RateLimit-Policy/schema');
    const quota = schemas.at('/components/headers/RateLimit/schema');
    for (const [rps, burst] of [
      [1, 5],
      [2, 5],
      [50, 100],
      [1000, 1],
    ] as const) {
      const field = rateLimitPolicyField(rps, burst);
      expect([field, policy(field)]).toEqual([field, true]);
      let clock = 1_000_000;
      const limiter = createRateLimiter({ rps, burst, now: () => clock });
      if (limiter === null) throw new Error(`RATE_LIMIT_RPS=${rps} built no limiter`);
      // Allowed requests, then refusals, with some refill between them.
      for (let sent = 0; sent <= burst + 2; sent += 1) {
        const value = rateLimitField(limiter.take('caller'));
        expect([value, quota(value)]).toEqual([value, true]);
        clock += 100;
      }
    }
    expect(OPENAPI_DOCUMENT.components.headers['RateLimit-Policy'].schema.examples).toEqual([
      '"default";q=100;w=2',
    ]);
    expect(OPENAPI_DOCUMENT.components.headers.RateLimit.schema.examples).toContain('"default";r=99;t=1');
    for (const bad of ['default;q=5;w=5', '"default";q=5', '"default";q=5;w=5, "other";q=1;w=1'])
      expect([bad, policy(bad)]).toEqual([bad, false]);
    for (const bad of ['"default";r=5', '"default";t=1;r=5', '"default";r=-1;t=1'])
      expect([bad, quota(bad)]).toEqual([bad, false]);
  });
});

describe('the shield and the rate limit in the document', () => {
  /** Concrete requests of every rate-limited operation. */
  const LIMITED_REQUESTS: ReadonlyArray<readonly [string, string]> = [
    ['GET', '/jobs/copy'],
    ['GET', `/jobs/copy/${JOB_ID}`],
    ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map(
      (method) => [method, '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs'] as const,
    ),
    ['POST', '/api/v3/token'],
  ];
  const PROBLEM_JSON = { contentType: 'application/problem+json; charset=utf-8' };

  it('documents every shield refusal and the rate limit at their status on every rate-limited operation', () => {
    const refusals: ShieldRefusal[] = ['throttled', 'breaker-open', 'queue-full', 'queue-timeout'];
    const bodies = [
      ...refusals.map((failure) => {
        const { code, detail } = problemForFailure(failure);
        return problemBody(code, detail, { instance: '/x', requestId: 'r-1' });
      }),
      problemBody('rate-limited', 'This caller sent more than RATE_LIMIT_BURST (5) requests.', {
        instance: '/x',
        requestId: 'r-1',
      }),
    ];
    expect(bodies.map(({ code, status }) => `${status} ${code}`)).toEqual([
      '429 upstream-throttled',
      '503 upstream-unavailable',
      '503 upstream-overloaded',
      '503 upstream-overloaded',
      '429 rate-limited',
    ]);
    for (const [method, path] of LIMITED_REQUESTS) {
      const { operation } = proxyDocumentSchemas().operation(method, path);
      for (const body of bodies) {
        expect(() => validateProxyResponse(method, path, body.status, body, PROBLEM_JSON)).not.toThrow();
        if (path.startsWith('/api/v3/')) {
          const enveloped = withEnvelope(body, 'retryableLogical', 1);
          expect(() =>
            validateProxyResponse(method, path, body.status, enveloped, PROBLEM_JSON),
          ).not.toThrow();
        }
        // Documented at exactly that status (not VSPC's `default`), with the code among its examples.
        const response = dereference((operation.responses as JsonObject)[String(body.status)]);
        expect([method, path, Object.values(exampleCodes(response))]).toEqual([
          method,
          path,
          expect.arrayContaining([body.code]),
        ]);
      }
    }
  });

  it('holds an example of each cause of 429 and 503, with Retry-After, one response per status', () => {
    const responseAt = (path: string, method: string, status: string) => {
      const item = OPENAPI_DOCUMENT.paths[path as keyof typeof OPENAPI_DOCUMENT.paths] as JsonObject;
      const response = dereference(((item[method] as JsonObject).responses as JsonObject)[status]);
      expect(Object.keys(response.headers as JsonObject)).toEqual(
        expect.arrayContaining(['Retry-After', 'RateLimit-Policy', 'RateLimit']),
      );
      return response;
    };
    for (const path of ['/jobs/copy', '/jobs/copy/{id}']) {
      expect(exampleCodes(responseAt(path, 'get', '429'))).toEqual({
        'rate-limited': 'rate-limited',
        'auth-rate-limited': 'auth-rate-limited',
        'upstream-throttled': 'upstream-throttled',
        'upstream-throttled-hold': 'upstream-throttled',
      });
      expect(new Set(Object.values(exampleCodes(responseAt(path, 'get', '503'))))).toEqual(
        new Set(['upstream-busy', 'upstream-unavailable', 'upstream-overloaded']),
      );
    }
    for (const [path, method] of [
      ['/api/v3/{path}', 'get'],
      ['/api/v3/{path}', 'delete'],
      ['/api/v3/token', 'post'],
    ] as const) {
      // VSPC's own 429 passes through unchanged: the pass-through's own 429 problems never carry `vspc`.
      const tooMany = responseAt(path, method, '429');
      // The token endpoint reads no bearer token: its callers are limited by sign-in attempts instead.
      const callerLimit = path === '/api/v3/token' ? 'login-rate-limited' : 'auth-rate-limited';
      expect(exampleCodes(tooMany)).toEqual({
        'rate-limited': 'rate-limited',
        [callerLimit]: callerLimit,
        'upstream-throttled-hold': 'upstream-throttled',
      });
      expect(JSON.stringify(tooMany.content)).not.toMatch(/"vspc"/);
      expect(Object.keys(tooMany.content as JsonObject)).toContain('*/*');
      expect(new Set(Object.values(exampleCodes(responseAt(path, method, '503'))))).toEqual(
        new Set(['request-bodies-busy', 'upstream-unavailable', 'upstream-overloaded']),
      );
    }
  });

  it("describes the throttle hold's problem, which has no vspc member, and the breaker's /readyz", () => {
    const hold = problemBody('upstream-throttled', problemForFailure('throttled').detail, {
      instance: '/jobs/copy',
      requestId: 'r-1',
    });
    expect(hold).not.toHaveProperty('vspc');
    expect(() => validateProxyResponse('GET', '/jobs/copy', 429, hold, PROBLEM_JSON)).not.toThrow();
    const throttled = OPENAPI_DOCUMENT.components.responses.Throttled;
    expect(throttled.description).toMatch(/VSPC answered 429/);
    expect(throttled.description).toMatch(/holding this token's calls/);
    const readyz = dereference((OPENAPI_DOCUMENT.paths['/readyz'].get.responses as JsonObject)['503']);
    expect(readyz.description).toMatch(/circuit breaker is open/);
    expect(Object.values(exampleCodes(readyz))).toEqual(['not-ready', 'not-ready', 'shutting-down']);
  });

  it('holds an example of every problem code of the catalog', () => {
    const documented = new Set<string>();
    for (const { node, tokens } of walk(OPENAPI_DOCUMENT)) {
      if (tokens.at(-2) === 'examples' && tokens.at(-3) === 'application/problem+json') {
        documented.add(String(((node as JsonObject).value as JsonObject).code));
      }
    }
    expect([...documented].sort()).toEqual(Object.keys(PROBLEMS).sort());
  });
});

describe("/jobs/copy's query in the document", () => {
  const parameter = (name: string): JsonObject =>
    (OPENAPI_DOCUMENT.components.parameters as unknown as Record<string, JsonObject>)[name] ?? {};

  it('gives no value swagger-ui would pre-fill and send (all=true refuses limit and offset); the defaults are prose', () => {
    const listing = OPENAPI_DOCUMENT.paths['/jobs/copy'].get.parameters.map((entry) => dereference(entry));
    expect(listing.map((entry) => entry.name)).toEqual(['limit', 'offset', 'q', 'status', 'sort', 'all']);
    for (const entry of listing) {
      const schema = entry.schema as JsonObject;
      const prefilled = ['default', 'example', 'examples'].filter((key) => key in entry || key in schema);
      expect([entry.name, prefilled]).toEqual([entry.name, []]);
    }
    expect(parameter('Limit').description).toBe('Page size. Not allowed with `all=true`. Default: `100`.');
    expect(parameter('Offset').description).toBe('Jobs to skip. Not allowed with `all=true`. Default: `0`.');
    expect(parameter('All').description).toMatch(/Default: `false`\.$/);
  });

  it("states the bounds, states and sort keys of the parser's own schema", () => {
    const { limit, offset, q } = JobsQueryParametersSchema.properties;
    expect(parameter('Limit').schema).toEqual({
      type: 'integer',
      minimum: limit.minimum,
      maximum: limit.maximum,
    });
    expect(parameter('Offset').schema).toEqual({ type: 'integer', minimum: 0, maximum: offset.maximum });
    expect(parameter('Q').schema).toEqual({ type: 'string', minLength: 1, maxLength: q.maxLength });
    expect(parameter('Status').schema).toEqual({
      type: 'array',
      minItems: 1,
      items: { type: 'string', enum: [...JOB_STATUSES] },
    });
    expect(parameter('Sort').schema).toEqual({ type: 'string', enum: [...SORT_KEYS] });
    expect(parameter('All').schema).toEqual({ type: 'boolean' });
  });

  it('refuses exactly what the parser refuses, at every bound', () => {
    const schemas = proxyDocumentSchemas();
    const cases: Array<[string, string, unknown]> = [];
    for (const value of [0, 1, 2, 499, 500, 501]) cases.push(['Limit', `limit=${value}`, value]);
    for (const value of [0, 2_147_483_647, 2_147_483_648]) cases.push(['Offset', `offset=${value}`, value]);
    for (const length of [1, 200, 201]) cases.push(['Q', `q=${'a'.repeat(length)}`, 'a'.repeat(length)]);
    for (const value of ['failed', 'waitingtape', 'exploded'])
      cases.push(['Status', `status=${value}`, [value]]);
    for (const value of ['-lastRun', 'status', '-status']) cases.push(['Sort', `sort=${value}`, value]);
    let refused = 0;
    for (const [name, query, value] of cases) {
      const documented = schemas.at(`/components/parameters/${name}/schema`)(value);
      const parsed = parseJobsQuery(query).ok;
      expect([query, documented]).toEqual([query, parsed]);
      if (!parsed) refused += 1;
    }
    expect(refused).toBe(6);
  });
});

describe('problems under /api/v3/* in the document', () => {
  /** Each component response whose problem schema is `schema`, by name. */
  function responsesNaming(schema: string): Array<[string, JsonObject]> {
    return Object.entries(
      OPENAPI_DOCUMENT.components.responses as unknown as Record<string, JsonObject>,
    ).filter(
      ([, response]) =>
        (
          (response.content as Record<string, JsonObject> | undefined)?.['application/problem+json']
            ?.schema as JsonObject | undefined
        )?.$ref === `#/components/schemas/${schema}`,
    );
  }

  it("carry VSPC's envelope in every example: the detail as message, the status as code, Retry-After as retryAfter", () => {
    const enveloped = responsesNaming('VspcProblem');
    expect(enveloped.map(([name]) => name).sort()).toEqual([
      'PassThroughBadGateway',
      'PassThroughBadPath',
      'PassThroughGatewayTimeout',
      'PassThroughMethodNotAllowed',
      'PassThroughPayloadTooLarge',
      'PassThroughRequestTimeout',
      'PassThroughTooManyRequests',
      'PassThroughUnauthorized',
      'PassThroughUnavailable',
      'TokenTooManyRequests',
    ]);
    const validate = proxyDocumentSchemas().component('VspcProblem');
    let examples = 0;
    for (const [name, response] of enveloped) {
      const content = response.content as Record<string, { examples: Record<string, { value: JsonObject }> }>;
      expect(Object.keys(content)).toEqual(['application/problem+json', '*/*']);
      const retries = Object.hasOwn(response.headers as JsonObject, 'Retry-After');
      for (const { value } of Object.values(content['application/problem+json']?.examples ?? {})) {
        const [error, ...more] = value.errors as JsonObject[];
        expect([name, more, error?.message, error?.code, typeof error?.retryAfter]).toEqual([
          name,
          [],
          value.detail,
          value.status,
          retries ? 'number' : 'undefined',
        ]);
        const instance = value.instance === undefined ? 'none' : String(value.instance);
        expect([name, instance]).toEqual([name, expect.stringMatching(/^\/api\/v3\//)]);
        expect([name, validate(value)]).toEqual([name, true]);
        examples += 1;
      }
    }
    expect(examples).toBe(19);
  });

  it('leave every other problem plain: no envelope in /jobs/copy* or operational examples', () => {
    const plain = responsesNaming('Problem');
    expect(plain.length).toBeGreaterThan(15);
    for (const [name, response] of plain) {
      const content = response.content as Record<string, { examples: Record<string, { value: JsonObject }> }>;
      for (const { value } of Object.values(content['application/problem+json']?.examples ?? {}))
        expect([name, Array.isArray(value.errors) && 'type' in (value.errors[0] as JsonObject)]).toEqual([
          name,
          false,
        ]);
    }
  });

  it('publish the TypeBox schemas the code exports, unchanged but for the prose', () => {
    const published = OPENAPI_DOCUMENT.components.schemas as unknown as Record<string, JsonObject>;
    const plain = (schema: unknown): JsonObject => {
      return without(JSON.parse(JSON.stringify(schema)) as JsonObject, 'description');
    };
    expect(plain(published.Problem)).toEqual({
      ...plain(ProblemSchema),
      properties: {
        ...(plain(ProblemSchema).properties as JsonObject),
        errors: {
          ...(plain(ProblemSchema).properties as Record<string, JsonObject>).errors,
          items: { $ref: '#/components/schemas/ParameterError' },
        },
      },
    });
    expect((published.VspcProblem?.properties as Record<string, JsonObject>).errors?.items).toEqual({
      $ref: '#/components/schemas/ResponseError',
    });
    expect((published.Problem?.properties as Record<string, JsonObject>).code?.enum).toEqual(
      Object.keys(PROBLEMS),
    );
    expect((VspcProblemSchema.properties.code as unknown as JsonObject).enum).toEqual(Object.keys(PROBLEMS));
  });
});

describe('what swagger-ui would pre-fill on "Try it out" for VSPC', () => {
  it('leaves the login form empty but for the grant type, instead of sending "string" in every field', () => {
    const form = OPENAPI_DOCUMENT.paths['/api/v3/token'].post.requestBody.content[
      'application/x-www-form-urlencoded'
    ].schema as unknown as { required: string[]; properties: Record<string, JsonObject> };
    expect(form.required).toEqual(['grant_type']);
    expect(form.properties.grant_type?.enum).toEqual(expect.arrayContaining(['password', 'refresh_token']));
    const optional = Object.entries(form.properties).filter(([name]) => name !== 'grant_type');
    expect(optional.map(([name]) => name)).toEqual([
      'username',
      'password',
      'refresh_token',
      'mfa_token',
      'mfa_code',
    ]);
    for (const [name, schema] of optional) expect([name, schema.examples]).toEqual([name, ['']]);
  });

  it('offers an empty JSON object as the body of a write, and no body for reads and DELETE', () => {
    const operations = OPENAPI_DOCUMENT.paths['/api/v3/{path}'] as unknown as Record<string, JsonObject>;
    const withBody = Object.entries(operations)
      .filter(([, operation]) => operation.requestBody !== undefined)
      .map(([method, operation]) => {
        const content = (operation.requestBody as { content: Record<string, JsonObject> }).content;
        return [method, Object.keys(content), content['application/json']?.examples];
      });
    const empty = { empty: { summary: 'An empty object', value: {} } };
    expect(withBody).toEqual([
      ['post', ['application/json', '*/*'], empty],
      ['put', ['application/json', '*/*'], empty],
      ['patch', ['application/json', '*/*'], empty],
    ]);
  });
});
