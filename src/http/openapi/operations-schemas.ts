import Type from 'typebox';
import { Nullable } from '../../json-schema.js';

/** The bodies of the operational routes (src/http/health.ts, src/http/admin.ts), as the document states them. */

const Count = Type.Integer({ minimum: 0 });

export const HealthSchema = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

export const ReadinessSchema = Type.Object(
  {
    status: Type.Literal('ready'),
    vspc: Type.Object(
      {
        probe: Type.String({ description: 'The call made to VSPC: a one-job read without a token' }),
        status: Type.Integer({ description: "The probe's HTTP status from VSPC: 401 is expected" }),
        meaning: Type.String({ description: 'What that status says about VSPC' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const CacheStatsSchema = Type.Object(
  {
    entries: Count,
    bytes: Type.Integer({ minimum: 0, description: 'Bytes the LRU accounts for' }),
    maxBytes: Type.Integer({ minimum: 0, description: '`CACHE_MAX_BYTES`' }),
    process: Type.Object(
      { rssBytes: Count, heapUsedBytes: Count, externalBytes: Count, arrayBuffersBytes: Count },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const PurgeResultSchema = Type.Object(
  {
    purged: Type.Integer({ minimum: 0, description: 'Entries removed' }),
    prefix: Nullable(Type.String(), {
      description: 'The full VSPC path prefix purged (`/api/v3/...`), or null for everything',
    }),
  },
  { additionalProperties: false },
);
