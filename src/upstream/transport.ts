import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import got, { TimeoutError, type Method, type NativeRequestOptions, type PlainResponse } from 'got';
import type { Config } from '../config.js';
import { BoundedBody } from './bounded-body.js';
import { inflateBounded } from './inflate.js';
import {
  CACHING_RESPONSE_HEADERS,
  PASSED_RESPONSE_HEADERS,
  type VspcClient,
  type VspcRequest,
  type VspcResponse,
} from './client.js';
import { TransportError, classifyErrorCode } from './errors.js';

export interface TransportOptions {
  /** VSPC origin, such as `https://vspc.example.com:1280`. */
  origin: string;
  /** Deadline of one call unless it names its own `timeoutMs`. */
  timeoutMs: number;
  /** Deadline to open a connection (a reused keep-alive socket needs none). */
  connectTimeoutMs: number;
  /** Bound of a body, as received and as decoded. */
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

/** The codings got undoes on every Node this runs on (got adds zstd where Node has it; VSPC never sends it). */
const ACCEPT_ENCODING = 'gzip, deflate, br';
/** Response headers kept: what clients may see, and what the cache reads. */
const KEPT_RESPONSE_HEADERS = [...PASSED_RESPONSE_HEADERS, ...CACHING_RESPONSE_HEADERS];
const EMPTY = Buffer.alloc(0);
const ABANDONED = 'The call to VSPC was abandoned';

/** Node's own root certificates plus a PEM bundle: a CA file adds trust, it does not replace it. */
export function trustedCertificates(pem: string): string[] {
  return [...tls.rootCertificates, pem];
}

/** The transport options a configuration asks for, talking to `origin`. */
export function transportOptionsFrom(config: Config, origin: string, userAgent?: string): TransportOptions {
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

/**
 * Characters a WHATWG URL percent-encodes in a path or query: such targets are sent the way a URL
 * parser writes them; every other target (nearly all) is sent byte for byte.
 */
const NEEDS_ENCODING = /[^\x21-\x7e]|["'<>`{}]/;

/** The request target as it goes on the wire; pure. */
export function encodedTarget(origin: URL, target: string): string {
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
 * The innermost layer: one got instance, made once, for every attempt. Keep-alive agents (LIFO),
 * an overall and a connect deadline on every call, no retries and no redirects of got's own (the
 * shield decides those), any HTTP status resolved, gzip/deflate/br undone by got, bodies bounded by
 * `maxBodyBytes` as received and as decoded (a compression bomb stops at the bound). The target
 * goes out as {@link encodedTarget} writes it, never re-parsed: got is handed the origin, and the
 * native request its exact path.
 */
export function createTransport(options: TransportOptions): VspcClient {
  const origin = new URL(options.origin);
  const secure = origin.protocol === 'https:';
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    scheduling: 'lifo' as const,
    timeout: options.idleSocketMs ?? IDLE_SOCKET_MS,
  };
  // TLS settings live on the agent: Node's agent options take precedence over a request's.
  const rejectUnauthorized = options.tlsInsecure !== true;
  const agent = secure
    ? new https.Agent({
        ...agentOptions,
        rejectUnauthorized,
        ...(options.ca ? { ca: trustedCertificates(options.ca) } : {}),
      })
    : new http.Agent(agentOptions);
  const send = secure ? https.request : http.request;
  const client = got.extend({
    agent: secure ? { https: agent as https.Agent } : { http: agent },
    https: { rejectUnauthorized },
    headers: { 'user-agent': options.userAgent ?? 'vspc-proxy', 'accept-encoding': ACCEPT_ENCODING },
    decompress: true,
    followRedirect: false,
    retry: { limit: 0 },
    throwHttpErrors: false,
    http2: false,
  });
  const maxBytes = options.maxBodyBytes;

  function request(call: VspcRequest): Promise<VspcResponse> {
    const started = performance.now();
    // Not even a connection: the agent would open one as soon as the request exists.
    if (call.signal?.aborted === true) return Promise.reject(new TransportError('aborted', ABANDONED));
    const { method, signal } = call;
    const timeoutMs = call.timeoutMs ?? options.timeoutMs;
    const connectMs = Math.min(timeoutMs, options.connectTimeoutMs);
    const path = encodedTarget(origin, call.target);
    return new Promise((resolve, reject) => {
      let incoming: IncomingMessage | undefined;
      /** The body is deflate, undone here once it has all come (bounded as received). */
      let inflate = false;
      let settled = false;
      const stream = client.stream(options.origin, {
        // got's union of the usual methods; the HTTP layer has validated this one.
        method: method as Method,
        headers: call.headers,
        // GET and HEAD carry no body to VSPC; other methods send theirs, possibly empty (Content-Length: 0).
        body: method === 'GET' || method === 'HEAD' ? undefined : (call.body ?? EMPTY),
        timeout: { request: timeoutMs, connect: connectMs },
        request: (url: URL, native: NativeRequestOptions) => {
          native.path = path;
          const outgoing = send(url, native);
          outgoing.once('response', (message: IncomingMessage) => {
            incoming = message;
            const coding = message.headers['content-encoding']?.trim().toLowerCase();
            // RFC 9110 §8.4.1.3: x-gzip is gzip; got's decoder knows only the one name.
            if (coding === 'x-gzip') message.headers['content-encoding'] = 'gzip';
            // Raw or zlib-wrapped: see inflateBounded. got passes the body through as it came.
            if (coding === 'deflate') {
              delete message.headers['content-encoding'];
              inflate = true;
            }
          });
          return outgoing;
        },
      });
      let body = new BoundedBody(maxBytes, null);
      let decoding: string | undefined;

      const onAbort = (): void => fail(new TransportError('aborted', ABANDONED));
      signal?.addEventListener('abort', onAbort, { once: true });
      function fail(error: TransportError): void {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        stream.destroy();
        reject(error);
      }

      stream.once('response', (response: PlainResponse) => {
        const status = response.statusCode;
        const native = incoming ?? response;
        const hasBody = method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
        // Still there only when got could not undo it (several codings, zstd, compress...): passed
        // on, it would be unreadable, and cached.
        const leftCoding = response.headers['content-encoding']?.trim().toLowerCase();
        if (hasBody && leftCoding !== undefined && leftCoding !== 'identity') {
          fail(
            new TransportError(
              'bad-answer',
              `VSPC answered with Content-Encoding ${leftCoding}, which vspc-proxy cannot decode`,
            ),
          );
          return;
        }
        const declaredBytes = Number(native.headers['content-length']);
        if (hasBody && declaredBytes > maxBytes) {
          fail(
            new TransportError('body-too-large', `VSPC declared ${declaredBytes} bytes, over ${maxBytes}`),
          );
          return;
        }
        if (response !== native) {
          // got decodes it: the bytes received are counted apart from the decoded ones.
          decoding = native.headers['content-encoding'];
          let receivedBytes = 0;
          native.on('data', (chunk: Buffer) => {
            receivedBytes += chunk.length;
            if (receivedBytes > maxBytes)
              fail(new TransportError('body-too-large', `VSPC sent more than ${maxBytes} bytes`));
          });
        } else if (hasBody) {
          body = new BoundedBody(maxBytes, declaredBytes);
        }
        const headers: VspcResponse['headers'] = {};
        for (const name of KEPT_RESPONSE_HEADERS) {
          const value = native.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        stream.on('data', (chunk: Buffer) => {
          if (!body.push(chunk)) {
            const what = decoding === undefined ? 'body' : `${decoding} body, decoded,`;
            fail(new TransportError('body-too-large', `VSPC's ${what} is over ${maxBytes} bytes`));
          }
        });
        stream.once('end', () => {
          if (settled) return;
          if (incoming !== undefined && !incoming.complete) {
            fail(new TransportError('reset', 'VSPC closed the connection before the body ended'));
            return;
          }
          const answer = (bytes: Buffer): void => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            resolve({ status, headers, body: bytes, durationMs: performance.now() - started });
          };
          const raw = body.bytes();
          if (!inflate || raw.length === 0) answer(raw);
          else inflateBounded(raw, maxBytes).then(answer, fail);
        });
      });
      // `on`, not `once`: nothing got emits after the call settled may go unheard.
      stream.on('error', (error: Error) => fail(transportErrorOf(error, { timeoutMs, connectMs }, decoding)));
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

/** The transport failure a got error stands for, its message free of request details. */
function transportErrorOf(
  error: Error,
  deadlines: { timeoutMs: number; connectMs: number },
  decoding: string | undefined,
): TransportError {
  if (error instanceof TimeoutError) {
    const message =
      error.event === 'connect'
        ? `No connection to VSPC within ${deadlines.connectMs} ms`
        : `VSPC did not answer within ${deadlines.timeoutMs} ms`;
    return new TransportError('timeout', message, error);
  }
  const failure = classifyErrorCode((error as { code?: string }).code);
  // An unknown error while got decodes the body is the decoder's: the body is not what its coding says.
  if (failure === 'other' && decoding !== undefined)
    return new TransportError('bad-answer', `VSPC's ${decoding} body could not be decoded`, error);
  return new TransportError(failure, error.message, error);
}
