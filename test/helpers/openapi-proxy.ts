import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { OPENAPI_DOCUMENT } from '../../src/http/openapi-document.js';

/**
 * Validates vspc-proxy's own answers against its OpenAPI 3.1 document (`OPENAPI_DOCUMENT`, the source of
 * truth served as `/openapi.json`). The document's schemas are JSON Schema 2020-12 with standard keywords
 * only, so ajv runs in strict mode (union types allowed, as 2020-12 nullability needs them); the whole
 * document is added under {@link DOCUMENT_ID} and every schema is compiled where it stands, so
 * `#/components/...` references resolve as they do for any OpenAPI tool.
 */

/** The id the document is known by to ajv; refs in it are fragments (`#/components/schemas/Job`). */
const DOCUMENT_ID = 'urn:vspc-proxy:openapi';

// ajv and ajv-formats are CommonJS; seen from ESM their default export sits on `.default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type JsonObject = { [key: string]: unknown };

/** One path template of the document, ready to match concrete paths. */
interface PathTemplate {
  template: string;
  pattern: RegExp;
  /** Path parameters in the template; fewer means more specific (matched first). */
  parameterCount: number;
}

/** An operation found for a method and a concrete path. */
export interface ProxyOperation {
  /** The document's path template, such as `/jobs/copy/{id}`. */
  template: string;
  /** Lower-case method, as a key of the path item. */
  method: string;
  /** JSON pointer (unencoded) of the operation object in the document. */
  pointer: string;
  operation: JsonObject;
}

/** Validators built from the document once, on first use. */
export interface ProxySchemas {
  /** Names of `components.schemas`. */
  readonly names: readonly string[];
  /** The validator of `#/components/schemas/<name>`. */
  component(name: string): ValidateFunction;
  /** The validator of the schema at a JSON pointer (unencoded, such as `/paths/~1healthz/...`). */
  at(pointer: string): ValidateFunction;
  /** The operation serving `method` at a concrete `path` (a query is ignored); throws when there is none. */
  operation(method: string, path: string): ProxyOperation;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON Pointer escaping of one reference token (RFC 6901). */
function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** A JSON pointer from reference tokens. */
export function pointerOf(tokens: readonly string[]): string {
  return tokens.map((token) => `/${escapeToken(token)}`).join('');
}

/**
 * The value at a local reference (`#/components/schemas/Job`) or an unencoded JSON pointer in the document;
 * throws, naming the reference, when nothing is there.
 */
export function resolveDocumentPointer(reference: string): unknown {
  const pointer = reference.startsWith('#') ? decodeURIComponent(reference.slice(1)) : reference;
  if (pointer !== '' && !pointer.startsWith('/')) throw new Error(`Not a local reference: ${reference}`);
  let node: unknown = OPENAPI_DOCUMENT;
  for (const token of pointer.split('/').slice(1).map(unescapeToken)) {
    if (Array.isArray(node) && /^\d+$/.test(token)) node = node[Number(token)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else throw new Error(`${reference} does not resolve in OPENAPI_DOCUMENT (no '${token}')`);
  }
  return node;
}

/** More `$ref`s in a row than any sane document chains. */
const MAX_REF_HOPS = 10;

/** Follows `$ref`s of a non-schema object (a response, a parameter) to the object itself, and its pointer. */
function dereference(value: unknown, pointer: string): { value: unknown; pointer: string } {
  let current = { value, pointer };
  for (let hops = 0; isObject(current.value) && typeof current.value.$ref === 'string'; hops += 1) {
    if (hops > MAX_REF_HOPS) throw new Error(`$ref cycle at ${pointer}`);
    const reference = current.value.$ref;
    current = { value: resolveDocumentPointer(reference), pointer: decodeURIComponent(reference.slice(1)) };
  }
  return current;
}

/** True when the path parameter's schema accepts a `/` (such as `{path}` of `/api/v3/{path}`). */
function spansSegments(pathItem: JsonObject, name: string): boolean {
  for (const operation of Object.values(pathItem)) {
    if (!isObject(operation) || !Array.isArray(operation.parameters)) continue;
    for (const entry of operation.parameters) {
      const parameter = dereference(entry, '').value;
      if (!isObject(parameter) || parameter.in !== 'path' || parameter.name !== name) continue;
      const pattern = isObject(parameter.schema) ? parameter.schema.pattern : undefined;
      return typeof pattern === 'string' && new RegExp(pattern, 'u').test('a/b');
    }
  }
  return false;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pathTemplates(paths: JsonObject): PathTemplate[] {
  const templates = Object.entries(paths).map(([template, pathItem]) => {
    let parameterCount = 0;
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const name = /^\{([^}]+)\}$/.exec(part)?.[1];
        if (name === undefined) return escapeRegExp(part);
        parameterCount += 1;
        return isObject(pathItem) && spansSegments(pathItem, name) ? '(.+)' : '([^/]+)';
      })
      .join('');
    return { template, pattern: new RegExp(`^${source}$`), parameterCount };
  });
  // Concrete paths before templated ones (OpenAPI's rule), then the more literal first.
  return templates.sort(
    (a, b) => a.parameterCount - b.parameterCount || b.template.length - a.template.length,
  );
}

function buildSchemas(): ProxySchemas {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  // ajv compiles the document's root when resolving a pointer into it: its OpenAPI fields (`openapi`,
  // `paths`, ...) are declared as annotation keywords, so strict mode stays on for every real schema.
  ajv.addVocabulary(Object.keys(OPENAPI_DOCUMENT));
  ajv.addSchema(OPENAPI_DOCUMENT as unknown as JsonObject, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  const at = (pointer: string): ValidateFunction => {
    let validate = compiled.get(pointer);
    if (validate === undefined) {
      resolveDocumentPointer(pointer); // a readable error before ajv's
      const fragment = pointer.split('/').map(encodeURIComponent).join('/');
      validate = ajv.getSchema(`${DOCUMENT_ID}#${fragment}`);
      if (validate === undefined) throw new Error(`No schema at ${pointer} of OPENAPI_DOCUMENT`);
      compiled.set(pointer, validate);
    }
    return validate;
  };
  const paths = OPENAPI_DOCUMENT.paths as unknown as JsonObject;
  const templates = pathTemplates(paths);
  const schemas = OPENAPI_DOCUMENT.components.schemas as unknown as JsonObject;
  return {
    names: Object.keys(schemas),
    component: (name) => at(pointerOf(['components', 'schemas', name])),
    at,
    operation(method, path) {
      const concrete = path.split('?')[0] ?? path;
      const key = method.toLowerCase();
      const matching = templates.filter(({ pattern }) => pattern.test(concrete));
      for (const { template } of matching) {
        const pathItem = paths[template];
        const operation = isObject(pathItem) ? pathItem[key] : undefined;
        if (isObject(operation))
          return { template, method: key, pointer: pointerOf(['paths', template, key]), operation };
      }
      const seen = matching.map(({ template }) => template).join(', ') || 'none';
      throw new Error(
        `OPENAPI_DOCUMENT has no ${method.toUpperCase()} operation for ${concrete} (templates matched: ${seen})`,
      );
    },
  };
}

let schemas: ProxySchemas | undefined;

/** The document's validators, built once per test file (on first use). */
export function proxyDocumentSchemas(): ProxySchemas {
  schemas ??= buildSchemas();
  return schemas;
}

/** ajv errors as readable lines, each with the offending member or the allowed values. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    const extra =
      typeof params.additionalProperty === 'string'
        ? ` ('${params.additionalProperty}')`
        : Array.isArray(params.allowedValues)
          ? ` (${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')})`
          : '';
    return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}${extra}`;
  });
}

/** `undefined`, `''` or `{}`: how a missing body looks (supertest reports one as `{}`). */
function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === '' || (isObject(body) && Object.keys(body).length === 0);
}

function mediaTypeOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** The documented media type for an answer's `Content-Type`: exact, then `type/*`, then `*\/*`. */
function pickMediaType(content: JsonObject, contentType: string | undefined): string | undefined {
  const documented = Object.keys(content);
  if (contentType === undefined) {
    if (documented.length === 1) return documented[0];
    return documented.find((type) => type === 'application/json') ?? documented[0];
  }
  const actual = mediaTypeOf(contentType);
  const family = `${actual.split('/')[0] ?? ''}/*`;
  return [actual, family, '*/*'].find((candidate) => documented.includes(candidate));
}

/**
 * Checks one answer of vspc-proxy against the document: finds the operation for `method` and the concrete
 * `path` (such as `/jobs/copy/ed9b33f2-…`; a query is ignored), the response for `status` (exact, `4XX`,
 * then `default`), and validates `body` against that response's schema. A response documented without
 * content must have no body. With `options.contentType` (the answer's `Content-Type`), it must also be one
 * the response documents. Throws an error listing every mismatch; returns nothing when the answer fits.
 */
export function validateProxyResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
  options: { contentType?: string } = {},
): void {
  const documentSchemas = proxyDocumentSchemas();
  const found = documentSchemas.operation(method, path);
  const label = `${method.toUpperCase()} ${path} → ${status}`;
  const responses = found.operation.responses;
  if (!isObject(responses)) throw new Error(`${label}: ${found.template} documents no responses`);
  const key = [String(status), `${String(status)[0] ?? ''}XX`, 'default'].find((candidate) =>
    Object.hasOwn(responses, candidate),
  );
  if (key === undefined) {
    throw new Error(
      `${label}: status ${status} is not documented for ${found.method.toUpperCase()} ${found.template} ` +
        `(documented: ${Object.keys(responses).join(', ')})`,
    );
  }
  const response = dereference(
    responses[key],
    pointerOf(['paths', found.template, found.method, 'responses', key]),
  );
  if (!isObject(response.value)) throw new Error(`${label}: response ${key} is not an object`);
  const content = response.value.content;
  if (!isObject(content)) {
    if (!isEmptyBody(body))
      throw new Error(`${label}: the document says no body, got ${JSON.stringify(body)}`);
    return;
  }
  const mediaType = pickMediaType(content, options.contentType);
  if (mediaType === undefined) {
    throw new Error(
      `${label}: Content-Type ${options.contentType ?? ''} is not documented (documented: ${Object.keys(content).join(', ')})`,
    );
  }
  const schemaPointer = `${response.pointer}${pointerOf(['content', mediaType, 'schema'])}`;
  const validate = documentSchemas.at(schemaPointer);
  if (validate(body)) return;
  // A schema that only points at a component is named by it: `#/components/schemas/JobPage`.
  const schema = resolveDocumentPointer(schemaPointer);
  const named = isObject(schema) && Object.keys(schema).length === 1 ? schema.$ref : undefined;
  const target = typeof named === 'string' ? named : `#${schemaPointer}`;
  const lines = describeErrors(validate.errors).map((line) => `  ${line}`);
  throw new Error([`${label} does not match ${target}:`, ...lines].join('\n'));
}

/**
 * The problem codes the OpenAPI document gives as examples of `method path`'s answer at exactly `status`
 * (validateProxyResponse alone would accept a VSPC-style `default` for any status of `/api/v3/*`).
 */
export function documentedCodes(method: string, path: string, status: number): string[] {
  const { operation } = proxyDocumentSchemas().operation(method, path);
  const entry = (operation.responses as Record<string, { $ref?: string } | undefined>)[String(status)];
  const response = (entry?.$ref === undefined ? entry : resolveDocumentPointer(entry.$ref)) as
    { content?: Record<string, { examples?: Record<string, { value: { code: string } }> }> } | undefined;
  const examples = response?.content?.['application/problem+json']?.examples ?? {};
  return Object.values(examples).map(({ value }) => value.code);
}
