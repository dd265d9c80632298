/** Names and attributes of Gatehouse's auth cookies (REFRESH_TOKEN_COOKIE_NAME, SESSION_COOKIE_NAME, COOKIE_*). */
export interface CookieSettings {
  refreshCookieName: string;
  sessionCookieName: string;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain?: string | undefined;
}

/** The settings from a service's cookieEnv; Secure defaults to whether PUBLIC_URL is https. */
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
