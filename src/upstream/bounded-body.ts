/**
 * Collects a response body up to `maxBytes`. With a declared length (and no decoding, so the
 * declared length is the body's), the body is copied into one exact-size buffer as it arrives:
 * each socket chunk is garbage at once and dies young, instead of surviving (with its memory) into
 * V8's old space while the rest of the body comes in; the cache keeps that buffer as it is.
 */
export class BoundedBody {
  readonly #maxBytes: number;
  readonly #exact: Buffer | null;
  readonly #chunks: Buffer[] = [];
  #bytes = 0;

  /** `exactBytes`: the body's known final length, or `null`. */
  constructor(maxBytes: number, exactBytes: number | null) {
    this.#maxBytes = maxBytes;
    this.#exact =
      exactBytes !== null && Number.isSafeInteger(exactBytes) && exactBytes > 0 && exactBytes <= maxBytes
        ? Buffer.allocUnsafeSlow(exactBytes)
        : null;
  }

  /** Adds a chunk; false (and nothing kept) once the body is over the bound. */
  push(chunk: Buffer): boolean {
    const at = this.#bytes;
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) return false;
    // A declared length is a promise only: a longer body falls back to chunks.
    if (this.#exact !== null && this.#bytes <= this.#exact.length) chunk.copy(this.#exact, at);
    else this.#chunks.push(chunk);
    return true;
  }

  /** The whole body: the exact buffer, the one chunk, or the chunks joined. */
  bytes(): Buffer {
    if (this.#exact !== null) {
      const filled = Math.min(this.#bytes, this.#exact.length);
      const head = this.#exact.subarray(0, filled);
      return this.#chunks.length === 0 ? head : Buffer.concat([head, ...this.#chunks], this.#bytes);
    }
    if (this.#chunks.length === 1) return this.#chunks[0] as Buffer;
    return Buffer.concat(this.#chunks, this.#bytes);
  }
}
