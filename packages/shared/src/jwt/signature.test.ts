import { compactVerify, CompactSign, generateKeyPair, type CryptoKey } from 'jose';
import { createSignature, signCompactJws, verifySignature } from './signature.js';

/**
 * node:crypto signatures must be exactly jose's: what one signs the other verifies, for every
 * algorithm Gatehouse signs or verifies with, and a key never serves an algorithm it was not made for.
 */
const ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'PS512', 'EdDSA'] as const;
const pairs = new Map<string, { privateKey: CryptoKey; publicKey: CryptoKey }>();
beforeAll(async () => {
  for (const alg of ALGS) pairs.set(alg, await generateKeyPair(alg));
});
const utf8 = (s: string) => Buffer.from(s);

describe('JWS signatures on node:crypto', () => {
  it.each(ALGS)('%s: jose verifies what signCompactJws signs, and verifySignature what jose signs', async (alg) => {
    const { privateKey, publicKey } = pairs.get(alg)!;
    const mine = signCompactJws({ alg, kid: 'k1' }, { sub: 'ada', n: 1 }, privateKey);
    const { payload, protectedHeader } = await compactVerify(mine, publicKey, { algorithms: [alg] });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'ada', n: 1 });
    expect(protectedHeader).toEqual({ alg, kid: 'k1' });

    const theirs = await new CompactSign(utf8('{"sub":"bob"}')).setProtectedHeader({ alg }).sign(privateKey);
    const [h, p, s] = theirs.split('.') as [string, string, string];
    expect(verifySignature(alg, publicKey, utf8(`${h}.${p}`), Buffer.from(s, 'base64url'))).toBe(true);
    // One changed byte of the signed input, or of the signature, fails.
    expect(verifySignature(alg, publicKey, utf8(`${h}.${p}x`), Buffer.from(s, 'base64url'))).toBe(false);
    const bad = Buffer.from(s, 'base64url');
    bad[bad.length - 1]! ^= 1;
    expect(verifySignature(alg, publicKey, utf8(`${h}.${p}`), bad)).toBe(false);
  });

  it('ECDSA signatures are r‖s of the curve size; DER or truncated ones are refused', () => {
    const { privateKey, publicKey } = pairs.get('ES256')!;
    const input = utf8('a.b');
    const sig = createSignature('ES256', privateKey, input);
    expect(sig).toHaveLength(64);
    expect(verifySignature('ES256', publicKey, input, sig.subarray(0, 63))).toBe(false);
    expect(verifySignature('ES256', publicKey, input, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
  });

  it('a key serves only its own algorithm, only its own use, and RSA only from 2048 bits', async () => {
    const input = utf8('a.b');
    const es256 = pairs.get('ES256')!;
    const sig = createSignature('ES256', es256.privateKey, input);
    expect(() => verifySignature('ES384', es256.publicKey, input, sig)).toThrow(/not a ES384 verification key/);
    expect(() => verifySignature('RS256', es256.publicKey, input, sig)).toThrow(/not a RS256 verification key/);
    expect(() => verifySignature('ES256', es256.privateKey, input, sig)).toThrow(/not a ES256 verification key/);
    expect(() => createSignature('ES256', es256.publicKey, input)).toThrow(/not a ES256 signing key/);
    expect(() => verifySignature('PS256', pairs.get('RS256')!.publicKey, input, sig)).toThrow(/not a PS256/);
    expect(() => verifySignature('HS256', es256.publicKey, input, sig)).toThrow(/unsupported JWS algorithm HS256/);
    // jose refuses to make one; WebCrypto does, as an imported JWKS key could be.
    const small = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    )) as { publicKey: CryptoKey };
    expect(() => verifySignature('RS256', small.publicKey, input, Buffer.alloc(128))).toThrow(/2048 bits/);
  });
});
