import type * as oidc from 'openid-client';
import { deriveKey, encrypt, type IdentityDirectory, type Logger, type ProviderConfig } from '@gatehouse/shared';
import type { TokenAuthority, TokenSet } from '../domain/token-authority.js';
import { signInSessionInput, type SignInContext } from './sign-in-session.js';
import { providerIdentity } from './sso-claims.js';
import type { SsoSessionIndex } from './sso-session-index.js';

/**
 * From a provider's token response to a Gatehouse session: the person's claims (ID token, else
 * userinfo or the profile URL), the account auth-basic maps them to (find, link, register), a
 * session that remembers the provider session (back-channel logout) and its refresh token sealed.
 * One path for the browser SSO callback and the CLI login (AuthService.LoginCli), so both map a
 * person to the same account by the same rules.
 */
export class ProviderSignIn {
  private readonly refreshKey: Buffer;

  constructor(
    private readonly deps: {
      identities: IdentityDirectory;
      authority: TokenAuthority;
      index: SsoSessionIndex;
      logger: Logger;
      secret: string;
    },
  ) {
    this.refreshKey = deriveKey(deps.secret, 'sso-refresh-token');
  }

  async open(
    p: ProviderConfig,
    config: oidc.Configuration,
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    ctx: SignInContext,
  ): Promise<TokenSet> {
    const who = await providerIdentity(config, p, tokens);
    const user = await this.deps.identities.signIn(who.claims);
    const set = await this.deps.authority.openSession({
      ...signInSessionInput(user, [p.driver === 'openid' ? 'oidc' : 'oauth'], ctx),
      external: {
        provider: p.name,
        ...(who.sub ? { sub: who.sub } : {}),
        ...(who.sid ? { sid: who.sid } : {}),
        ...(tokens.refresh_token ? { refresh_token_sealed: this.sealRefreshToken(p.name, tokens.refresh_token) } : {}),
      },
    });
    await this.deps.index.add(p.name, set.session_id, { sub: who.sub, sid: who.sid });
    this.deps.logger.info(
      { provider: p.name, client_id: ctx.client_id, user_id: user.id, sid: set.session_id },
      'signed in through a provider',
    );
    return set;
  }

  /** The provider's refresh token at rest: AES-256-GCM, bound to the provider. */
  private sealRefreshToken(provider: string, token: string): string {
    return encrypt(this.refreshKey, token, `sso-refresh:${provider}`);
  }
}
