import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token with `bytes` bytes of entropy (default 32 = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function hmacSha256(key: string | Buffer, value: string | Buffer): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** Constant-time comparison of two strings (length leaks only through the digest, not the content). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/** Derives a purpose-bound 256-bit key from the master secret (HKDF-SHA-256). */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(`gatehouse:${purpose}`, 'utf8'), 32));
}

/** AES-256-GCM, output `v1.<iv>.<tag>.<ciphertext>` (base64url). For secrets at rest. */
export function encrypt(key: Buffer, plaintext: string | Buffer, aad = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/**
 * Opens what `encrypt` sealed. Throws on a wrong key, wrong `aad` or any tampering (GCM tag check).
 * The tag must be the full 16 bytes: GCM would otherwise accept a truncated tag, which makes forgery
 * a matter of 2^32 tries.
 */
export function decrypt(key: Buffer, sealed: string, aad = ''): Buffer {
  const [v, iv, tag, ct, extra] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined || extra !== undefined) throw new Error('unsupported ciphertext format');
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new Error('unsupported ciphertext format');
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tagBytes);
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
}
