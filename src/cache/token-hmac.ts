import { createHash } from 'node:crypto';

/*
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) of bearer tokens under one process secret, in plain JavaScript.
 *
 * Every cache lookup and every rate-limit check hashes the caller's token. node:crypto's `createHmac`
 * builds a stream object and a native context per call and prepares the key's inner and outer
 * blocks again each time; under cache-hit load that was about 6 % of the proxy's CPU. Here the two
 * key blocks are compressed once, when the hasher is built, so a token costs only its own blocks and
 * the outer one, with no allocation but the hex string returned. The result is byte-for-byte
 * node:crypto's (tests compare them on RFC 4231's vectors and random inputs).
 *
 * The raw token is never kept: the scratch bytes and message words it passed through are zeroed
 * before the call returns.
 */

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const LENGTH_FIELD_BYTES = 8;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;
const END_OF_MESSAGE = 0x80;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_BYTES_PER_UNIT = 3;
const TWO_POW_32 = 2 ** 32;

const INITIAL_STATE = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const ROUND_CONSTANTS = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** Rotates a 32-bit word right by `bits`. */
const rotr = (word: number, bits: number): number => (word >>> bits) | (word << (32 - bits));

/** The SHA-256 compression function: folds the 64-byte block at `offset` of `bytes` into `state`. */
function compress(state: Int32Array, words: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let index = 0; index < 16; index += 1) {
    const at = offset + index * 4;
    words[index] =
      ((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number);
  }
  for (let index = 16; index < 64; index += 1) {
    const early = words[index - 15] as number;
    const late = words[index - 2] as number;
    const sigma0 = rotr(early, 7) ^ rotr(early, 18) ^ (early >>> 3);
    const sigma1 = rotr(late, 17) ^ rotr(late, 19) ^ (late >>> 10);
    words[index] = ((words[index - 16] as number) + sigma0 + (words[index - 7] as number) + sigma1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let index = 0; index < 64; index += 1) {
    const sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + sum1 + choice + (ROUND_CONSTANTS[index] as number) + (words[index] as number)) | 0;
    const sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (sum0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/** Writes a message's SHA-256 padding after its `length` bytes at `bytes[0]`; returns the padded length. */
function pad(bytes: Uint8Array, length: number, precedingBytes: number): number {
  const padded = Math.ceil((length + 1 + LENGTH_FIELD_BYTES) / BLOCK_BYTES) * BLOCK_BYTES;
  bytes[length] = END_OF_MESSAGE;
  bytes.fill(0, length + 1, padded - LENGTH_FIELD_BYTES);
  // The message length in bits, a 64-bit big-endian integer.
  const bits = (precedingBytes + length) * 8;
  writeUint32(bytes, padded - LENGTH_FIELD_BYTES, Math.floor(bits / TWO_POW_32));
  writeUint32(bytes, padded - LENGTH_FIELD_BYTES / 2, bits >>> 0);
  return padded;
}

/** Writes a 32-bit word big-endian at `offset`. */
function writeUint32(bytes: Uint8Array, offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = (word >>> 16) & 0xff;
  bytes[offset + 2] = (word >>> 8) & 0xff;
  bytes[offset + 3] = word & 0xff;
}

/** The state after one key block XOR `padByte`: where every message under this key starts. */
function keyedState(keyBlock: Uint8Array, padByte: number, words: Int32Array): Int32Array {
  const state = Int32Array.from(INITIAL_STATE);
  const padded = keyBlock.map((byte) => byte ^ padByte);
  compress(state, words, padded, 0);
  padded.fill(0);
  return state;
}

/**
 * Builds `message → hex(HMAC-SHA256(secret, UTF-8 bytes of message))`, equal to
 * `createHmac('sha256', secret).update(message).digest('hex')`. Not reentrant-safe across threads;
 * one process uses it from its one JavaScript thread.
 */
export function createHmacSha256Hex(secret: Uint8Array): (message: string) => string {
  const words = new Int32Array(64);
  const keyBlock = new Uint8Array(BLOCK_BYTES);
  keyBlock.set(secret.length > BLOCK_BYTES ? createHash('sha256').update(secret).digest() : secret);
  const inner = keyedState(keyBlock, INNER_PAD, words);
  const outer = keyedState(keyBlock, OUTER_PAD, words);
  keyBlock.fill(0);
  words.fill(0);

  const state = new Int32Array(8);
  const outerBlock = new Uint8Array(BLOCK_BYTES);
  const digest = Buffer.alloc(DIGEST_BYTES);
  let scratch = Buffer.alloc(BLOCK_BYTES * 4);

  return (message) => {
    const capacity = message.length * MAX_UTF8_BYTES_PER_UNIT + BLOCK_BYTES + LENGTH_FIELD_BYTES;
    if (scratch.length < capacity) scratch = Buffer.alloc(capacity);
    const length = scratch.write(message, 0, 'utf8');
    const padded = pad(scratch, length, BLOCK_BYTES);
    state.set(inner);
    for (let offset = 0; offset < padded; offset += BLOCK_BYTES) compress(state, words, scratch, offset);
    scratch.fill(0, 0, padded);

    for (let index = 0; index < 8; index += 1) writeUint32(outerBlock, index * 4, state[index] as number);
    pad(outerBlock, DIGEST_BYTES, BLOCK_BYTES);
    state.set(outer);
    compress(state, words, outerBlock, 0);
    words.fill(0);

    for (let index = 0; index < 8; index += 1) writeUint32(digest, index * 4, state[index] as number);
    return digest.toString('hex');
  };
}
