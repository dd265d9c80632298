import { GatehouseError } from '../errors.js';
import type { AuthMode } from './auth-mode.js';
import type { CookieSettings } from './cookie-settings.js';

/** Longest refresh token read from a body or a cookie; ours are 43 characters. */
export const MAX_REFRESH_TOKEN_LENGTH = 512;

/**
 * The refresh token a logout or refresh presents: the one given in the payload when there is one
 * (it must then be a non-empty string), else the cookie of the mode, else the other auth cookie.
 * json mode never reads cookies (a refresh would hand the httpOnly cookie's token to any script in
 * its JSON body), except for `use: 'logout'`, which answers nothing: a bodiless logout still ends
 * the cookie's session. None: INVALID_PAYLOAD.
 */
export function presentedRefreshToken(
  given: unknown,
  cookies: Readonly<Record<string, unknown>> | undefined,
  mode: AuthMode,
  names: Pick<CookieSettings, 'refreshCookieName' | 'sessionCookieName'>,
  use: 'refresh' | 'logout' = 'refresh',
): string {
  if (given !== undefined && given !== null) {
    if (typeof given !== 'string' || given === '' || given.length > MAX_REFRESH_TOKEN_LENGTH)
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"refresh_token" must be a string.', extensions: { field: 'refresh_token' } });
    return given;
  }
  if (mode === 'json' && use === 'refresh')
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: 'The refresh token is required in the payload in json mode (use mode cookie or session to refresh with a cookie).',
      extensions: { field: 'refresh_token' },
    });
  const order =
    mode === 'session' ? [names.sessionCookieName, names.refreshCookieName] : [names.refreshCookieName, names.sessionCookieName];
  for (const name of order) {
    const v = cookies?.[name];
    if (typeof v === 'string' && v !== '' && v.length <= MAX_REFRESH_TOKEN_LENGTH) return v;
  }
  throw new GatehouseError('INVALID_PAYLOAD', { message: 'The refresh token is required in either the payload or cookie.' });
}
