import type * as oidc from 'openid-client';
import type { ProviderConfig } from '@gatehouse/shared';
import type { TokenSet } from '../domain/token-authority.js';
import type { ProviderClients } from '../sso/provider-clients.js';
import type { ProviderSignIn } from '../sso/provider-sign-in.js';
import type { SignInContext } from '../sso/sign-in-session.js';
import type { CliIssuer, IdpTokens } from './ports.js';

/**
 * CLIs sign in at the external provider AUTH_CLI_PROVIDER names: its configuration (AUTH_<NAME>_*),
 * openid-client configuration (shared with the browser SSO) and identity mapping, through the same
 * ProviderSignIn as the SSO callback: the same account, the same back-channel logout.
 */
export class ProviderCliIssuer implements CliIssuer {
  readonly issuer: string;
  readonly scopes: readonly string[];

  constructor(
    private readonly provider: ProviderConfig,
    private readonly clients: ProviderClients,
    private readonly signIn: ProviderSignIn,
  ) {
    this.issuer = provider.issuer!;
    // The provider's scopes (AUTH_<NAME>_SCOPE, default openid profile email): the identity mapping needs the e-mail.
    this.scopes = provider.scope;
  }

  configuration(): Promise<oidc.Configuration> {
    return this.clients.get(this.provider);
  }

  openSession(config: oidc.Configuration, tokens: IdpTokens, ctx: SignInContext): Promise<TokenSet> {
    return this.signIn.open(this.provider, config, tokens, ctx);
  }
}
