import { readFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Validates JSON bodies against the VSPC OpenAPI 3.0 document with ajv (JSON Schema draft-07).
 *
 * OpenAPI 3.0 schemas differ from JSON Schema in ways that matter here, so the document is converted first:
 * - `nullable: true` becomes `anyOf: [{type: 'null'}, <schema>]`;
 * - `type` beside `allOf` is dropped: the generator writes `{type: 'object', allOf: [{$ref: X}]}` even when X is
 *   a string enum (`AsyncActionInfo.status`), and the referenced schema carries the real type.
 * Unknown keywords (`x-*`, `example`) are ignored (`strict: false`). `#/components/schemas/...` refs resolve
 * because the whole converted document is added to ajv under {@link DOCUMENT_ID}.
 */

/** The VSPC schema subset copied into the repository (test/fixtures/vspc/README.md says from where); tests run from the repository root. */
export const OPENAPI_PATH = path.resolve(process.cwd(), 'test/fixtures/vspc/openapi-3.6-subset.json');

const DOCUMENT_ID = 'https://vspc.invalid/openapi-3.6-subset.json';

// ajv and ajv-formats are CommonJS; seen from ESM their default export sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

type JsonObject = { [key: string]: unknown };

/** Converts an OpenAPI 3.0 document (or any part of it) for ajv, as described above. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const source = node as JsonObject;
  const converted: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key !== 'nullable' || typeof value !== 'boolean') converted[key] = toJsonSchema(value);
  }
  if (typeof converted.type === 'string' && Array.isArray(converted.allOf)) delete converted.type;
  return source.nullable === true ? { anyOf: [{ type: 'null' }, converted] } : converted;
}

/** JSON Pointer escaping of one reference token (RFC 6901). */
function pointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Validators for the schemas of the VSPC document. */
export interface OpenApiValidator {
  /** The validator of `#/components/schemas/<name>`. */
  component(name: string): ValidateFunction;
  /**
   * The validator of an operation's `application/json` response body; `status` is a status code or `default`
   * (VSPC documents all its errors as `default`). `apiPath` is relative to `/api/v3`, as in the document.
   */
  response(apiPath: string, method: string, status: string): ValidateFunction;
}

/** Loads and converts the document, then compiles validators on demand. */
export function loadOpenApiValidator(file: string = OPENAPI_PATH): OpenApiValidator {
  const document = toJsonSchema(JSON.parse(readFileSync(file, 'utf8'))) as JsonObject;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const compile = (pointer: string): ValidateFunction => {
    const validate = ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
    if (validate === undefined) throw new Error(`No schema at ${pointer} of ${file}`);
    return validate;
  };
  return {
    component: (name) => compile(`/components/schemas/${pointerToken(name)}`),
    response: (apiPath, method, status) =>
      compile(
        [
          '',
          'paths',
          apiPath,
          method.toLowerCase(),
          'responses',
          status,
          'content',
          'application/json',
          'schema',
        ]
          .map(pointerToken)
          .join('/'),
      ),
  };
}

/** The validation errors of `body` as readable lines; empty when it is valid. */
export function validationErrors(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
  );
}
