import * as client from 'openid-client';
import { backChannelFetch, discoverClient } from '@gatehouse/shared';
import { IdpError, type IdentityProvider, type IdpTokens } from '../domain/ports.js';

export interface OpenIdProviderOptions {
  /** The issuer (AUTH_APIKEY_OIDC_ISSUER_URL, default PUBLIC_URL/oidc: the built-in IdP). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** PUBLIC_URL/apikey/oauthcallback (the proxy routes it to this service). */
  redirectUri: string;
  /** AUTH_APIKEY_OIDC_SCOPE (offline_access is what makes a refresh token, and so a grant to keep). */
  scope: string;
  /** AUTH_APIKEY_OIDC_TIMEOUT, for every request to the IdP. */
  timeoutMs: number;
  /**
   * AUTH_APIKEY_OIDC_INTERNAL_URL: where this service reaches the issuer when the issuer's public URL
   * does not route from inside the deployment (containers: PUBLIC_URL is the browser's address).
   * Back-channel requests (discovery, token, JWKS) under the issuer are sent there instead; the
   * issuer identifier, the browser's authorization URL and every check stay the public ones.
   */
  internalUrl?: string | undefined;
}

/**
 * The IdP through openid-client 6: discovery (cached once it succeeded), the authorization URL with
 * PKCE S256, state, nonce and `prompt=consent` (oidc-provider issues a refresh token for
 * offline_access only then), the code exchange with every check openid-client makes (state, iss,
 * PKCE, ID token signature, nonce, audience), and refresh. Plain http only for loopback issuers
 * (the shared discoverClient; the config refuses the rest).
 */
export class OpenIdIdentityProvider implements IdentityProvider {
  private config: Promise<client.Configuration> | undefined;

  constructor(private readonly o: OpenIdProviderOptions) {}

  private configuration(): Promise<client.Configuration> {
    // client_secret_basic: APIKEY_CLIENT_AUTH_METHOD, what the built-in IdP registers gatehouse-apikey with.
    this.config ??= discoverClient(this.o.issuer, this.o.clientId, client.ClientSecretBasic(this.o.clientSecret), {
      timeoutMs: this.o.timeoutMs,
      // Any IdP: its keys or userinfo may live on another host, which is asked as discovery names it.
      fetch: this.o.internalUrl ? backChannelFetch(this.o.issuer, this.o.internalUrl, 'pass') : undefined,
    }).catch((err: unknown) => {
      this.config = undefined; // asked again next time
      throw toIdpError(err);
    });
    return this.config;
  }

  async authorizationUrl(p: { state: string; codeChallenge: string; nonce: string }): Promise<string> {
    const config = await this.configuration();
    return client
      .buildAuthorizationUrl(config, {
        redirect_uri: this.o.redirectUri,
        scope: this.o.scope,
        response_type: 'code',
        state: p.state,
        nonce: p.nonce,
        code_challenge: p.codeChallenge,
        code_challenge_method: 'S256',
        prompt: 'consent',
      })
      .toString();
  }

  async exchangeCode(callback: URLSearchParams, checks: { state: string; codeVerifier: string; nonce: string }): Promise<IdpTokens> {
    const config = await this.configuration();
    const url = new URL(this.o.redirectUri);
    url.search = callback.toString();
    try {
      const res = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      return tokensOf(res);
    } catch (err) {
      throw toIdpError(err);
    }
  }

  async refresh(refreshToken: string): Promise<IdpTokens> {
    const config = await this.configuration();
    try {
      return tokensOf(await client.refreshTokenGrant(config, refreshToken));
    } catch (err) {
      throw toIdpError(err);
    }
  }
}

function tokensOf(res: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): IdpTokens {
  const claims = res.claims();
  return {
    subject: typeof claims?.sub === 'string' ? claims.sub : '',
    email: typeof claims?.email === 'string' ? claims.email : undefined,
    emailVerified: typeof claims?.email_verified === 'boolean' ? claims.email_verified : undefined,
    refreshToken: res.refresh_token,
    expiresInSec: res.expiresIn(),
  };
}

/** openid-client's failures as the domain sees them; messages stay private (no codes or tokens in them). */
export function toIdpError(err: unknown): IdpError {
  if (err instanceof IdpError) return err;
  if (err instanceof client.ResponseBodyError) {
    if (err.error === 'invalid_grant') return new IdpError('invalid_grant', err.error, { cause: err });
    return new IdpError(err.status >= 500 ? 'unavailable' : 'rejected', err.error, { cause: err });
  }
  if (err instanceof client.AuthorizationResponseError) return new IdpError('rejected', err.error, { cause: err });
  const code = (err as { code?: unknown }).code;
  // openid-client's own checks (state, iss, nonce, signature, response shape) carry OAUTH_* codes.
  if (typeof code === 'string' && code.startsWith('OAUTH_') && code !== 'OAUTH_RESPONSE_IS_NOT_CONFORM')
    return new IdpError('rejected', code.toLowerCase(), { cause: err });
  return new IdpError('unavailable', 'idp_unavailable', { cause: err });
}
