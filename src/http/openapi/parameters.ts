import type { TSchema } from 'typebox';
import { JobSchema } from '../../jobs/job.js';
import { JobsQueryParametersSchema } from '../../jobs/schema.js';
import type { JsonObject } from './json.js';
import type { SchemaPublisher } from './schema-components.js';

/** The names of `/jobs/copy`'s query parameters under `components.parameters`, by parameter. */
export const JOB_QUERY_PARAMETER_NAMES: Readonly<
  Record<keyof typeof JobsQueryParametersSchema.properties, string>
> = {
  limit: 'Limit',
  offset: 'Offset',
  q: 'Q',
  status: 'Status',
  sort: 'Sort',
  all: 'All',
};

/** The text of a schema's `default`, for prose: `` `100` ``. */
function defaultText(schema: TSchema): string | null {
  const value = (schema as { default?: unknown }).default;
  return value === undefined ? null : `\`${JSON.stringify(value)}\``;
}

/**
 * A query parameter from its schema: the schema's description becomes the parameter's, and its `default`
 * becomes prose. swagger-ui pre-fills a parameter's `default` (and `example`) and sends it on "Try it out",
 * so a `limit=100` would go out next to `all=true` and be refused; the document says the defaults instead.
 */
function queryParameter(name: string, schema: TSchema, publish: SchemaPublisher, extra: JsonObject = {}) {
  const own = (schema as { description?: unknown }).description;
  const fallback = defaultText(schema);
  const description = [typeof own === 'string' ? own : '', fallback === null ? '' : `Default: ${fallback}.`]
    .filter((part) => part !== '')
    .join(' ');
  return {
    name,
    in: 'query',
    required: false,
    description,
    ...extra,
    schema: publish.inline(schema, ['description', 'default', 'examples']),
  };
}

/** `components.parameters`: `/jobs/copy`'s query (from its schema), the job id, and the VSPC path. */
export function parameters(publish: SchemaPublisher) {
  const query = JobsQueryParametersSchema.properties;
  const jobQuery = Object.fromEntries(
    Object.entries(JOB_QUERY_PARAMETER_NAMES).map(([parameter, component]) => [
      component,
      queryParameter(
        parameter,
        query[parameter as keyof typeof query],
        publish,
        // One value or many: `status=failed&status=warning`.
        parameter === 'status' ? { style: 'form', explode: true } : {},
      ),
    ]),
  );
  return {
    ...jobQuery,
    JobId: {
      name: 'id',
      in: 'path',
      required: true,
      description: "The job's VSPC `instanceUid`.",
      schema: publish.inline(JobSchema.properties.id, ['description']),
    },
    VspcPath: {
      name: 'path',
      in: 'path',
      required: true,
      description:
        'The VSPC resource path below `/api/v3/`; it may span several segments (`infrastructure/backupServers`). ' +
        '`..`, encoded slashes, backslashes and control characters are refused with 400.',
      schema: { type: 'string', pattern: '^[^?#]+$' },
    },
  };
}
