import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Body fields and query parameters whose values never reach a log line. */
export const SECRET_FIELDS = [
  'access_token',
  'refresh_token',
  'password',
  'client_secret',
  'api_key',
  'apikey',
  'mfa_token',
];

/** A cheap first look: a query without any of these letters has no secret parameter. */
const MAY_HOLD_SECRET = /token|pass|pwd|secret|key|code|auth|credential|sig|jwt|bearer|%/i;

/**
 * Endings that make a parameter name a credential whatever comes before them (`sessionToken`,
 * `private_key`, `client-secret`), compared without case, `-` or `_`, and before any `[` or `.`
 * (`token[]`, `token.value`).
 */
const SECRET_NAME_ENDINGS = [
  'token',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
  'credential',
  'credentials',
];

/**
 * Query parameters redacted in logged URLs (and whose requests skip the cache): the secret fields,
 * OAuth's authorization `code`, and the names credentials commonly travel under in a query.
 */
const SECRET_QUERY_PARAMETERS = [
  ...SECRET_FIELDS,
  'code',
  'token',
  'id_token',
  'api-key',
  'x-api-key',
  'secret',
  'auth',
  'authorization',
  'key',
  'sig',
  'signature',
  'jwt',
  'bearer',
  'pwd',
  'pass',
];

/**
 * Redaction paths applied to every log line: credentials in headers and in any object
 * up to two levels deep, whatever a caller logs by mistake.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

const REDACTED = '[Redacted]';
/**
 * Lines are written in batches of this many bytes, or every LOG_FLUSH_MS, whichever comes first:
 * just under sonic-boom's largest single write (16 KiB), so under load one write carries ~60 access
 * lines (each write is a trip through libuv's thread pool; at 4 KiB they cost ~5 % of a cache hit).
 */
const LOG_BUFFER_BYTES = 16_000;
const LOG_FLUSH_MS = 200;
/** Lines waiting for a stalled stdout are dropped beyond this, rather than growing the heap without bound. */
const LOG_BACKLOG_MAX_BYTES = 16 * 1024 * 1024;

/** How a buffered destination batches and bounds its lines; the defaults are stdout's. */
export interface BufferLimits {
  /** Bytes collected before a write (below 16,384, sonic-boom's largest write). */
  minLength: number;
  /** Bytes that may wait for a stalled destination; lines beyond are dropped and counted. */
  maxLength: number;
  /** Waiting lines are written at least this often. */
  flushMs: number;
}

const STDOUT_LIMITS: BufferLimits = {
  minLength: LOG_BUFFER_BYTES,
  maxLength: LOG_BACKLOG_MAX_BYTES,
  flushMs: LOG_FLUSH_MS,
};

/**
 * A buffered destination (stdout by default): one write per ~16 KB instead of one per line; flushed
 * on a timer and at exit. Lines it had to drop while the destination stalled are not lost silently:
 * the next flush writes one `warn` line with their count (`droppedLines`).
 */
export function bufferedDestination(
  target: number | string = 1,
  limits: BufferLimits = STDOUT_LIMITS,
): DestinationStream {
  const destination = pino.destination({
    dest: target,
    sync: false,
    minLength: limits.minLength,
    maxLength: limits.maxLength,
  });
  let droppedLines = 0;
  // The report itself may not fit while the backlog is still full: then its count waits for the next one.
  let report: { line: string; count: number } | null = null;
  destination.on('drop', (data: string) => {
    droppedLines += report !== null && data === report.line ? report.count : data.split('\n').length - 1;
  });
  setInterval(() => {
    if ((destination as { destroyed?: boolean }).destroyed) return;
    if (droppedLines > 0) {
      report = {
        line:
          `{"level":"warn","time":${Date.now()},"service":"${SERVICE}","droppedLines":${droppedLines},` +
          `"msg":"log lines dropped: the log destination did not keep up"}\n`,
        count: droppedLines,
      };
      droppedLines = 0;
      destination.write(report.line);
      report = null;
    }
    destination.flush();
  }, limits.flushMs).unref();
  return destination;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** The `service` field every line carries. */
const SERVICE = 'vspc-proxy';

/** The process logger: JSON lines (`time` in epoch ms), redaction on. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: SERVICE },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? bufferedDestination(),
  );
}

/** The decoded, lower-cased names of a query string's parameters. */
function parameterNames(query: string): string[] {
  return query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    // Control characters and spaces around a name do not make it another name.
    // eslint-disable-next-line no-control-regex
    return name.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
  });
}

/** True when a (decoded, lower-cased) query parameter name names a credential. */
function isSecretName(name: string): boolean {
  if (SECRET_QUERY_PARAMETERS.includes(name)) return true;
  const bare = (name.split(/[[.]/, 1)[0] ?? '').replace(/[-_]/g, '');
  return SECRET_NAME_ENDINGS.some((ending) => bare.endsWith(ending));
}

/** True when a raw query string (without `?`) carries a credential parameter such as `access_token`. */
export function queryHoldsSecret(query: string): boolean {
  return MAY_HOLD_SECRET.test(query) && parameterNames(query).some(isSecretName);
}

/**
 * Replaces the values of credential-bearing query parameters in a request target
 * (`/api/v3/x?access_token=abc` → `/api/v3/x?access_token=[Redacted]`).
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const path = redactPathParameters(queryStart === -1 ? url : url.slice(0, queryStart));
  if (queryStart === -1) return path;
  const query = url.slice(queryStart + 1);
  if (!MAY_HOLD_SECRET.test(query)) return `${path}?${query}`;
  const pairs = query.split('&');
  const names = parameterNames(query);
  const redacted = pairs.map((pair, index) => {
    if (!isSecretName(names[index] ?? '')) return pair;
    const equals = pair.indexOf('=');
    return `${equals === -1 ? pair : pair.slice(0, equals)}=${REDACTED}`;
  });
  return `${path}?${redacted.join('&')}`;
}

/** A path parameter's value (`/x;jsessionid=abc/y`): such values are often session ids or keys. */
const PATH_PARAMETER_VALUE = /;([^;/=]*)=[^;/]*/g;

/** Replaces the value of every `;name=value` path parameter; VSPC's API uses none. Pure. */
export function redactPathParameters(path: string): string {
  return path.includes(';') ? path.replace(PATH_PARAMETER_VALUE, `;$1=${REDACTED}`) : path;
}

/** A value an access line may carry. */
export type AccessValue = string | number | boolean | undefined;

/** Writes one fixed-shape line; see {@link createAccessLineWriter}. */
export type AccessLineWriter = (
  level: 'info' | 'warn' | 'error',
  fields: Readonly<Record<string, AccessValue>>,
  message: string,
) => void;

/** Access lines are handed to the destination in batches of this many characters, or once per event-loop turn. */
const ACCESS_BATCH_CHARS = 16_384;

/**
 * A writer for access lines, the one line per request: the same JSON shape, level filter and
 * destination as `logger`, serialised directly from flat scalar fields whose keys are plain
 * identifiers, and handed to the destination in batches (one write per event-loop turn at most).
 * It skips pino's generic serialiser and redaction pass, a large share of the cache-hit path's
 * CPU, so callers must pass only fields that cannot hold a credential.
 */
export function createAccessLineWriter(logger: Logger): AccessLineWriter {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  if (stream === undefined) throw new Error('the logger has no destination stream');
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === '') return;
    const batch = pending;
    pending = '';
    stream.write(batch);
  };
  return (level, fields, message) => {
    if (!logger.isLevelEnabled(level)) return;
    let line = `{"level":"${level}","time":${Date.now()},"service":"${SERVICE}"`;
    for (const key in fields) {
      const value = fields[key];
      if (value === undefined) continue;
      line += typeof value === 'string' ? `,"${key}":${JSON.stringify(value)}` : `,"${key}":${value}`;
    }
    pending += `${line},"msg":${JSON.stringify(message)}}\n`;
    if (pending.length >= ACCESS_BATCH_CHARS) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
