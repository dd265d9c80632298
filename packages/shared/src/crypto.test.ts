import { decrypt, deriveKey, encrypt, hmacSha256, randomToken, safeEqual, sha256 } from './crypto.js';

const key = deriveKey('m'.repeat(40), 'test');

describe('encrypt/decrypt (AES-256-GCM)', () => {
  it('round-trips text and binary', () => {
    expect(decrypt(key, encrypt(key, 'hello')).toString()).toBe('hello');
    const bin = Buffer.from([0, 1, 2, 255]);
    expect(decrypt(key, encrypt(key, bin, 'aad'), 'aad')).toEqual(bin);
  });

  it('uses a fresh IV per message', () => {
    expect(encrypt(key, 'same')).not.toBe(encrypt(key, 'same'));
  });

  it('detects a flipped ciphertext bit (GCM tag)', () => {
    const [v, iv, tag, ct] = encrypt(key, 'a secret value').split('.');
    const bytes = Buffer.from(ct!, 'base64url');
    bytes[0]! ^= 1;
    expect(() => decrypt(key, [v, iv, tag, bytes.toString('base64url')].join('.'))).toThrow();
  });

  it('rejects a tampered tag and a truncated tag (forgery by short tag)', () => {
    const [v, iv, tag, ct] = encrypt(key, 'x').split('.');
    const t = Buffer.from(tag!, 'base64url');
    t[15]! ^= 1;
    expect(() => decrypt(key, [v, iv, t.toString('base64url'), ct].join('.'))).toThrow();
    const short = Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => decrypt(key, [v, iv, short, ct].join('.'))).toThrow('unsupported ciphertext format');
  });

  it('rejects the wrong key and the wrong associated data', () => {
    const sealed = encrypt(key, 'x', 'user:1');
    expect(() => decrypt(deriveKey('m'.repeat(40), 'other'), sealed, 'user:1')).toThrow();
    expect(() => decrypt(key, sealed, 'user:2')).toThrow();
  });

  it('rejects malformed input', () => {
    for (const bad of ['', 'v2.a.b.c', 'v1.a.b', 'v1...', `${encrypt(key, 'x')}.extra`]) expect(() => decrypt(key, bad)).toThrow();
  });
});

describe('hashing and comparison helpers', () => {
  it('safeEqual compares content, including length and unicode', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
  });

  it('randomToken has the requested entropy and is URL-safe', () => {
    const t = randomToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toHaveLength(22);
    expect(new Set(Array.from({ length: 100 }, () => randomToken())).size).toBe(100);
  });

  it('deriveKey is deterministic per purpose and differs between purposes', () => {
    expect(deriveKey('s'.repeat(32), 'a')).toEqual(deriveKey('s'.repeat(32), 'a'));
    expect(deriveKey('s'.repeat(32), 'a')).not.toEqual(deriveKey('s'.repeat(32), 'b'));
    expect(deriveKey('s'.repeat(32), 'a')).toHaveLength(32);
  });

  it('sha256 and hmacSha256 give known digests', () => {
    expect(sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(hmacSha256('k', 'abc')).not.toBe(hmacSha256('k2', 'abc'));
  });
});
