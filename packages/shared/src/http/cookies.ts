import type { CookieOptions, Response } from 'express';

export type AuthMode = 'json' | 'cookie' | 'session';

/**
 * SSO login state (PKCE verifier, state, nonce, redirect) between GET /auth/login/:provider and its
 * callback: sealed, httpOnly, scoped to the callback path, minutes long.
 */
export const SSO_STATE_COOKIE = 'gatehouse_sso_state';

export interface CookieSettings {
  refreshCookieName: string;
  sessionCookieName: string;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain?: string | undefined;
}

export function cookieSettingsFrom(c: {
  REFRESH_TOKEN_COOKIE_NAME: string;
  SESSION_COOKIE_NAME: string;
  COOKIE_SECURE?: 'true' | 'false' | undefined;
  COOKIE_SAME_SITE: 'lax' | 'strict' | 'none';
  COOKIE_DOMAIN?: string | undefined;
  PUBLIC_URL: string;
}): CookieSettings {
  return {
    refreshCookieName: c.REFRESH_TOKEN_COOKIE_NAME,
    sessionCookieName: c.SESSION_COOKIE_NAME,
    secure: c.COOKIE_SECURE ? c.COOKIE_SECURE === 'true' : c.PUBLIC_URL.startsWith('https:'),
    sameSite: c.COOKIE_SAME_SITE,
    domain: c.COOKIE_DOMAIN,
  };
}

/** httpOnly auth-cookie options (Secure, SameSite, Domain from settings) for `res.cookie`. */
export function authCookieOptions(s: CookieSettings, maxAgeMs: number): CookieOptions {
  return {
    httpOnly: true,
    secure: s.secure,
    sameSite: s.sameSite,
    path: '/',
    maxAge: Math.max(0, maxAgeMs),
    ...(s.domain ? { domain: s.domain } : {}),
  };
}

/**
 * Cookie names of the built-in OpenID Provider (auth-bearer, oidc-provider's `cookies.names`).
 * Signed, so each also comes with a `<name>.sig` cookie.
 */
export const OIDC_PROVIDER_COOKIE_NAMES = {
  session: 'gatehouse_oidc_session',
  interaction: 'gatehouse_oidc_interaction',
  resume: 'gatehouse_oidc_resume',
} as const;

/**
 * Every cookie Gatehouse itself sets: the one list, so the proxy can keep them from upstreams.
 * The auth cookies' names are configurable (REFRESH_TOKEN_COOKIE_NAME, SESSION_COOKIE_NAME); the
 * SSO state cookie and the built-in IdP's cookies (each with its `.sig`) are fixed.
 */
export function gatehouseCookieNames(s: Pick<CookieSettings, 'refreshCookieName' | 'sessionCookieName'>): string[] {
  const oidc = Object.values(OIDC_PROVIDER_COOKIE_NAMES).flatMap((n) => [n, `${n}.sig`]);
  return [s.refreshCookieName, s.sessionCookieName, SSO_STATE_COOKIE, ...oidc];
}

export interface IssuedTokens {
  access_token: string;
  access_token_expires_at_ms: number;
  refresh_token: string;
  refresh_token_expires_at_ms: number;
}

/**
 * Writes a login/refresh result in Directus's shapes:
 * json → `{data:{access_token, expires, refresh_token}}`; cookie → refresh token in an httpOnly
 * cookie instead of the body; session → only the session cookie (`{data:{expires}}`).
 * Always `Cache-Control: no-store`.
 */
export function sendAuthResult(res: Response, mode: AuthMode, t: IssuedTokens, s: CookieSettings, now = Date.now()): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  const expires = Math.max(0, t.access_token_expires_at_ms - now);
  const refreshMaxAge = t.refresh_token_expires_at_ms - now;
  if (mode === 'json') {
    res.json({ data: { access_token: t.access_token, expires, refresh_token: t.refresh_token } });
  } else if (mode === 'cookie') {
    res.cookie(s.refreshCookieName, t.refresh_token, authCookieOptions(s, refreshMaxAge));
    res.json({ data: { access_token: t.access_token, expires } });
  } else {
    res.cookie(s.sessionCookieName, t.refresh_token, authCookieOptions(s, refreshMaxAge));
    res.json({ data: { expires } });
  }
}

/** Clears both auth cookies (logout). */
export function clearAuthCookies(res: Response, s: CookieSettings): void {
  const o = authCookieOptions(s, 0);
  delete o.maxAge;
  res.clearCookie(s.refreshCookieName, o);
  res.clearCookie(s.sessionCookieName, o);
  res.setHeader('Cache-Control', 'no-store');
}
