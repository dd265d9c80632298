import type * as oidc from 'openid-client';
import type { AccessTokenClaims } from '@gatehouse/shared';
import type { TokenSet } from '../domain/token-authority.js';
import type { SignInContext } from '../sso/sign-in-session.js';

/** The end user's side of a call: the address the rate limit counts, the session's ip and user agent. */
export interface CliClient {
  ip: string;
  user_agent: string;
}

/** An IdP's token response as openid-client returns it. */
export type IdpTokens = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/** Where CLIs sign in: the built-in IdP (gatehouse-cli) or the provider AUTH_CLI_PROVIDER names. */
export interface CliIssuer {
  /** GetCliIssuer's issuer_url; also the `iss` of its authorization responses. */
  readonly issuer: string;
  /** Scopes every authorization request there carries besides the CLI's (a provider's AUTH_<NAME>_SCOPE: what its identity mapping needs). */
  readonly scopes: readonly string[];
  /** openid-client's configuration of the CLI's client there (discovered on first use, then kept). */
  configuration(): Promise<oidc.Configuration>;
  /** The Gatehouse session of the person the IdP's token response names. */
  openSession(config: oidc.Configuration, tokens: IdpTokens, ctx: SignInContext): Promise<TokenSet>;
}

/** What the CLI login uses of the token authority and the sessions: few entry points. */
export interface CliAuthority {
  refreshSession(token: string, ctx: { ip?: string | undefined; user_agent?: string | undefined }): Promise<TokenSet>;
  verify(token: string): Promise<AccessTokenClaims>;
}

export interface CliSessions {
  revokeSession(sid: string, reason: string): Promise<boolean>;
}
