import type { Logger } from 'pino';
import { GatehouseError, isGatehouseError } from '@gatehouse/shared/errors';

/** An OAuth error code (`invalid_grant`), safe to show and log; anything else is dropped. */
const OAUTH_ERROR = /^[a-z_]{1,64}$/;

/**
 * What the CLI is told when the IdP does not hand out tokens: a refusal (wrong, expired, spent or
 * foreign code, PKCE mismatch, bad client) is UNAUTHENTICATED with a clear message; an IdP that
 * cannot be reached is SERVICE_UNAVAILABLE. The log line names the issuer, the OAuth error and
 * the HTTP status only: never the code, a token, or the IdP's free text (which may echo them).
 */
export function idpError(err: unknown, issuer: string, logger: Logger): GatehouseError {
  if (isGatehouseError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; code?: unknown; error?: unknown; status?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? e.code : undefined;
  const oauthError = typeof e.error === 'string' && OAUTH_ERROR.test(e.error) ? e.error : undefined;
  const status = typeof e.status === 'number' ? e.status : undefined;
  // fetch failures are TypeErrors without a code; openid-client's argument errors carry ERR_* codes.
  const unreachable =
    (name === 'TypeError' && code === undefined) || name === 'TimeoutError' || name === 'AbortError' || code === 'OAUTH_TIMEOUT';
  logger.warn({ issuer, error: oauthError ?? code ?? name, status }, unreachable ? 'CLI login: IdP unreachable' : 'CLI login: IdP refused');
  if (unreachable)
    return new GatehouseError('SERVICE_UNAVAILABLE', {
      message: 'The identity provider could not be reached. Try again shortly.',
      retryAfter: 5,
      detail: `${issuer}: ${code ?? name}`,
    });
  return new GatehouseError('UNAUTHENTICATED', {
    message:
      `The identity provider refused the sign-in${oauthError ? ` (${oauthError})` : ''}: the code is wrong, expired, ` +
      'already used, or was issued to another client or redirect URI. Sign in again.',
    detail: `${issuer}: ${oauthError ?? code ?? name}`,
  });
}
