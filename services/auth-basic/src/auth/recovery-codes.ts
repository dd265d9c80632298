import { randomBytes } from 'node:crypto';
import { hmacSha256 } from '@gatehouse/shared';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function code(): string {
  const bytes = randomBytes(10);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 31];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/**
 * Recovery codes carry 50 bits, fine against online guessing (the login limiter applies) but not
 * against offline search of a plain hash: digests are HMACs under a key derived from the secret.
 */
export function digestRecoveryCode(key: Buffer, c: string): string {
  return hmacSha256(key, c.trim().toLowerCase());
}

/** Fresh recovery codes: the plain codes (shown once) and their digests (stored). */
export function newRecoveryCodes(key: Buffer, n: number): { codes: string[]; digests: string[] } {
  const codes = Array.from({ length: n }, code);
  return { codes, digests: codes.map((c) => digestRecoveryCode(key, c)) };
}
