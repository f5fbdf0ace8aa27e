import type { Rng } from './prng.js';

const UUID_BYTES = 16;
const BYTE_VALUES = 256;
const VERSION_BYTE_INDEX = 6;
const VARIANT_BYTE_INDEX = 8;
const HEX_RADIX = 16;
/** Byte offsets after which a '-' separates the groups of a UUID (8-4-4-4-12 hex digits). */
const GROUP_ENDS = new Set([3, 5, 7, 9]);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A version-4 UUID (lowercase) drawn from a seeded generator, so datasets are reproducible. */
export function uuidFromRng(rng: Rng): string {
  let text = '';
  for (let i = 0; i < UUID_BYTES; i++) {
    let byte = Math.floor(rng() * BYTE_VALUES);
    if (i === VERSION_BYTE_INDEX) byte = (byte & 0x0f) | 0x40;
    if (i === VARIANT_BYTE_INDEX) byte = (byte & 0x3f) | 0x80;
    text += byte.toString(HEX_RADIX).padStart(2, '0');
    if (GROUP_ENDS.has(i)) text += '-';
  }
  return text;
}

/** Whether `text` is a UUID in the 8-4-4-4-12 hex form VSPC accepts in paths (any version, any case). */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}
