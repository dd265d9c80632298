import { GatehouseError } from '@gatehouse/shared/errors';

function parseAbsolute(raw: string): URL | undefined {
  // Only absolute http(s) URLs: no base is given, so '//evil', '/\evil' and relative paths fail to parse.
  if (!/^https?:\/\/[^/\\]/i.test(raw)) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username !== '' || u.password !== '') return undefined;
    return u;
  } catch {
    return undefined;
  }
}

/**
 * Accepts a client-chosen reset_url only when it equals an allow-list entry, or has the same
 * origin and path as one (query and fragment may differ). Anything else is INVALID_PAYLOAD,
 * including every URL when the list is empty.
 */
export function checkResetUrl(requested: unknown, allowList: readonly string[]): URL {
  const bad = () => new GatehouseError('INVALID_PAYLOAD', { message: '"reset_url" is not allowed.', extensions: { field: 'reset_url' } });
  if (typeof requested !== 'string' || requested.length > 2048) throw bad();
  const url = parseAbsolute(requested);
  if (!url) throw bad();
  for (const entry of allowList) {
    if (entry === requested) return url;
    const allowed = parseAbsolute(entry);
    if (allowed && allowed.origin === url.origin && allowed.pathname === url.pathname) return url;
  }
  throw bad();
}

/** The link in the e-mail: the base (PUBLIC_URL + path, or the allowed reset_url) with ?token=. */
export function buildResetLink(base: URL, token: string): string {
  const link = new URL(base.href);
  link.hash = '';
  link.searchParams.set('token', token);
  return link.href;
}
