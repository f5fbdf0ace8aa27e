import type { TSchema } from 'typebox';
import { EXAMPLE_METRICS } from './examples.js';
import { headerRefs } from './headers.js';
import { ref } from './json.js';
import { HealthSchema, PurgeResultSchema, ReadinessSchema } from './operations-schemas.js';
import { problemRefs } from './responses.js';
import type { SchemaPublisher } from './schema-components.js';

/** The operational routes: health, readiness, metrics, cache administration, and this document. */

/** `/metrics` answers `text/plain; version=0.0.4; charset=utf-8`; content keys name the media type alone. */
const METRICS_TYPE = 'text/plain';

const ADMIN_NOTE = 'Needs `Authorization: Bearer <ADMIN_TOKEN>`; 404 when `ADMIN_TOKEN` is unset.';

export function operationPaths(publish: SchemaPublisher) {
  /** A JSON response without caching headers. */
  const jsonResponse = (description: string, schema: TSchema | { readonly $ref: string }) => ({
    description,
    headers: headerRefs('X-Request-Id'),
    content: { 'application/json': { schema: '$ref' in schema ? schema : publish.inline(schema) } },
  });

  return {
    '/healthz': {
      get: {
        operationId: 'getHealth',
        tags: ['operations'],
        summary: 'The process is alive (never calls VSPC)',
        security: [],
        responses: { '200': jsonResponse('Alive', HealthSchema) },
      },
    },
    '/readyz': {
      get: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'VSPC answered a probe (any status below 500) within READY_TIMEOUT_MS',
        description:
          'Also ready while calls are held after a VSPC 429 (the cache still serves). 503 while the circuit ' +
          'breaker is open (no probe is sent then), while every VSPC call slot stays busy, and while shutting ' +
          'down.',
        security: [],
        responses: { '200': jsonResponse('Ready', ReadinessSchema), ...problemRefs('readyz') },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        tags: ['operations'],
        summary: 'Prometheus metrics: requests, cache, VSPC calls, the shield and the rate limit',
        description:
          'The Prometheus text exposition format 0.0.4, never cached and not rate-limited. Needs ' +
          '`Authorization: Bearer <METRICS_TOKEN>` when `METRICS_TOKEN` is set (401 without it); open otherwise.',
        // An empty requirement makes the bearer optional: METRICS_TOKEN guards /metrics only when set.
        security: [{}, { bearer: [] }],
        responses: {
          '200': {
            description: 'The metrics (`Content-Type: text/plain; version=0.0.4; charset=utf-8`)',
            headers: headerRefs('X-Request-Id'),
            content: {
              [METRICS_TYPE]: {
                schema: {
                  type: 'string',
                  description:
                    'Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` lines, then one sample a line.',
                  examples: [EXAMPLE_METRICS],
                },
              },
            },
          },
          ...problemRefs('metrics'),
        },
      },
    },
    '/admin/cache': {
      get: {
        operationId: 'getCacheStats',
        tags: ['operations'],
        summary: 'Cache entries and accounted bytes, and the process memory',
        description: ADMIN_NOTE,
        security: [{ bearer: [] }],
        responses: {
          '200': jsonResponse('Cache and memory figures', ref('schemas', 'CacheStats')),
          ...problemRefs('adminGet'),
        },
      },
      delete: {
        operationId: 'purgeCache',
        tags: ['operations'],
        summary: 'Purges the cache, whole or below a VSPC path, for all tokens',
        description: ADMIN_NOTE,
        security: [{ bearer: [] }],
        parameters: [
          {
            name: 'prefix',
            in: 'query',
            required: false,
            description:
              'A VSPC path below `/api/v3` (such as `/infrastructure/backupServers`); absent: everything.',
            schema: { type: 'string', pattern: '^/' },
          },
        ],
        responses: { '200': jsonResponse('Purged', PurgeResultSchema), ...problemRefs('adminDelete') },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        tags: ['docs'],
        summary: 'This document',
        security: [],
        responses: {
          '200': {
            description: 'OpenAPI 3.1 document',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/docs': {
      get: {
        operationId: 'getDocsPage',
        tags: ['docs'],
        summary: 'This document as a web page (served locally, works offline)',
        security: [],
        responses: {
          '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
    },
  };
}
