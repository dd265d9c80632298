import type { Metadata } from '@grpc/grpc-js';
import {
  GatehouseError,
  grpcClientAddress,
  type AsyncHandlers,
  type AccessTokenVerifier,
  type LoginServiceHandlers,
  type TrustedPeers,
} from '@gatehouse/shared';
import type { LoginFlow } from '../auth/login-flow.js';
import type { IssuedSession, SessionIssuer } from '../sessions/session-issuer.js';

type Handlers = AsyncHandlers<LoginServiceHandlers>;
/** login.v1.LoginResponse (RefreshTokenResponse has the same fields). */
type LoginResponse = Awaited<ReturnType<Handlers['Login']>>;
/** login.v1.OIDCInfo. */
export type OidcInfo = Awaited<ReturnType<Handlers['GetOIDCInfo']>>;

function reply(s: IssuedSession, issuer: string): LoginResponse {
  const p = s.principal;
  const ms = s.access_token_expires_at_ms;
  return {
    id_token: s.access_token,
    refresh_token: s.refresh_token,
    claims: {
      iss: issuer,
      sub: p?.user_id ?? '',
      name: p?.name ?? '',
      email: p?.email ?? '',
      roles: p?.roles ?? [],
      groups: p?.groups ?? [],
    },
    expires_by: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
  };
}

/**
 * login.v1.LoginService (seed 001). id_token is the access token auth-bearer issued (the proxy
 * accepts it as Bearer). Logout revokes the session of the Bearer token in the call metadata.
 */
export function loginServiceHandlers(deps: {
  login: LoginFlow;
  issuer: SessionIssuer;
  verifyAccessToken: AccessTokenVerifier;
  tokenIssuer: string;
  /** null: no OpenID Provider (AUTH_OIDC_BUILTIN=false and no OIDC_ISSUER). */
  oidc: OidcInfo | null;
  /** AUTH_BASIC_TRUST_PROXY: whose x-forwarded-for metadata gives the client's address. */
  trustedPeers: TrustedPeers;
}): Handlers {
  const ua = (md: Metadata) => String(md.get('user-agent')[0] ?? '').slice(0, 512);
  return {
    Login: async (r, ctx) => {
      const { session } = await deps.login.login(
        { email: r.email, password: r.password, ip: grpcClientAddress(ctx, deps.trustedPeers) },
        ua(ctx.metadata),
      );
      return reply(session, deps.tokenIssuer);
    },
    RefreshToken: async (r, ctx) => {
      if (!r.refresh_token || r.refresh_token.length > 512)
        throw new GatehouseError('INVALID_PAYLOAD', { message: 'refresh_token is required.' });
      return reply(
        await deps.issuer.refresh(r.refresh_token, grpcClientAddress(ctx, deps.trustedPeers), ua(ctx.metadata)),
        deps.tokenIssuer,
      );
    },
    GetOIDCInfo: async () => {
      if (!deps.oidc)
        throw new GatehouseError('NOT_FOUND', {
          message: 'No OpenID Provider is configured: the built-in one is off (AUTH_OIDC_BUILTIN=false).',
        });
      return deps.oidc;
    },
    Logout: async (_r, ctx) => {
      const header = ctx.metadata.get('authorization')[0];
      const m = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
      if (!m) throw new GatehouseError('UNAUTHENTICATED', { message: 'A Bearer token is required.' });
      const claims = await deps.verifyAccessToken(m[1]!);
      if (typeof claims.sid !== 'string' || claims.sid === '')
        throw new GatehouseError('INVALID_TOKEN', { detail: 'token has no session' });
      await deps.issuer.revokeSession({ sessionId: claims.sid }, 'logout');
      return {};
    },
  };
}
