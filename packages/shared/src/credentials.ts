import { randomBytes } from 'node:crypto';
import { hmacSha256, randomToken, safeEqual } from './crypto.js';

/**
 * Credential formats other services must recognise without asking their owner, and the one way
 * Gatehouse mints and checks a delegated secret (app tokens, API keys): `<prefix><hex id>_<secret>`.
 * The embedded id makes verification one lookup; the prefix lets the proxy tell the kind apart
 * without an RPC; the secret is random (256 bits) and stored only as an HMAC digest.
 */
export interface CredentialFormat {
  prefix: string;
  /** Random bytes in the id (the id is their lowercase hex). */
  idBytes: number;
  /** Matches a well-formed credential; group 1 is the id. */
  pattern: RegExp;
}

/** App tokens (auth-app): `ghapp_<16 hex id>_<secret>`. The proxy routes a Basic password with this prefix to auth-app. */
export const APP_TOKEN_PREFIX = 'ghapp_';
export const APP_TOKEN_PATTERN = /^ghapp_([0-9a-f]{16})_([A-Za-z0-9_-]{22,128})$/;
export const APP_TOKEN_FORMAT: CredentialFormat = { prefix: APP_TOKEN_PREFIX, idBytes: 8, pattern: APP_TOKEN_PATTERN };

/**
 * API keys (auth-apikey): `ghk_<32 hex id>_<secret of at least 256 bits>`. The id is the key's
 * 16-byte uuid. A raw key confers no access: the proxy refuses it as a credential.
 */
export const API_KEY_PREFIX = 'ghk_';
export const API_KEY_PATTERN = /^ghk_([0-9a-f]{32})_([A-Za-z0-9_-]{43,128})$/;
export const API_KEY_FORMAT: CredentialFormat = { prefix: API_KEY_PREFIX, idBytes: 16, pattern: API_KEY_PATTERN };

/** Longest string ever parsed as a credential (anything longer is refused before the regex). */
const MAX_CREDENTIAL_LENGTH = 200;

/** A new credential with a random id (or the given one) and a 256-bit secret. */
export function mintCredential(format: CredentialFormat, id = randomBytes(format.idBytes).toString('hex')): { id: string; token: string } {
  return { id, token: `${format.prefix}${id}_${randomToken(32)}` };
}

/** The id embedded in a well-formed credential of this format, or null. */
export function credentialIdOf(format: CredentialFormat, token: unknown): string | null {
  if (typeof token !== 'string' || token.length > MAX_CREDENTIAL_LENGTH) return null;
  return format.pattern.exec(token)?.[1] ?? null;
}

/**
 * HMAC-SHA-256 of the whole credential under a purpose-bound key. A random 256-bit secret needs no
 * slow hash: bcrypt here is what made oCIS spend seconds per request (owncloud/ocis#11697).
 */
export function credentialDigest(key: Buffer, token: string): string {
  return hmacSha256(key, token);
}

/** Whether `token` is the credential whose digest is stored, compared in constant time. */
export function credentialMatches(key: Buffer, token: string, storedDigest: string): boolean {
  return safeEqual(credentialDigest(key, token), storedDigest);
}

export const ADMIN_ROLE = 'admin';
