import { GatehouseError } from '@gatehouse/shared/errors';
import { allowListedUrl } from '@gatehouse/shared/redirects';

/**
 * Accepts a client-chosen reset_url only when it equals an allow-list entry, or has the same
 * origin and path as one (query and fragment may differ). Anything else is INVALID_PAYLOAD,
 * including every URL when the list is empty.
 */
export function checkResetUrl(requested: unknown, allowList: readonly string[]): URL {
  const bad = () => new GatehouseError('INVALID_PAYLOAD', { message: '"reset_url" is not allowed.', extensions: { field: 'reset_url' } });
  const url = allowListedUrl(requested, allowList);
  if (!url) throw bad();
  return url;
}

/** The link in the e-mail: the base (PUBLIC_URL + path, or the allowed reset_url) with ?token=. */
export function buildResetLink(base: URL, token: string): string {
  const link = new URL(base.href);
  link.hash = '';
  link.searchParams.set('token', token);
  return link.href;
}
