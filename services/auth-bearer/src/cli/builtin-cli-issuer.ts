import { decodeJwt } from 'jose';
import type * as oidc from 'openid-client';
import { CLI_CLIENT_ID, GatehouseError, builtinIdpIssuer, type ProviderConfig, type UserDirectory } from '@gatehouse/shared';
import type { OpenSessionInput } from '../domain/sessions.js';
import type { TokenSet } from '../domain/token-authority.js';
import type { ProviderClients } from '../sso/provider-clients.js';
import { signInSessionInput, type SignInContext } from '../sso/sign-in-session.js';
import type { CliIssuer, CliSessions, IdpTokens } from './ports.js';

/**
 * The built-in IdP (PUBLIC_URL/oidc) as an openid-client provider: the confidential gatehouse-cli
 * client. `name` is reserved for providers, so it never meets a configured one in a cache.
 */
export function builtinCliProvider(publicUrl: string, clientSecret: string): ProviderConfig {
  return {
    name: 'oidc',
    driver: 'openid',
    clientId: CLI_CLIENT_ID,
    clientSecret,
    issuer: builtinIdpIssuer(publicUrl),
    authorizeUrl: undefined,
    accessUrl: undefined,
    profileUrl: undefined,
    scope: ['openid'],
    identifierKey: 'sub',
    allowPublicRegistration: false,
    defaultRoleId: undefined,
    mode: 'session',
    redirectAllowList: [],
    icon: undefined,
    label: undefined,
    trustAccessTokens: false,
    audience: undefined,
    // Its requests go to auth-bearer's own listener on loopback (backChannelFetch), whatever PUBLIC_URL's scheme.
    allowInsecureRequests: publicUrl.startsWith('http:'),
  };
}

const AMR_VALUE = /^[\w.-]{1,32}$/;

/** How the person signed in at the IdP (its `amr`: pwd, otp, …); `pwd` when it does not say. */
function amrOf(claims: oidc.IDToken): string[] {
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string' && AMR_VALUE.test(v)) : [];
  return amr.length > 0 ? amr.slice(0, 8) : ['pwd'];
}

/**
 * CLIs sign in at the built-in IdP: its ID token's `sub` is the Gatehouse user id, so the account
 * is read from the user directory (no identity mapping). The IdP opened a Gatehouse session for
 * its grant when the user consented; the IdP's own tokens stop here (the CLI gets the session
 * opened below), so that grant session is ended first: no second, unreachable session per login.
 */
export class BuiltinCliIssuer implements CliIssuer {
  readonly issuer: string;
  /** Its ID tokens carry the user id: nothing more is needed to find the account. */
  readonly scopes: readonly string[] = [];

  constructor(
    private readonly deps: {
      provider: ProviderConfig;
      clients: ProviderClients;
      users: UserDirectory;
      authority: { openSession(input: OpenSessionInput): Promise<TokenSet> };
      sessions: CliSessions;
    },
  ) {
    this.issuer = deps.provider.issuer!;
  }

  configuration(): Promise<oidc.Configuration> {
    return this.deps.clients.get(this.deps.provider);
  }

  async openSession(_config: oidc.Configuration, tokens: IdpTokens, ctx: SignInContext): Promise<TokenSet> {
    await this.endGrantSession(tokens.access_token);
    const id = tokens.claims();
    if (!id) throw new GatehouseError('INVALID_CREDENTIALS', { detail: 'the built-in IdP sent no ID token' });
    const user = await this.deps.users.getUser({ id: id.sub });
    if (!user) throw new GatehouseError('INVALID_CREDENTIALS', { detail: `no user ${id.sub}` });
    return this.deps.authority.openSession(signInSessionInput(user, amrOf(id), ctx));
  }

  /**
   * The IdP's access token names its grant's session (`sid`). It came straight from the IdP's token
   * endpoint on our own listener, so it is only read here, not verified again.
   */
  private async endGrantSession(accessToken: string): Promise<void> {
    let sid: unknown;
    try {
      sid = decodeJwt(accessToken).sid;
    } catch {
      return;
    }
    if (typeof sid === 'string' && sid) await this.deps.sessions.revokeSession(sid, 'cli_login_exchanged');
  }
}
