import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import got, { type Method, type NativeRequestOptions } from 'got';
import type { Config } from '../config.js';
import type { VspcClient, VspcRequest, VspcResponse } from './client.js';
import { TransportError } from './errors.js';
import { readAnswer, type Exchange } from './read-answer.js';

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
const EMPTY = Buffer.alloc(0);

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
  // TLS settings live on the agent, the one place the native requests take them from.
  const agent = secure
    ? new https.Agent({
        ...agentOptions,
        rejectUnauthorized: options.tlsInsecure !== true,
        ...(options.ca ? { ca: trustedCertificates(options.ca) } : {}),
      })
    : new http.Agent(agentOptions);
  const send = secure ? https.request : http.request;
  const host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
  const port = origin.port === '' ? (secure ? 443 : 80) : Number(origin.port);
  const client = got.extend({
    agent: secure ? { https: agent as https.Agent } : { http: agent },
    headers: { 'user-agent': options.userAgent ?? 'vspc-proxy', 'accept-encoding': ACCEPT_ENCODING },
    decompress: true,
    followRedirect: false,
    retry: { limit: 0 },
    throwHttpErrors: false,
    http2: false,
  });

  function request(call: VspcRequest): Promise<VspcResponse> {
    const startedAt = performance.now();
    // Not even a connection: the agent would open one as soon as the request exists.
    if (call.signal?.aborted === true)
      return Promise.reject(new TransportError('aborted', 'The call to VSPC was abandoned'));
    const { method } = call;
    const timeoutMs = call.timeoutMs ?? options.timeoutMs;
    const connectMs = Math.min(timeoutMs, options.connectTimeoutMs);
    const path = encodedTarget(origin, call.target);
    const exchange: Exchange = { inflate: false };
    const stream = client.stream(options.origin, {
      // got's union of the usual methods; the HTTP layer has validated this one.
      method: method as Method,
      headers: call.headers,
      // GET and HEAD carry no body to VSPC; other methods send theirs, possibly empty (Content-Length: 0).
      body: method === 'GET' || method === 'HEAD' ? undefined : (call.body ?? EMPTY),
      timeout: { request: timeoutMs, connect: connectMs },
      // got's native options carry some forty settings this client never uses; Node's request and
      // agent copy them all on every call. The request gets what it needs, and the exact path.
      request: (_url: URL, native: NativeRequestOptions) => {
        const outgoing = send({ host, port, path, method: native.method, headers: native.headers, agent });
        outgoing.once('response', (message: IncomingMessage) => {
          exchange.incoming = message;
          const coding = message.headers['content-encoding']?.trim().toLowerCase();
          // RFC 9110 §8.4.1.3: x-gzip is gzip; got's decoder knows only the one name.
          if (coding === 'x-gzip') message.headers['content-encoding'] = 'gzip';
          // Raw or zlib-wrapped, see inflateBounded: got passes it through, readAnswer undoes it.
          if (coding === 'deflate') {
            delete message.headers['content-encoding'];
            exchange.inflate = true;
          }
        });
        return outgoing;
      },
    });
    return readAnswer(stream, exchange, {
      method,
      maxBodyBytes: options.maxBodyBytes,
      timeoutMs,
      connectMs,
      signal: call.signal,
      startedAt,
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
