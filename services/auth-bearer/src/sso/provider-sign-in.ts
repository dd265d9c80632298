import type * as oidc from 'openid-client';
import { GatehouseError, deriveKey, encrypt, type IdentityDirectory, type Logger, type ProviderConfig } from '@gatehouse/shared';
import type { TokenAuthority, TokenSet } from '../domain/token-authority.js';
import { providerIdentity } from './sso-claims.js';
import type { SsoSessionIndex } from './sso-session-index.js';

/** Who is signing in besides the provider's answer: the Gatehouse client and the end user's request. */
export interface SignInContext {
  /** The session's client: `gatehouse` for browser SSO, `gatehouse-cli` for the CLI login. */
  client_id: string;
  scopes: string[];
  ip: string;
  user_agent: string;
}

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
    if (user.status !== 'active') throw new GatehouseError('USER_SUSPENDED', { detail: `user ${user.id} is ${user.status}` });
    const set = await this.deps.authority.openSession({
      user_id: user.id,
      email: user.email,
      name: user.name,
      roles: user.roles,
      groups: user.groups,
      client_id: ctx.client_id,
      amr: [p.driver === 'openid' ? 'oidc' : 'oauth'],
      scopes: ctx.scopes,
      ip: ctx.ip,
      user_agent: ctx.user_agent,
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
