/** JSON values, as the OpenAPI document is made of them. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: Json };

/** Where the document's component objects live. */
export const COMPONENTS = {
  schemas: '#/components/schemas',
  responses: '#/components/responses',
  parameters: '#/components/parameters',
  headers: '#/components/headers',
} as const;

/** A reference to a component: `ref('schemas', 'Job')` is `{ $ref: '#/components/schemas/Job' }`. */
export function ref(kind: keyof typeof COMPONENTS, name: string): { readonly $ref: string } {
  return { $ref: `${COMPONENTS[kind]}/${name}` };
}

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
