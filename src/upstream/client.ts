import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { UpstreamError, classifyErrorCode } from './errors.js';

/** VSPC response headers that carry meaning for a client; everything else stays behind the proxy. */
export const PASSED_RESPONSE_HEADERS = [
  'content-type',
  'location',
  'retry-after',
  'content-disposition',
  'www-authenticate',
] as const;

/** One call to VSPC, already validated and normalised by the HTTP layer. */
export interface UpstreamRequest {
  method: string;
  /** Path-absolute target, `/api/v3/...` plus the raw query string. */
  target: string;
  /** Headers to send, lower-case names, already filtered. */
  headers: Record<string, string>;
  body?: Buffer;
  /** Aborts the call, e.g. when the client went away. */
  signal?: AbortSignal;
  /** Overall deadline for this call, shorter than the client's default. */
  timeoutMs?: number;
  /** HMAC of the caller's bearer token: the shield's per-token budget and throttle hold. */
  tokenHash?: string;
  /** Who waits for the answer: a client (`interactive`, the default) or nobody in a hurry (`bulk`). */
  priority?: Priority;
  /** A readiness probe (`/readyz`): the circuit breaker neither refuses it nor learns from it. */
  readiness?: boolean;
}

/** Interactive calls leave the shield's queue before bulk ones (`all=true` windows, background refreshes). */
export type Priority = 'interactive' | 'bulk';

/** VSPC's complete answer, body buffered (and bounded by `maxBodyBytes`). */
export interface UpstreamResponse {
  status: number;
  /** The subset of {@link PASSED_RESPONSE_HEADERS} VSPC sent. */
  headers: Partial<Record<(typeof PASSED_RESPONSE_HEADERS)[number], string>>;
  body: Buffer;
  durationMs: number;
}

export interface UpstreamClientOptions {
  /** VSPC origin, such as `https://vspc.example.com:1280`. */
  origin: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBodyBytes: number;
  maxSockets: number;
  /** PEM bundle trusted for VSPC's certificate, in addition to Node's own roots. */
  ca?: string | null;
  tlsInsecure?: boolean;
  userAgent?: string;
  /** Idle keep-alive sockets are closed after this long (default {@link IDLE_SOCKET_MS}). */
  idleSocketMs?: number;
}

/**
 * Idle keep-alive sockets to VSPC are closed after 30 s, before a server would drop them (Kestrel
 * and IIS keep idle connections for 2 minutes), so a request never lands on a socket VSPC has just
 * closed. A `Keep-Alive: timeout=N` hint from VSPC shortens it further (Node's agent honours it).
 */
export const IDLE_SOCKET_MS = 30_000;

export interface UpstreamClient {
  readonly origin: string;
  /** Sends one request; resolves with any HTTP status, rejects only with {@link UpstreamError}. */
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

/** Node's own root certificates plus a PEM bundle: a CA file adds trust, it does not replace it. */
export function trustedCertificates(pem: string): string[] {
  return [...tls.rootCertificates, pem];
}

/** The client options a configuration asks for, talking to `origin`. */
export function upstreamOptionsFrom(
  config: Config,
  origin: string,
  userAgent?: string,
): UpstreamClientOptions {
  return {
    origin,
    timeoutMs: config.upstreamTimeoutMs,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    maxBodyBytes: config.upstreamMaxBodyBytes,
    maxSockets: config.upstreamMaxSockets,
    ca: config.vspcCa,
    tlsInsecure: config.vspcTlsInsecure,
    ...(userAgent === undefined ? {} : { userAgent }),
  };
}

/** What VSPC may compress a body with: the encodings vspc-proxy asks for and can undo. */
const DECODERS: Readonly<
  Record<string, (body: Buffer, options: zlib.ZlibOptions, done: zlib.CompressCallback) => void>
> = {
  gzip: zlib.gunzip,
  'x-gzip': zlib.gunzip,
  // "deflate" is meant to be zlib-wrapped; some servers send it raw.
  deflate: (body, options, done) =>
    zlib.inflate(body, options, (error, result) =>
      error !== null && !isTooLarge(error) ? zlib.inflateRaw(body, options, done) : done(error, result),
    ),
  br: zlib.brotliDecompress,
};
const ACCEPT_ENCODING = 'gzip, deflate, br';

function isTooLarge(error: Error & { code?: string }): boolean {
  return error.code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * Characters a WHATWG URL percent-encodes in a path or query: such targets are sent the way a URL
 * parser writes them; every other target (nearly all) is sent byte for byte.
 */
const NEEDS_ENCODING = /[^\x21-\x7e]|["'<>`{}]/;

function encodedTarget(origin: URL, target: string): string {
  if (!NEEDS_ENCODING.test(target)) return target;
  // Node reads a request target as latin1: each such character is one byte the client sent, and is
  // sent on as that byte, escaped (a URL parser would escape its UTF-8 encoding instead).
  const ascii = target.replace(
    /[\x80-\xff]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  const url = new URL(ascii, origin);
  return url.pathname + url.search;
}

/**
 * Builds the one client used for every call to VSPC, on Node's own `http`/`https`: keep-alive
 * agents, an overall deadline and a connect deadline on every call, no retries (the shield decides
 * those), no redirects, gzip/deflate/br undone, bodies bounded by `maxBodyBytes` before and after
 * decompression.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const origin = new URL(options.origin);
  const secure = origin.protocol === 'https:';
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    scheduling: 'lifo' as const,
    timeout: options.idleSocketMs ?? IDLE_SOCKET_MS,
  };
  const agent = secure
    ? new https.Agent({
        ...agentOptions,
        rejectUnauthorized: options.tlsInsecure !== true,
        ...(options.ca ? { ca: trustedCertificates(options.ca) } : {}),
      })
    : new http.Agent(agentOptions);
  const transport = secure ? https : http;
  const host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
  const port = origin.port === '' ? (secure ? 443 : 80) : Number(origin.port);
  const userAgent = options.userAgent ?? 'vspc-proxy';

  function request(upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    if (upstreamRequest.signal?.aborted === true) {
      // Not even a connection: the agent would open one as soon as the request exists.
      return Promise.reject(new UpstreamError('aborted', 'ERR_ABORTED', ABANDONED));
    }
    return new Promise((resolve, reject) => {
      // GET and HEAD carry no body to VSPC; other methods send theirs, possibly empty.
      const { method } = upstreamRequest;
      const hasNoBody = method === 'GET' || method === 'HEAD';
      const body = hasNoBody ? undefined : (upstreamRequest.body ?? EMPTY);
      const headers: Record<string, string> = {
        'user-agent': userAgent,
        'accept-encoding': ACCEPT_ENCODING,
        ...upstreamRequest.headers,
      };
      if (body !== undefined) headers['content-length'] = String(body.length);
      const timeoutMs = upstreamRequest.timeoutMs ?? options.timeoutMs;
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;

      const outgoing = transport.request({
        host,
        port,
        method,
        path: encodedTarget(origin, upstreamRequest.target),
        headers,
        agent,
      });
      const deadline = setTimeout(
        () => fail('ETIMEDOUT', `VSPC did not answer within ${timeoutMs} ms`),
        timeoutMs,
      );

      const { signal } = upstreamRequest;
      const onAbort = (): void => fail('ERR_ABORTED', ABANDONED);
      signal?.addEventListener('abort', onAbort, { once: true });

      function finish(): void {
        settled = true;
        clearTimeout(deadline);
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
      }
      function fail(code: string, message: string): void {
        if (settled) return;
        finish();
        outgoing.destroy();
        reject(new UpstreamError(classifyErrorCode(code), code, message));
      }

      outgoing.on('error', (error: Error & { code?: string }) => {
        fail(error.code ?? 'ERR_UNKNOWN', error.message);
      });
      outgoing.on('socket', (socket) => {
        // A reused keep-alive socket is connected already; a new one gets connectTimeoutMs to connect.
        if (!socket.connecting) return;
        const connectMs = Math.min(timeoutMs, options.connectTimeoutMs);
        connectTimer = setTimeout(
          () => fail('ETIMEDOUT', `No connection to VSPC within ${connectMs} ms`),
          connectMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      outgoing.on('response', (response: http.IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const passed: UpstreamResponse['headers'] = {};
        for (const name of PASSED_RESPONSE_HEADERS) {
          const value = response.headers[name];
          if (typeof value === 'string') passed[name] = value;
        }
        const encoding = response.headers['content-encoding']?.trim().toLowerCase();
        // `null`: a coding vspc-proxy did not ask for and cannot undo.
        const decode =
          encoding === undefined || encoding === 'identity' ? undefined : (DECODERS[encoding] ?? null);
        const declaredBytes = Number(response.headers['content-length']);
        const hasBody = method !== 'HEAD' && status !== 204 && status !== 304;
        if (hasBody && decode === null) {
          // Not asked for (several codings, zstd...): passed on, it would be unreadable and cached.
          fail(
            'ERR_CONTENT_DECODING',
            `VSPC answered with Content-Encoding ${encoding}, which vspc-proxy cannot decode`,
          );
          return;
        }
        if (hasBody && declaredBytes > options.maxBodyBytes) {
          fail('ERR_BODY_TOO_LARGE', `VSPC declared ${declaredBytes} bytes, over ${options.maxBodyBytes}`);
          return;
        }
        /**
         * With a declared length, the body is copied into one exact-size buffer as it arrives: each
         * socket chunk is garbage at once and dies young, instead of surviving (with its memory) into
         * V8's old space while the rest of the body comes in; the cache keeps this buffer as it is.
         */
        const exact =
          hasBody && Number.isSafeInteger(declaredBytes) && declaredBytes > 0
            ? Buffer.allocUnsafeSlow(declaredBytes)
            : null;
        const chunks: Buffer[] = [];
        let receivedBytes = 0;

        response.on('data', (chunk: Buffer) => {
          receivedBytes += chunk.length;
          if (receivedBytes > options.maxBodyBytes) {
            fail('ERR_BODY_TOO_LARGE', `VSPC sent more than ${options.maxBodyBytes} bytes`);
          } else if (exact === null) {
            chunks.push(chunk);
          } else {
            // Node's parser never passes more than Content-Length bytes.
            chunk.copy(exact, receivedBytes - chunk.length);
          }
        });
        response.on('error', (error: Error & { code?: string }) => {
          fail(error.code ?? 'ERR_UNKNOWN', error.message);
        });
        response.on('close', () => {
          if (!response.complete) fail('ECONNRESET', 'VSPC closed the connection before the body ended');
        });
        response.on('end', () => {
          if (settled) return;
          const raw =
            exact !== null
              ? exact.subarray(0, receivedBytes)
              : chunks.length === 1
                ? (chunks[0] as Buffer)
                : Buffer.concat(chunks, receivedBytes);
          const answer = (bytes: Buffer): void => {
            if (settled) return;
            finish();
            resolve({ status, headers: passed, body: bytes, durationMs: performance.now() - started });
          };
          if (!decode || raw.length === 0) return answer(raw);
          decode(raw, { maxOutputLength: options.maxBodyBytes }, (error, decoded) => {
            if (error === null) return answer(decoded);
            if (isTooLarge(error))
              fail('ERR_BODY_TOO_LARGE', `VSPC's ${encoding} body is over ${options.maxBodyBytes} bytes`);
            else
              fail('ERR_CONTENT_DECODING', `VSPC's ${encoding} body could not be decoded: ${error.message}`);
          });
        });
      });
      outgoing.end(body);
    });
  }

  return {
    origin: options.origin,
    request,
    close() {
      agent.destroy();
    },
  };
}

const EMPTY = Buffer.alloc(0);
const ABANDONED = 'The call to VSPC was abandoned';
