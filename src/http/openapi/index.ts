import { HEADERS } from './headers.js';
import { INFO, SERVERS, TAGS } from './info.js';
import { deepFreeze } from './json.js';
import { parameters } from './parameters.js';
import { JOBS_PATHS } from './paths-jobs.js';
import { operationPaths } from './paths-operations.js';
import { vspcPaths } from './paths-vspc.js';
import { RESPONSES } from './responses.js';
import { SCHEMAS } from './schemas.js';

/**
 * The OpenAPI 3.1 description of vspc-proxy's own endpoints, generated when this module loads: the schemas
 * are the TypeBox schemas the code validates with (src/jobs/, src/http/problem-schema.ts), the problem codes
 * come from the catalog (`PROBLEMS`), and the prose and examples from the small files beside this one.
 *
 * Schemas are JSON Schema 2020-12 (nullability as `type: [..., 'null']`) with only standard keywords
 * (`examples`, not OpenAPI's deprecated `example`), so they compile with ajv in strict mode. The document
 * names no external URL: `/docs` must work offline, and `servers` is the origin it was fetched from.
 */
const document = {
  openapi: '3.1.0',
  info: INFO,
  servers: SERVERS,
  tags: TAGS,
  security: [{ bearer: [] }],
  paths: { ...JOBS_PATHS, ...operationPaths(SCHEMAS), ...vspcPaths(SCHEMAS) },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'A VSPC access token (from `POST /api/v3/token`), forwarded to VSPC. For `/admin/cache`, the ' +
          'configured `ADMIN_TOKEN` instead; for `/metrics`, the configured `METRICS_TOKEN` (when set).',
      },
    },
    parameters: parameters(SCHEMAS),
    headers: HEADERS,
    responses: RESPONSES,
    schemas: SCHEMAS.components,
  },
};

/**
 * The OpenAPI 3.1.0 document of vspc-proxy's own endpoints, deeply frozen. Served as `/openapi.json`,
 * rendered at `/docs`, and the schema every `/jobs/copy*` answer of the tests is validated against.
 */
export const OPENAPI_DOCUMENT = deepFreeze(document);

/** The type of {@link OPENAPI_DOCUMENT}. */
export type OpenApiDocument = typeof OPENAPI_DOCUMENT;
