import { APP_TOKEN_FORMAT, credentialDigest, credentialIdOf, mintCredential } from '@gatehouse/shared/credentials';

/** A token id: 16 lowercase hex characters (64 random bits), embedded in the token itself. */
export const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * Mints `ghapp_<id>_<secret>` with a 256-bit secret. The embedded id makes verification one
 * store lookup; the prefix lets the proxy tell an app token from a password without an RPC.
 */
export function mintToken(): { id: string; token: string } {
  return mintCredential(APP_TOKEN_FORMAT);
}

/** The id embedded in a well-formed token, or null. */
export function tokenIdOf(token: string): string | null {
  return credentialIdOf(APP_TOKEN_FORMAT, token);
}

/** HMAC-SHA-256 of the whole token under a key derived for app tokens (the shared credential digest). */
export function tokenDigest(key: Buffer, token: string): string {
  return credentialDigest(key, token);
}
