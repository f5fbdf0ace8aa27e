/** Reading simulator settings from environment variables. Every bad value throws one line naming the variable,
 * the value and what is allowed. */

const INTEGER_TEXT = /^[0-9]+$/;
const DECIMAL_TEXT = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const TRUE_TEXTS: ReadonlySet<string> = new Set(['true', '1', 'yes', 'on']);
const FALSE_TEXTS: ReadonlySet<string> = new Set(['false', '0', 'no', 'off']);

/** The trimmed value of a variable; `undefined` when it is unset or empty. */
export function readEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The error for a bad variable: `NAME="value" is invalid: expected <allowed>.` */
export function envError(name: string, value: string, allowed: string): Error {
  return new Error(`${name}=${JSON.stringify(value)} is invalid: expected ${allowed}.`);
}

/** A whole number in [min, max] written in plain decimal digits. */
export function parseEnvInteger(name: string, raw: string, min: number, max: number): number {
  const value = INTEGER_TEXT.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw envError(name, raw, `a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A decimal number in [0, 1]. */
export function parseEnvFraction(name: string, raw: string): number {
  const value = DECIMAL_TEXT.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(value) || value > 1) throw envError(name, raw, 'a number from 0 to 1, e.g. 0.25');
  return value;
}

/** `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off` (any case). */
export function parseEnvBoolean(name: string, raw: string): boolean {
  const text = raw.toLowerCase();
  if (TRUE_TEXTS.has(text)) return true;
  if (FALSE_TEXTS.has(text)) return false;
  throw envError(name, raw, 'true or false (also 1/0, yes/no, on/off)');
}
