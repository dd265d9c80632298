import {
  ADMIN_ROLE,
  GatehouseError,
  createAccessTokenVerifier,
  type AccessTokenClaims,
  type AccessTokenVerifier,
  type Clock,
  type Principal__Output,
  type TokenSet__Output,
  type UserDirectory,
} from '@gatehouse/shared';
import type { ServiceAccount } from '../config.js';
import type { EventPublisher } from '../events/publisher.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { SessionRecord } from '../store/session-store.js';
import type { AccessTokenIssuer } from './access-tokens.js';
import { authenticateClient } from './client-credentials.js';
import { isPlausibleToken, type OpenSessionInput, type SessionService } from './sessions.js';

/** The id of an API key (auth-apikey): a UUID, lower case. */
const API_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A TokenSet as this service answers it: every field set, the principal always present. */
export type TokenSetOut = TokenSet__Output & { principal: Principal__Output; token_type: 'Bearer' };

export interface AuthorityOptions {
  issuer: string;
  audience: string;
  allowedAudiences: string[];
  clockSkewSec: number;
  maxTokenBytes: number;
  mintMaxTtlMs: number;
  impersonationTtlMs: number;
  serviceAccounts: ServiceAccount[];
}

export function principalFromSession(s: SessionRecord, extra: Partial<Principal__Output> = {}): Principal__Output {
  return {
    user_id: s.user_id,
    email: s.email,
    name: s.name,
    roles: s.roles,
    groups: s.groups,
    amr: s.amr,
    scopes: s.scopes,
    sid: s.id,
    client_id: s.client_id,
    actor: '',
    token_id: '',
    expires_at_ms: s.expires_at,
    auth_method: 'session',
    ...extra,
  };
}

export function principalFromClaims(c: AccessTokenClaims): Principal__Output {
  return {
    user_id: c.sub,
    email: c.email ?? '',
    name: c.name ?? '',
    roles: c.roles ?? [],
    groups: c.groups ?? [],
    amr: c.amr ?? [],
    scopes: typeof c.scope === 'string' && c.scope ? c.scope.split(' ') : [],
    sid: c.sid ?? '',
    client_id: c.client_id,
    actor: c.act?.sub ?? '',
    token_id: c.jti,
    expires_at_ms: c.exp * 1000,
    auth_method: 'bearer',
  };
}

/**
 * The token authority's use cases: sessions with tokens, session-less tokens, verification with
 * revocation, impersonation and key rotation. Transports (HTTP, gRPC) only translate to and from it.
 */
export class TokenAuthority {
  private readonly verifiers = new Map<string, AccessTokenVerifier>();
  private readonly audiences: Set<string>;

  constructor(
    private readonly deps: {
      sessions: SessionService;
      issuer: AccessTokenIssuer;
      keys: KeyRing;
      users: UserDirectory;
      events: EventPublisher;
      clock: Clock;
      opts: AuthorityOptions;
    },
  ) {
    this.audiences = new Set([deps.opts.audience, ...deps.opts.allowedAudiences]);
  }

  private audienceOf(requested: string | undefined): string {
    const aud = requested || this.deps.opts.audience;
    if (!this.audiences.has(aud))
      throw new GatehouseError('INVALID_REQUEST', { message: 'Audience not allowed.', detail: `audience ${aud}` });
    return aud;
  }

  private async tokenSet(session: SessionRecord, refreshToken: string): Promise<TokenSetOut> {
    const at = await this.deps.issuer.mint({
      sub: session.user_id,
      client_id: session.client_id,
      scope: session.scopes,
      sid: session.id,
      amr: session.amr,
      roles: session.roles,
      groups: session.groups,
      email: session.email,
      name: session.name,
    });
    return {
      access_token: at.token,
      access_token_expires_at_ms: at.expiresAtMs,
      refresh_token: refreshToken,
      refresh_token_expires_at_ms: session.expires_at,
      session_id: session.id,
      token_type: 'Bearer',
      principal: principalFromSession(session, { token_id: at.jti, auth_method: 'bearer' }),
    };
  }

  async openSession(input: OpenSessionInput): Promise<TokenSetOut> {
    const { session, refreshToken } = await this.deps.sessions.open(input);
    return this.tokenSet(session, refreshToken);
  }

  async refreshSession(refreshToken: string, ctx: { ip?: string | undefined; user_agent?: string | undefined }): Promise<TokenSetOut> {
    const { session, refreshToken: next } = await this.deps.sessions.refresh(refreshToken, ctx);
    return this.tokenSet(session, next);
  }

  private verifierFor(audience: string): AccessTokenVerifier {
    let v = this.verifiers.get(audience);
    if (!v) {
      const o = this.deps.opts;
      v = createAccessTokenVerifier({
        issuer: o.issuer,
        audience,
        keys: this.deps.keys.keySource(),
        algorithms: ['ES256', 'RS256', 'EdDSA'],
        clockSkewSec: o.clockSkewSec,
        maxTokenBytes: o.maxTokenBytes,
        clock: this.deps.clock,
      });
      this.verifiers.set(audience, v);
    }
    return v;
  }

  /** Verifies an access token this service issued, including revocation (session allow-list, user not-before). */
  async verify(token: string, audience?: string): Promise<AccessTokenClaims> {
    const claims = await this.verifierFor(this.audienceOf(audience))(token);
    if (claims.sid) {
      if (!(await this.deps.sessions.get(claims.sid))) throw new GatehouseError('INVALID_TOKEN', { detail: 'session revoked' });
    } else {
      const nbf = await this.deps.sessions.userNotBefore(claims.sub);
      // iat has whole seconds: a token minted later in the second of the revocation must stay valid.
      if (nbf !== null && claims.iat < Math.floor(nbf / 1000))
        throw new GatehouseError('INVALID_TOKEN', { detail: 'user credentials revoked' });
    }
    return claims;
  }

  /**
   * Session-less access tokens for auth-app and auth-apikey; the lifetime is capped. `apiKey` names
   * the key (UUID) and generation a token is minted from, so the proxy can revoke by key.
   */
  async mintAccessToken(
    p: {
      user_id: string;
      client_id?: string;
      email?: string;
      name?: string;
      roles?: string[];
      groups?: string[];
      amr?: string[];
      actor?: string;
    },
    scopes: string[],
    audience: string | undefined,
    ttlSeconds: number,
    apiKey?: { id: string; generation: number },
  ) {
    if (!p.user_id) throw new GatehouseError('INVALID_PAYLOAD', { message: 'principal.user_id is required.' });
    if (apiKey && (!API_KEY_ID.test(apiKey.id) || !Number.isSafeInteger(apiKey.generation) || apiKey.generation < 1))
      throw new GatehouseError('INVALID_PAYLOAD', { message: 'api_key_id must be a UUID and api_key_generation a positive integer.' });
    const max = this.deps.opts.mintMaxTtlMs;
    const ttlMs = ttlSeconds > 0 ? Math.min(ttlSeconds * 1000, max) : Math.min(max, 15 * 60_000);
    return this.deps.issuer.mint(
      {
        sub: p.user_id,
        client_id: p.client_id || 'gatehouse',
        scope: scopes,
        amr: p.amr,
        roles: p.roles,
        groups: p.groups,
        email: p.email,
        name: p.name,
        actor: p.actor,
        apiKey,
      },
      { ttlMs, audience: this.audienceOf(audience) },
    );
  }

  /** A configured service account acting for a user; every attempt is audited. */
  async impersonate(req: {
    client_id: string;
    client_secret: string;
    target: { id: string } | { email: string };
    scopes: string[];
    audience?: string;
  }) {
    const target = 'id' in req.target ? req.target.id : req.target.email;
    const refuse = async (
      code: 'INVALID_CREDENTIALS' | 'FORBIDDEN' | 'NOT_FOUND' | 'INSUFFICIENT_SCOPE' | 'INVALID_PAYLOAD',
      reason: string,
    ): Promise<never> => {
      await this.deps.events.audit('impersonation.refused', req.client_id || 'unknown', target || 'unknown', { reason });
      throw new GatehouseError(code, { detail: reason });
    };
    const account = authenticateClient(this.deps.opts.serviceAccounts, req.client_id, req.client_secret);
    if (!account) return refuse('INVALID_CREDENTIALS', 'bad service account credentials');
    if (!target) return refuse('INVALID_PAYLOAD', 'no target user');
    if (account.scopes && !req.scopes.every((s) => account.scopes!.includes(s)))
      return refuse('INSUFFICIENT_SCOPE', 'scope not allowed for this service account');
    const user = await this.deps.users.getUser(req.target);
    if (!user) return refuse('NOT_FOUND', 'no such user');
    if (user.status !== 'active') return refuse('FORBIDDEN', `user is ${user.status || 'inactive'}`);
    if (user.roles.includes(ADMIN_ROLE) && !account.allow_admin_targets)
      return refuse('FORBIDDEN', 'admin targets not allowed for this service account');
    const minted = await this.deps.issuer.mint(
      {
        sub: user.id,
        client_id: account.client_id,
        scope: req.scopes,
        amr: ['svc'],
        roles: user.roles,
        groups: user.groups,
        email: user.email,
        name: user.name,
        actor: account.client_id,
      },
      { ttlMs: this.deps.opts.impersonationTtlMs, audience: this.audienceOf(req.audience) },
    );
    await this.deps.events.audit('impersonation.allowed', account.client_id, user.id, { jti: minted.jti, scopes: req.scopes });
    return minted;
  }

  async rotateKeys(): Promise<{ kid: string; published: string[] }> {
    const res = await this.deps.keys.rotate();
    await this.deps.events.keysRotated(res.kid);
    await this.deps.events.audit('keys.rotated', 'auth-bearer', res.kid);
    return res;
  }

  /** RFC 7662: active tokens with their claims, `{active:false}` for anything else (store outages still fail). */
  async introspect(token: string, hint?: string): Promise<Record<string, unknown>> {
    const asRefresh = async () => {
      const s = await this.deps.sessions.findByRefreshToken(token);
      if (!s) return null;
      return {
        active: true,
        token_type: 'refresh_token',
        sub: s.user_id,
        client_id: s.client_id,
        sid: s.id,
        scope: s.scopes.join(' ') || undefined,
        iat: Math.floor(s.created_at / 1000),
        exp: Math.floor(s.expires_at / 1000),
        iss: this.deps.opts.issuer,
      };
    };
    const asAccess = async () => {
      try {
        const c = await this.verify(token);
        return { ...c, active: true, token_type: 'Bearer', username: c.email };
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'SERVICE_UNAVAILABLE') throw err;
        return null;
      }
    };
    const looksLikeRefresh = isPlausibleToken(token);
    const order = hint === 'refresh_token' || looksLikeRefresh ? [asRefresh, asAccess] : [asAccess, asRefresh];
    for (const f of order) {
      const r = await f();
      if (r) return r;
    }
    return { active: false };
  }

  /** RFC 7009: refresh tokens end their session; session-bound access tokens too. Unknown tokens: nothing. */
  async revoke(token: string): Promise<void> {
    if (isPlausibleToken(token)) {
      if (await this.deps.sessions.revokeByRefreshToken(token, 'oauth_revoke')) return;
    }
    try {
      const c = await this.verify(token);
      if (c.sid) await this.deps.sessions.revokeSession(c.sid, 'oauth_revoke');
    } catch (err) {
      if (err instanceof GatehouseError && err.code === 'SERVICE_UNAVAILABLE') throw err;
    }
  }
}
