import type { AuthMode } from './auth-mode.js';
import type { CookieSettings } from './cookie-settings.js';

/** What a login or refresh produced (auth-bearer's TokenSet, auth-basic's IssuedSession). */
export interface IssuedTokens {
  access_token: string;
  access_token_expires_at_ms: number;
  refresh_token: string;
  refresh_token_expires_at_ms: number;
}

/** The answer of a login or refresh in a mode: the body's `data` and the cookie to set, if any. */
export interface AuthAnswer {
  /** Directus's shape; absent fields are absent (REST) or null (GraphQL). */
  data: { access_token?: string; expires: number; refresh_token?: string };
  cookie?: { name: string; value: string; maxAgeMs: number };
}

/**
 * json → `{access_token, expires, refresh_token}`; cookie → the refresh token moves from the body
 * into an httpOnly cookie; session → only the session cookie and `{expires}`. `expires` is the
 * access token's remaining lifetime in ms.
 */
export function authAnswer(mode: AuthMode, t: IssuedTokens, s: CookieSettings, now: number): AuthAnswer {
  const expires = Math.max(0, t.access_token_expires_at_ms - now);
  const maxAgeMs = t.refresh_token_expires_at_ms - now;
  if (mode === 'json') return { data: { access_token: t.access_token, expires, refresh_token: t.refresh_token } };
  if (mode === 'cookie')
    return { data: { access_token: t.access_token, expires }, cookie: { name: s.refreshCookieName, value: t.refresh_token, maxAgeMs } };
  return { data: { expires }, cookie: { name: s.sessionCookieName, value: t.refresh_token, maxAgeMs } };
}
