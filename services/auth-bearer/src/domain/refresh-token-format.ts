/** Refresh tokens are 32 random bytes in base64url (43 characters); anything else is not looked up. */
export function isPlausibleToken(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}
