import type {
  default as ProviderType,
  Account,
  AsymmetricSigningAlgorithm,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
} from 'oidc-provider';
import { Provider, errors, interactionPolicy } from './oidc-provider.js';
import { OIDC_CLIENT_AMR, OIDC_PROVIDER_COOKIE_NAMES, type DirectoryUser } from '@gatehouse/shared';
import { REFRESH_TOKEN_REUSE } from '../events/publisher.js';
import { FIRST_PARTY_CLIENTS } from './clients.js';
import type { GrantSessions } from './grant-sessions.js';
import { errorPage } from './pages.js';
import type { IdpDeps } from './ports.js';
import { storeAdapter } from './store-adapter.js';

export interface ProviderOptions {
  issuer: string;
  /** The resource indicator of the Gatehouse API (PUBLIC_URL): access tokens for it are Gatehouse tokens. */
  resource: string;
  /** ACCESS_TOKEN_AUDIENCE: their `aud`; the `audience` request parameter may name it. */
  audience: string;
  /** The key ring's published keys, the active key first: ID tokens are signed with the first key of their alg. */
  jwks: { keys: Array<Record<string, unknown>> };
  clients: ClientMetadata[];
  cookieKeys: string[];
  secureCookies: boolean;
  /** Seconds. */
  ttl: { accessToken: number; refreshToken: number; code: number; interaction: number; login: number };
  deps: IdpDeps;
  grants: GrantSessions;
}

interface GatehouseAccount extends Account {
  user: DirectoryUser;
}

const issuerPath = (issuer: string) => new URL(issuer).pathname.replace(/\/+$/, '');

/**
 * A Provider configured for Gatehouse: accounts from the user directory, storage in the shared
 * store, the key ring's keys, JWT access tokens for the Gatehouse API that carry the sid of the
 * grant's Gatehouse session, and only what is needed switched on (code flow, refresh, revocation).
 */
export function createProvider(o: ProviderOptions): ProviderType {
  const { deps, grants } = o;
  const activeKey = o.jwks.keys[0] as { kid: string; alg: AsymmetricSigningAlgorithm };
  const path = issuerPath(o.issuer);

  const findAccount = async (_ctx: KoaContextWithOIDC, id: string): Promise<GatehouseAccount | undefined> => {
    const user = await deps.users.getUser({ id });
    // A disabled, suspended or deleted user has no account here: no code, no refresh, a new login.
    if (!user || user.status !== 'active') return undefined;
    return { accountId: user.id, user, claims: () => ({ sub: user.id, email: user.email, name: user.name }) };
  };

  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(
    new interactionPolicy.Check('gatehouse_account', 'End-User must sign in again', async (ctx) => {
      const { session, account } = ctx.oidc;
      if (!session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (!account) return interactionPolicy.Check.REQUEST_PROMPT;
      // "Sign out everywhere", a password change or a disable since this browser signed in.
      const notBefore = await deps.sessions.userNotBefore(session.accountId);
      if (notBefore !== null && (session.loginTs ?? 0) < Math.floor(notBefore / 1000)) return interactionPolicy.Check.REQUEST_PROMPT;
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );

  const configuration: Configuration = {
    adapter: storeAdapter(deps.store, { alive: (id) => grants.alive(id), revoked: (id) => grants.end(id, 'oidc_grant_revoked') }),
    clients: o.clients,
    jwks: o.jwks,
    findAccount,
    claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    // ID tokens carry the claims of the granted scopes (the CLI has no userinfo call to make).
    conformIdTokenClaims: false,
    extraParams: ['audience'],
    clientDefaults: { id_token_signed_response_alg: activeKey.alg, grant_types: ['authorization_code'], response_types: ['code'] },
    responseTypes: ['code'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    cookies: {
      names: OIDC_PROVIDER_COOKIE_NAMES,
      keys: o.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', secure: o.secureCookies, path: path || '/' },
      short: { httpOnly: true, sameSite: 'lax', secure: o.secureCookies },
    },
    interactions: { url: (_ctx, interaction) => `${path}/interaction/${interaction.uid}`, policy },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx) => {
          const aud = ctx.oidc.params?.audience;
          if (aud !== undefined && aud !== o.audience) throw new errors.InvalidTarget('unknown audience');
          return o.resource;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== o.resource) throw new errors.InvalidTarget();
          return {
            scope: 'openid profile email offline_access',
            audience: o.audience,
            accessTokenTTL: o.ttl.accessToken,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: activeKey.alg, kid: activeKey.kid } },
          };
        },
      },
    },
    extraTokenClaims: async (ctx, token) => {
      if (token.kind !== 'AccessToken' || !token.grantId) return undefined;
      const s = await grants.sessionOf(token.grantId);
      if (!s) throw new errors.InvalidGrant('the session of this grant has ended');
      await deps.sessions.touch(s);
      const user = (ctx.oidc.entities.Account as GatehouseAccount | undefined)?.user;
      const thirdParty = !FIRST_PARTY_CLIENTS.has(token.clientId ?? '');
      return {
        sid: s.id,
        amr: thirdParty ? [...s.amr, OIDC_CLIENT_AMR] : s.amr,
        email: user?.email ?? s.email,
        name: user?.name ?? s.name,
        // A third-party app never holds the user's roles: it cannot pass an admin check.
        roles: thirdParty ? [] : (user?.roles ?? s.roles),
        groups: user?.groups ?? s.groups,
      };
    },
    ttl: {
      AccessToken: o.ttl.accessToken,
      AuthorizationCode: o.ttl.code,
      IdToken: o.ttl.accessToken,
      Interaction: o.ttl.interaction,
      Session: o.ttl.login,
      Grant: o.ttl.refreshToken,
      RefreshToken: o.ttl.refreshToken,
    },
    // Every refresh rotates; a rotated token presented again revokes the grant (and so its session).
    rotateRefreshToken: true,
    renderError: (ctx, out) => {
      const p = errorPage(ctx.status >= 400 ? ctx.status : 400, out.error_description ?? out.error ?? 'The request was refused.');
      ctx.status = p.status;
      ctx.set(p.headers);
      ctx.body = p.body;
    },
  };

  const provider = new Provider(o.issuer, configuration);
  // auth-bearer runs behind the proxy; the middleware that mounts this sets the forwarded
  // protocol and host from PUBLIC_URL itself (never from the client), so every URL is PUBLIC_URL's.
  provider.proxy = true;
  provider.on('server_error', (_ctx, err) => deps.logger.error({ err }, 'built-in OpenID Provider error'));
  // A rotated refresh token presented again: oidc-provider has revoked the grant (and so its
  // session); audited as auth-bearer's own reuse detections are, so one alert watches both.
  provider.on('grant.error', (ctx, err) => {
    const token = ctx.oidc.entities.RefreshToken;
    if (!(err instanceof errors.InvalidGrant) || !token?.consumed || !token.accountId) return;
    deps.logger.warn({ user_id: token.accountId, client_id: token.clientId }, 'built-in IdP refresh token reuse: grant revoked');
    void deps.events
      .audit(REFRESH_TOKEN_REUSE, token.accountId, token.grantId ?? 'unknown', { client_id: token.clientId, via: 'oidc' })
      .catch(() => undefined);
  });
  return provider;
}
