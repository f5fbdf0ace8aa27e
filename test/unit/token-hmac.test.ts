import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTokenHasher } from '../../src/cache/key.js';
import { createHmacSha256Hex } from '../../src/cache/token-hmac.js';

const nodeHmac = (secret: Uint8Array | string, message: string): string =>
  createHmac('sha256', secret).update(message).digest('hex');

describe('createHmacSha256Hex', () => {
  // RFC 4231 section 4, the test cases whose data is text (2, 3 and 5 are binary or truncated).
  it.each([
    [
      'case 1: 20-byte key',
      Buffer.alloc(20, 0x0b),
      'Hi There',
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      'case 2: key shorter than the output',
      Buffer.from('Jefe'),
      'what do ya want for nothing?',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      'case 6: 131-byte key, hashed first',
      Buffer.alloc(131, 0xaa),
      'Test Using Larger Than Block-Size Key - Hash Key First',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      'case 7: key and data longer than a block',
      Buffer.alloc(131, 0xaa),
      'This is a test using a larger than block-size key and a larger than block-size data. The key ' +
        'needs to be hashed before being used by the HMAC algorithm.',
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('RFC 4231 %s', (_name, key, data, expected) => {
    expect(createHmacSha256Hex(key)(data)).toBe(expected);
  });

  it('equals node:crypto for every message length around the padding boundaries', () => {
    const hash = createHmacSha256Hex(Buffer.from('a process secret'));
    for (let length = 0; length <= 200; length += 1) {
      const message = 'x'.repeat(length);
      expect(hash(message)).toBe(nodeHmac('a process secret', message));
    }
  });

  it('equals node:crypto for keys of 0, 63, 64 and 65 bytes', () => {
    for (const keyBytes of [0, 1, 63, 64, 65, 200]) {
      const key = Buffer.alloc(keyBytes, 0x5a);
      expect(createHmacSha256Hex(key)('token')).toBe(nodeHmac(key, 'token'));
    }
  });

  it('equals node:crypto on random keys and messages, non-ASCII text included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 160 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (key, message) => {
          expect(createHmacSha256Hex(key)(message)).toBe(nodeHmac(key, message));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('encodes lone surrogates as node:crypto does (U+FFFD)', () => {
    const hash = createHmacSha256Hex(Buffer.from('k'));
    for (const message of ['\uD800', 'a\uDC00b', '\uD83D', '\uDE00\uD83D', 'x\uD83D\uDE00y']) {
      expect(hash(message)).toBe(nodeHmac('k', message));
    }
  });

  it('gives the same answer however many calls came before (its buffers are reused)', () => {
    const hash = createHmacSha256Hex(Buffer.from('k'));
    const long = 'y'.repeat(5000);
    const first = hash('short');
    expect(hash(long)).toBe(nodeHmac('k', long));
    expect(hash('short')).toBe(first);
  });
});

describe('createTokenHasher', () => {
  it('is the HMAC-SHA256 of the token under the secret, in hex', () => {
    expect(createTokenHasher('cache-key-secret')('eyJhbGciOi.token')).toBe(
      nodeHmac('cache-key-secret', 'eyJhbGciOi.token'),
    );
  });
});
