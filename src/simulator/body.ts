import type { IncomingMessage } from 'node:http';

/** Largest request body the simulator reads: 1 MiB. Larger bodies get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request body as text, and whether it was cut off at the limit. */
export interface RequestBody {
  readonly text: string;
  readonly tooLarge: boolean;
}

/**
 * Reads a request body up to `maxBytes`. A `Content-Length` over the limit is refused without reading; a body
 * that grows past the limit stops being collected (its first `maxBytes` are kept for the request record).
 */
export function readBody(req: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<RequestBody> {
  const declaredBytes = Number(req.headers['content-length'] ?? 0);
  if (declaredBytes > maxBytes) return Promise.resolve({ text: '', tooLarge: true });

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let done = false;
    const finish = (tooLarge: boolean): void => {
      if (done) return;
      done = true;
      req.removeAllListeners('data');
      resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge });
    };
    req.on('data', (chunk: Buffer) => {
      const room = maxBytes - receivedBytes;
      receivedBytes += chunk.length;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        finish(true);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => finish(false));
    // A client that goes away mid-body: answer with what arrived (the response will go nowhere).
    req.once('close', () => finish(false));
    req.on('error', reject);
  });
}
