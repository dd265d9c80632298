import { randomBytes } from 'node:crypto';
import { APP_TOKEN_PATTERN, APP_TOKEN_PREFIX } from '@gatehouse/shared/credentials';
import { hmacSha256, randomToken } from '@gatehouse/shared/crypto';

/** A token id: 16 lowercase hex characters (64 random bits), embedded in the token itself. */
export const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * Mints `ghapp_<id>_<secret>` with a 256-bit secret. The embedded id makes verification one
 * store lookup; the prefix lets the proxy tell an app token from a password without an RPC.
 */
export function mintToken(): { id: string; token: string } {
  const id = randomBytes(8).toString('hex');
  return { id, token: `${APP_TOKEN_PREFIX}${id}_${randomToken(32)}` };
}

/** The id embedded in a well-formed token, or null. */
export function tokenIdOf(token: string): string | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  return APP_TOKEN_PATTERN.exec(token)?.[1] ?? null;
}

/**
 * HMAC-SHA-256 of the whole token under a key derived for app tokens. A random 256-bit secret
 * needs no slow hash: bcrypt here is what made oCIS spend seconds per request (owncloud/ocis#11697).
 */
export function tokenDigest(key: Buffer, token: string): string {
  return hmacSha256(key, token);
}
