import { CLI_CLIENT_ID, builtinIdpIssuer } from '@gatehouse/shared';
import type { Config } from '../config.js';
import type { OidcInfo } from './login-service.js';

/** Neosync's CLI callback, registered for gatehouse-cli on any loopback port (RFC 8252). */
const CLI_REDIRECT = 'http://127.0.0.1/api/auth/callback';

/**
 * What GetOIDCInfo answers: the configured provider (OIDC_ISSUER…), else the built-in one at
 * PUBLIC_URL/oidc with its gatehouse-cli client, else null (no provider: GetOIDCInfo is NOT_FOUND).
 */
export function oidcInfo(c: Config): OidcInfo | null {
  if (c.OIDC_ISSUER) {
    return {
      issuer: c.OIDC_ISSUER,
      auth_url: c.OIDC_AUTH_URL ?? `${c.OIDC_ISSUER.replace(/\/+$/, '')}/auth`,
      client_id: c.OIDC_CLIENT_ID ?? CLI_CLIENT_ID,
      redirect_url: c.OIDC_REDIRECT_URL ?? CLI_REDIRECT,
    };
  }
  if (!c.AUTH_OIDC_BUILTIN) return null;
  const issuer = builtinIdpIssuer(c.PUBLIC_URL);
  return {
    issuer,
    auth_url: c.OIDC_AUTH_URL ?? `${issuer}/auth`,
    client_id: c.OIDC_CLIENT_ID ?? CLI_CLIENT_ID,
    redirect_url: c.OIDC_REDIRECT_URL ?? CLI_REDIRECT,
  };
}
