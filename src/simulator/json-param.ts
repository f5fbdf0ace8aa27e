import { badRequest } from './errors.js';

/**
 * Parses a query parameter that VSPC defines as a URL-encoded JSON array (`filter`, `sort`). `null` (absent)
 * and JSON `null` give `null`; anything but a JSON array is a 400 `VspcError` with `shapeMessage`.
 */
export function parseJsonArrayParameter(raw: string | null, shapeMessage: string): unknown[] | null {
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(shapeMessage);
  }
  if (parsed === null) return null;
  if (!Array.isArray(parsed)) throw badRequest(shapeMessage);
  return parsed;
}
