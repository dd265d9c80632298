/** The stored reasons a key can be in ERROR that Gatehouse itself decides (IdP error codes are kept as the IdP sent them). */
export const KEY_ERRORS = {
  identityMismatch: 'identity_mismatch',
  noRefreshToken: 'offline_access_not_granted',
  creatorInactive: 'creator_not_active',
  invalidGrant: 'invalid_grant',
  idpUnavailable: 'idp_unavailable',
} as const;

/**
 * An IdP's error code as stored on the key and shown in `error`: an OAuth error code is
 * `[\x20-\x21\x23-\x5B\x5D-\x7E]+` (RFC 6749); anything else, or anything long, is summarised.
 */
export function keyErrorText(code: string): string {
  const clean = code.trim();
  return /^[\x21\x23-\x5b\x5d-\x7e][\x20\x21\x23-\x5b\x5d-\x7e]{0,99}$/.test(clean) ? clean : 'idp_error';
}
