import type { CookieOptions, Response } from 'express';
import { setNoStore } from './no-store.js';
import { authAnswer, type AuthAnswer, type AuthMode, type CookieSettings, type IssuedTokens } from '../auth-modes/index.js';

// Re-exported for the files that import them from here (the rules live in auth-modes/).
export { cookieSettingsFrom, type AuthMode, type CookieSettings, type IssuedTokens } from '../auth-modes/index.js';

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
 * Sets what an auth answer needs besides its body: never cached (RFC 6749 §5.1), and its cookie.
 * REST sends `{data}` after it; GraphQL returns `data` as the mutation's value.
 */
export function writeAuthAnswer(res: Response, answer: AuthAnswer, s: CookieSettings): AuthAnswer['data'] {
  setNoStore(res);
  if (answer.cookie) res.cookie(answer.cookie.name, answer.cookie.value, authCookieOptions(s, answer.cookie.maxAgeMs));
  return answer.data;
}

/** Writes a login/refresh result in Directus's shapes (see authAnswer), as `{data}`. */
export function sendAuthResult(res: Response, mode: AuthMode, t: IssuedTokens, s: CookieSettings, now = Date.now()): void {
  res.json({ data: writeAuthAnswer(res, authAnswer(mode, t, s, now), s) });
}

/** Clears both auth cookies (logout). */
export function clearAuthCookies(res: Response, s: CookieSettings): void {
  const o = authCookieOptions(s, 0);
  delete o.maxAge;
  res.clearCookie(s.refreshCookieName, o);
  res.clearCookie(s.sessionCookieName, o);
  res.setHeader('Cache-Control', 'no-store');
}
