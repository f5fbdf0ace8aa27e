import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import got, { type Got } from 'got';
import type { Config } from '../config.js';
import { UpstreamError, classifyErrorCode } from './errors.js';

/** VSPC response headers that carry meaning for a client; everything else stays behind the proxy. */
export const PASSED_RESPONSE_HEADERS = [
  'content-type',
  'location',
  'retry-after',
  'content-disposition',
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

/** Builds the one got client used for every call to VSPC: keep-alive, explicit timeouts, no retries. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    scheduling: 'lifo' as const,
    timeout: options.idleSocketMs ?? IDLE_SOCKET_MS,
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const client: Got = got.extend({
    agent: agents,
    timeout: { request: options.timeoutMs, connect: options.connectTimeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    decompress: true,
    https: {
      rejectUnauthorized: options.tlsInsecure !== true,
      ...(options.ca ? { certificateAuthority: trustedCertificates(options.ca) } : {}),
    },
    headers: { 'user-agent': options.userAgent ?? 'vspc-proxy' },
  });

  function request(upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // GET and HEAD carry no body to VSPC; other methods send theirs, possibly empty.
      const hasNoBody = upstreamRequest.method === 'GET' || upstreamRequest.method === 'HEAD';
      const body = hasNoBody ? undefined : (upstreamRequest.body ?? Buffer.alloc(0));
      const stream = client.stream(options.origin + upstreamRequest.target, {
        method: upstreamRequest.method as 'GET',
        headers: upstreamRequest.headers,
        ...(body === undefined ? {} : { body }),
        ...(upstreamRequest.signal === undefined ? {} : { signal: upstreamRequest.signal }),
        ...(upstreamRequest.timeoutMs === undefined
          ? {}
          : {
              timeout: {
                request: upstreamRequest.timeoutMs,
                connect: Math.min(upstreamRequest.timeoutMs, options.connectTimeoutMs),
              },
            }),
      });
      const chunks: Buffer[] = [];
      let receivedBytes = 0;
      /**
       * With a declared length, the body is copied into one exact-size buffer as it arrives: each
       * socket chunk is garbage at once and dies young, instead of surviving (with its memory) into
       * V8's old space while the rest of the body comes in; the cache keeps this buffer as it is.
       */
      let exact: Buffer | null = null;
      let status = 0;
      let headers: UpstreamResponse['headers'] = {};
      let settled = false;

      const fail = (code: string, message: string): void => {
        if (settled) return;
        settled = true;
        stream.destroy();
        reject(new UpstreamError(classifyErrorCode(code), code, message));
      };

      stream.on('response', (response: http.IncomingMessage) => {
        status = response.statusCode ?? 0;
        headers = {};
        for (const name of PASSED_RESPONSE_HEADERS) {
          const value = response.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const declaredBytes = Number(response.headers['content-length']);
        if (!response.headers['content-encoding'] && declaredBytes > options.maxBodyBytes) {
          fail('ERR_BODY_TOO_LARGE', `VSPC declared ${declaredBytes} bytes, over ${options.maxBodyBytes}`);
        } else if (
          !response.headers['content-encoding'] &&
          Number.isSafeInteger(declaredBytes) &&
          declaredBytes > 0
        ) {
          exact = Buffer.allocUnsafeSlow(declaredBytes);
        }
      });
      stream.on('data', (chunk: Buffer) => {
        receivedBytes += chunk.length;
        if (receivedBytes > options.maxBodyBytes) {
          fail('ERR_BODY_TOO_LARGE', `VSPC sent more than ${options.maxBodyBytes} bytes`);
          return;
        }
        if (exact === null) {
          chunks.push(chunk);
        } else if (receivedBytes <= exact.length) {
          chunk.copy(exact, receivedBytes - chunk.length);
        } else {
          // Node's parser never passes more than Content-Length bytes; this is a broken response.
          fail('ERR_HTTP_PARSER', 'VSPC sent more bytes than its Content-Length');
        }
      });
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({
          status,
          headers,
          body:
            exact !== null
              ? exact.subarray(0, receivedBytes)
              : chunks.length === 1
                ? (chunks[0] as Buffer)
                : Buffer.concat(chunks, receivedBytes),
          durationMs: performance.now() - started,
        });
      });
      stream.on('error', (error: Error & { code?: string }) => {
        fail(error.code ?? 'ERR_UNKNOWN', error.message);
      });
    });
  }

  return {
    origin: options.origin,
    request,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
