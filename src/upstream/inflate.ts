import zlib from 'node:zlib';
import { TransportError } from './errors.js';

/**
 * Undoes `Content-Encoding: deflate`, which is meant to be zlib-wrapped but some servers (IIS among
 * them) send raw. got's decoder guesses which from one bit of the first byte, so wrong for about half
 * of raw bodies; this tries zlib first, then raw. The output stops at `maxBytes`: a bomb fails as
 * `body-too-large` without being inflated past the bound. `raw` is bounded by the caller.
 */
export function inflateBounded(raw: Buffer, maxBytes: number): Promise<Buffer> {
  const options = { maxOutputLength: maxBytes };
  return new Promise((resolve, reject) => {
    const done = (error: (Error & { code?: string }) | null, decoded: Buffer): void => {
      if (error === null) resolve(decoded);
      else if (error.code === 'ERR_BUFFER_TOO_LARGE')
        reject(new TransportError('body-too-large', `VSPC's deflate body is over ${maxBytes} bytes`, error));
      else reject(new TransportError('bad-answer', "VSPC's deflate body could not be decoded", error));
    };
    zlib.inflate(raw, options, (error, decoded) =>
      error !== null && (error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE'
        ? zlib.inflateRaw(raw, options, done)
        : done(error, decoded),
    );
  });
}
