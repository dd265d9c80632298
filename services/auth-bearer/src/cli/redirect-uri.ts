import { GatehouseError } from '@gatehouse/shared/errors';

/** Longest redirect URI looked at: anything longer is refused before parsing. */
export const MAX_REDIRECT_URI_LENGTH = 2048;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * RFC 8252 §7.3: a native app's loopback redirect, `http://127.0.0.1:<any port>/…` or
 * `http://[::1]:<any port>/…`. `localhost` is not one: it can resolve elsewhere, and IdPs that
 * match loopback ports (oidc-provider) do not match it against a registered IP literal.
 */
export function isLoopbackRedirect(u: URL): boolean {
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** Why `raw` cannot be a CLI redirect URI at all (any list), or undefined; `u` is its parse. */
function shapeProblem(raw: string, u: URL): string | undefined {
  if (u.username || u.password) return 'must not carry credentials';
  // The token request sends the URI without query or fragment (openid-client): they could never match.
  if (u.search || u.hash || raw.includes('?') || raw.includes('#')) return 'must not have a query or a fragment';
  if (u.protocol !== 'https:' && !isLoopbackRedirect(u)) return 'must be https, or http on 127.0.0.1 or [::1]';
  return undefined;
}

/** A problem of an AUTH_CLI_REDIRECT_ALLOW_LIST entry (checked at start), or undefined. */
export function allowListEntryProblem(entry: string): string | undefined {
  let u: URL;
  try {
    u = new URL(entry);
  } catch {
    return `"${entry}" is not an absolute URL`;
  }
  const p = shapeProblem(entry, u);
  return p ? `"${entry}" ${p}` : undefined;
}

/**
 * The redirect URI a CLI may use, normalised (the same spelling goes to the IdP in the
 * authorization request and in the code exchange): a loopback URI on any port, or an exact entry
 * of AUTH_CLI_REDIRECT_ALLOW_LIST. Anything else is INVALID_PAYLOAD (gRPC INVALID_ARGUMENT): the
 * code would be sent to a host the user's machine does not own.
 */
export function checkCliRedirectUri(raw: string, allowList: readonly string[]): string {
  const refuse = (why: string) =>
    new GatehouseError('INVALID_PAYLOAD', {
      message: `redirect_uri ${why}.`,
      extensions: { field: 'redirect_uri' },
    });
  if (!raw) throw refuse('is required');
  if (raw.length > MAX_REDIRECT_URI_LENGTH) throw refuse('is too long');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw refuse('is not an absolute URL');
  }
  const problem = shapeProblem(raw, u);
  if (problem) throw refuse(problem);
  if (isLoopbackRedirect(u)) {
    // `new URL` already refuses ports over 65535; port 0 is nobody's listener.
    if (u.port === '0') throw refuse('has no usable port');
    return u.href;
  }
  if (allowList.includes(u.href)) return u.href;
  throw refuse('must be a loopback URI (http://127.0.0.1:<port>/… or http://[::1]:<port>/…) or in AUTH_CLI_REDIRECT_ALLOW_LIST');
}
