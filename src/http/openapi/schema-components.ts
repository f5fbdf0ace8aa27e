import type { TSchema } from 'typebox';
import { ref, type Json, type JsonObject } from './json.js';

/** A TypeBox schema published under `components.schemas`, with what only the document adds to it. */
export interface ComponentSchema {
  schema: TSchema;
  /** Example values, each valid against `schema` (the document test checks them). */
  examples?: readonly unknown[];
  /** Replaces the schema's own description in the document. */
  description?: string;
}

/** Turns TypeBox schemas into the document's JSON Schemas, stating each named schema once. */
export interface SchemaPublisher {
  /** `components.schemas`: each named schema, its nested named schemas as `$ref`s. */
  readonly components: Readonly<Record<string, JsonObject>>;
  /**
   * `schema` as plain JSON for use in place (a parameter, a header, a body), every named schema in it
   * (`schema` itself included) as a `$ref`. `omit` drops top-level keywords (such as a `default` swagger-ui
   * would send, or a `description` the enclosing object already says).
   */
  inline(schema: TSchema, omit?: readonly string[]): JsonObject;
}

/**
 * Publishes `named` TypeBox schemas. Nested schemas are found by identity: TypeBox keeps the object it was
 * given (`Type.Object({ rpo: RpoSchema })` holds `RpoSchema` itself), so each becomes a `$ref` wherever it is
 * used and the document states it once. Only enumerable members are copied: TypeBox's markers are not.
 */
export function publishSchemas(named: Readonly<Record<string, ComponentSchema>>): SchemaPublisher {
  const names = new Map<object, string>(Object.entries(named).map(([name, { schema }]) => [schema, name]));

  const toJson = (node: unknown, self: object | null): Json => {
    if (Array.isArray(node)) return node.map((child: unknown) => toJson(child, self));
    if (typeof node !== 'object' || node === null) {
      if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' || node === null)
        return node;
      throw new Error(`openapi: a schema holds a ${typeof node}, which JSON cannot`);
    }
    const name = names.get(node);
    if (name !== undefined && node !== self) return ref('schemas', name);
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, toJson(child, self)]));
  };

  const components = Object.fromEntries(
    Object.entries(named).map(([name, { schema, examples, description }]) => {
      const json = toJson(schema, schema) as JsonObject;
      return [
        name,
        {
          ...json,
          ...(description === undefined ? {} : { description }),
          ...(examples === undefined ? {} : { examples: examples.map((example) => toJson(example, null)) }),
        },
      ];
    }),
  );

  return {
    components,
    inline(schema, omit = []) {
      const json = toJson(schema, null);
      if (typeof json !== 'object' || json === null || Array.isArray(json))
        throw new Error('openapi: a schema must be an object');
      return Object.fromEntries(Object.entries(json).filter(([key]) => !omit.includes(key)));
    },
  };
}
