import type { CookieSettings } from '../auth-modes/index.js';

/**
 * SSO login state (PKCE verifier, state, nonce, redirect) between GET /auth/login/:provider and its
 * callback: sealed, httpOnly, scoped to the callback path, minutes long.
 */
export const SSO_STATE_COOKIE = 'gatehouse_sso_state';

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

/**
 * Every cookie name under this prefix is Gatehouse's too, whatever the configuration (and any
 * variant a library derives, such as oidc-provider's `.legacy` cookies): the proxy keeps all of
 * them from upstreams that are not Gatehouse's own.
 */
export const GATEHOUSE_COOKIE_PREFIX = 'gatehouse_';

/** Whether a cookie name is Gatehouse's: one of `names` (gatehouseCookieNames) or under the reserved prefix. */
export function isGatehouseCookie(name: string, names: ReadonlySet<string>): boolean {
  return names.has(name) || name.toLowerCase().startsWith(GATEHOUSE_COOKIE_PREFIX);
}
