import Type, {
  type Static,
  type TInteger,
  type TNumberOptions,
  type TSchema,
  type TSchemaOptions,
  type TString,
  type TStringOptions,
  type TUnsafe,
} from 'typebox';

/**
 * TypeBox builders for the shapes vspc-proxy's schemas share. Each yields plain JSON Schema 2020-12 with
 * standard keywords only, written the way the OpenAPI document has always said them (a string enum as
 * `{type: 'string', enum}`, nullability as a type array), so the same object validates at run time, compiles
 * in ajv's strict mode and reads well in `/docs`.
 */

/** A string that is one of `values` (`{type: 'string', enum: [...]}`; TypeBox's own unions are `anyOf`s). */
export function StringEnum<const Values extends readonly string[]>(
  values: Values,
  options: TSchemaOptions = {},
): TUnsafe<Values[number]> & { readonly type: 'string'; readonly enum: Values } {
  const schema = { ...options, type: 'string', enum: [...values] };
  // The schema holds `values` in order, as its type says: code reads the allowed values back from it.
  return Type.Unsafe<Values[number]>(schema) as TUnsafe<Values[number]> & { type: 'string'; enum: Values };
}

/**
 * `schema` or `null`. A schema with one `type` becomes a type array (`['string', 'null']`, with `null` added to
 * its `enum`), which keeps validation messages short ("must be integer,null"); any other becomes `anyOf`.
 * `options` (a description, say) go on the result.
 */
export function Nullable<Schema extends TSchema>(
  schema: Schema,
  options: TSchemaOptions = {},
): TUnsafe<Static<Schema> | null> {
  const source = schema as { type?: unknown; enum?: unknown };
  if (typeof source.type === 'string') {
    return Type.Unsafe<Static<Schema> | null>({
      ...schema,
      ...options,
      type: [source.type, 'null'],
      ...(Array.isArray(source.enum) ? { enum: [...(source.enum as unknown[]), null] } : {}),
    });
  }
  return Type.Unsafe<Static<Schema> | null>({ ...options, anyOf: [schema, Type.Null()] });
}

/** An integer between `minimum` and `maximum`, whose bounds (and `default`) code can read back from it. */
export function IntegerIn<const Options extends { minimum: number; maximum: number } & TNumberOptions>(
  options: Options,
): TInteger & Options {
  // TypeBox copies the options onto the schema; its declared type just does not say so.
  return Type.Integer(options) as TInteger & Options;
}

/** A string of `minLength` to `maxLength` characters, whose bounds code can read back from it. */
export function StringIn<const Options extends { minLength: number; maxLength: number } & TStringOptions>(
  options: Options,
): TString & Options {
  return Type.String(options) as TString & Options;
}
