import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { TimeoutError, type PlainResponse, type Request as GotStream } from 'got';
import { BoundedBody } from './bounded-body.js';
import { CACHING_RESPONSE_HEADERS, PASSED_RESPONSE_HEADERS, type VspcResponse } from './client.js';
import { TransportError, classifyErrorCode } from './errors.js';
import { inflateBounded } from './inflate.js';

/** Response headers kept: what clients may see, and what the cache reads. */
const KEPT_RESPONSE_HEADERS = [...PASSED_RESPONSE_HEADERS, ...CACHING_RESPONSE_HEADERS];
const ABANDONED = 'The call to VSPC was abandoned';

/** What the native request learnt of VSPC's answer before got saw it (see `transport.ts`). */
export interface Exchange {
  /** VSPC's answer as Node parsed it, before any decoding. */
  incoming?: IncomingMessage;
  /** The body is deflate: got passes it through as it came, and it is undone here once complete. */
  inflate: boolean;
}

export interface AnswerLimits {
  method: string;
  maxBodyBytes: number;
  timeoutMs: number;
  connectMs: number;
  signal: AbortSignal | undefined;
  /** `performance.now()` when the call started. */
  startedAt: number;
}

/**
 * Reads VSPC's answer from got's stream: any status resolves, with the kept headers and the whole
 * body, bounded by `maxBodyBytes` as received and as decoded (the stream is destroyed at the bound:
 * a compression bomb is never buffered past it). Rejects only with a {@link TransportError}: a body
 * in a coding got could not undo is `bad-answer`, never unreadable bytes. An abort ends it at once.
 */
export function readAnswer(
  stream: GotStream,
  exchange: Exchange,
  limits: AnswerLimits,
): Promise<VspcResponse> {
  const { method, maxBodyBytes: maxBytes, signal } = limits;
  return new Promise((resolve, reject) => {
    let settled = false;
    let body = new BoundedBody(maxBytes, null);
    /** The coding got undoes, if any. */
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
    function answer(status: number, headers: VspcResponse['headers'], bytes: Buffer): void {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve({ status, headers, body: bytes, durationMs: performance.now() - limits.startedAt });
    }

    stream.once('response', (response: PlainResponse) => {
      const status = response.statusCode;
      const native = exchange.incoming ?? response;
      const hasBody = method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
      // Still there only when got could not undo it (several codings, zstd, compress...): passed on,
      // it would be unreadable, and cached.
      const leftCoding = response.headers['content-encoding']?.trim().toLowerCase();
      if (hasBody && leftCoding !== undefined && leftCoding !== 'identity') {
        const message = `VSPC answered with Content-Encoding ${leftCoding}, which vspc-proxy cannot decode`;
        return fail(new TransportError('bad-answer', message));
      }
      const declaredBytes = Number(native.headers['content-length']);
      if (hasBody && declaredBytes > maxBytes) {
        return fail(
          new TransportError('body-too-large', `VSPC declared ${declaredBytes} bytes, over ${maxBytes}`),
        );
      }
      if (response !== native) {
        // got decodes it: the bytes received are bounded apart from the decoded ones.
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
        if (body.push(chunk)) return;
        const what = decoding === undefined ? 'body' : `${decoding} body, decoded,`;
        fail(new TransportError('body-too-large', `VSPC's ${what} is over ${maxBytes} bytes`));
      });
      stream.once('end', () => {
        if (settled) return;
        if (exchange.incoming !== undefined && !exchange.incoming.complete)
          return fail(new TransportError('reset', 'VSPC closed the connection before the body ended'));
        const raw = body.bytes();
        if (!exchange.inflate || raw.length === 0) return answer(status, headers, raw);
        inflateBounded(raw, maxBytes).then((decoded) => answer(status, headers, decoded), fail);
      });
    });
    // `on`, not `once`: nothing got emits after the call settled may go unheard.
    stream.on('error', (error: Error) => fail(transportErrorOf(error, limits, decoding)));
  });
}

/** The transport failure a got error stands for, its message free of request details. */
function transportErrorOf(error: Error, limits: AnswerLimits, decoding: string | undefined): TransportError {
  if (error instanceof TimeoutError) {
    const message =
      error.event === 'connect'
        ? `No connection to VSPC within ${limits.connectMs} ms`
        : `VSPC did not answer within ${limits.timeoutMs} ms`;
    return new TransportError('timeout', message, error);
  }
  const failure = classifyErrorCode((error as { code?: string }).code);
  // An unknown error while got decodes the body is the decoder's: the body is not what its coding says.
  if (failure === 'other' && decoding !== undefined)
    return new TransportError('bad-answer', `VSPC's ${decoding} body could not be decoded`, error);
  return new TransportError(failure, error.message, error);
}
