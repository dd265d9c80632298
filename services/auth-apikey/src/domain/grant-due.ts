import type { KeyGrant } from './ports.js';

/**
 * A grant is refreshed at the IdP when its access token has expired, or `maxAgeMs` after it was last
 * obtained, whichever comes first: the IdP's answer is how a revoked consent or a removed user there
 * reaches the key.
 */
export function isGrantDue(grant: KeyGrant, now: number, maxAgeMs: number): boolean {
  return now >= Math.min(grant.expires_at, grant.refreshed_at + maxAgeMs);
}

/** The grant after an IdP answer at `now`. */
export function grantFrom(
  subject: string,
  refreshToken: string,
  expiresInSec: number | undefined,
  now: number,
  maxAgeMs: number,
): KeyGrant {
  const lifetime = expiresInSec !== undefined && expiresInSec > 0 ? expiresInSec * 1000 : maxAgeMs;
  return { subject, refresh_token: refreshToken, expires_at: now + lifetime, refreshed_at: now };
}
