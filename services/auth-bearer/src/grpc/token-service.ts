import {
  GatehouseError,
  grpcClientAddress,
  type AsyncHandlers,
  type SessionInfo,
  type TokenServiceHandlers,
  type TokenSet__Output,
  type TrustedPeers,
} from '@gatehouse/shared';
import type { SessionRecord } from '../domain/ports.js';
import type { SessionService } from '../domain/sessions.js';
import type { HandledChanges } from '../store/handled-changes.js';
import type { TokenAuthority, TokenSet } from '../domain/token-authority.js';
import { principalFromClaims, principalFromSession } from './principal.js';

function sessionInfo(s: SessionRecord): SessionInfo {
  return {
    id: s.id,
    user_id: s.user_id,
    client_id: s.client_id,
    amr: s.amr,
    created_at_ms: s.created_at,
    last_used_at_ms: s.last_used_at,
    expires_at_ms: s.expires_at,
    idle_expires_at_ms: s.idle_expires_at,
    ip: s.ip,
    user_agent: s.user_agent,
    principal: principalFromSession(s),
  };
}

/** gatehouse.v1.TokenSet of a session's tokens; the principal carries the access token's id. */
function tokenSetMessage(t: TokenSet): TokenSet__Output {
  return {
    access_token: t.access_token,
    access_token_expires_at_ms: t.access_token_expires_at_ms,
    refresh_token: t.refresh_token,
    refresh_token_expires_at_ms: t.refresh_token_expires_at_ms,
    session_id: t.session_id,
    token_type: t.token_type,
    principal: principalFromSession(t.session, { token_id: t.access_token_id, auth_method: 'bearer' }),
  };
}

/**
 * gatehouse.v1.TokenService: maps messages to the authority and back (the proto is the contract).
 * `trustedPeers` (AUTH_BEARER_TRUST_PROXY): whose x-forwarded-for names the caller's address.
 */
export function tokenServiceHandlers(deps: {
  authority: TokenAuthority;
  sessions: SessionService;
  trustedPeers: TrustedPeers;
  /** The user changes already acted on (RevokeUser's change_id, the user.changed event's id). */
  handled: HandledChanges;
}): AsyncHandlers<TokenServiceHandlers> {
  const { authority, sessions } = deps;

  const findSession = async (req: { session_id?: string; refresh_token?: string }): Promise<SessionRecord | null> => {
    if (req.session_id) return sessions.get(req.session_id);
    if (req.refresh_token) return sessions.findByRefreshToken(req.refresh_token);
    throw new GatehouseError('INVALID_PAYLOAD', { message: 'session_id or refresh_token is required.' });
  };

  return {
    async OpenSession(req, ctx) {
      const p = req.principal;
      const set = await authority.openSession({
        user_id: p?.user_id ?? '',
        email: p?.email,
        name: p?.name,
        roles: p?.roles,
        groups: p?.groups,
        client_id: req.client_id || p?.client_id || 'gatehouse',
        amr: req.amr.length ? req.amr : (p?.amr ?? []),
        scopes: req.scopes.length ? req.scopes : (p?.scopes ?? []),
        // The caller (auth-basic) passes the end user's address; else the shared client-address rule.
        ip: req.ip || grpcClientAddress(ctx, deps.trustedPeers),
        user_agent: req.user_agent,
      });
      return tokenSetMessage(set);
    },
    async RefreshSession(req) {
      if (!req.refresh_token) throw new GatehouseError('INVALID_PAYLOAD', { message: 'refresh_token is required.' });
      return tokenSetMessage(await authority.refreshSession(req.refresh_token, { ip: req.ip, user_agent: req.user_agent }));
    },
    async RevokeSession(req) {
      const reason = req.reason || 'revoked';
      if (req.session_id) return { revoked: (await sessions.revokeSession(req.session_id, reason)) ? 1 : 0 };
      if (req.refresh_token) return { revoked: (await sessions.revokeByRefreshToken(req.refresh_token, reason)) ? 1 : 0 };
      throw new GatehouseError('INVALID_PAYLOAD', { message: 'session_id or refresh_token is required.' });
    },
    async RevokeUser(req) {
      // One change is acted on once: its event may have come first, or this is a retry.
      if (req.change_id && (await deps.handled.done(req.change_id))) return { revoked: 0 };
      const revoked = await sessions.revokeUser(req.user_id, req.reason || 'revoked');
      if (req.change_id) await deps.handled.mark(req.change_id);
      return { revoked };
    },
    async ListSessions(req) {
      if (!req.user_id) throw new GatehouseError('INVALID_PAYLOAD', { message: 'user_id is required.' });
      return { sessions: (await sessions.list(req.user_id)).map(sessionInfo) };
    },
    async MintAccessToken(req) {
      const p = req.principal;
      const minted = await authority.mintAccessToken(
        {
          user_id: p?.user_id ?? '',
          client_id: p?.client_id ?? '',
          email: p?.email ?? '',
          name: p?.name ?? '',
          roles: p?.roles ?? [],
          groups: p?.groups ?? [],
          amr: p?.amr ?? [],
          actor: p?.actor ?? '',
        },
        req.scopes.length ? req.scopes : (p?.scopes ?? []),
        req.audience,
        Number(req.ttl_seconds),
        req.api_key_id ? { id: req.api_key_id, generation: Number(req.api_key_generation) } : undefined,
      );
      return { access_token: minted.token, expires_at_ms: minted.expiresAtMs, token_type: 'Bearer' };
    },
    async VerifyToken(req) {
      if (!req.token) throw new GatehouseError('INVALID_TOKEN', { detail: 'empty token' });
      const claims = await authority.verify(req.token, req.audience || undefined);
      return { principal: principalFromClaims(claims), claims_json: JSON.stringify(claims) };
    },
    async Impersonate(req) {
      const target = req.user_id ? { id: req.user_id } : { email: req.email ?? '' };
      const minted = await authority.impersonate({
        client_id: req.client_id,
        client_secret: req.client_secret,
        target,
        scopes: req.scopes,
        audience: req.audience,
      });
      return { access_token: minted.token, expires_at_ms: minted.expiresAtMs, token_type: 'Bearer' };
    },
    async RotateKeys() {
      const r = await authority.rotateKeys();
      return { kid: r.kid, published_kids: r.published };
    },
    async GetSession(req) {
      const found = await findSession(req);
      if (!found) throw new GatehouseError('INVALID_TOKEN', { detail: 'no such session' });
      // The account as it is now (roles changed since login count at once; a disabled user is refused).
      const s = await sessions.current(found);
      await sessions.touch(s);
      return sessionInfo(s);
    },
  };
}
