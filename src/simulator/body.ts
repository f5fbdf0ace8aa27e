import type { IncomingMessage } from 'node:http';

/** Largest request body the simulator keeps: 1 MiB. Larger bodies get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request body as text, and whether it was over the limit. */
export interface RequestBody {
  readonly text: string;
  readonly tooLarge: boolean;
}

/**
 * Reads a request body, keeping at most `maxBytes` (the rest is read and dropped, so that the client gets to
 * read the 413 instead of a reset connection; Node's `requestTimeout` bounds a body that never ends).
 */
export function readBody(req: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ text, tooLarge: receivedBytes > maxBytes });
    };
    req.on('data', (chunk: Buffer) => {
      const room = maxBytes - Math.min(receivedBytes, maxBytes);
      receivedBytes += chunk.length;
      if (room > 0) chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    });
    req.once('end', finish);
    // A client that goes away mid-body: answer with what arrived (the response will go nowhere).
    req.once('close', finish);
    req.on('error', reject);
  });
}
