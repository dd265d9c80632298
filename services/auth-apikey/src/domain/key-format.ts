import { API_KEY_FORMAT, credentialDigest, credentialIdOf, credentialMatches, mintCredential } from '@gatehouse/shared/credentials';
import { keyIdFromHex, keyIdToHex } from './key-id.js';

/**
 * `ghk_<32 hex: the key id>_<256-bit secret>`: the embedded id makes verification one lookup, the
 * prefix lets the proxy refuse a raw key without asking anyone. A refresh mints a new secret under
 * the same id.
 */
export function mintApiKey(keyId: string): string {
  return mintCredential(API_KEY_FORMAT, keyIdToHex(keyId)).token;
}

/** The key id embedded in a well-formed key, or null. */
export function keyIdOf(apiKey: unknown): string | null {
  const hex = credentialIdOf(API_KEY_FORMAT, apiKey);
  return hex ? keyIdFromHex(hex) : null;
}

/** HMAC-SHA-256 of the whole key under deriveKey(GATEHOUSE_SECRET, 'api-keys'); the only form stored. */
export function apiKeyDigest(digestKey: Buffer, apiKey: string): string {
  return credentialDigest(digestKey, apiKey);
}

/** Constant-time comparison against the stored digest. */
export function apiKeyMatches(digestKey: Buffer, apiKey: string, digest: string): boolean {
  return credentialMatches(digestKey, apiKey, digest);
}
