import { GatehouseError } from '@gatehouse/shared/errors';
import { allowedRedirect } from '@gatehouse/shared/redirects';

/**
 * Where the browser goes once the authorization is done: '' (a short page instead), a same-origin
 * relative path, or an absolute URL with the origin and path of an AUTH_APIKEY_REDIRECT_ALLOW_LIST entry
 * (the shared rule, as for SSO redirects). Anything else is refused when the key is created or
 * refreshed, so the callback is never an open redirect.
 */
export function checkFinalRedirect(input: unknown, allowList: readonly string[]): string {
  if (input === undefined || input === null || input === '') return '';
  const target = allowedRedirect(input, allowList);
  if (target === null)
    throw new GatehouseError('INVALID_PAYLOAD', {
      message: 'finalFrontendRedirect must be a relative path or a URL in AUTH_APIKEY_REDIRECT_ALLOW_LIST.',
      extensions: { field: 'finalFrontendRedirect' },
    });
  return target;
}
